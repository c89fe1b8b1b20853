#include "alerting/rules/detail/condition_lexer.h"

#include <cctype>
#include <charconv>
#include <cmath>

#include "common/duration.h"

namespace mw::alerting::detail {
namespace {

std::string Quote(std::string_view s) { return "\"" + std::string(s) + "\""; }

bool IsIdentStart(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool IsIdentChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

class Lexer {
 public:
  explicit Lexer(std::string_view text) : text_(text) {}

  std::vector<Token> Run() {
    std::vector<Token> out;
    while (true) {
      while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
      Token t;
      t.column = static_cast<int>(pos_) + 1;
      if (pos_ >= text_.size()) {
        out.push_back(t);
        return out;
      }
      const char c = text_[pos_];
      if (IsIdentStart(c)) {
        size_t end = pos_;
        while (end < text_.size() && IsIdentChar(text_[end])) ++end;
        t.text = std::string(text_.substr(pos_, end - pos_));
        const std::string lower = Lower(t.text);
        t.kind = lower == "and" ? Tok::kAnd : lower == "or" ? Tok::kOr : Tok::kIdent;
        pos_ = end;
      } else if (std::isdigit(static_cast<unsigned char>(c)) || c == '.') {
        ReadNumber(t);
      } else if (c == '"' || c == '\'') {
        ReadString(t);
      } else if (c == '[') {
        const size_t close = text_.find(']', pos_);
        if (close == std::string_view::npos) Fail(t.column, "unclosed \"[\"");
        t.kind = Tok::kRange;
        t.text = std::string(text_.substr(pos_ + 1, close - pos_ - 1));
        pos_ = close + 1;
      } else {
        ReadOperator(t);
      }
      out.push_back(std::move(t));
    }
  }

 private:
  [[noreturn]] void Fail(int column, std::string message) {
    throw ConditionSyntaxError{column, std::move(message)};
  }

  void ReadNumber(Token& t) {
    size_t end = pos_;
    while (end < text_.size() &&
           (std::isdigit(static_cast<unsigned char>(text_[end])) || text_[end] == '.')) {
      ++end;
    }
    if (end < text_.size() && (text_[end] == 'e' || text_[end] == 'E')) {
      size_t exp = end + 1;
      if (exp < text_.size() && (text_[exp] == '+' || text_[exp] == '-')) ++exp;
      if (exp < text_.size() && std::isdigit(static_cast<unsigned char>(text_[exp]))) {
        end = exp;
        while (end < text_.size() && std::isdigit(static_cast<unsigned char>(text_[end]))) ++end;
      }
    }
    size_t word_end = end;
    while (word_end < text_.size() && IsIdentChar(text_[word_end])) ++word_end;
    const std::string_view word = text_.substr(pos_, word_end - pos_);
    if (word_end != end) {
      Fail(t.column, "bad number " + Quote(word) +
                         (ParseDurationMillis(word)
                              ? " (a range goes in brackets: name[" + std::string(word) + "])"
                              : ""));
    }
    double value = 0;
    auto [ptr, ec] = std::from_chars(word.data(), word.data() + word.size(), value);
    if (ec != std::errc() || ptr != word.data() + word.size() || !std::isfinite(value)) {
      Fail(t.column, "bad number " + Quote(word));
    }
    t.kind = Tok::kNumber;
    t.text = std::string(word);
    t.number = value;
    pos_ = end;
  }

  void ReadString(Token& t) {
    const char quote = text_[pos_];
    size_t i = pos_ + 1;
    std::string value;
    for (; i < text_.size() && text_[i] != quote; ++i) {
      if (text_[i] != '\\') {
        value += text_[i];
        continue;
      }
      if (++i >= text_.size()) break;
      switch (text_[i]) {
        case '\\':
        case '"':
        case '\'':
          value += text_[i];
          break;
        case 'n':
          value += '\n';
          break;
        case 't':
          value += '\t';
          break;
        default:
          Fail(static_cast<int>(i), std::string("unknown escape \\") + text_[i] + " in a string");
      }
    }
    if (i >= text_.size()) Fail(t.column, "unterminated string");
    t.kind = Tok::kString;
    t.text = std::move(value);
    pos_ = i + 1;
  }

  void ReadOperator(Token& t) {
    const std::string_view rest = text_.substr(pos_);
    struct Op {
      std::string_view text;
      Tok kind;
    };
    // Two-character operators first.
    static constexpr Op kOps[] = {{">=", Tok::kGe},    {"<=", Tok::kLe},    {"==", Tok::kEqEq},
                                  {"!=", Tok::kNe},    {"=~", Tok::kRegex}, {"!~", Tok::kNotRegex},
                                  {">", Tok::kGt},     {"<", Tok::kLt},     {"=", Tok::kAssign},
                                  {"(", Tok::kLParen}, {")", Tok::kRParen}, {"{", Tok::kLBrace},
                                  {"}", Tok::kRBrace}, {",", Tok::kComma},  {"+", Tok::kPlus},
                                  {"-", Tok::kMinus},  {"*", Tok::kStar},   {"/", Tok::kSlash}};
    for (const Op& op : kOps) {
      if (rest.starts_with(op.text)) {
        t.kind = op.kind;
        t.text = std::string(op.text);
        pos_ += op.text.size();
        return;
      }
    }
    if (rest.starts_with("&&") || rest.starts_with("||")) {
      Fail(t.column, Quote(rest.substr(0, 2)) + " is not an operator; write \"and\" / \"or\"");
    }
    Fail(t.column, "unexpected character " + Quote(rest.substr(0, 1)));
  }

  std::string_view text_;
  size_t pos_ = 0;
};

}  // namespace

std::vector<Token> Tokenize(std::string_view text) { return Lexer(text).Run(); }

std::string_view TokenName(const Token& t) {
  switch (t.kind) {
    case Tok::kEnd:
      return "the end";
    case Tok::kIdent:
    case Tok::kNumber:
    case Tok::kAnd:
    case Tok::kOr:
      return t.text;
    case Tok::kString:
      return "a string";
    case Tok::kRange:
      return "a range";
    default:
      return t.text;
  }
}

}  // namespace mw::alerting::detail
