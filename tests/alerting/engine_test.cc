// The built-in rule engine with a FakeClock, a hand-written metrics exposition and a recording
// sink: the pending → firing → resolved life cycle, `for`, state and history across restarts
// (for-state restoration, outage tolerance, warm-up of range rules, rules removed from the file),
// group intervals, the P_alerts gauges and the history API's filters.
#include "alerting/engine/engine.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>

#include "common/clock.h"

namespace mw::alerting {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

constexpr int64_t kSecond = 1000, kMinute = 60 * kSecond, kHour = 60 * kMinute;

class RecordingSink final : public AlertSink {
 public:
  void OnAlert(const AlertEvent& event) override { events.push_back(event); }
  std::vector<AlertEvent> Take() { return std::exchange(events, {}); }
  std::vector<AlertEvent> events;
};

const char* kRules = R"(groups:
  - name: models
    rules:
      - alert: ModelDriftDetected
        expr: model_drift_detected == 1
        for: 2m
        labels:
          severity: warning
        annotations:
          summary: 'Drift on {{ $labels.model }}/{{ $labels.segment }}'
          description: 'value {{ $value }}'
      - alert: ModelAucLow
        expr: model_auc < 0.75
        labels:
          severity: critical
          team: ml
        annotations:
          summary: 'AUC {{ $value | printf "%.2f" }}'
          description: AUC low
  - name: api
    interval: 1m
    rules:
      - alert: TooManyErrors
        expr: errors[1h] > 5
        labels:
          severity: warning
        annotations:
          summary: errors
          description: '{{ $value }} errors'
)";

class EngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("mw_engine_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override {
    engine_.reset();
    std::filesystem::remove_all(dir_);
  }

  void Open(const std::string& rules_yaml = kRules, int64_t outage_tolerance_ms = kHour) {
    engine_.reset();
    registry_ = std::make_shared<prometheus::Registry>();
    auto rules = LoadRules(rules_yaml, "test.yml");
    ASSERT_TRUE(rules.has_value()) << rules.error().message();
    EngineOptions o;
    o.state_path = (dir_ / "alerts.db").string();
    o.default_interval_ms = 30 * kSecond;
    o.outage_tolerance_ms = outage_tolerance_ms;
    o.registry = registry_.get();
    o.external_url = "http://mw.example:8000/";
    o.sources_ready = [this] { return sources_ready_; };
    auto engine = RuleEngine::Open(
        std::move(*rules), [this] { return exposition_; }, &sink_, clock_, o);
    ASSERT_TRUE(engine.has_value()) << engine.error().message();
    engine_ = std::move(*engine);
  }

  // Moves the clock and evaluates what is due.
  void At(int64_t offset_ms) {
    clock_.Set(kStart + offset_ms);
    engine_->EvaluateDue();
  }

  std::string Metrics() const {
    return prometheus::TextSerializer().Serialize(registry_->Collect());
  }

  std::vector<std::string> HistoryStates(const HistoryQuery& q = {}) const {
    auto h = engine_->History(q);
    EXPECT_TRUE(h.has_value());
    std::vector<std::string> out;
    for (const AlertTransition& t : *h) out.push_back(t.alertname + ":" + t.state);
    return out;
  }

  static constexpr int64_t kStart = 1'700'000'000'000;
  FakeClock clock_{kStart};
  std::filesystem::path dir_;
  std::string exposition_;
  bool sources_ready_ = true;
  RecordingSink sink_;
  std::shared_ptr<prometheus::Registry> registry_;
  std::unique_ptr<RuleEngine> engine_;
};

const char* kDrift =
    "ml_model_drift_detected{model=\"demand\",segment=\"r2\"} 1\n"
    "ml_model_drift_detected{model=\"demand\",segment=\"r1\"} 0\n";
const char* kNoDrift =
    "ml_model_drift_detected{model=\"demand\",segment=\"r2\"} 0\n"
    "ml_model_drift_detected{model=\"demand\",segment=\"r1\"} 0\n";

