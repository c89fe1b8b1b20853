#include "alerting/rules/signals.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <regex>
#include <set>

namespace mw::alerting {
namespace {

using Strings = std::vector<std::string>;

bool IsMetricName(const std::string& s) {
  static const std::regex re("[a-zA-Z_][a-zA-Z0-9_]*");
  return std::regex_match(s, re);
}

TEST(SignalsTest, NamesAreUniqueAndEveryEntryIsDocumented) {
  std::set<std::string> names;
  for (const SignalDef& s : Signals()) {
    EXPECT_TRUE(names.insert(s.name).second) << s.name << " twice";
    EXPECT_TRUE(IsMetricName(s.name)) << s.name;
    EXPECT_FALSE(s.description.empty()) << s.name;
    EXPECT_EQ(s.description.back(), '.') << s.name;
    EXPECT_FALSE(s.unit.empty()) << s.name;
    EXPECT_TRUE(std::is_sorted(s.labels.begin(), s.labels.end())) << s.name;
    if (!s.available) {
      EXPECT_FALSE(s.note.empty()) << s.name << " must say why it has no data";
    }
  }
}

TEST(SignalsTest, CoversEverySignalTheIssueNames) {
  for (const char* name : {"error_rate",
                           "errors",
                           "request_rate",
                           "latency_p50",
                           "latency_p95",
                           "latency_p99",
                           "cache_hit_ratio",
                           "in_flight",
                           "model_mae",
                           "model_rmse",
                           "model_mape",
                           "model_r2",
                           "model_auc",
                           "model_f1",
                           "model_log_loss",
                           "model_training_mae",
                           "model_training_rmse",
                           "model_training_auc",
                           "model_degradation_ratio",
                           "model_drift_detected",
                           "model_performance_drift",
                           "data_drift_share",
                           "feature_drift_score",
                           "feature_drift_detected",
                           "feature_psi",
                           "feature_missing_rate",
                           "prediction_rate",
                           "prediction_latency_p50",
                           "prediction_latency_p95",
                           "prediction_latency_p99",
                           "store_query_p95",
                           "store_write_queue_depth",
                           "memory_usage_ratio",
                           "process_resident_memory_bytes",
                           "cpu_usage_ratio",
                           "disk_free_ratio",
                           "service_up",
                           "maintenance_failed"}) {
    EXPECT_NE(FindSignal(name), nullptr) << name;
  }
  EXPECT_EQ(FindSignal("nope"), nullptr);
}

TEST(SignalsTest, RecipesAreWellFormed) {
  for (const SignalDef& s : Signals()) {
    const Recipe& r = s.recipe;
    SCOPED_TRACE(s.name);
    EXPECT_TRUE(IsMetricName(r.metric.family));
    EXPECT_EQ(s.needs_range(), NeedsRange(r.kind));
    const bool counter = r.kind == RecipeKind::kRate || r.kind == RecipeKind::kIncrease ||
                         r.kind == RecipeKind::kRatioOfRates;
    // Only counters end in _total (Prometheus naming); histograms are named by their base.
    EXPECT_EQ(r.metric.family.ends_with("_total"), counter);
    for (const MetricSelector& d : r.denominator) {
      EXPECT_TRUE(IsMetricName(d.family));
      EXPECT_EQ(d.family.ends_with("_total"), counter);
    }
    switch (r.kind) {
      case RecipeKind::kGaugeRatio:
        EXPECT_EQ(r.denominator.size(), 1u);
        break;
      case RecipeKind::kRatioOfRates:
        EXPECT_GE(r.denominator.size(), 1u);
        break;
      default:
        EXPECT_TRUE(r.denominator.empty());
    }
    if (r.kind == RecipeKind::kHistogramQuantile) {
      EXPECT_GT(r.quantile, 0);
      EXPECT_LT(r.quantile, 1);
      EXPECT_FALSE(r.metric.family.ends_with("_bucket"));
    } else {
      EXPECT_EQ(r.quantile, 0);
    }
    // A filter label is not also an identifying or extra label.
    for (const std::string& f : s.filter_labels) {
      EXPECT_EQ(std::count(s.labels.begin(), s.labels.end(), f), 0) << f;
      EXPECT_EQ(std::count(s.extra_labels.begin(), s.extra_labels.end(), f), 0) << f;
    }
  }
}

TEST(SignalsTest, ExamplesOfRecipes) {
  const SignalDef* error_rate = FindSignal("error_rate");
  ASSERT_NE(error_rate, nullptr);
  EXPECT_EQ(error_rate->recipe.kind, RecipeKind::kRatioOfRates);
  EXPECT_EQ(error_rate->recipe.metric.family, "api_errors_total");
  EXPECT_EQ(error_rate->recipe.metric.matchers,
            (std::vector<LabelMatcher>{{"status", LabelMatcher::Op::kRegexMatch, "5.."}}));
  EXPECT_EQ(error_rate->recipe.denominator.at(0).family, "api_requests_total");
  EXPECT_TRUE(error_rate->needs_range());

  const SignalDef* p95 = FindSignal("latency_p95");
  EXPECT_EQ(p95->recipe.kind, RecipeKind::kHistogramQuantile);
  EXPECT_EQ(p95->recipe.metric.family, "api_request_duration_seconds");
  EXPECT_DOUBLE_EQ(p95->recipe.quantile, 0.95);

  const SignalDef* mae = FindSignal("model_mae");
  EXPECT_EQ(mae->recipe.kind, RecipeKind::kGauge);
  EXPECT_FALSE(mae->needs_range());
  EXPECT_EQ(FindSignal("model_auc")->recipe.metric.family, "model_auc_score");
  EXPECT_EQ(FindSignal("errors")->recipe.kind, RecipeKind::kIncrease);
  EXPECT_EQ(FindSignal("modelwatch_up")->recipe.kind, RecipeKind::kUp);
  EXPECT_EQ(FindSignal("service_up")->recipe.kind, RecipeKind::kGauge);
  EXPECT_EQ(FindSignal("service_up")->recipe.metric.family, "service_up");
  EXPECT_EQ(FindSignal("capture_dropped")->recipe.kind, RecipeKind::kIncrease);
  EXPECT_EQ(FindSignal("capture_dropped")->labels, (std::vector<std::string>{"reason"}));
  EXPECT_EQ(FindSignal("background_errors")->labels, (std::vector<std::string>{"thread"}));
  EXPECT_EQ(FindSignal("active_models"), nullptr);
  EXPECT_EQ(FindSignal("disk_free_ratio")->recipe.kind, RecipeKind::kGaugeRatio);
  EXPECT_EQ(FindSignal("disk_free_ratio")->recipe.denominator.at(0).family,
            "system_disk_total_bytes");
  EXPECT_EQ(FindSignal("maintenance_failed")->recipe.metric.family,
            "modelwatch_maintenance_last_run_failed");
  EXPECT_FALSE(FindSignal("maintenance_failed")->recipe.metric.prefixed);
  EXPECT_EQ(FindSignal("maintenance_since_success")->labels, (std::vector<std::string>{"task"}));
  EXPECT_EQ(FindSignal("maintenance_period")->labels, (std::vector<std::string>{"task"}));
  // Every signal has data today.
  for (const SignalDef& s : Signals()) EXPECT_TRUE(s.available) << s.name;
}

TEST(SignalsTest, LabelsResolveTheSegmentLabel) {
  const SignalDef& psi = *FindSignal("feature_psi");
  EXPECT_EQ(SignalLabels(psi, "segment"), (Strings{"feature", "model", "segment"}));
  EXPECT_EQ(SignalLabels(psi, "restaurant_id"), (Strings{"feature", "model", "restaurant_id"}));
  EXPECT_EQ(SignalLabels(*FindSignal("error_rate"), "segment"), Strings{});
  EXPECT_EQ(MatchableLabels(*FindSignal("error_rate"), "segment"), (Strings{"endpoint", "method"}));
  EXPECT_EQ(MatchableLabels(*FindSignal("model_training_mae"), "segment"),
            (Strings{"model", "segment", "version"}));
  EXPECT_EQ(SignalLabels(*FindSignal("prediction_rate"), "segment"),
            (Strings{"model_type", "segment"}));
}

TEST(SignalsTest, MetricNamesTakeThePrefix) {
  EXPECT_EQ(MetricName(FindSignal("error_rate")->recipe.metric, "iit"), "iit_api_errors_total");
  EXPECT_EQ(MetricName(FindSignal("process_resident_memory_bytes")->recipe.metric, "iit"),
            "process_resident_memory_bytes");
  EXPECT_EQ(MetricName(FindSignal("modelwatch_up")->recipe.metric, "iit"), "up");
  // The watched service's health gauges take the prefix; modelwatch's own families never do.
  EXPECT_EQ(MetricName(FindSignal("service_up")->recipe.metric, "iit"), "iit_service_up");
  EXPECT_EQ(MetricName(FindSignal("database_connected")->recipe.metric, "iit"),
            "iit_database_connected");
  EXPECT_EQ(MetricName(FindSignal("redis_connected")->recipe.metric, "iit"), "iit_redis_connected");
  EXPECT_EQ(MetricName(FindSignal("model_loaded")->recipe.metric, "iit"), "iit_model_loaded");
  EXPECT_EQ(MetricName(FindSignal("capture_dropped")->recipe.metric, "iit"),
            "modelwatch_proxy_capture_dropped_total");
  EXPECT_EQ(MetricName(FindSignal("background_errors")->recipe.metric, "iit"),
            "modelwatch_background_errors_total");
  EXPECT_EQ(MetricName(FindSignal("profile_cache_loaded")->recipe.metric, "iit"),
            "modelwatch_profile_cache_loaded");
  EXPECT_EQ(MetricName(FindSignal("cache_hit_ratio")->recipe.metric, "iit"),
            "iit_cache_hits_total");
}

TEST(SignalsTest, RenamedSignalsNameTheirNewNameAndWhy) {
  auto store = RenamedSignal("db_query_p95");
  ASSERT_TRUE(store.has_value());
  EXPECT_EQ(store->name, "store_query_p95");
  EXPECT_EQ(store->why, "modelwatch's own store");
  auto cache = RenamedSignal("active_models");
  ASSERT_TRUE(cache.has_value());
  EXPECT_EQ(cache->name, "profile_cache_loaded");
  EXPECT_NE(FindSignal(std::string(cache->name)), nullptr);
  EXPECT_FALSE(RenamedSignal("service_up").has_value());
  for (const SignalDef& s : Signals()) EXPECT_FALSE(RenamedSignal(s.name).has_value()) << s.name;
}

TEST(SignalsTest, SuggestionsForTypos) {
  EXPECT_EQ(SuggestSignal("eror_rate"), "error_rate");
  EXPECT_EQ(SuggestSignal("latency_95"), "latency_p95");
  EXPECT_EQ(SuggestSignal("model_trainig_mae"), "model_training_mae");
  EXPECT_EQ(SuggestSignal("cpu"), "");
  EXPECT_EQ(SuggestSignal("completely_different"), "");
}

TEST(SignalsTest, NamesOfKindsAndOperators) {
  EXPECT_EQ(RecipeKindName(RecipeKind::kRatioOfRates), "ratio_of_rates");
  EXPECT_EQ(RecipeKindName(RecipeKind::kHistogramQuantile), "histogram_quantile");
  EXPECT_EQ(MatcherOpText(LabelMatcher::Op::kRegexNoMatch), "!~");
}

}  // namespace
}  // namespace mw::alerting
