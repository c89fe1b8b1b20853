// Alert conditions: the `expr` of a rule, a small language over the signals of the catalog
// (alerting/rules/signals.h). Grammar (docs/alerting.md has it with examples):
//
//   condition  := or_expr
//   or_expr    := and_expr { "or" and_expr }
//   and_expr   := test { "and" test }
//   test       := "(" or_expr ")" | arith compare arith
//   compare    := ">" | ">=" | "<" | "<=" | "==" | "!="
//   arith      := term { ("+" | "-") term }
//   term       := factor { ("*" | "/") factor }
//   factor     := number | "-" number | signal | "(" arith ")"
//   signal     := name [ "{" matcher { "," matcher } [","] "}" ] [ "[" duration "]" ]
//   matcher    := label ("=" | "!=" | "=~" | "!~") string
//
// `and` binds tighter than `or`; both are case-insensitive, like PromQL's. Numbers are decimal
// (1, 0.05, 1e-3). Strings are double- or single-quoted with \\, \", \', \n, \t escapes. A range is
// one integer and a unit: ms, s, m, h, d or w (30s, 5m, 1h, 1d); signals computed over a range
// need one, the others refuse one. A matcher may name the segment label either as "segment" or as
// its configured name; it is stored under the configured name.
//
// Meaning (the same in the built-in engine and in the exported PromQL): a signal is a set of
// series, one per label set. An operation between a signal and a number applies to each series.
// An operation between two signals pairs the series with equal values of the labels both sides
// are identified by (SignalDef::labels), and the result carries those labels; the two sides must
// be identified by the same labels. A comparison keeps the series for which it holds, with the
// value of its left side (or of the side that is a signal). `a and b` keeps the series of a that
// b has a match for on their common labels; `a or b` is a's series plus b's series that a has no
// match for.
//
// Thread-safety: values; ParseCondition may be called from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "alerting/rules/signals.h"
#include "common/regex_bounds.h"
#include "common/status.h"

namespace mw::alerting {

enum class BinaryOp { kAdd, kSub, kMul, kDiv, kGt, kGe, kLt, kLe, kEq, kNe, kAnd, kOr };

bool IsArithmetic(BinaryOp op);              // + - * /
bool IsComparison(BinaryOp op);              // > >= < <= == !=
bool IsLogical(BinaryOp op);                 // and, or
std::string_view BinaryOpText(BinaryOp op);  // "+", ">=", "and", ...

// One use of a signal in a condition.
struct SignalRef {
  const SignalDef* def = nullptr;      // into Signals(); never null in a parsed condition
  int64_t range_ms = 0;                // > 0 exactly when def->needs_range()
  std::vector<LabelMatcher> matchers;  // as written, segment label resolved; added to the recipe's
};

// A node of the condition's tree. A tagged struct rather than a variant so an evaluator can
// switch on `kind` and recurse through `operands`.
struct Expr {
  enum class Kind { kNumber, kSignal, kBinary };
  Kind kind = Kind::kNumber;
  double number = 0;             // kNumber
  SignalRef signal;              // kSignal
  BinaryOp op = BinaryOp::kAdd;  // kBinary
  std::vector<Expr> operands;    // kBinary: {left, right}
  int column = 0;                // 1-based byte column in the condition text where the node starts

  const Expr& left() const { return operands.at(0); }
  const Expr& right() const { return operands.at(1); }
  // True when a signal occurs in this subtree (the node is a set of series, not a number).
  bool is_vector() const;
};

struct Condition {
  std::string text;           // as written in the rule
  std::string segment_label;  // the segment label name the condition was parsed with
  Expr root;                  // a comparison, or `and` / `or` of comparisons
};

// How deeply a condition may nest: every operator and every pair of parentheses is one level
// around what it contains (a number or signal is level 0). Operators group to the left, so a chain
// `a + b + c + ...` of n terms is n - 1 levels deep, and `((a > 1))` is 3. Deeper conditions are
// refused (ParseCondition's error), so that every walk over a parsed tree (evaluation, PromQL
// rendering, destruction) recurses at most this deep.
inline constexpr int kMaxConditionDepth = 64;
// The regular expression of a =~ or !~ matcher keeps the bounds of common/regex_bounds.h (length,
// group depth, repetition counts, expanded size): std::regex compiles and matches recursively.
inline constexpr size_t kMaxMatcherRegexBytes = kMaxRegexBytes;
inline constexpr int kMaxMatcherRegexGroupDepth = kMaxRegexGroupDepth;

struct ConditionOptions {
  std::string segment_label = "segment";  // metrics.segment_label
};

// Parses and checks `text`: syntax, signal names, ranges, matcher labels and regular expressions.
// kInvalidArgument with the message "column N: reason" (N 1-based) for the first problem, e.g.
// `column 1: unknown signal "eror_rate" (did you mean error_rate?)`, or
// `column N: the condition nests too deeply (more than 64 levels of parentheses and operators)`
// past kMaxConditionDepth. Linear in the length of `text`.
Result<Condition> ParseCondition(std::string_view text, const ConditionOptions& options = {});

// The labels identifying each series of `expr`'s result, sorted: a signal's SignalLabels; a
// signal with a number, the signal's; two signals in arithmetic or a comparison, the labels they
// share; `and`, its left side's; `or`, the labels both sides carry. Empty for numbers.
std::vector<std::string> ResultLabels(const Expr& expr, std::string_view segment_label);
// Every label a series of `expr`'s result may carry (identifying and extra labels; for `or`
// either side's), sorted. What annotation templates may refer to besides the rule's own labels.
std::vector<std::string> PossibleLabels(const Expr& expr, std::string_view segment_label);

}  // namespace mw::alerting