class EngineErrorRecorder : public BackgroundErrorReporter {
 public:
  void OnBackgroundError(std::string_view thread, std::string_view what) noexcept override {
    std::lock_guard lock(mu);
    errors.emplace_back(std::string(thread) + ": " + std::string(what));
  }
  size_t count() {
    std::lock_guard lock(mu);
    return errors.size();
  }
  std::mutex mu;
  std::vector<std::string> errors;
};

// A pass that throws (here the scrape) is reported and the Start()ed thread goes on: the engine
// evaluates again once the cause is gone.
TEST_F(EngineTest, TheEvaluationThreadSurvivesPassesThatThrow) {
  auto rules = LoadRules(kRules, "test.yml");
  ASSERT_TRUE(rules.has_value());
  EngineErrorRecorder recorder;
  registry_ = std::make_shared<prometheus::Registry>();
  EngineOptions o;
  o.state_path = (dir_ / "alerts.db").string();
  o.default_interval_ms = 1;
  o.idle_wait_ms = 1;
  o.registry = registry_.get();
  o.errors = &recorder;
  std::atomic<int> failures{2};
  auto engine = RuleEngine::Open(
      std::move(*rules),
      [&]() -> std::string {
        if (failures.fetch_sub(1) > 0) throw std::runtime_error("scrape failed");
        return "model_auc{model=\"m\"} 0.9\n";
      },
      &sink_, clock_, o);
  ASSERT_TRUE(engine.has_value()) << engine.error().message();
  engine_ = std::move(*engine);
  engine_->Start();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while ((recorder.count() < 2 ||
          Metrics().find("modelwatch_alert_evaluations_total{") == std::string::npos) &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));  // poll interval
    clock_.Set(clock_.NowMillis() + kSecond);
  }
  engine_->Stop();
  ASSERT_EQ(recorder.count(), 2u);
  EXPECT_EQ(recorder.errors[0], "alert_engine: scrape failed");
  EXPECT_THAT(Metrics(), HasSubstr("modelwatch_alert_evaluations_total{"));
}

TEST_F(EngineTest, PendingThenFiringAfterForThenResolvedOnce) {
  Open();
  exposition_ = kDrift;
  At(0);
  ASSERT_EQ(engine_->Alerts().size(), 1u);
  const ActiveAlert pending = engine_->Alerts()[0];
  EXPECT_EQ(pending.state, ActiveAlert::State::kPending);
  EXPECT_EQ(pending.labels, (std::map<std::string, std::string>{{"alertname", "ModelDriftDetected"},
                                                                {"model", "demand"},
                                                                {"segment", "r2"},
                                                                {"severity", "warning"}}));
  EXPECT_EQ(pending.annotations.at("summary"), "Drift on demand/r2");
  EXPECT_EQ(pending.annotations.at("description"), "value 1");
  EXPECT_EQ(pending.fingerprint, LabelsFingerprint(pending.labels));
  EXPECT_THAT(sink_.Take(), IsEmpty());  // pending alerts are not notified
  EXPECT_THAT(Metrics(), HasSubstr("ml_alerts{alertname=\"ModelDriftDetected\",alertstate="
                                   "\"pending\",model=\"demand\",segment=\"r2\",severity="
                                   "\"warning\"} 1"));

  At(90 * kSecond);  // 1.5 min: still pending
  EXPECT_EQ(engine_->Alerts()[0].state, ActiveAlert::State::kPending);
  At(120 * kSecond);  // 2 min after it became pending: fires
  ASSERT_EQ(engine_->Alerts().size(), 1u);
  EXPECT_EQ(engine_->Alerts()[0].state, ActiveAlert::State::kFiring);
  EXPECT_EQ(engine_->Alerts()[0].active_at_ms, kStart);
  EXPECT_EQ(engine_->Alerts()[0].fired_at_ms, kStart + 120 * kSecond);
  auto events = sink_.Take();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_TRUE(events[0].firing());
  EXPECT_EQ(events[0].starts_at_ms, kStart + 120 * kSecond);
  EXPECT_EQ(events[0].generator_url,
            "http://mw.example:8000/v1/alerts?alertname=ModelDriftDetected");
  EXPECT_THAT(Metrics(), HasSubstr("alertstate=\"firing\""));
  EXPECT_THAT(Metrics(), Not(HasSubstr("alertstate=\"pending\"")));

  At(150 * kSecond);  // still firing: re-reported with its value
  events = sink_.Take();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_TRUE(events[0].firing());

  exposition_ = kNoDrift;
  At(180 * kSecond);
  events = sink_.Take();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_FALSE(events[0].firing());
  EXPECT_EQ(events[0].ends_at_ms, kStart + 180 * kSecond);
  EXPECT_EQ(events[0].starts_at_ms, kStart + 120 * kSecond);
  ASSERT_EQ(engine_->Alerts().size(), 1u);
  EXPECT_EQ(engine_->Alerts()[0].state, ActiveAlert::State::kResolved);
  EXPECT_THAT(Metrics(), Not(HasSubstr("ml_alerts{")));
  At(210 * kSecond);
  EXPECT_THAT(sink_.Take(), IsEmpty());  // resolved is said once
  At(180 * kSecond + 15 * kMinute);      // kept 15 minutes, then forgotten
  EXPECT_THAT(engine_->Alerts(), IsEmpty());

  EXPECT_THAT(HistoryStates(),
              ElementsAre("ModelDriftDetected:resolved", "ModelDriftDetected:firing",
                          "ModelDriftDetected:pending"));
}

