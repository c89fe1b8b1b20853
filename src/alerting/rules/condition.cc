#include "alerting/rules/condition.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <optional>
#include <regex>
#include <utility>

#include "alerting/rules/detail/condition_lexer.h"
#include "alerting/rules/detail/condition_parser.h"
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

// A parsed subtree with what the parser needs to know about it, computed once when the node is
// built (from its children's), so that no check walks a subtree again: parsing stays linear.
struct ParsedNode {
  Expr expr;
  int depth = 0;                    // levels of operators and parentheses (kMaxConditionDepth)
  bool vector = false;              // Expr::is_vector()
  std::vector<std::string> labels;  // ResultLabels(expr); empty for numbers
};

class Parser {
 public:
  Parser(std::vector<Token> tokens, const ConditionOptions& options, int64_t& steps)
      : tokens_(std::move(tokens)), options_(options), steps_(steps) {
    MarkGroupsHoldingTests();
  }

  Expr ParseAll() {
    ParsedNode e = ParseOr();
    if (Peek().kind != Tok::kEnd) {
      if (ComparisonOf(Peek().kind)) {
        Fail(Peek(), "comparisons cannot be chained; join them with \"and\"");
      }
      Fail(Peek(), "unexpected " + Quote(TokenName(Peek())));
    }
    return std::move(e.expr);
  }

 private:
  const Token& Peek(size_t ahead = 0) const {
    ++steps_;
    return tokens_[std::min(pos_ + ahead, tokens_.size() - 1)];
  }
  const Token& Next() {
    ++steps_;
    return tokens_[std::min(pos_++, tokens_.size() - 1)];
  }

  [[noreturn]] void Fail(const Token& at, std::string message) {
    throw ParseError{at.column, std::move(message)};
  }

  [[noreturn]] void FailTooDeep(const Token& at) {
    Fail(at, "the condition nests too deeply (more than " + std::to_string(kMaxConditionDepth) +
                 " levels of parentheses and operators)");
  }

  void Expect(Tok kind, std::string_view what) {
    if (Peek().kind != kind) {
      Fail(Peek(), "expected " + std::string(what) + ", found " + Quote(TokenName(Peek())));
    }
    ++pos_;
  }

  // Opens a parenthesised group at the current "(" token: the parser recurses once per open
  // group, so the limit is checked before it does.
  void OpenGroup() {
    if (++open_groups_ > kMaxConditionDepth) FailTooDeep(Peek());
    Next();
  }
  ParsedNode CloseGroup(ParsedNode inner, const Token& open) {
    Expect(Tok::kRParen, "\")\"");
    --open_groups_;
    if (++inner.depth > kMaxConditionDepth) FailTooDeep(open);
    return inner;
  }

  // `op_token` is where a too-deep error points.
  ParsedNode Binary(BinaryOp op, ParsedNode left, ParsedNode right, int column,
                    const Token& op_token) {
    ParsedNode e;
    e.depth = 1 + std::max(left.depth, right.depth);
    if (e.depth > kMaxConditionDepth) FailTooDeep(op_token);
    e.vector = left.vector || right.vector;
    // As ResultLabels: `and` keeps its left side's labels, two signals meet on the labels they
    // share, a signal with a number keeps the signal's.
    if (op == BinaryOp::kAnd) {
      e.labels = std::move(left.labels);
    } else if (left.vector && right.vector) {
      steps_ += static_cast<int64_t>(left.labels.size() + right.labels.size());
      e.labels = Intersect(left.labels, right.labels);
    } else {
      e.labels = std::move(left.vector ? left.labels : right.labels);
    }
    ++steps_;
    e.expr.kind = Expr::Kind::kBinary;
    e.expr.op = op;
    e.expr.column = column;
    e.expr.operands.reserve(2);
    e.expr.operands.push_back(std::move(left.expr));
    e.expr.operands.push_back(std::move(right.expr));
    return e;
  }

