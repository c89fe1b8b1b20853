#include "simulate/generator.h"

#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "common/time_format.h"
#include "simulate/payloads.h"
#include "simulate/training_metrics.h"
#include "testing/python_oracle.h"

namespace mw::simulate {
namespace {

constexpr int64_t kStart = 1'750'000'000'000;  // 2025-06-15T15:06:40Z
constexpr int64_t kDay = 86'400'000;

GeneratorOptions DemandOnly(int restaurants = 4) {
  GeneratorOptions o;
  o.risk = false;
  o.restaurants = restaurants;
  o.start_ms = kStart;
  o.span_ms = 7 * kDay;
  return o;
}

TrafficGenerator MakeGenerator(const GeneratorOptions& o) {
  auto g = TrafficGenerator::Create(o);
  if (!g) ADD_FAILURE() << g.error().message();
  return std::move(*g);
}

// n predictions evenly over the span, as the runner stamps them.
std::vector<Prediction> Generate(TrafficGenerator& g, int64_t n) {
  std::vector<Prediction> out;
  const auto& o = g.options();
  for (int64_t i = 0; i < n; ++i)
    out.push_back(g.Next(o.start_ms + o.span_ms * (2 * i + 1) / (2 * n)));
  return out;
}

// Everything an event carries, compared field by field (cheaper than JSON under sanitizers).
bool SameEvent(const Prediction& a, const Prediction& b) {
  return a.id == b.id && a.model == b.model && a.version == b.version && a.segment == b.segment &&
         a.timestamp_ms == b.timestamp_ms && a.features == b.features &&
         a.prediction == b.prediction && a.truth == b.truth &&
         a.actual_scheduled == b.actual_scheduled;
}

double Mean(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return s / static_cast<double>(v.size());
}

double StdDev(const std::vector<double>& v) {
  const double m = Mean(v);
  double s = 0;
  for (double x : v) s += (x - m) * (x - m);
  return std::sqrt(s / static_cast<double>(v.size()));
}

TEST(GeneratorTest, SameSeedGivesTheSameEventsAndTraining) {
  GeneratorOptions o;
  o.start_ms = kStart;
  o.risk_versions = 2;
  o.seed = 42;
  o.restaurants = 4;
  o.training_rows = 300;
  auto a = MakeGenerator(o), b = MakeGenerator(o);
  const auto ea = Generate(a, 3000), eb = Generate(b, 3000);
  for (size_t i = 0; i < ea.size(); ++i) ASSERT_TRUE(SameEvent(ea[i], eb[i])) << i;
  EXPECT_EQ(PredictionsBody(ea), PredictionsBody(eb));
  ASSERT_EQ(a.models().size(), 2u);
  for (size_t m = 0; m < a.models().size(); ++m) {
    for (size_t v = 0; v < a.models()[m].versions.size(); ++v) {
      EXPECT_EQ(VersionDocument(a.models()[m].versions[v], 42),
                VersionDocument(b.models()[m].versions[v], 42));
      EXPECT_EQ(ReferenceNdjson(a.models()[m], a.models()[m].versions[v]),
                ReferenceNdjson(b.models()[m], b.models()[m].versions[v]));
    }
  }
}

TEST(GeneratorTest, AnotherSeedGivesOtherEvents) {
  GeneratorOptions o;
  o.start_ms = kStart;
  o.training_rows = 200;  // enough for the metrics; keeps the test fast
  auto a = MakeGenerator(o);
  o.seed = 2;
  auto b = MakeGenerator(o);
  const auto ea = Generate(a, 200), eb = Generate(b, 200);
  int same = 0;
  for (size_t i = 0; i < ea.size(); ++i) {
    same += ea[i].features == eb[i].features ? 1 : 0;
  }
  EXPECT_EQ(same, 0);
}

// The rules of POST /v1/predictions (docs/api.md, ingest/decode.h) an event must meet.
TEST(GeneratorTest, EventsFollowTheIngestRules) {
  GeneratorOptions o;
  o.start_ms = kStart;
  o.training_rows = 200;  // enough for the metrics; keeps the test fast
  o.span_ms = kDay;
  o.restaurants = 12;
  o.risk_versions = 2;
  o.drift.kinds = {DriftKind::kFeatureShift, DriftKind::kNewCategory, DriftKind::kConcept};
  auto g = MakeGenerator(o);
  const int64_t now = kStart + kDay;
  std::set<std::string> ids, segments, versions;
  const std::set<std::string> allowed = {"id",        "model",    "version",    "segment",
                                         "timestamp", "features", "prediction", "latency_ms"};
  for (const Prediction& p : Generate(g, 2000)) {
    const nlohmann::ordered_json j = PredictionJson(p);
    for (const auto& [key, value] : j.items()) EXPECT_TRUE(allowed.count(key)) << key;
    ASSERT_TRUE(j["id"].is_string());
    ASSERT_TRUE(j["latency_ms"].is_number());
    EXPECT_GE(j["latency_ms"].get<double>(), 5.0);
    EXPECT_LE(j["latency_ms"].get<double>(), 25.0);
    const std::string id = j["id"];
    EXPECT_TRUE(ids.insert(id).second) << "duplicate id " << id;
    EXPECT_LE(id.size(), 256u);
    const World* w = g.world(j["model"].get<std::string>());
    ASSERT_NE(w, nullptr) << j["model"];
    ASSERT_TRUE(j["version"].is_string());
    versions.insert(j["model"].get<std::string>() + "/" + j["version"].get<std::string>());
    if (w->model() == "demand_forecast") {
      ASSERT_TRUE(j["segment"].is_string());
      segments.insert(j["segment"]);
      EXPECT_GE(j["prediction"].get<double>(), 0);
    } else {
      EXPECT_FALSE(j.contains("segment"));
      EXPECT_GE(j["prediction"].get<double>(), 0);
      EXPECT_LE(j["prediction"].get<double>(), 1);
      EXPECT_TRUE(p.truth == 0 || p.truth == 1) << p.truth;
    }
    EXPECT_TRUE(std::isfinite(j["prediction"].get<double>()));
    const auto ts = ParseRfc3339Millis(j["timestamp"].get<std::string>());
    ASSERT_TRUE(ts.has_value());
    EXPECT_EQ(*ts, p.timestamp_ms);
    EXPECT_GE(*ts, kStart);
    EXPECT_LT(*ts, now);
    // Exactly the world's features, in order, each of its type.
    const auto& features = j["features"];
    ASSERT_EQ(features.size(), w->features().size());
    size_t k = 0;
    for (const auto& [name, value] : features.items()) {
      const FeatureSpec& spec = w->features()[k++];
      EXPECT_EQ(name, spec.name);
      switch (spec.type) {
        case FeatureType::kNumeric:
          EXPECT_TRUE(value.is_number() && std::isfinite(value.get<double>())) << name << value;
          break;
        case FeatureType::kCategorical:
          EXPECT_TRUE(value.is_string()) << name << value;
          break;
        case FeatureType::kBoolean:
          EXPECT_TRUE(value.is_boolean()) << name << value;
          break;
      }
    }
    if (features.contains("rain_mm")) {
      EXPECT_GE(features["rain_mm"].get<double>(), 0.0);
    }
  }
  EXPECT_EQ(segments.size(), 12u);
  EXPECT_EQ(*segments.begin(), "restaurant_1");
  EXPECT_EQ(versions,
            (std::set<std::string>{"demand_forecast/v1", "patient_risk/v1", "patient_risk/v2"}));
}

TEST(GeneratorTest, RegistersTrainingMetricsOfItsSample) {
  GeneratorOptions o;
  o.start_ms = kStart;
  o.restaurants = 2;
  o.risk_versions = 2;
  o.training_rows = 500;
  auto g = MakeGenerator(o);
  ASSERT_EQ(g.models().size(), 2u);
  const ModelSetup& demand = g.models()[0];
  EXPECT_EQ(demand.model, "demand_forecast");
  EXPECT_EQ(demand.task, "regression");
  ASSERT_EQ(demand.versions.size(), 2u);
  for (size_t s = 0; s < 2; ++s) {
    const VersionSetup& v = demand.versions[s];
    EXPECT_EQ(v.segment, "restaurant_" + std::to_string(s + 1));
    EXPECT_EQ(v.version, "v1");
    ASSERT_EQ(v.training.size(), 500u);
    std::vector<double> p, a;
    for (const auto& r : v.training) {
      p.push_back(r.prediction);
      a.push_back(r.actual);
    }
    const RegressionMetrics m = ComputeRegressionMetrics(p, a);
    EXPECT_EQ(v.metrics.at("mae"), m.mae);
    EXPECT_EQ(v.metrics.at("rmse"), m.rmse);
    EXPECT_EQ(v.metrics.at("mape"), m.mape);
    EXPECT_EQ(v.metrics.at("r2"), m.r2);
    EXPECT_GT(m.r2, 0.3);  // the model is informative
  }
  const ModelSetup& risk = g.models()[1];
  EXPECT_EQ(risk.task, "binary_classification");
  ASSERT_EQ(risk.versions.size(), 2u);
  std::vector<std::string> top;
  for (const VersionSetup& v : risk.versions) {
    EXPECT_EQ(v.segment, "");
    EXPECT_GT(v.metrics.at("auc"), 0.65);
    EXPECT_TRUE(v.metrics.count("log_loss") && v.metrics.count("brier"));
    ASSERT_EQ(v.feature_importance.size(), 5u);
    double sum = 0;
    std::string best;
    for (const auto& [name, value] : v.feature_importance) {
      sum += value;
      if (best.empty() || value > v.feature_importance.at(best)) best = name;
    }
    EXPECT_NEAR(sum, 1.0, 1e-3);
    top.push_back(best);
  }
  EXPECT_EQ(risk.versions[0].version, "v1");
  EXPECT_EQ(risk.versions[1].version, "v2");
  EXPECT_NE(top[0], top[1]) << "v2 must rank the features differently";
}

TEST(GeneratorTest, ServedAccuracyMatchesTrainingWithoutDrift) {
  auto g = MakeGenerator(DemandOnly());
  std::map<std::string, std::pair<std::vector<double>, std::vector<double>>> by_segment;
  for (const Prediction& p : Generate(g, 8000)) {
    by_segment[p.segment].first.push_back(p.prediction);
    by_segment[p.segment].second.push_back(p.truth);
  }
  for (const VersionSetup& v : g.models()[0].versions) {
    const auto& [p, a] = by_segment[v.segment];
    const double mae = ComputeRegressionMetrics(p, a).mae;
    EXPECT_NEAR(mae / v.metrics.at("mae"), 1.0, 0.12) << v.segment;
  }
}

// With and without drift, the same seed gives the same events except where drift applies, and
// there only the shifted feature (and the outcome that depends on it) changes.
TEST(GeneratorTest, FeatureShiftTouchesOnlyTheRequestedSegmentsAndFeature) {
  GeneratorOptions base = DemandOnly(6);
  GeneratorOptions drifted = base;
  drifted.drift.kinds = {DriftKind::kFeatureShift};
  drifted.drift.segments = {"restaurant_2", "restaurant_5"};
  drifted.drift.features = {"temperature"};
  auto gb = MakeGenerator(base), gd = MakeGenerator(drifted);
  ASSERT_TRUE(gd.drift().has_value());
  const int64_t drift_start = gd.drift()->start_ms;
  EXPECT_EQ(drift_start, kStart + 7 * kDay / 2);
  const auto eb = Generate(gb, 6000), ed = Generate(gd, 6000);

  std::map<std::string, std::vector<double>> delta;  // temperature, drifted - base
  for (size_t i = 0; i < eb.size(); ++i) {
    const Prediction &b = eb[i], &d = ed[i];
    ASSERT_EQ(b.segment, d.segment);
    const bool should_drift = (d.segment == "restaurant_2" || d.segment == "restaurant_5") &&
                              d.timestamp_ms >= drift_start;
    EXPECT_EQ(d.drifted, should_drift) << i;
    if (!should_drift) {
      ASSERT_TRUE(SameEvent(b, d)) << i;
      continue;
    }
    for (const FeatureSpec& f : *b.feature_specs) {
      if (f.name != "temperature") {
        EXPECT_EQ(b.feature(f.name), d.feature(f.name)) << f.name;
      }
    }
    delta[d.segment].push_back(d.number("temperature") - b.number("temperature"));
  }
  // The shift is 2 reference standard deviations of each segment's training temperature.
  ASSERT_EQ(delta.size(), 2u);
  for (const auto& [segment, d] : delta) {
    const auto& versions = gd.models()[0].versions;
    const auto it = std::find_if(versions.begin(), versions.end(),
                                 [&](const VersionSetup& v) { return v.segment == segment; });
    std::vector<double> reference;
    for (const auto& r : it->training) reference.push_back(AsNumber(r.features[0]));
    const double expected = 2 * StdDev(reference);
    EXPECT_GT(expected, 4.0);
    EXPECT_NEAR(Mean(d), expected, 0.06) << segment;
    EXPECT_NEAR(gd.drift()->models[0].shifts.at(segment).at("temperature"), expected, 1e-9);
  }
  EXPECT_EQ(gd.drift()->models[0].segments,
            (std::vector<std::string>{"restaurant_2", "restaurant_5"}));
}

// Against the reference sample (scipy's two-sample KS test): untouched segments look like their
// reference; the shifted feature of drifted segments does not after the drift.
TEST(GeneratorTest, UntouchedSegmentsMatchTheReferenceStatistically) {
  GeneratorOptions o = DemandOnly(4);
  o.drift.kinds = {DriftKind::kFeatureShift};
  o.drift.segments = {"restaurant_3"};
  auto g = MakeGenerator(o);
  const auto events = Generate(g, 8000);
  nlohmann::json cases = nlohmann::json::array();
  for (const VersionSetup& v : g.models()[0].versions) {
    for (const char* feature : {"temperature", "lag_7", "rain_mm"}) {
      nlohmann::json c;
      c["segment"] = v.segment;
      c["feature"] = feature;
      const int index = g.world("demand_forecast")->FeatureIndex(feature);
      for (const auto& r : v.training) c["reference"].push_back(AsNumber(r.features[index]));
      for (const auto& p : events) {
        if (p.segment != v.segment) continue;
        // Drifted segment: only its events after the drift start.
        if (v.segment == "restaurant_3" && !p.drifted) continue;
        c["current"].push_back(p.number(feature));
      }
      cases.push_back(c);
    }
  }
  const std::string out = mw::testing::RunPython(R"(
import json, sys
from scipy import stats
cases = json.load(sys.stdin)
print(json.dumps([stats.ks_2samp(c["reference"], c["current"]).pvalue for c in cases]))
)",
                                                 cases.dump());
  const auto pvalues = nlohmann::json::parse(out);
  ASSERT_EQ(pvalues.size(), cases.size());
  for (size_t i = 0; i < cases.size(); ++i) {
    const std::string segment = cases[i]["segment"], feature = cases[i]["feature"];
    const double p = pvalues[i];
    if (segment == "restaurant_3" && feature == "temperature") {
      EXPECT_LT(p, 1e-10) << segment << " " << feature;
    } else {
      EXPECT_GT(p, 1e-3) << segment << " " << feature;
    }
  }
}

TEST(GeneratorTest, ConceptDriftRaisesTheMaeOfDriftedSegmentsOnly) {
  GeneratorOptions o = DemandOnly(4);
  o.drift.kinds = {DriftKind::kConcept};
  o.drift.segments = {"restaurant_2"};
  o.drift.at_fraction = 0.25;
  auto g = MakeGenerator(o);
  std::map<std::string, std::pair<std::vector<double>, std::vector<double>>> after;
  for (const Prediction& p : Generate(g, 8000)) {
    if (p.timestamp_ms < g.drift()->start_ms) continue;
    after[p.segment].first.push_back(p.prediction);
    after[p.segment].second.push_back(p.truth);
  }
  for (const VersionSetup& v : g.models()[0].versions) {
    const double ratio =
        ComputeRegressionMetrics(after[v.segment].first, after[v.segment].second).mae /
        v.metrics.at("mae");
    if (v.segment == "restaurant_2") {
      EXPECT_GT(ratio, 2.5) << v.segment;
    } else {
      EXPECT_NEAR(ratio, 1.0, 0.15) << v.segment;
    }
  }
}

TEST(GeneratorTest, RiskConceptDriftDropsAucWellBelow075) {
  GeneratorOptions o;
  o.demand = false;
  o.start_ms = kStart;
  o.drift.kinds = {DriftKind::kConcept};
  auto g = MakeGenerator(o);
  std::vector<double> bp, bl, ap, al;
  for (const Prediction& p : Generate(g, 6000)) {
    (p.drifted ? ap : bp).push_back(p.prediction);
    (p.drifted ? al : bl).push_back(p.truth);
  }
  const double training_auc = g.models()[0].versions[0].metrics.at("auc");
  EXPECT_GT(training_auc, 0.75);
  EXPECT_NEAR(ComputeBinaryMetrics(bp, bl).auc, training_auc, 0.04);
  EXPECT_LT(ComputeBinaryMetrics(ap, al).auc, 0.5);
  // The base rate stays: the concept changes, not the prevalence alone.
  EXPECT_NEAR(Mean(al), Mean(bl), 0.1);
}

TEST(GeneratorTest, NewCategoryAppearsOnlyAfterDriftWhereRequested) {
  GeneratorOptions o;
  o.start_ms = kStart;
  o.training_rows = 200;  // enough for the metrics; keeps the test fast
  o.restaurants = 3;
  o.drift.kinds = {DriftKind::kNewCategory};
  o.drift.models = {"demand_forecast", "patient_risk"};
  o.drift.segments = {"restaurant_1"};
  auto g = MakeGenerator(o);
  std::map<std::string, std::pair<int, int>> unseen;  // key -> (rows with the value, rows)
  for (const Prediction& p : Generate(g, 9000)) {
    const bool is_new = p.model == "demand_forecast"
                            ? std::get<std::string>(p.feature("day_of_week")) == "holiday_special"
                            : std::get<std::string>(p.feature("region")) == "central";
    const std::string key =
        p.model + "/" + p.segment + (p.timestamp_ms >= g.drift()->start_ms ? "/after" : "/before");
    unseen[key].first += is_new ? 1 : 0;
    unseen[key].second += 1;
  }
  for (const auto& [key, counts] : unseen) {
    const double share = static_cast<double>(counts.first) / counts.second;
    if (key == "demand_forecast/restaurant_1/after" || key == "patient_risk//after") {
      EXPECT_NEAR(share, 0.3, 0.06) << key;
    } else {
      EXPECT_EQ(counts.first, 0) << key;
    }
  }
  ASSERT_EQ(g.drift()->models.size(), 2u);
  EXPECT_EQ(g.drift()->models[1].new_category_value, "central");
}

TEST(GeneratorTest, SegmentsAloneLeaveTheUnsegmentedModelAlone) {
  GeneratorOptions o;
  o.start_ms = kStart;
  o.training_rows = 200;  // enough for the metrics; keeps the test fast
  o.drift.kinds = {DriftKind::kConcept};
  o.drift.segments = {"restaurant_4"};
  auto g = MakeGenerator(o);
  ASSERT_EQ(g.drift()->models.size(), 1u);
  EXPECT_EQ(g.drift()->models[0].model, "demand_forecast");
  for (const Prediction& p : Generate(g, 2000)) {
    if (p.model == "patient_risk") {
      EXPECT_FALSE(p.drifted);
    }
  }
}

TEST(GeneratorTest, ActualsAreReleasedWhenDueAndFlushedAtTheEnd) {
  GeneratorOptions o = DemandOnly();
  o.span_ms = 3 * 3'600'000;
  o.actual_delay_ms = 3'600'000;
  auto g = MakeGenerator(o);
  std::vector<Prediction> sent;
  std::vector<Actual> released;
  for (int minute = 0; minute < 180; ++minute) {
    const int64_t t = kStart + minute * 60'000;
    sent.push_back(g.Next(t));
    for (Actual& a : g.TakeDue(t)) {
      EXPECT_LE(a.timestamp_ms, t);
      released.push_back(std::move(a));
    }
  }
  // Everything stamped in the first two hours is due by the last prediction, nothing later.
  ASSERT_EQ(released.size(), 120u);
  for (size_t i = 0; i < released.size(); ++i) {
    EXPECT_EQ(released[i].id, sent[i].id);
    EXPECT_EQ(released[i].value, sent[i].truth);
    EXPECT_EQ(released[i].timestamp_ms, sent[i].timestamp_ms + 3'600'000);
  }
  EXPECT_EQ(g.pending_actuals(), 60u);
  const int64_t now = kStart + 200 * 60'000;
  const auto rest = g.TakeAll(now);
  ASSERT_EQ(rest.size(), 60u);
  EXPECT_EQ(rest.front().id, sent[120].id);
  EXPECT_EQ(rest.front().timestamp_ms, sent[120].timestamp_ms + 3'600'000);
  EXPECT_EQ(rest.back().timestamp_ms, now);  // due after now: stamped now, never in the future
  EXPECT_EQ(g.pending_actuals(), 0u);
}

TEST(GeneratorTest, ActualFractionSchedulesThatShare) {
  GeneratorOptions o = DemandOnly();
  o.actual_fraction = 0.25;
  auto g = MakeGenerator(o);
  int scheduled = 0;
  for (const Prediction& p : Generate(g, 4000)) scheduled += p.actual_scheduled ? 1 : 0;
  EXPECT_NEAR(scheduled / 4000.0, 0.25, 0.03);
  EXPECT_EQ(g.pending_actuals(), static_cast<size_t>(scheduled));
  o.actual_fraction = 0;
  auto none = MakeGenerator(o);
  Generate(none, 500);
  EXPECT_EQ(none.pending_actuals(), 0u);
}

TEST(GeneratorTest, RejectsInconsistentOptionsNamingTheFlag) {
  struct Case {
    std::function<void(GeneratorOptions&)> edit;
    std::string flag;
  };
  const std::vector<Case> cases = {
      {[](auto& o) { o.restaurants = 0; }, "--restaurants"},
      {[](auto& o) { o.risk_versions = 3; }, "--versions"},
      {[](auto& o) { o.actual_fraction = 1.5; }, "--actual-fraction"},
      {[](auto& o) { o.actual_delay_ms = -1; }, "--actual-delay"},
      {[](auto& o) { o.span_ms = 0; }, "--span"},
      {[](auto& o) { o.demand = o.risk = false; }, "--scenario"},
      {[](auto& o) { o.drift.segments = {"restaurant_1"}; }, "--drift-segments"},
      {[](auto& o) {
         o.drift.kinds = {DriftKind::kConcept};
         o.drift.segments = {"restaurant_99"};
       },
       "--drift-segments"},
      {[](auto& o) {
         o.drift.kinds = {DriftKind::kConcept};
         o.drift.features = {"temperature"};
       },
       "--drift-features"},
      {[](auto& o) {
         o.drift.kinds = {DriftKind::kFeatureShift};
         o.drift.features = {"day_of_week"};
       },
       "--drift-features"},
      {[](auto& o) {
         o.drift.kinds = {DriftKind::kFeatureShift};
         o.drift.features = {"no_such"};
       },
       "--drift-features"},
      {[](auto& o) {
         o.drift.kinds = {DriftKind::kConcept};
         o.drift.models = {"churn"};
       },
       "--drift-models"},
      {[](auto& o) {
         o.drift.kinds = {DriftKind::kConcept};
         o.drift.at_fraction = 1.5;
       },
       "--drift-at"},
  };
  for (const Case& c : cases) {
    GeneratorOptions o;
    o.start_ms = kStart;
    o.restaurants = 3;
    o.training_rows = 20;
    c.edit(o);
    auto g = TrafficGenerator::Create(o);
    ASSERT_FALSE(g.has_value()) << c.flag;
    EXPECT_EQ(g.error().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(g.error().message().rfind(c.flag + ": ", 0), 0u) << g.error().message();
  }
}

TEST(GeneratorTest, DriftAtAnInstant) {
  GeneratorOptions o = DemandOnly();
  o.drift.kinds = {DriftKind::kConcept};
  o.drift.at_ms = kStart + kDay;
  auto g = MakeGenerator(o);
  EXPECT_EQ(g.drift()->start_ms, kStart + kDay);
  EXPECT_FALSE(g.Next(kStart + kDay - 1).drifted);
  EXPECT_TRUE(g.Next(kStart + kDay).drifted);
}

TEST(GeneratorTest, DriftKindNamesRoundTrip) {
  for (DriftKind k : {DriftKind::kFeatureShift, DriftKind::kNewCategory, DriftKind::kConcept}) {
    EXPECT_EQ(ParseDriftKind(DriftKindName(k)), k);
  }
  EXPECT_FALSE(ParseDriftKind("drift").has_value());
}

}  // namespace
}  // namespace mw::simulate