TEST_F(EngineTest, PendingAlertThatStopsHoldingIsDroppedSilently) {
  Open();
  exposition_ = kDrift;
  At(0);
  exposition_ = kNoDrift;
  At(30 * kSecond);
  EXPECT_THAT(engine_->Alerts(), IsEmpty());
  EXPECT_THAT(sink_.Take(), IsEmpty());
  EXPECT_THAT(Metrics(), Not(HasSubstr("ml_alerts{")));
  // Holding again starts the `for` over.
  exposition_ = kDrift;
  At(60 * kSecond);
  At(150 * kSecond);
  EXPECT_EQ(engine_->Alerts()[0].state, ActiveAlert::State::kPending);
  At(180 * kSecond);
  EXPECT_EQ(engine_->Alerts()[0].state, ActiveAlert::State::kFiring);
}

TEST_F(EngineTest, ForZeroFiresAtOnceWithRuleLabelsAndFormattedValue) {
  Open();
  exposition_ =
      "ml_model_auc_score{model=\"risk\",segment=\"\"} 0.7\n"
      "ml_model_auc_score{model=\"other\",segment=\"\"} 0.9\n";
  At(0);
  auto events = sink_.Take();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].labels.at("model"), "risk");
  EXPECT_EQ(events[0].labels.at("team"), "ml");
  EXPECT_EQ(events[0].labels.at("severity"), "critical");
  EXPECT_EQ(events[0].annotations.at("summary"), "AUC 0.70");
  EXPECT_DOUBLE_EQ(events[0].value, 0.7);
  EXPECT_THAT(HistoryStates(), ElementsAre("ModelAucLow:firing"));  // no pending step
}

