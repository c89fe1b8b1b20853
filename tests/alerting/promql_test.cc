#include "alerting/rules/promql.h"

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <string>

namespace mw::alerting {
namespace {

std::string Prom(std::string_view text, const PromOptions& options = {},
                 const std::string& segment_label = "segment") {
  auto c = ParseCondition(text, ConditionOptions{segment_label});
  EXPECT_TRUE(c.has_value()) << text << ": " << c.status().message();
  return c.has_value() ? ToPromQL(*c, options) : std::string();
}

TEST(PromQLTest, TheIssueExamples) {
  EXPECT_EQ(Prom("error_rate[5m] > 0.05"), R"(sum(rate(ml_api_errors_total{status=~"5.."}[5m])) / )"
                                           R"(sum(rate(ml_api_requests_total[5m])) > 0.05)");
  EXPECT_EQ(Prom("latency_p95[5m] > 5"),
            "histogram_quantile(0.95, sum by (le) "
            "(rate(ml_api_request_duration_seconds_bucket[5m]))) > 5");
  EXPECT_EQ(Prom("cache_hit_ratio[5m] < 0.5"),
            "sum(rate(ml_cache_hits_total[5m])) / (sum(rate(ml_cache_hits_total[5m])) + "
            "sum(rate(ml_cache_misses_total[5m]))) < 0.5");
  // The default rules name the proxy's response cache.
  EXPECT_EQ(Prom(R"(cache_hit_ratio{cache_type="response"}[5m] < 0.7)"),
            R"(sum(rate(ml_cache_hits_total{cache_type="response"}[5m])) / )"
            R"((sum(rate(ml_cache_hits_total{cache_type="response"}[5m])) + )"
            R"(sum(rate(ml_cache_misses_total{cache_type="response"}[5m]))) < 0.7)");
  EXPECT_EQ(Prom("model_drift_detected == 1"), "ml_model_drift_detected == 1");
  EXPECT_EQ(Prom("model_mae > model_training_mae * 1.5"),
            "ml_model_mae > on(model, segment) ml_model_training_mae * 1.5");
  EXPECT_EQ(Prom("model_auc < 0.75"), "ml_model_auc_score < 0.75");
  EXPECT_EQ(Prom("feature_psi > 0.2"), "ml_feature_psi > 0.2");
  EXPECT_EQ(Prom("errors[1h] > 50"),
            R"(sum(increase(ml_api_errors_total{status=~"5.."}[1h])) > 50)");
  EXPECT_EQ(Prom("maintenance_failed > 0"), "modelwatch_maintenance_last_run_failed > 0");
  EXPECT_EQ(Prom("maintenance_since_success > maintenance_period * 2"),
            "modelwatch_maintenance_seconds_since_success > on(task) "
            "modelwatch_maintenance_period_seconds * 2");
  EXPECT_EQ(Prom("disk_free_ratio < 0.1"),
            "ml_system_disk_free_bytes / ml_system_disk_total_bytes < 0.1");
}

TEST(PromQLTest, ModelwatchUpIsTheScrapeJobsUpSeries) {
  EXPECT_EQ(Prom("modelwatch_up == 0"), R"(up{job="modelwatch"} == 0)");
  PromOptions options;
  options.job = "iit-ml-service";
  EXPECT_EQ(Prom("modelwatch_up < 1", options), R"(up{job="iit-ml-service"} < 1)");
}

TEST(PromQLTest, ServiceUpIsTheProbersGaugeOfTheWatchedService) {
  EXPECT_EQ(Prom("service_up == 0"), "ml_service_up == 0");
  PromOptions options;
  options.prefix = "iit";
  EXPECT_EQ(Prom("database_connected == 0", options), "iit_database_connected == 0");
  EXPECT_EQ(Prom("model_loaded == 0", options), "iit_model_loaded == 0");
}

TEST(PromQLTest, ModelwatchsOwnCountersKeepTheirNamesWhateverThePrefix) {
  PromOptions options;
  options.prefix = "iit";
  EXPECT_EQ(Prom("capture_dropped[15m] > 0", options),
            "sum by (reason) (increase(modelwatch_proxy_capture_dropped_total[15m])) > 0");
  EXPECT_EQ(Prom("background_errors[15m] > 0", options),
            "sum by (thread) (increase(modelwatch_background_errors_total[15m])) > 0");
  EXPECT_EQ(Prom("profile_cache_loaded > 0", options), "modelwatch_profile_cache_loaded > 0");
}

TEST(PromQLTest, GaugeRatioIgnoresTheLabelsThatTellItsSidesApart) {
  EXPECT_EQ(Prom("memory_usage_ratio > 0.9"),
            R"(ml_system_memory_bytes{state="used"} / ignoring(state) )"
            R"(ml_system_memory_bytes{state="total"} > 0.9)");
}

TEST(PromQLTest, RatesAreSummedByTheSignalsLabels) {
  EXPECT_EQ(Prom("prediction_rate[10m] < 0.1"),
            "sum by (model_type, segment) (rate(ml_predictions_total[10m])) < 0.1");
  EXPECT_EQ(Prom("request_rate[1m] > 100"), "sum(rate(ml_api_requests_total[1m])) > 100");
  EXPECT_EQ(Prom("ingest_rejected[1h] > 10"),
            "sum by (reason) (increase(modelwatch_ingest_rejected_total[1h])) > 10");
  EXPECT_EQ(
      Prom(R"(store_query_p95{operation="group_commit"}[5m] > 2)"),
      R"(histogram_quantile(0.95, sum by (le) )"
      R"((rate(modelwatch_store_query_duration_seconds_bucket{operation="group_commit"}[5m]))) > 2)");
}

TEST(PromQLTest, PrefixAndSegmentLabelAreConfigurable) {
  PromOptions options;
  options.prefix = "iit";
  EXPECT_EQ(Prom(R"(prediction_rate{segment="r1"}[10m] < 0.1)", options, "restaurant_id"),
            R"(sum by (model_type, restaurant_id) )"
            R"((rate(iit_predictions_total{restaurant_id="r1"}[10m])) < 0.1)");
  EXPECT_EQ(Prom("model_mae > model_training_mae * 1.5", options, "restaurant_id"),
            "iit_model_mae > on(model, restaurant_id) iit_model_training_mae * 1.5");
  // Process metrics keep their standard, unprefixed names.
  EXPECT_EQ(Prom("process_resident_memory_bytes > 1e9", options),
            "process_resident_memory_bytes > 1e+09");
}

TEST(PromQLTest, MatchersApplyToEverySelectorAfterTheFixedOnes) {
  EXPECT_EQ(Prom(R"(error_rate{endpoint="/v1/events", method=~"POST|PUT"}[5m] > 0.01)"),
            R"(sum(rate(ml_api_errors_total{status=~"5..", endpoint="/v1/events", )"
            R"(method=~"POST|PUT"}[5m])) / sum(rate(ml_api_requests_total{endpoint="/v1/events", )"
            R"(method=~"POST|PUT"}[5m])) > 0.01)");
  EXPECT_EQ(Prom(R"(latency_p99{endpoint!="/metrics"}[15m] > 1)"),
            R"(histogram_quantile(0.99, sum by (le) )"
            R"((rate(ml_api_request_duration_seconds_bucket{endpoint!="/metrics"}[15m]))) > 1)");
  EXPECT_EQ(Prom(R"(feature_psi{model="churn", feature!~"id|ts"} > 0.2)"),
            R"(ml_feature_psi{model="churn", feature!~"id|ts"} > 0.2)");
}

TEST(PromQLTest, LabelValuesAreEscaped) {
  EXPECT_EQ(Prom(R"(model_mae{model="a\"b\\c\nd"} > 1)"),
            R"(ml_model_mae{model="a\"b\\c\nd"} > 1)");
}

