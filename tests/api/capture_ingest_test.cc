// CaptureIngest: the proxy's captured events stored through the ingest pipeline of
// POST /v1/predictions, against a real SqliteStore in a temporary directory.
#include "api/capture_ingest.h"

#include <gtest/gtest.h>

#include <future>
#include <memory>
#include <string>
#include <vector>

#include "api/metrics/service_metrics.h"
#include "common/time_format.h"
#include "store/sqlite_store.h"
#include "telemetry/test_util.h"

namespace mw::api {
namespace {

using proxy::CaptureItem;
using proxy::DeliveryOutcome;
using telemetry_test::Sample;
using telemetry_test::TempDir;
using Kind = DeliveryOutcome::Kind;

class CaptureIngestTest : public ::testing::Test {
 protected:
  void SetUp() override {
    telemetry::MetricsOptions mo;
    mo.prefix = "ml";
    mo.segment_label = "segment";
    mo.version = "test";
    mo.system_metrics = false;
    auto m = ServiceMetrics::Create(mo);
    ASSERT_TRUE(m.has_value());
    metrics_ = std::move(*m);
    store::SqliteStoreOptions so;
    so.path = (dir_.path() / "m.db").string();
    auto s = store::OpenSqliteStore(so);
    ASSERT_TRUE(s.has_value()) << s.error().ToString();
    store_ = std::move(*s);
    ctx_ = {&limits_, store_.get(), &metrics_->ingest, &catalog_, &clock_};
  }
  void TearDown() override { store_->Close(); }

  std::vector<DeliveryOutcome> Deliver(std::vector<CaptureItem> items) {
    CaptureIngest sink(ctx_);
    std::promise<std::vector<DeliveryOutcome>> p;
    auto f = p.get_future();
    sink.Deliver(std::move(items),
                 [&p](std::vector<DeliveryOutcome> outcomes) { p.set_value(std::move(outcomes)); });
    return f.get();
  }

  // One event as the proxy's extraction writes it.
  std::string Event(const std::string& id, double prediction, const std::string& extra = "") {
    return R"({"id":")" + id + R"(","model":"demand_forecast","segment":"3","timestamp":")" +
           FormatRfc3339Millis(clock_.NowMillis()) +
           R"(","features":{"temp":21.5,"weekday":"mon"},"prediction":)" +
           std::to_string(prediction) + extra + "}";
  }
  static CaptureItem Item(std::vector<std::string> events) {
    CaptureItem item;
    item.events_json = R"({"events":[)";
    for (size_t i = 0; i < events.size(); ++i) item.events_json += (i ? "," : "") + events[i];
    item.events_json += "]}";
    item.events = events.size();
    item.route = "/predict/{restaurant_id}";
    return item;
  }
  std::optional<double> Metric(const std::string& series) {
    return Sample(metrics_->core.Serialize(), series);
  }

  TempDir dir_;
  SystemClock clock_;
  config::Config::Ingest limits_;
  ModelCatalog catalog_;
  std::unique_ptr<ServiceMetrics> metrics_;
  std::unique_ptr<store::Store> store_;
  IngestContext ctx_;
};

TEST_F(CaptureIngestTest, ItemsOfOneDeliveryAreStoredAndCountedOnce) {
  const std::string r1 = Event("r1", 41.5, R"(,"latency_ms":12)");
  auto outcomes = Deliver({Item({r1}), Item({Event("r2-0", 1), Event("r2-1", 2)})});
  ASSERT_EQ(outcomes.size(), 2u);
  EXPECT_EQ(outcomes[0].kind, Kind::kStored);
  EXPECT_EQ(outcomes[1].kind, Kind::kStored);
  auto p = store_->GetPrediction("r1");
  ASSERT_TRUE(p.has_value()) << p.error().ToString();
  EXPECT_EQ(p->model, "demand_forecast");
  EXPECT_EQ(p->segment, "3");
  EXPECT_DOUBLE_EQ(p->prediction, 41.5);
  ASSERT_TRUE(store_->GetPrediction("r2-1").has_value());
  const std::string labels = R"({model_type="demand_forecast",segment="3"})";
  EXPECT_EQ(Metric("ml_predictions_total" + labels), 3);
  EXPECT_EQ(Metric("ml_prediction_duration_seconds_count" + labels), 1);

  // The same item again (a retry after a lost answer): stored, not counted again.
  outcomes = Deliver({Item({r1})});
  EXPECT_EQ(outcomes[0].kind, Kind::kStored);
  EXPECT_EQ(Metric("ml_predictions_total" + labels), 3);
}

TEST_F(CaptureIngestTest, AnItemTheDecoderRefusesIsDroppedAsInvalidAlone) {
  auto outcomes =
      Deliver({Item({R"({"id":"x","model":"","prediction":1})"}), Item({Event("ok", 7)})});
  ASSERT_EQ(outcomes.size(), 2u);
  EXPECT_EQ(outcomes[0].kind, Kind::kDropped);
  EXPECT_EQ(outcomes[0].reason, "invalid");
  EXPECT_EQ(outcomes[1].kind, Kind::kStored);
  EXPECT_TRUE(store_->GetPrediction("ok").has_value());
  EXPECT_FALSE(store_->GetPrediction("x").has_value());
}

TEST_F(CaptureIngestTest, AConflictingIdDropsOnlyItsOwnItem) {
  ASSERT_EQ(Deliver({Item({Event("reused", 1)})})[0].kind, Kind::kStored);
  // A client reused an X-Request-Id: the second answer differs; the other item is kept.
  auto outcomes = Deliver(
      {Item({Event("fresh-a", 3)}), Item({Event("reused", 2)}), Item({Event("fresh-b", 4)})});
  ASSERT_EQ(outcomes.size(), 3u);
  EXPECT_EQ(outcomes[0].kind, Kind::kStored);
  EXPECT_EQ(outcomes[1].kind, Kind::kDropped);
  EXPECT_EQ(outcomes[1].reason, "conflict");
  EXPECT_EQ(outcomes[2].kind, Kind::kStored);
  EXPECT_TRUE(store_->GetPrediction("fresh-a").has_value());
  EXPECT_TRUE(store_->GetPrediction("fresh-b").has_value());
  EXPECT_DOUBLE_EQ(store_->GetPrediction("reused")->prediction, 1);
  EXPECT_EQ(Metric(R"(ml_predictions_total{model_type="demand_forecast",segment="3"})"), 3);
}

TEST_F(CaptureIngestTest, AModelAdmissionRefusesIsDroppedWithItsReason) {
  limits_.require_registered_models = true;
  auto outcomes = Deliver({Item({Event("u", 1)})});
  EXPECT_EQ(outcomes[0].kind, Kind::kDropped);
  EXPECT_EQ(outcomes[0].reason, "unregistered_model");
  EXPECT_FALSE(store_->GetPrediction("u").has_value());
}

TEST_F(CaptureIngestTest, AClosedStoreAsksForARetryInsteadOfDropping) {
  store_->Close();
  auto outcomes = Deliver({Item({Event("later", 1)})});
  EXPECT_EQ(outcomes[0].kind, Kind::kRetryLater);
}

}  // namespace
}  // namespace mw::api
