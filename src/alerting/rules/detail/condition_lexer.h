// The lexer of the condition language (alerting/rules/condition.h): splits a condition into tokens,
// each with its 1-based column. Internal to src/alerting.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace mw::alerting::detail {

enum class Tok {
  kEnd,
  kIdent,
  kNumber,
  kString,
  kRange,  // the text between [ and ]
  kAnd,
  kOr,
  kLParen,
  kRParen,
  kLBrace,
  kRBrace,
  kComma,
  kPlus,
  kMinus,
  kStar,
  kSlash,
  kGt,
  kGe,
  kLt,
  kLe,
  kEqEq,
  kNe,
  kAssign,    // =   (matchers)
  kRegex,     // =~
  kNotRegex,  // !~
};

struct Token {
  Tok kind = Tok::kEnd;
  std::string text;  // identifier, string value (unescaped), range text, number text
  double number = 0;
  int column = 0;
};

// A syntax error at a column; the lexer and the parser throw it, ParseCondition turns it into a
// Status (exceptions never leave condition.cc).
struct ConditionSyntaxError {
  int column;
  std::string message;
};

// Every token of `text`, the last one kEnd. Throws ConditionSyntaxError at the first character
// it cannot read (unterminated string, unclosed "[", stray character, bad number).
std::vector<Token> Tokenize(std::string_view text);

// How a message names a token: its text, or "the end", "a string", "a range".
std::string_view TokenName(const Token& t);

}  // namespace mw::alerting::detail