TEST(PromQLTest, ParenthesesOnlyWherePrecedenceNeedsThem) {
  EXPECT_EQ(Prom("1 / error_rate[5m] < 20"),
            R"(1 / (sum(rate(ml_api_errors_total{status=~"5.."}[5m])) / )"
            R"(sum(rate(ml_api_requests_total[5m]))) < 20)");
  EXPECT_EQ(Prom("error_rate[5m] * 100 > 5"),
            R"(sum(rate(ml_api_errors_total{status=~"5.."}[5m])) / )"
            R"(sum(rate(ml_api_requests_total[5m])) * 100 > 5)");
  EXPECT_EQ(Prom("(model_mae - model_training_mae) / model_training_mae > 0.5"),
            "(ml_model_mae - on(model, segment) ml_model_training_mae) / on(model, segment) "
            "ml_model_training_mae > 0.5");
  EXPECT_EQ(Prom("model_mae - (1 - 2) > 0"), "ml_model_mae - (1 - 2) > 0");
  EXPECT_EQ(Prom("((model_mae)) * 2 > 1"), "ml_model_mae * 2 > 1");
  EXPECT_EQ(Prom("model_r2 < -0.5"), "ml_model_r2 < -0.5");
  EXPECT_EQ(Prom("model_mae * -2 > 1"), "ml_model_mae * (-2) > 1");
  EXPECT_EQ(Prom("0.5 < model_mae"), "0.5 < ml_model_mae");
}