  ParsedNode ParseOr() {
    ParsedNode left = ParseAnd();
    while (Peek().kind == Tok::kOr) {
      const int column = left.expr.column;
      const Token& op = Next();
      ParsedNode right = ParseAnd();
      left = Binary(BinaryOp::kOr, std::move(left), std::move(right), column, op);
    }
    return left;
  }

  ParsedNode ParseAnd() {
    ParsedNode left = ParseTest();
    while (Peek().kind == Tok::kAnd) {
      const int column = left.expr.column;
      const Token& op = Next();
      ParsedNode right = ParseTest();
      left = Binary(BinaryOp::kAnd, std::move(left), std::move(right), column, op);
    }
    return left;
  }

  // A "(" starts a group of tests when a comparison or and/or occurs before its matching ")"
  // (or before the end, when it is never closed); comparisons cannot occur inside arithmetic, so
  // that decides it. One pass over the tokens with a stack of open parentheses marks every "(":
  // a mark on a group is passed to the group around it when it closes.
  void MarkGroupsHoldingTests() {
    holds_test_.assign(tokens_.size(), false);
    std::vector<size_t> open;
    for (size_t i = 0; i < tokens_.size(); ++i) {
      ++steps_;
      const Tok k = tokens_[i].kind;
      if (k == Tok::kLParen) {
        open.push_back(i);
      } else if (k == Tok::kRParen && !open.empty()) {
        const size_t closed = open.back();
        open.pop_back();
        if (holds_test_[closed] && !open.empty()) holds_test_[open.back()] = true;
      } else if ((ComparisonOf(k) || k == Tok::kAnd || k == Tok::kOr) && !open.empty()) {
        holds_test_[open.back()] = true;
      }
    }
    while (!open.empty()) {  // unclosed groups (an error later): they hold what follows them
      const size_t closed = open.back();
      open.pop_back();
      if (holds_test_[closed] && !open.empty()) holds_test_[open.back()] = true;
    }
  }

  bool GroupHoldsTest() const { return holds_test_[std::min(pos_, tokens_.size() - 1)]; }

  ParsedNode ParseTest() {
    if (Peek().kind == Tok::kLParen && GroupHoldsTest()) {
      const Token& open = Peek();
      OpenGroup();
      ParsedNode inner = ParseOr();
      return CloseGroup(std::move(inner), open);
    }
    const Token& start = Peek();
    ParsedNode left = ParseArith();
    const auto op = ComparisonOf(Peek().kind);
    if (!op) {
      if (Peek().kind == Tok::kEnd || Peek().kind == Tok::kAnd || Peek().kind == Tok::kOr ||
          Peek().kind == Tok::kRParen) {
        Fail(start, "a condition compares: add a comparison such as \"> 0\"");
      }
      Fail(Peek(), "unexpected " + Quote(TokenName(Peek())));
    }
    const Token& op_token = Next();
    ParsedNode right = ParseArith();
    if (!left.vector && !right.vector) {
      Fail(start, "a comparison needs a signal on one side");
    }
    CheckMatching(left, right, op_token);
    return Binary(*op, std::move(left), std::move(right), start.column, op_token);
  }

  ParsedNode ParseArith() {
    ParsedNode left = ParseTerm();
    while (Peek().kind == Tok::kPlus || Peek().kind == Tok::kMinus) {
      const Token& op = Next();
      ParsedNode right = ParseTerm();
      CheckMatching(left, right, op);
      const int column = left.expr.column;
      left = Binary(op.kind == Tok::kPlus ? BinaryOp::kAdd : BinaryOp::kSub, std::move(left),
                    std::move(right), column, op);
    }
    return left;
  }

  ParsedNode ParseTerm() {
    ParsedNode left = ParseFactor();
    while (Peek().kind == Tok::kStar || Peek().kind == Tok::kSlash) {
      const Token& op = Next();
      ParsedNode right = ParseFactor();
      CheckMatching(left, right, op);
      const int column = left.expr.column;
      left = Binary(op.kind == Tok::kStar ? BinaryOp::kMul : BinaryOp::kDiv, std::move(left),
                    std::move(right), column, op);
    }
    return left;
  }

