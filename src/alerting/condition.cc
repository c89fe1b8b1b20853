#include "alerting/condition.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <optional>
#include <regex>
#include <utility>

#include "alerting/detail/condition_lexer.h"
#include "common/duration.h"
#include "common/strings.h"

namespace mw::alerting {
namespace {

using detail::Tok;
using detail::Token;
using detail::TokenName;
using ParseError = detail::ConditionSyntaxError;

std::string Quote(std::string_view s) { return "\"" + std::string(s) + "\""; }

std::optional<BinaryOp> ComparisonOf(Tok kind) {
  switch (kind) {
    case Tok::kGt:
      return BinaryOp::kGt;
    case Tok::kGe:
      return BinaryOp::kGe;
    case Tok::kLt:
      return BinaryOp::kLt;
    case Tok::kLe:
      return BinaryOp::kLe;
    case Tok::kEqEq:
      return BinaryOp::kEq;
    case Tok::kNe:
      return BinaryOp::kNe;
    default:
      return std::nullopt;
  }
}

class Parser {
 public:
  Parser(std::vector<Token> tokens, const ConditionOptions& options)
      : tokens_(std::move(tokens)), options_(options) {}

  Expr ParseAll() {
    Expr e = ParseOr();
    if (Peek().kind != Tok::kEnd) {
      if (ComparisonOf(Peek().kind)) {
        Fail(Peek(), "comparisons cannot be chained; join them with \"and\"");
      }
      Fail(Peek(), "unexpected " + Quote(TokenName(Peek())));
    }
    return e;
  }

 private:
  const Token& Peek(size_t ahead = 0) const {
    return tokens_[std::min(pos_ + ahead, tokens_.size() - 1)];
  }
  const Token& Next() { return tokens_[std::min(pos_++, tokens_.size() - 1)]; }

  [[noreturn]] void Fail(const Token& at, std::string message) {
    throw ParseError{at.column, std::move(message)};
  }

  void Expect(Tok kind, std::string_view what) {
    if (Peek().kind != kind) {
      Fail(Peek(), "expected " + std::string(what) + ", found " + Quote(TokenName(Peek())));
    }
    ++pos_;
  }

  static Expr Binary(BinaryOp op, Expr left, Expr right, int column) {
    Expr e;
    e.kind = Expr::Kind::kBinary;
    e.op = op;
    e.column = column;
    e.operands.push_back(std::move(left));
    e.operands.push_back(std::move(right));
    return e;
  }

  Expr ParseOr() {
    Expr left = ParseAnd();
    while (Peek().kind == Tok::kOr) {
      const int column = left.column;
      Next();
      left = Binary(BinaryOp::kOr, std::move(left), ParseAnd(), column);
    }
    return left;
  }

  Expr ParseAnd() {
    Expr left = ParseTest();
    while (Peek().kind == Tok::kAnd) {
      const int column = left.column;
      Next();
      left = Binary(BinaryOp::kAnd, std::move(left), ParseTest(), column);
    }
    return left;
  }

  // A "(" starts a group of tests when a comparison or and/or occurs before its matching ")";
  // comparisons cannot occur inside arithmetic, so that decides it.
  bool GroupHoldsTest() const {
    int depth = 0;
    for (size_t i = pos_; i < tokens_.size(); ++i) {
      const Tok k = tokens_[i].kind;
      if (k == Tok::kLParen) ++depth;
      if (k == Tok::kRParen && --depth == 0) return false;
      if (k == Tok::kEnd) return false;
      if (ComparisonOf(k) || k == Tok::kAnd || k == Tok::kOr) return true;
    }
    return false;
  }

  Expr ParseTest() {
    if (Peek().kind == Tok::kLParen && GroupHoldsTest()) {
      Next();
      Expr inner = ParseOr();
      Expect(Tok::kRParen, "\")\"");
      return inner;
    }
    const Token& start = Peek();
    Expr left = ParseArith();
    const auto op = ComparisonOf(Peek().kind);
    if (!op) {
      if (Peek().kind == Tok::kEnd || Peek().kind == Tok::kAnd || Peek().kind == Tok::kOr ||
          Peek().kind == Tok::kRParen) {
        Fail(start, "a condition compares: add a comparison such as \"> 0\"");
      }
      Fail(Peek(), "unexpected " + Quote(TokenName(Peek())));
    }
    const Token& op_token = Next();
    Expr right = ParseArith();
    if (!left.is_vector() && !right.is_vector()) {
      Fail(start, "a comparison needs a signal on one side");
    }
    CheckMatching(left, right, op_token);
    return Binary(*op, std::move(left), std::move(right), start.column);
  }

  Expr ParseArith() {
    Expr left = ParseTerm();
    while (Peek().kind == Tok::kPlus || Peek().kind == Tok::kMinus) {
      const Token& op = Next();
      Expr right = ParseTerm();
      CheckMatching(left, right, op);
      const int column = left.column;
      left = Binary(op.kind == Tok::kPlus ? BinaryOp::kAdd : BinaryOp::kSub, std::move(left),
                    std::move(right), column);
    }
    return left;
  }