TEST(PromQLTest, LogicalOperatorsMatchOnSharedLabels) {
  const std::string error_rate =
      R"(sum(rate(ml_api_errors_total{status=~"5.."}[5m])) / sum(rate(ml_api_requests_total[5m])))";
  EXPECT_EQ(Prom("error_rate[5m] > 0.1 or latency_p95[5m] > 5 and in_flight > 100"),
            error_rate +
                " > 0.1 or on() histogram_quantile(0.95, sum by (le) "
                "(rate(ml_api_request_duration_seconds_bucket[5m]))) > 5 and on() "
                "ml_api_requests_in_flight > 100");
  EXPECT_EQ(
      Prom("(error_rate[5m] > 0.1 or in_flight > 5) and model_mae > 1"),
      "(" + error_rate + " > 0.1 or on() ml_api_requests_in_flight > 5) and on() ml_model_mae > 1");
  EXPECT_EQ(Prom("feature_psi > 0.2 and model_drift_detected == 1"),
            "ml_feature_psi > 0.2 and on(model, segment) ml_model_drift_detected == 1");
  EXPECT_EQ(Prom("model_auc < 0.7 or (model_auc < 0.8 and model_sample_size > 1000)"),
            "ml_model_auc_score < 0.7 or on(model, segment) ml_model_auc_score < 0.8 and "
            "on(model, segment) ml_model_sample_size > 1000");
  // Grouping against precedence keeps its parentheses.
  EXPECT_EQ(Prom("(model_auc < 0.7 or model_auc > 0.99) and model_sample_size > 1000"),
            "(ml_model_auc_score < 0.7 or on(model, segment) ml_model_auc_score > 0.99) and "
            "on(model, segment) ml_model_sample_size > 1000");
}

TEST(PromQLTest, RuleFileCarriesEverythingOver) {
  const std::string text = R"(groups:
  - name: api
    interval: 30s
    rules:
      - alert: HighErrorRate
        expr: error_rate[5m] > 0.05
        for: 5m
        labels: {severity: critical, team: ml}
        annotations:
          summary: 'Error rate {{ $value | humanizePercentage }}'
          description: "Rate {{ $value }}: it's bad"
  - name: models
    rules:
      - alert: Drift
        expr: model_drift_detected == 1
        labels: {severity: warning}
        annotations: {summary: s, description: 'on {{ $labels.segment }}'}
)";
  auto rules = LoadRules(text, "r.yml", RuleOptions{"restaurant_id"});
  ASSERT_TRUE(rules.has_value()) << rules.status().message();
  PromOptions options;
  options.prefix = "iit";
  const YAML::Node out = YAML::Load(ToPrometheusRuleFile(*rules, options));
  ASSERT_EQ(out["groups"].size(), 2u);
  const YAML::Node api = out["groups"][0];
  EXPECT_EQ(api["name"].as<std::string>(), "api");
  EXPECT_EQ(api["interval"].as<std::string>(), "30s");
  const YAML::Node rule = api["rules"][0];
  EXPECT_EQ(rule["alert"].as<std::string>(), "HighErrorRate");
  EXPECT_EQ(rule["expr"].as<std::string>(), ToPromQL(rules->groups[0].rules[0].condition, options));
  EXPECT_EQ(rule["for"].as<std::string>(), "5m");
  EXPECT_EQ(rule["labels"]["severity"].as<std::string>(), "critical");
  EXPECT_EQ(rule["labels"]["team"].as<std::string>(), "ml");
  EXPECT_EQ(rule["annotations"]["summary"].as<std::string>(),
            "Error rate {{ $value | humanizePercentage }}");
  EXPECT_EQ(rule["annotations"]["description"].as<std::string>(), "Rate {{ $value }}: it's bad");
  // The segment alias is written under the configured segment label.
  const YAML::Node models = out["groups"][1];
  EXPECT_FALSE(models["interval"].IsDefined());
  EXPECT_FALSE(models["rules"][0]["for"].IsDefined());
  EXPECT_EQ(models["rules"][0]["annotations"]["description"].as<std::string>(),
            "on {{ $labels.restaurant_id }}");
}

}  // namespace
}  // namespace mw::alerting