TEST_F(EngineTest, GroupsRunAtTheirOwnInterval) {
  Open();
  exposition_ = "ml_api_errors_total{endpoint=\"/v1/predictions\",status=\"500\"} 0\n";
  At(0);  // every group is due at start
  const auto first = engine_->Rules();
  ASSERT_EQ(first.size(), 3u);
  EXPECT_EQ(first[2].alert, "TooManyErrors");
  EXPECT_EQ(first[2].last_evaluation_ms, kStart);
  At(30 * kSecond);  // the default 30 s group again, not the 1 m one
  EXPECT_EQ(engine_->Rules()[0].last_evaluation_ms, kStart + 30 * kSecond);
  EXPECT_EQ(engine_->Rules()[2].last_evaluation_ms, kStart);
  At(60 * kSecond);
  EXPECT_EQ(engine_->Rules()[2].last_evaluation_ms, kStart + 60 * kSecond);
  EXPECT_EQ(engine_->Rules()[2].health, "ok");
  EXPECT_THAT(Metrics(), HasSubstr("modelwatch_alert_rules{group=\"models\"} 2"));
  EXPECT_THAT(Metrics(), HasSubstr("modelwatch_alert_rules{group=\"api\"} 1"));
  EXPECT_THAT(Metrics(), HasSubstr("modelwatch_alert_evaluations_total{group=\"api\"} 2"));
  EXPECT_THAT(Metrics(), HasSubstr("modelwatch_alert_evaluations_total{group=\"models\"} 3"));
}

TEST_F(EngineTest, FiringAlertSurvivesRestartWithoutANewFiringTransition) {
  Open();
  exposition_ = kDrift;
  At(0);
  At(120 * kSecond);
  ASSERT_EQ(engine_->Alerts()[0].state, ActiveAlert::State::kFiring);
  sink_.Take();

  Open();  // a restart: a new engine on the same state file
  ASSERT_EQ(engine_->Alerts().size(), 1u);
  EXPECT_EQ(engine_->Alerts()[0].state, ActiveAlert::State::kFiring);
  EXPECT_EQ(engine_->Alerts()[0].fired_at_ms, kStart + 120 * kSecond);
  EXPECT_THAT(Metrics(), HasSubstr("alertstate=\"firing\""));  // exported before evaluating
  At(180 * kSecond);
  auto events = sink_.Take();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_TRUE(events[0].firing());
  EXPECT_EQ(events[0].starts_at_ms, kStart + 120 * kSecond);  // the same alert, not a new one
  exposition_ = kNoDrift;
  At(210 * kSecond);
  events = sink_.Take();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_FALSE(events[0].firing());
  EXPECT_THAT(HistoryStates(),
              ElementsAre("ModelDriftDetected:resolved", "ModelDriftDetected:firing",
                          "ModelDriftDetected:pending"));
}

TEST_F(EngineTest, NothingResolvesBeforeTheGaugesSourcesHaveRun) {
  Open();
  exposition_ = kDrift;
  At(0);
  At(120 * kSecond);
  ASSERT_EQ(engine_->Alerts()[0].state, ActiveAlert::State::kFiring);
  sink_.Take();
  // Restarted: the quality evaluator has not run yet, so its gauges are missing.
  sources_ready_ = false;
  Open();
  exposition_ = "";
  At(150 * kSecond);
  At(180 * kSecond);
  ASSERT_EQ(engine_->Alerts().size(), 1u);
  EXPECT_EQ(engine_->Alerts()[0].state, ActiveAlert::State::kFiring);
  EXPECT_EQ(engine_->Alerts()[0].fired_at_ms, kStart + 120 * kSecond);
  for (const AlertEvent& e : sink_.Take()) EXPECT_TRUE(e.firing());
  // Its first pass: the gauge says drift is over.
  sources_ready_ = true;
  exposition_ = kNoDrift;
  At(210 * kSecond);
  EXPECT_EQ(engine_->Alerts()[0].state, ActiveAlert::State::kResolved);
}

TEST_F(EngineTest, APendingAlertKeepsItsForWhileTheSourcesHaveNotRun) {
  Open();
  exposition_ = kDrift;
  At(0);
  sources_ready_ = false;
  Open();
  exposition_ = "";
  At(60 * kSecond);
  ASSERT_EQ(engine_->Alerts().size(), 1u);
  EXPECT_EQ(engine_->Alerts()[0].state, ActiveAlert::State::kPending);
  sources_ready_ = true;
  exposition_ = kDrift;
  At(120 * kSecond);
  EXPECT_EQ(engine_->Alerts()[0].state, ActiveAlert::State::kFiring);
  EXPECT_EQ(engine_->Alerts()[0].active_at_ms, kStart);
}