  Expr ParseTerm() {
    Expr left = ParseFactor();
    while (Peek().kind == Tok::kStar || Peek().kind == Tok::kSlash) {
      const Token& op = Next();
      Expr right = ParseFactor();
      CheckMatching(left, right, op);
      const int column = left.column;
      left = Binary(op.kind == Tok::kStar ? BinaryOp::kMul : BinaryOp::kDiv, std::move(left),
                    std::move(right), column);
    }
    return left;
  }

  Expr ParseFactor() {
    const Token& t = Peek();
    Expr e;
    e.column = t.column;
    switch (t.kind) {
      case Tok::kNumber:
        e.number = Next().number;
        return e;
      case Tok::kMinus:
        Next();
        if (Peek().kind != Tok::kNumber) {
          Fail(t, "unary minus applies to numbers only (write 0 - x)");
        }
        e.number = -Next().number;
        return e;
      case Tok::kLParen: {
        Next();
        Expr inner = ParseArith();
        Expect(Tok::kRParen, "\")\"");
        return inner;
      }
      case Tok::kIdent:
        return ParseSignal();
      default:
        Fail(t, Peek().kind == Tok::kEnd ? "unexpected end of condition"
                                         : "unexpected " + Quote(TokenName(t)));
    }
  }

  Expr ParseSignal() {
    const Token& name = Next();
    const SignalDef* def = FindSignal(name.text);
    if (def == nullptr) {
      std::string message = "unknown signal " + Quote(name.text);
      const std::string suggestion = SuggestSignal(name.text);
      if (!suggestion.empty()) message += " (did you mean " + suggestion + "?)";
      Fail(name, message);
    }
    Expr e;
    e.kind = Expr::Kind::kSignal;
    e.column = name.column;
    e.signal.def = def;
    if (Peek().kind == Tok::kLBrace) {
      Next();
      ParseMatchers(*def, e.signal.matchers);
    }
    if (Peek().kind == Tok::kRange) {
      const Token& range = Next();
      if (!def->needs_range()) {
        Fail(range, def->name + " takes no range (it is a current value)");
      }
      const auto ms = ParseDurationMillis(range.text);
      if (!ms) {
        Fail(range, "bad duration " + Quote(range.text) + " (use 30s, 5m, 1h, 1d)");
      }
      e.signal.range_ms = *ms;
    } else if (def->needs_range()) {
      Fail(name, def->name + " needs a range, e.g. " + def->name + "[5m]");
    }
    if (Peek().kind == Tok::kLBrace) {
      Fail(Peek(), "label matchers go before the range: " + def->name + "{...}[5m]");
    }
    return e;
  }

  void ParseMatchers(const SignalDef& def, std::vector<LabelMatcher>& out) {
    const std::vector<std::string> allowed = MatchableLabels(def, options_.segment_label);
    while (Peek().kind != Tok::kRBrace) {
      const Token& label = Peek();
      if (label.kind != Tok::kIdent) {
        Fail(label, "expected a label name, found " + Quote(TokenName(label)));
      }
      Next();
      LabelMatcher m;
      m.label = label.text == "segment" && def.segmented ? options_.segment_label : label.text;
      if (std::find(allowed.begin(), allowed.end(), m.label) == allowed.end()) {
        Fail(label, def.name + " has no label " + Quote(label.text) +
                        (allowed.empty() ? " (it has no labels)"
                                         : " (labels: " + JoinStrings(allowed) + ")"));
      }
      const Token& op = Next();
      switch (op.kind) {
        case Tok::kAssign:
          m.op = LabelMatcher::Op::kEqual;
          break;
        case Tok::kNe:
          m.op = LabelMatcher::Op::kNotEqual;
          break;
        case Tok::kRegex:
          m.op = LabelMatcher::Op::kRegexMatch;
          break;
        case Tok::kNotRegex:
          m.op = LabelMatcher::Op::kRegexNoMatch;
          break;
        default:
          Fail(op, "expected =, !=, =~ or !~ after " + label.text);
      }
      const Token& value = Peek();
      if (value.kind != Tok::kString) {
        Fail(value, "expected a quoted value for " + label.text);
      }
      Next();
      m.value = value.text;
      if (m.op == LabelMatcher::Op::kRegexMatch || m.op == LabelMatcher::Op::kRegexNoMatch) {
        try {
          std::regex check(m.value, std::regex::ECMAScript);
        } catch (const std::regex_error& e) {
          Fail(value, "bad regular expression " + Quote(m.value) + ": " + e.what());
        }
      }
      out.push_back(std::move(m));
      if (Peek().kind == Tok::kComma) {
        Next();
      } else if (Peek().kind != Tok::kRBrace) {
        Fail(Peek(), "expected \",\" or \"}\", found " + Quote(TokenName(Peek())));
      }
    }
    Next();  // }
  }