  ParsedNode ParseFactor() {
    const Token& t = Peek();
    ParsedNode e;
    e.expr.column = t.column;
    switch (t.kind) {
      case Tok::kNumber:
        e.expr.number = Next().number;
        return e;
      case Tok::kMinus:
        Next();
        if (Peek().kind != Tok::kNumber) {
          Fail(t, "unary minus applies to numbers only (write 0 - x)");
        }
        e.expr.number = -Next().number;
        return e;
      case Tok::kLParen: {
        OpenGroup();
        ParsedNode inner = ParseArith();
        return CloseGroup(std::move(inner), t);
      }
      case Tok::kIdent:
        return ParseSignal();
      default:
        Fail(t, Peek().kind == Tok::kEnd ? "unexpected end of condition"
                                         : "unexpected " + Quote(TokenName(t)));
    }
  }

  ParsedNode ParseSignal() {
    const Token& name = Next();
    const SignalDef* def = FindSignal(name.text);
    if (def == nullptr) {
      std::string message = "unknown signal " + Quote(name.text);
      const std::optional<SignalRename> renamed = RenamedSignal(name.text);
      const std::string suggestion = SuggestSignal(name.text);
      if (renamed) {
        message +=
            " (renamed " + std::string(renamed->name) + ": " + std::string(renamed->why) + ")";
      } else if (!suggestion.empty()) {
        message += " (did you mean " + suggestion + "?)";
      }
      Fail(name, message);
    }
    ParsedNode parsed;
    parsed.vector = true;
    parsed.labels = SignalLabels(*def, options_.segment_label);
    steps_ += static_cast<int64_t>(parsed.labels.size());
    Expr& e = parsed.expr;
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
    return parsed;
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
        // std::regex compiles (and matches) recursively: bound what it is given.
        if (const std::string bound = RegexBoundsProblem(m.value); !bound.empty()) {
          Fail(value, bound);
        }
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
  void CheckMatching(const ParsedNode& left, const ParsedNode& right, const Token& op) {
    if (!left.vector || !right.vector) return;
    const std::vector<std::string>& l = left.labels;
    const std::vector<std::string>& r = right.labels;
    steps_ += static_cast<int64_t>(l.size() + r.size());
    if (l != r) {
      Fail(op, "the two sides of " + Quote(op.text) + " are identified by different labels (" +
                   (l.empty() ? "none" : JoinStrings(l)) + " vs " +
                   (r.empty() ? "none" : JoinStrings(r)) +
                   "); combine such signals with \"and\" / \"or\"");
    }
  }

  std::vector<Token> tokens_;
  std::vector<bool> holds_test_;  // per "(" token: it starts a group of tests
  size_t pos_ = 0;
  int open_groups_ = 0;
  const ConditionOptions& options_;
  int64_t& steps_;
};

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
  return detail::ParseConditionCounted(text, options, nullptr);
}

namespace detail {

Result<Condition> ParseConditionCounted(std::string_view text, const ConditionOptions& options,
                                        ConditionParseWork* work) {
  int64_t steps = 0;
  try {
    std::vector<Token> tokens = detail::Tokenize(text);
    steps += static_cast<int64_t>(tokens.size());
    if (tokens.size() == 1) return InvalidArgument("column 1: empty condition");
    Parser parser(std::move(tokens), options, steps);
    Condition c;
    c.root = parser.ParseAll();
    c.text = std::string(text);
    c.segment_label = options.segment_label;
    if (work != nullptr) work->steps += steps;
    return c;
  } catch (const ParseError& e) {
    if (work != nullptr) work->steps += steps;
    return InvalidArgument("column " + std::to_string(e.column) + ": " + e.message);
  }
}

}  // namespace detail

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