TEST_F(EngineTest, PendingForCountsAcrossARestartWithinTheOutageTolerance) {
  Open();
  exposition_ = kDrift;
  At(0);
  Open();
  At(120 * kSecond);  // 2 min after it first held, though the engine restarted in between
  EXPECT_EQ(engine_->Alerts()[0].state, ActiveAlert::State::kFiring);
  EXPECT_EQ(engine_->Alerts()[0].active_at_ms, kStart);
}

TEST_F(EngineTest, PendingStartsOverAfterALongOutage) {
  Open(kRules, /*outage_tolerance_ms=*/kMinute);
  exposition_ = kDrift;
  At(0);
  clock_.Set(kStart + 10 * kMinute);
  Open(kRules, kMinute);
  EXPECT_THAT(engine_->Alerts(), IsEmpty());
  At(10 * kMinute);
  EXPECT_EQ(engine_->Alerts()[0].active_at_ms, kStart + 10 * kMinute);
  At(11 * kMinute);
  EXPECT_EQ(engine_->Alerts()[0].state, ActiveAlert::State::kPending);
}

TEST_F(EngineTest, RangeRulesDoNotResolveBeforeTheirRangeOfHistory) {
  Open();
  const auto errors = [](int n) {
    return "ml_api_errors_total{endpoint=\"/v1/predictions\",status=\"500\"} " + std::to_string(n) +
           "\n";
  };
  exposition_ = errors(0);
  At(0);
  exposition_ = errors(10);
  At(60 * kSecond);  // 10 errors within the hour: fires (for 0)
  ASSERT_EQ(engine_->Alerts().size(), 1u);
  EXPECT_EQ(engine_->Alerts()[0].state, ActiveAlert::State::kFiring);
  EXPECT_EQ(engine_->Alerts()[0].value, 10);
  sink_.Take();

  clock_.Set(kStart + 2 * kMinute);
  Open();  // restarted: the sampler has no history, errors[1h] has no value yet
  At(2 * kMinute);
  At(3 * kMinute);
  At(40 * kMinute);
  ASSERT_EQ(engine_->Alerts().size(), 1u);
  EXPECT_EQ(engine_->Alerts()[0].state, ActiveAlert::State::kFiring);  // held during warm-up
  for (const AlertEvent& e : sink_.Take()) EXPECT_TRUE(e.firing());
  At(2 * kMinute + kHour);  // an hour of history without new errors: resolves
  EXPECT_EQ(engine_->Alerts()[0].state, ActiveAlert::State::kResolved);
  auto events = sink_.Take();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_FALSE(events[0].firing());
}

TEST_F(EngineTest, AlertsOfARuleRemovedFromTheFileResolveAtOpen) {
  Open();
  exposition_ = "ml_model_auc_score{model=\"risk\",segment=\"\"} 0.7\n";
  At(0);
  sink_.Take();
  const std::string without_auc = R"(groups:
  - name: models
    rules:
      - alert: ModelDriftDetected
        expr: model_drift_detected == 1
        labels:
          severity: warning
        annotations:
          summary: drift
          description: drift
)";
  Open(without_auc);
  auto events = sink_.Take();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].alertname, "ModelAucLow");
  EXPECT_FALSE(events[0].firing());
  EXPECT_THAT(engine_->Alerts(), IsEmpty());
  Open(without_auc);  // and only once
  EXPECT_THAT(sink_.Take(), IsEmpty());
}