  // Two signals can meet in arithmetic or a comparison only when they are identified by the same
  // labels (so each series has at most one partner, in Prometheus as in the built-in engine).
  void CheckMatching(const Expr& left, const Expr& right, const Token& op) {
    if (!left.is_vector() || !right.is_vector()) return;
    const auto l = ResultLabels(left, options_.segment_label);
    const auto r = ResultLabels(right, options_.segment_label);
    if (l != r) {
      Fail(op, "the two sides of " + Quote(op.text) + " are identified by different labels (" +
                   (l.empty() ? "none" : JoinStrings(l)) + " vs " +
                   (r.empty() ? "none" : JoinStrings(r)) +
                   "); combine such signals with \"and\" / \"or\"");
    }
  }

  std::vector<Token> tokens_;
  size_t pos_ = 0;
  const ConditionOptions& options_;
};

std::vector<std::string> Intersect(const std::vector<std::string>& a,
                                   const std::vector<std::string>& b) {
  std::vector<std::string> out;
  std::set_intersection(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  return out;
}

std::vector<std::string> Union(const std::vector<std::string>& a,
                               const std::vector<std::string>& b) {
  std::vector<std::string> out;
  std::set_union(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  return out;
}

}  // namespace

bool IsArithmetic(BinaryOp op) {
  return op == BinaryOp::kAdd || op == BinaryOp::kSub || op == BinaryOp::kMul ||
         op == BinaryOp::kDiv;
}
bool IsComparison(BinaryOp op) { return !IsArithmetic(op) && !IsLogical(op); }
bool IsLogical(BinaryOp op) { return op == BinaryOp::kAnd || op == BinaryOp::kOr; }

std::string_view BinaryOpText(BinaryOp op) {
  switch (op) {
    case BinaryOp::kAdd:
      return "+";
    case BinaryOp::kSub:
      return "-";
    case BinaryOp::kMul:
      return "*";
    case BinaryOp::kDiv:
      return "/";
    case BinaryOp::kGt:
      return ">";
    case BinaryOp::kGe:
      return ">=";
    case BinaryOp::kLt:
      return "<";
    case BinaryOp::kLe:
      return "<=";
    case BinaryOp::kEq:
      return "==";
    case BinaryOp::kNe:
      return "!=";
    case BinaryOp::kAnd:
      return "and";
    case BinaryOp::kOr:
      return "or";
  }
  return "?";
}

bool Expr::is_vector() const {
  if (kind == Kind::kSignal) return true;
  if (kind == Kind::kNumber) return false;
  return left().is_vector() || right().is_vector();
}

Result<Condition> ParseCondition(std::string_view text, const ConditionOptions& options) {
  try {
    std::vector<Token> tokens = detail::Tokenize(text);
    if (tokens.size() == 1) return InvalidArgument("column 1: empty condition");
    Parser parser(std::move(tokens), options);
    Condition c;
    c.root = parser.ParseAll();
    c.text = std::string(text);
    c.segment_label = options.segment_label;
    return c;
  } catch (const ParseError& e) {
    return InvalidArgument("column " + std::to_string(e.column) + ": " + e.message);
  }
}

std::vector<std::string> ResultLabels(const Expr& expr, std::string_view segment_label) {
  switch (expr.kind) {
    case Expr::Kind::kNumber:
      return {};
    case Expr::Kind::kSignal:
      return SignalLabels(*expr.signal.def, segment_label);
    case Expr::Kind::kBinary:
      break;
  }
  const bool l = expr.left().is_vector(), r = expr.right().is_vector();
  if (expr.op == BinaryOp::kAnd) return ResultLabels(expr.left(), segment_label);
  if (l && r) {
    return Intersect(ResultLabels(expr.left(), segment_label),
                     ResultLabels(expr.right(), segment_label));
  }
  return ResultLabels(l ? expr.left() : expr.right(), segment_label);
}

std::vector<std::string> PossibleLabels(const Expr& expr, std::string_view segment_label) {
  switch (expr.kind) {
    case Expr::Kind::kNumber:
      return {};
    case Expr::Kind::kSignal: {
      std::vector<std::string> all = SignalLabels(*expr.signal.def, segment_label);
      std::vector<std::string> extra = expr.signal.def->extra_labels;
      std::sort(extra.begin(), extra.end());
      return Union(all, extra);
    }
    case Expr::Kind::kBinary:
      break;
  }
  const bool l = expr.left().is_vector(), r = expr.right().is_vector();
  if (expr.op == BinaryOp::kAnd) return PossibleLabels(expr.left(), segment_label);
  if (expr.op == BinaryOp::kOr) {
    return Union(PossibleLabels(expr.left(), segment_label),
                 PossibleLabels(expr.right(), segment_label));
  }
  // Two signals meet on their shared labels, and the result keeps only those.
  if (l && r) return ResultLabels(expr, segment_label);
  return PossibleLabels(l ? expr.left() : expr.right(), segment_label);
}

}  // namespace mw::alerting
