#include "alerting/rules/condition.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "alerting/rules/detail/condition_parser.h"

namespace mw::alerting {
namespace {

using Kind = Expr::Kind;
using Strings = std::vector<std::string>;

Condition Parse(std::string_view text, const std::string& segment_label = "segment") {
  auto c = ParseCondition(text, ConditionOptions{segment_label});
  EXPECT_TRUE(c.has_value()) << text << ": " << c.status().message();
  return c.has_value() ? *c : Condition{};
}

// The error message of a condition that must not parse.
std::string Error(std::string_view text) {
  auto c = ParseCondition(text);
  EXPECT_FALSE(c.has_value()) << text;
  return c.has_value() ? std::string() : c.error().message();
}

// The issue's examples, all of which must parse.
const std::vector<std::string>& Examples() {
  static const std::vector<std::string> e = {"error_rate[5m] > 0.05",
                                             "latency_p95[5m] > 5",
                                             "cache_hit_ratio[5m] < 0.5",
                                             "model_drift_detected == 1",
                                             "model_mae > model_training_mae * 1.5",
                                             "model_auc < 0.75",
                                             "feature_psi > 0.2",
                                             "errors[1h] > 50",
                                             "maintenance_failed > 0",
                                             "disk_free_ratio < 0.1"};
  return e;
}

TEST(ConditionTest, EveryExampleOfTheIssueParses) {
  for (const std::string& text : Examples()) {
    const Condition c = Parse(text);
    EXPECT_EQ(c.text, text);
    EXPECT_EQ(c.root.kind, Kind::kBinary);
    EXPECT_TRUE(IsComparison(c.root.op)) << text;
  }
}

TEST(ConditionTest, SignalWithRangeAndThreshold) {
  const Condition c = Parse("error_rate[5m] > 0.05");
  ASSERT_EQ(c.root.kind, Kind::kBinary);
  EXPECT_EQ(c.root.op, BinaryOp::kGt);
  const Expr& signal = c.root.left();
  ASSERT_EQ(signal.kind, Kind::kSignal);
  EXPECT_EQ(signal.signal.def, FindSignal("error_rate"));
  EXPECT_EQ(signal.signal.range_ms, 5 * 60 * 1000);
  EXPECT_TRUE(signal.signal.matchers.empty());
  EXPECT_EQ(c.root.right().kind, Kind::kNumber);
  EXPECT_DOUBLE_EQ(c.root.right().number, 0.05);
  EXPECT_EQ(signal.column, 1);
  EXPECT_EQ(c.root.right().column, 18);
}

TEST(ConditionTest, ArithmeticBindsTighterThanComparison) {
  const Condition c = Parse("model_mae > model_training_mae * 1.5");
  EXPECT_EQ(c.root.op, BinaryOp::kGt);
  EXPECT_EQ(c.root.left().signal.def->name, "model_mae");
  const Expr& product = c.root.right();
  ASSERT_EQ(product.kind, Kind::kBinary);
  EXPECT_EQ(product.op, BinaryOp::kMul);
  EXPECT_EQ(product.left().signal.def->name, "model_training_mae");
  EXPECT_DOUBLE_EQ(product.right().number, 1.5);
}

TEST(ConditionTest, MultiplicationBeforeAdditionAndLeftAssociative) {
  const Condition c = Parse("model_mae - 1 - 2 * 3 > 0");
  // ((model_mae - 1) - (2 * 3)) > 0
  const Expr& diff = c.root.left();
  EXPECT_EQ(diff.op, BinaryOp::kSub);
  EXPECT_EQ(diff.left().op, BinaryOp::kSub);
  EXPECT_EQ(diff.left().left().kind, Kind::kSignal);
  EXPECT_EQ(diff.right().op, BinaryOp::kMul);
}

TEST(ConditionTest, ParenthesesGroupArithmetic) {
  const Condition c = Parse("(model_mae - model_training_mae) / model_training_mae > 0.5");
  const Expr& ratio = c.root.left();
  EXPECT_EQ(ratio.op, BinaryOp::kDiv);
  EXPECT_EQ(ratio.left().op, BinaryOp::kSub);
}

TEST(ConditionTest, AndBindsTighterThanOr) {
  const Condition c = Parse("error_rate[5m] > 0.1 or latency_p95[5m] > 5 and in_flight > 100");
  EXPECT_EQ(c.root.op, BinaryOp::kOr);
  EXPECT_EQ(c.root.left().op, BinaryOp::kGt);
  EXPECT_EQ(c.root.right().op, BinaryOp::kAnd);
}

TEST(ConditionTest, ParenthesesGroupTests) {
  const Condition c = Parse("(error_rate[5m] > 0.1 or latency_p95[5m] > 5) AND in_flight > 100");
  EXPECT_EQ(c.root.op, BinaryOp::kAnd);
  EXPECT_EQ(c.root.left().op, BinaryOp::kOr);
  // Nested groups of both kinds.
  const Condition d = Parse("((model_mae + 1) > 2)");
  EXPECT_EQ(d.root.op, BinaryOp::kGt);
  EXPECT_EQ(d.root.left().op, BinaryOp::kAdd);
}

TEST(ConditionTest, NegativeNumbers) {
  const Condition c = Parse("model_r2 < -0.5");
  EXPECT_DOUBLE_EQ(c.root.right().number, -0.5);
  const Condition d = Parse("model_mean_error < -1e-3 or model_mean_error > 1E3");
  EXPECT_DOUBLE_EQ(d.root.left().right().number, -0.001);
  EXPECT_DOUBLE_EQ(d.root.right().right().number, 1000);
}

TEST(ConditionTest, LabelMatchersOfEveryKind) {
  const Condition c = Parse(
      R"(model_training_mae{model="demand_forecast", segment=~"restaurant_.*", version!="v1",)"
      R"( segment!~'x\'y',} > 1)");
  const auto& m = c.root.left().signal.matchers;
  ASSERT_EQ(m.size(), 4u);
  EXPECT_EQ(m[0], (LabelMatcher{"model", LabelMatcher::Op::kEqual, "demand_forecast"}));
  EXPECT_EQ(m[1], (LabelMatcher{"segment", LabelMatcher::Op::kRegexMatch, "restaurant_.*"}));
  EXPECT_EQ(m[2], (LabelMatcher{"version", LabelMatcher::Op::kNotEqual, "v1"}));
  EXPECT_EQ(m[3], (LabelMatcher{"segment", LabelMatcher::Op::kRegexNoMatch, "x'y"}));
}

TEST(ConditionTest, MatchersBeforeTheRange) {
  const Condition c = Parse(R"(error_rate{endpoint="/v1/events"}[15m] > 0.01)");
  const SignalRef& s = c.root.left().signal;
  EXPECT_EQ(s.range_ms, 15 * 60 * 1000);
  ASSERT_EQ(s.matchers.size(), 1u);
  EXPECT_EQ(s.matchers[0].label, "endpoint");
  EXPECT_EQ(s.matchers[0].value, "/v1/events");
}

TEST(ConditionTest, SegmentNamesTheConfiguredSegmentLabel) {
  const Condition c = Parse(R"(model_mae{segment="r1"} > 1 and model_auc{restaurant_id="r2"} < 1)",
                            "restaurant_id");
  EXPECT_EQ(c.segment_label, "restaurant_id");
  EXPECT_EQ(c.root.left().left().signal.matchers[0].label, "restaurant_id");
  EXPECT_EQ(c.root.right().left().signal.matchers[0].label, "restaurant_id");
  // Under the default name, restaurant_id is not a label of the signal.
  EXPECT_NE(Error(R"(model_mae{restaurant_id="r2"} > 1)").find("no label"), std::string::npos);
}

TEST(ConditionTest, RangesInEveryUnit) {
  EXPECT_EQ(Parse("errors[90s] > 1").root.left().signal.range_ms, 90000);
  EXPECT_EQ(Parse("errors[1h] > 1").root.left().signal.range_ms, 3600000);
  EXPECT_EQ(Parse("errors[1d] > 1").root.left().signal.range_ms, 86400000);
  EXPECT_EQ(Parse("errors[1w] > 1").root.left().signal.range_ms, 7 * 86400000LL);
  EXPECT_EQ(Parse("errors[500ms] > 1").root.left().signal.range_ms, 500);
}

TEST(ConditionTest, KeywordsAreCaseInsensitive) {
  EXPECT_EQ(Parse("in_flight > 1 OR in_flight < 0").root.op, BinaryOp::kOr);
  EXPECT_EQ(Parse("in_flight > 1 And in_flight < 9").root.op, BinaryOp::kAnd);
}

TEST(ConditionTest, UnknownSignalSuggestsTheClosestName) {
  EXPECT_EQ(Error("eror_rate[5m] > 0.05"),
            "column 1: unknown signal \"eror_rate\" (did you mean error_rate?)");
  EXPECT_EQ(Error("model_mae > model_trainig_mae"),
            "column 13: unknown signal \"model_trainig_mae\" (did you mean model_training_mae?)");
  EXPECT_EQ(Error("something_else > 1"), "column 1: unknown signal \"something_else\"");
}

TEST(ConditionTest, ARenamedSignalNamesItsNewName) {
  EXPECT_EQ(Error("db_query_p95[5m] > 2"),
            "column 1: unknown signal \"db_query_p95\" (renamed store_query_p95: modelwatch's own "
            "store)");
  EXPECT_EQ(
      Error("db_size_bytes > 1e9"),
      "column 1: unknown signal \"db_size_bytes\" (renamed store_size_bytes: modelwatch's own "
      "store)");
  EXPECT_EQ(Error("active_models > 0"),
            "column 1: unknown signal \"active_models\" (renamed profile_cache_loaded: "
            "modelwatch's own profile cache)");
}

TEST(ConditionTest, RangeRulesAreEnforced) {
  EXPECT_EQ(Error("error_rate > 0.05"), "column 1: error_rate needs a range, e.g. error_rate[5m]");
  EXPECT_EQ(Error("model_mae[5m] > 1"),
            "column 10: model_mae takes no range (it is a current value)");
  EXPECT_EQ(Error("errors[5 min] > 1"), "column 7: bad duration \"5 min\" (use 30s, 5m, 1h, 1d)");
  EXPECT_EQ(Error("errors[0m] > 1"), "column 7: bad duration \"0m\" (use 30s, 5m, 1h, 1d)");
  EXPECT_EQ(Error("errors[5m > 1"), "column 7: unclosed \"[\"");
  EXPECT_EQ(Error("errors[1h]{method=\"GET\"} > 1"),
            "column 11: label matchers go before the range: errors{...}[5m]");
}

TEST(ConditionTest, MatcherErrors) {
  EXPECT_EQ(Error("model_mae{modle=\"x\"} > 1"),
            "column 11: model_mae has no label \"modle\" (labels: model, segment)");
  EXPECT_EQ(Error("in_flight{x=\"1\"} > 1"),
            "column 11: in_flight has no label \"x\" (it has no labels)");
  EXPECT_EQ(Error("model_mae{model=x} > 1"), "column 17: expected a quoted value for model");
  EXPECT_EQ(Error("model_mae{model>\"x\"} > 1"), "column 16: expected =, !=, =~ or !~ after model");
  EXPECT_EQ(Error("model_mae{model=\"x\" segment=\"y\"} > 1"),
            "column 21: expected \",\" or \"}\", found \"segment\"");
  EXPECT_EQ(Error("model_mae{model=\"x} > 1"), "column 17: unterminated string");
  const std::string bad_regex = Error("model_mae{model=~\"(unclosed\"} > 1");
  EXPECT_EQ(bad_regex.rfind("column 18: bad regular expression \"(unclosed\": ", 0), 0u)
      << bad_regex;
}

TEST(ConditionTest, StructureErrors) {
  EXPECT_EQ(Error(""), "column 1: empty condition");
  EXPECT_EQ(Error("   "), "column 1: empty condition");
  EXPECT_EQ(Error("model_mae"), "column 1: a condition compares: add a comparison such as \"> 0\"");
  EXPECT_EQ(Error("model_mae > 1 and model_auc"),
            "column 19: a condition compares: add a comparison such as \"> 0\"");
  EXPECT_EQ(Error("1 > 0"), "column 1: a comparison needs a signal on one side");
  EXPECT_EQ(Error("0 < model_mae < 1"),
            "column 15: comparisons cannot be chained; join them with \"and\"");
  EXPECT_EQ(Error("model_mae > 1 && model_auc < 1"),
            "column 15: \"&&\" is not an operator; write \"and\" / \"or\"");
  EXPECT_EQ(Error("model_mae > 1 )"), "column 15: unexpected \")\"");
  EXPECT_EQ(Error("(model_mae > 1"), "column 15: expected \")\", found \"the end\"");
  EXPECT_EQ(Error("model_mae >"), "column 12: unexpected end of condition");
  EXPECT_EQ(Error("-model_mae < 1"), "column 1: unary minus applies to numbers only (write 0 - x)");
  EXPECT_EQ(Error("model_mae > 5m"),
            "column 13: bad number \"5m\" (a range goes in brackets: name[5m])");
  EXPECT_EQ(Error("model_mae > 1.2.3"), "column 13: bad number \"1.2.3\"");
  EXPECT_EQ(Error("model_mae > 1 # note"), "column 15: unexpected character \"#\"");
  EXPECT_EQ(Error("model_mae{model=\"a\\q\"} > 1"), "column 19: unknown escape \\q in a string");
}

TEST(ConditionTest, SignalsMeetOnlyOnTheSameLabels) {
  EXPECT_EQ(Error("feature_psi > model_mae"),
            "column 13: the two sides of \">\" are identified by different labels (feature, model, "
            "segment vs model, segment); combine such signals with \"and\" / \"or\"");
  EXPECT_EQ(Error("error_rate[5m] * model_mae > 1"),
            "column 16: the two sides of \"*\" are identified by different labels (none vs model, "
            "segment); combine such signals with \"and\" / \"or\"");
  // Extra labels (version) do not count; and/or combine anything.
  Parse("model_mae / model_training_mae > 1.5");
  Parse("feature_psi > 0.2 and model_mae > 1 or error_rate[5m] > 0.1");
}

TEST(ConditionTest, ResultAndPossibleLabels) {
  auto result = [](std::string_view text) {
    const Condition c = Parse(text);
    return ResultLabels(c.root, c.segment_label);
  };
  auto possible = [](std::string_view text) {
    const Condition c = Parse(text);
    return PossibleLabels(c.root, c.segment_label);
  };
  EXPECT_EQ(result("error_rate[5m] > 0.05"), Strings{});
  EXPECT_EQ(result("feature_psi > 0.2"), (Strings{"feature", "model", "segment"}));
  EXPECT_EQ(result("prediction_rate[5m] < 1"), (Strings{"model_type", "segment"}));
  EXPECT_EQ(possible("model_training_mae > 1"), (Strings{"model", "segment", "version"}));
  // Two signals: only the shared identifying labels survive (as with PromQL's on()).
  EXPECT_EQ(possible("model_mae > model_training_mae * 1.5"), (Strings{"model", "segment"}));
  EXPECT_EQ(possible("feature_psi > 0.2 and model_mae > 1"),
            (Strings{"feature", "model", "segment"}));
  EXPECT_EQ(result("feature_psi > 0.2 or model_mae > 1"), (Strings{"model", "segment"}));
  EXPECT_EQ(possible("feature_drift_score > 0.2 or disk_free_ratio < 0.1"),
            (Strings{"feature", "model", "path", "segment", "test"}));
  const Condition c = Parse("model_mae > 1", "restaurant_id");
  EXPECT_EQ(ResultLabels(c.root, c.segment_label), (Strings{"model", "restaurant_id"}));
}

// Mutations of valid conditions either parse or fail with a column inside the text (+1 for "the
// end"); never crash, hang or point elsewhere. Runs under the sanitizers in `make test`.
TEST(ConditionTest, MutatedConditionsFailCleanly) {
  std::mt19937 rng(20240605);
  const std::string alphabet = "abcdefghijklmnopqrstuvwxyz_0123456789.[]{}()<>=!~\"', +-*/|&#";
  std::vector<std::string> seeds = Examples();
  seeds.push_back(R"((model_mae{model=~"a.*", segment!="b"} - 1) / 2 > 0.5 or errors[1h] > 3)");
  int parsed = 0, failed = 0;
  for (int i = 0; i < 4000; ++i) {
    std::string text = seeds[rng() % seeds.size()];
    const int edits = 1 + static_cast<int>(rng() % 3);
    for (int e = 0; e < edits; ++e) {
      const size_t at = text.empty() ? 0 : rng() % text.size();
      const char c = alphabet[rng() % alphabet.size()];
      switch (rng() % 3) {
        case 0:
          text.insert(text.begin() + static_cast<long>(at), c);
          break;
        case 1:
          if (!text.empty()) text.erase(at, 1);
          break;
        default:
          if (!text.empty()) text[at] = c;
      }
    }
    auto r = ParseCondition(text);
    if (r.has_value()) {
      ++parsed;
      EXPECT_TRUE(r->root.kind == Kind::kBinary &&
                  (IsComparison(r->root.op) || IsLogical(r->root.op)))
          << text;
      continue;
    }
    ++failed;
    const std::string& m = r.error().message();
    ASSERT_EQ(m.rfind("column ", 0), 0u) << text << " -> " << m;
    const int column = std::stoi(m.substr(7));
    EXPECT_GE(column, 1) << text << " -> " << m;
    EXPECT_LE(column, static_cast<int>(text.size()) + 1) << text << " -> " << m;
  }
  // Both outcomes occur, so the property is exercised on each side.
  EXPECT_GT(parsed, 100);
  EXPECT_GT(failed, 1000);
}

// Issue 17, defect 8: deep nesting crashed the recursive parser (SIGSEGV at ~5,000 parentheses),
// and a chain of 4,000 "+" took 45 s. Both are errors now, found in work linear in the length.

std::string Repeat(std::string_view s, int n) {
  std::string out;
  out.reserve(s.size() * static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

// `inner` wrapped in `n` pairs of parentheses.
std::string Nested(const std::string& inner, int n) {
  return Repeat("(", n) + inner + Repeat(")", n);
}

// A chain `error_rate[5m] + error_rate[5m] + ...` of `terms` terms.
std::string Chain(int terms) { return "error_rate[5m]" + Repeat(" + error_rate[5m]", terms - 1); }

constexpr std::string_view kTooDeep =
    "the condition nests too deeply (more than 64 levels of parentheses and operators)";

TEST(ConditionDepthTest, ThousandsOfNestedParenthesesAreAnErrorNotACrash) {
  // Around arithmetic (factor groups) and around a test (groups of tests), closed or not.
  for (const std::string& text :
       {Nested("error_rate[5m]", 5000) + " > 0", Nested("error_rate[5m] > 0", 5000),
        Repeat("(", 100000), Nested("error_rate[5m] > 0 and errors[1h] > 1", 5000)}) {
    auto c = ParseCondition(text);
    ASSERT_FALSE(c.has_value()) << text.substr(0, 40);
    EXPECT_NE(c.error().message().find(kTooDeep), std::string::npos) << c.error().message();
  }
  // The error points at the first "(" past the limit.
  EXPECT_EQ(Error(Nested("error_rate[5m]", 5000) + " > 0"), "column 65: " + std::string(kTooDeep));
}

TEST(ConditionDepthTest, NestingUpToTheLimitParses) {
  // A comparison is one level, each pair of parentheses one more.
  static_assert(kMaxConditionDepth == 64);
  const Condition c = Parse(Nested("error_rate[5m]", kMaxConditionDepth - 1) + " > 0");
  EXPECT_EQ(c.root.op, BinaryOp::kGt);
  EXPECT_EQ(c.root.left().kind, Kind::kSignal);
  // 64 pairs of parentheses are the limit; the comparison around them is one level too many.
  const std::string deeper = Nested("error_rate[5m]", kMaxConditionDepth) + " > 0";
  EXPECT_EQ(Error(deeper),
            "column " + std::to_string(deeper.find('>') + 1) + ": " + std::string(kTooDeep));
  Parse(Nested("error_rate[5m] > 0", kMaxConditionDepth - 1));
  EXPECT_EQ(Error(Nested("error_rate[5m] > 0", kMaxConditionDepth)),
            "column 1: " + std::string(kTooDeep));
}

TEST(ConditionDepthTest, AChainOfOperatorsCountsOneLevelPerOperator) {
  // n terms: n - 1 operators, plus the comparison.
  const Condition c = Parse(Chain(kMaxConditionDepth) + " > 0");
  int depth = 0;
  for (const Expr* e = &c.root; e->kind == Kind::kBinary; e = &e->left()) ++depth;
  EXPECT_EQ(depth, kMaxConditionDepth);
  const std::string deeper = Chain(kMaxConditionDepth + 1) + " > 0";
  // The comparison is the operator past the limit.
  EXPECT_EQ(Error(deeper),
            "column " + std::to_string(deeper.size() - 2) + ": " + std::string(kTooDeep));
  // The issue's 4,000 terms (45 s before): refused at the first "+" past the limit.
  const std::string chain = Chain(4000) + " > 0";
  const std::string message = Error(chain);
  const size_t at = 14 + static_cast<size_t>(kMaxConditionDepth) * 17 + 2;
  EXPECT_EQ(message, "column " + std::to_string(at) + ": " + std::string(kTooDeep));
  EXPECT_EQ(chain.substr(at - 1, 1), "+");
  // Chains of `and` and of `or` alike.
  EXPECT_NE(Error(Repeat("error_rate[5m] > 0 and ", 100) + "error_rate[5m] > 0").find(kTooDeep),
            std::string::npos);
  EXPECT_NE(Error(Repeat("error_rate[5m] > 0 or ", 100) + "error_rate[5m] > 0").find(kTooDeep),
            std::string::npos);
}

TEST(ConditionDepthTest, MatcherRegexesAreBoundedBeforeStdRegexSeesThem) {
  auto with_regex = [](const std::string& re) { return "model_mae{model=~\"" + re + "\"} > 1"; };
  // 20,000 nested groups crashed std::regex's recursive compiler (SIGSEGV).
  EXPECT_EQ(Error(with_regex(Nested("a", 20000))),
            "column 18: regular expression longer than 4096 bytes");
  EXPECT_EQ(Error(with_regex(Nested("a", 33))),
            "column 18: regular expression nests groups more than 32 levels deep");
  Parse(with_regex(Nested("a", 32)));
  // Escaped parentheses and those in a character class are no groups.
  Parse(with_regex(Repeat("\\\\(", 100) + "[(((((((((((((((((((((((((((((((((((]"));
  Parse(with_regex(Repeat("a|", 2047) + "a"));  // 4095 bytes
  EXPECT_EQ(Error(with_regex(Repeat("a|", 2048) + "a")),
            "column 18: regular expression longer than 4096 bytes");
  // Found by fuzzing: libstdc++ reads a repetition count into an int without an overflow check.
  EXPECT_EQ(Error(with_regex("res^^^^4443{888888888888888888888,888888}")),
            "column 18: regular expression repeats more than 1000 times");
  // Found by fuzzing: back-reference numbers are read the same unchecked way.
  EXPECT_EQ(Error(with_regex("x\\\\2222222222222222222222222")),
            "column 18: regular expression back-reference number over 1000");
  // Counted repetitions expand into copies: nested ones multiply.
  EXPECT_EQ(Error(with_regex("((a{100}){100}){100}")),
            "column 18: regular expression expands to more than 100000 states (counted "
            "repetitions multiply)");
  Parse(with_regex("(a{100}){100}"));
}

// A balanced sum of 2^k signals: (((s + s) + (s + s)) + ...), 2k levels deep.
std::string Balanced(int k) {
  if (k == 0) return "error_rate[5m]";
  const std::string half = Balanced(k - 1);
  return "(" + half + " + " + half + ")";
}

int64_t ParseWork(const std::string& text, bool expect_ok) {
  detail::ConditionParseWork work;
  auto c = detail::ParseConditionCounted(text, ConditionOptions{}, &work);
  EXPECT_EQ(c.has_value(), expect_ok) << (c.has_value() ? "" : c.error().message());
  return work.steps;
}

// Steps per character of the text that a linear parser stays under: the lexer reads each token
// once, a pre-scan marks the parentheses, and the parser looks at each token a few times.
constexpr int64_t kStepsPerChar = 4;

TEST(ConditionDepthTest, ParsingWorkIsLinearInTheLength) {
  // Wide conditions within the depth limit parse, in work proportional to their length: 2^13
  // signals (140 KB) cost at most the same fixed number of steps per character as 2^5.
  for (int k : {5, 9, 13}) {
    const std::string text = Balanced(k) + " > 0";
    const int64_t steps = ParseWork(text, true);
    EXPECT_GT(steps, 0);
    EXPECT_LE(steps, kStepsPerChar * static_cast<int64_t>(text.size())) << "k=" << k;
  }
  // Wide and nested tests: ((t and t) or (t and t)) ... of 2^12 comparisons.
  std::string tests = "error_rate[5m] > 0";
  for (int k = 0; k < 12; ++k) tests = "(" + tests + (k % 2 ? " or " : " and ") + tests + ")";
  EXPECT_LE(ParseWork(tests, true), kStepsPerChar * static_cast<int64_t>(tests.size()));
  // 100,000 terms are refused at the depth limit after one linear pass over the text.
  const std::string chain = Chain(100000) + " > 0";
  EXPECT_LE(ParseWork(chain, false), kStepsPerChar * static_cast<int64_t>(chain.size()));
  const std::string parens = Nested("error_rate[5m]", 100000) + " > 0";
  EXPECT_LE(ParseWork(parens, false), kStepsPerChar * static_cast<int64_t>(parens.size()));
}

}  // namespace
}  // namespace mw::alerting