// $labels in templates holds the series' labels: a rule label that overrides one does not change
// what the template sees (Prometheus expands templates from the sample's labels too).
TEST_F(EngineTest, TemplatesSeeTheSeriesLabelsNotTheRuleLabels) {
  Open(R"(groups:
  - name: models
    rules:
      - alert: ModelDriftDetected
        expr: model_drift_detected == 1
        labels:
          severity: warning
          segment: all
        annotations:
          summary: 'Drift on {{ $labels.model }}/{{ $labels.segment }}'
          description: drift
)");
  exposition_ = kDrift;
  At(0);
  auto events = sink_.Take();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].labels.at("segment"), "all");
  EXPECT_EQ(events[0].annotations.at("summary"), "Drift on demand/r2");
}

TEST_F(EngineTest, HistoryFiltersAndPages) {
  Open();
  exposition_ = std::string(kDrift) + "ml_model_auc_score{model=\"risk\",segment=\"\"} 0.7\n";
  At(0);
  At(120 * kSecond);
  exposition_ = kNoDrift;
  At(150 * kSecond);
  EXPECT_THAT(HistoryStates(), ElementsAre("ModelAucLow:resolved", "ModelDriftDetected:resolved",
                                           "ModelDriftDetected:firing", "ModelAucLow:firing",
                                           "ModelDriftDetected:pending"));
  HistoryQuery q;
  q.alertname = "ModelDriftDetected";
  EXPECT_THAT(HistoryStates(q),
              ElementsAre("ModelDriftDetected:resolved", "ModelDriftDetected:firing",
                          "ModelDriftDetected:pending"));
  q = {};
  q.state = "firing";
  EXPECT_THAT(HistoryStates(q), ElementsAre("ModelDriftDetected:firing", "ModelAucLow:firing"));
  q = {};
  q.from_ms = kStart + 120 * kSecond;
  q.to_ms = kStart + 150 * kSecond;
  EXPECT_THAT(HistoryStates(q), ElementsAre("ModelDriftDetected:firing"));
  q = {};
  q.limit = 2;
  auto page = engine_->History(q);
  ASSERT_TRUE(page.has_value());
  ASSERT_EQ(page->size(), 2u);
  q.before_id = page->back().id;
  EXPECT_THAT(HistoryStates(q), ElementsAre("ModelDriftDetected:firing", "ModelAucLow:firing"));
}

TEST_F(EngineTest, ShippedDefaultRulesLoadAndEvaluate) {
  auto rules = LoadRules(DefaultRulesYaml(), "default.yml");
  ASSERT_TRUE(rules.has_value()) << rules.error().message();
  EXPECT_EQ(rules->rule_count(), 30u);
  std::string yaml(DefaultRulesYaml());
  Open(yaml);
  exposition_ = kNoDrift;
  At(0);
  for (const RuleStatus& r : engine_->Rules()) {
    EXPECT_EQ(r.health, "ok") << r.alert << ": " << r.last_error;
  }
}

// The shipped ServiceDown watches the prediction service (P_service_up from the proxy's prober),
// so the built-in engine reports it; ModelwatchDown is Prometheus' `up` of modelwatch, which the
// engine, running inside modelwatch, always sees as 1.
TEST_F(EngineTest, TheShippedServiceDownFiresInProcessAndModelwatchDownNever) {
  Open(std::string(DefaultRulesYaml()));
  exposition_ = std::string(kNoDrift) + "ml_service_up 0\nml_model_loaded 1\n";
  for (int64_t t = 0; t <= 2 * kMinute; t += 30 * kSecond) At(t);
  std::set<std::string> firing;
  for (const ActiveAlert& a : engine_->Alerts()) {
    if (a.state == ActiveAlert::State::kFiring) firing.insert(a.labels.at("alertname"));
  }
  EXPECT_EQ(firing, (std::set<std::string>{"ServiceDown"}));
  exposition_ = std::string(kNoDrift) + "ml_service_up 1\nml_model_loaded 1\n";
  At(2 * kMinute + 30 * kSecond);
  for (const ActiveAlert& a : engine_->Alerts()) {
    EXPECT_NE(a.state, ActiveAlert::State::kFiring) << a.labels.at("alertname");
  }
}

}  // namespace
}  // namespace mw::alerting
