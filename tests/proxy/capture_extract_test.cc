// proxy/capture/extract.h with explicit sources: FastAPI-style bodies, headers, path parameters,
// batches, ids, and the validation that drops an exchange. Every captured event also goes
// through the real ingest decoder (capture_test_util.h).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "capture_test_util.h"
#include "proxy/capture/extract.h"
#include "proxy/capture/sample.h"

namespace mw::proxy {
namespace {

using ::testing::ElementsAre;
using ::testing::StartsWith;
using namespace testing_capture;  // NOLINT(google-build-using-namespace)

// The FastAPI service of the integration tests: POST /predict/{restaurant_id}.
CaptureSpec FastApiSpec() {
  CaptureSpec spec;
  spec.model = Constant("demand_forecast");
  spec.segment = Path("restaurant_id");
  spec.features = Request("/features");
  spec.prediction = Response("/prediction");
  return spec;
}

Exchange FastApiExchange(std::string request_body, std::string response_body) {
  Exchange exchange = MakeExchange(std::move(request_body), std::move(response_body));
  exchange.endpoint = "/predict/{restaurant_id}";
  exchange.params = {{"restaurant_id", "17"}};
  return exchange;
}

CaptureSpec BatchSpec() {
  CaptureSpec spec;
  spec.model = Constant("demand_forecast");
  spec.features = Request("/instances/*");
  spec.prediction = Response("/predictions/*");
  return spec;
}

TEST(ExtractEvents, BatchRowsAreSampledByTheirOwnEventIds) {
  CaptureSpec spec = BatchSpec();
  spec.sample = 0.5;
  std::string instances, predictions;
  for (int i = 0; i < 40; ++i) {
    instances += (i ? "," : "") + std::string(R"({"t":)") + std::to_string(i) + "}";
    predictions += (i ? "," : "") + std::to_string(i);
  }
  const Extracted out = Extract(spec, MakeExchange(R"({"instances":[)" + instances + "]}",
                                                   R"({"predictions":[)" + predictions + "]}"));
  EXPECT_TRUE(out.drop_reason.empty());
  size_t kept = 0;
  for (int row = 0; row < 40; ++row) {
    const std::string id = "req-1-" + std::to_string(row);
    const bool found = std::any_of(out.events.begin(), out.events.end(), [&](const std::string& e) {
      return e.find("\"id\":\"" + id + "\"") != std::string::npos;
    });
    EXPECT_EQ(found, Sampled(id, 0.5)) << id;
    kept += Sampled(id, 0.5) ? 1 : 0;
  }
  EXPECT_EQ(out.events.size(), kept);
  EXPECT_EQ(out.sampled_out, 40 - kept);
  EXPECT_GT(kept, 5u);
  EXPECT_LT(kept, 35u);
}

TEST(ExtractEvents, FastApiBodyGivesOneEvent) {
  const Extracted out = Extract(
      FastApiSpec(),
      FastApiExchange(
          R"({"features":{"temperature":21.5,"is_holiday":false,"day":"mon","promo":null}})",
          R"({"prediction":12.3})"));
  EXPECT_EQ(out.drop_reason, "");
  EXPECT_THAT(
      out.events,
      ElementsAre(R"({"id":"req-1","model":"demand_forecast","segment":"17",)"
                  R"("timestamp":"2025-01-01T10:00:00.123Z","features":{"temperature":21.5,)"
                  R"("is_holiday":false,"day":"mon","promo":null},"prediction":12.3,)"
                  R"("latency_ms":12.5})"));
}

TEST(ExtractEvents, SameExchangeGivesTheSameBytes) {
  const Exchange exchange = FastApiExchange(R"({"features":{"b":2,"a":1e-7,"c":"x\u00e9\n"}})",
                                            R"({"prediction":-0.25})");
  const Extracted first = Extract(FastApiSpec(), exchange);
  const Extracted second = Extract(FastApiSpec(), exchange);
  ASSERT_EQ(first.events.size(), 1u);
  EXPECT_EQ(first.events, second.events);
}

TEST(ExtractEvents, NumbersAreWrittenShortestAndStringsMinimallyEscaped) {
  const Extracted out =
      Extract(FastApiSpec(),
              FastApiExchange(R"({"features":{"a":1.50e3,"b":0.1000,"c":-0.0,"d":"\u00e9\/\t"}})",
                              R"({"prediction":1E2})"));
  EXPECT_THAT(out.events, ElementsAre(R"({"id":"req-1","model":"demand_forecast","segment":"17",)"
                                      R"("timestamp":"2025-01-01T10:00:00.123Z","features":{)"
                                      "\"a\":1500,\"b\":0.1,\"c\":-0,\"d\":\"\xC3\xA9/\\t\"},"
                                      R"("prediction":100,"latency_ms":12.5})"));
}

TEST(ExtractEvents, VersionFromTheResponseAndModelFromTheRequest) {
  CaptureSpec spec = FastApiSpec();
  spec.model = Request("/model");
  spec.version = Response("/model_version");
  const Extracted out = Extract(spec, FastApiExchange(R"({"model":"m1","features":{"x":1}})",
                                                      R"({"prediction":2,"model_version":"v3"})"));
  EXPECT_THAT(out.events,
              ElementsAre(R"({"id":"req-1","model":"m1","segment":"17","version":"v3",)"
                          R"("timestamp":"2025-01-01T10:00:00.123Z","features":{"x":1},)"
                          R"("prediction":2,"latency_ms":12.5})"));
}

TEST(ExtractEvents, IntegerSegmentFromABodyIsItsDecimalText) {
  CaptureSpec spec = FastApiSpec();
  spec.segment = Request("/restaurant_id");
  const Extracted out = Extract(
      spec, FastApiExchange(R"({"restaurant_id":42,"features":{}})", R"({"prediction":2})"));
  EXPECT_THAT(out.events, ElementsAre(R"({"id":"req-1","model":"demand_forecast","segment":"42",)"
                                      R"("timestamp":"2025-01-01T10:00:00.123Z","features":{},)"
                                      R"("prediction":2,"latency_ms":12.5})"));
}

TEST(ExtractEvents, SegmentAndIdFromHeaders) {
  CaptureSpec spec = FastApiSpec();
  spec.segment = Header("x-store");
  spec.id = Header("X-Correlation-Id");
  Exchange exchange = FastApiExchange(R"({"features":{"x":1}})", R"({"prediction":2})");
  exchange.headers = {{"content-type", "application/json"},
                      {"x-store", "store 9"},
                      {"x-correlation-id", "corr-77"}};
  const Extracted out = Extract(spec, exchange);
  EXPECT_THAT(out.events,
              ElementsAre(R"({"id":"corr-77","model":"demand_forecast",)"
                          R"("segment":"store 9","timestamp":"2025-01-01T10:00:00.123Z",)"
                          R"("features":{"x":1},"prediction":2,"latency_ms":12.5})"));
}

TEST(ExtractEvents, MissingIdHeaderFallsBackToTheRequestId) {
  CaptureSpec spec = FastApiSpec();
  spec.id = Header("x-correlation-id");
  const Extracted out = Extract(spec, FastApiExchange(R"({"features":{}})", R"({"prediction":2})"));
  ASSERT_EQ(out.events.size(), 1u);
  EXPECT_THAT(out.events[0], StartsWith(R"({"id":"req-1","model")"));
}

TEST(ExtractEvents, ScalarFeaturesAreNamedAfterTheirParameterOrHeader) {
  CaptureSpec spec = FastApiSpec();
  spec.segment.reset();
  spec.features = Path("restaurant_id");
  EXPECT_THAT(
      Extract(spec, FastApiExchange("", R"({"prediction":2})")).events,
      ElementsAre(R"({"id":"req-1","model":"demand_forecast",)"
                  R"("timestamp":"2025-01-01T10:00:00.123Z","features":{"restaurant_id":"17"},)"
                  R"("prediction":2,"latency_ms":12.5})"));
  spec.features = Header("x-city");
  Exchange exchange = FastApiExchange("", R"({"prediction":2})");
  exchange.headers = {{"x-city", "Oslo"}};
  EXPECT_THAT(Extract(spec, exchange).events,
              ElementsAre(R"({"id":"req-1","model":"demand_forecast",)"
                          R"("timestamp":"2025-01-01T10:00:00.123Z","features":{"x-city":"Oslo"},)"
                          R"("prediction":2,"latency_ms":12.5})"));
  spec.features = Request("/temperature");
  EXPECT_THAT(Extract(spec, FastApiExchange(R"({"temperature":3})", R"({"prediction":2})")).events,
              ElementsAre(R"({"id":"req-1","model":"demand_forecast",)"
                          R"("timestamp":"2025-01-01T10:00:00.123Z","features":{"value":3},)"
                          R"("prediction":2,"latency_ms":12.5})"));
}

TEST(ExtractEvents, WholeBodiesThroughEmptyPointers) {
  CaptureSpec spec = FastApiSpec();
  spec.segment.reset();
  spec.features = Request("");
  spec.prediction = Response("");
  EXPECT_THAT(Extract(spec, FastApiExchange(R"({"a":1,"b":"x"})", " 0.75\n")).events,
              ElementsAre(R"({"id":"req-1","model":"demand_forecast",)"
                          R"("timestamp":"2025-01-01T10:00:00.123Z","features":{"a":1,"b":"x"},)"
                          R"("prediction":0.75,"latency_ms":12.5})"));
}

TEST(ExtractEvents, NestedFeaturesAreFlattened) {
  const Extracted out = Extract(
      FastApiSpec(),
      FastApiExchange(R"({"features":{"a":{"b":1,"c":[2,{"d":true}]},"e":[],"f":{},"g":"h"}})",
                      R"({"prediction":2})"));
  ASSERT_EQ(out.events.size(), 1u);
  EXPECT_NE(out.events[0].find(R"("features":{"a.b":1,"a.c.0":2,"a.c.1.d":true,"g":"h"},)"),
            std::string::npos)
      << out.events[0];
}

TEST(ExtractEvents, ArrayFeaturesTakeFeatureNamesThenPositions) {
  CaptureSpec spec = FastApiSpec();
  spec.feature_names = {"temperature", "rain"};
  const Extracted out =
      Extract(spec, FastApiExchange(R"({"features":[21.5,0,[1,2]]})", R"({"prediction":2})"));
  ASSERT_EQ(out.events.size(), 1u);
  EXPECT_NE(out.events[0].find(R"("features":{"temperature":21.5,"rain":0,"f2.0":1,"f2.1":2},)"),
            std::string::npos)
      << out.events[0];
}

TEST(ExtractEvents, CachedAnswersCarryNoLatency) {
  Exchange exchange = FastApiExchange(R"({"features":{"x":1}})", R"({"prediction":2})");
  exchange.cached = true;
  EXPECT_THAT(Extract(FastApiSpec(), exchange).events,
              ElementsAre(R"({"id":"req-1","model":"demand_forecast","segment":"17",)"
                          R"("timestamp":"2025-01-01T10:00:00.123Z","features":{"x":1},)"
                          R"("prediction":2})"));
}

TEST(ExtractEvents, PredictionWithoutFeaturesSourceHasEmptyFeatures) {
  CaptureSpec spec = FastApiSpec();
  spec.features.reset();
  const Extracted out = Extract(spec, FastApiExchange("not json", R"({"prediction":2})"));
  ASSERT_EQ(out.events.size(), 1u);
  EXPECT_NE(out.events[0].find(R"("features":{},)"), std::string::npos);
}

TEST(ExtractEvents, FeaturesWithoutPredictionSourceIsNoPrediction) {
  CaptureSpec spec = FastApiSpec();
  spec.prediction.reset();
  EXPECT_EQ(DropOf(spec, FastApiExchange(R"({"features":{}})", R"({"prediction":2})")),
            kDropNoPrediction);
}

// Batches.

TEST(ExtractEvents, BatchGivesOneEventPerRowWithRowIds) {
  const Extracted out = Extract(
      BatchSpec(),
      MakeExchange(R"({"instances":[{"x":1},{"x":2},{"x":3}]})", R"({"predictions":[10,20,30]})"));
  EXPECT_THAT(
      out.events,
      ElementsAre(
          R"({"id":"req-1-0","model":"demand_forecast","timestamp":"2025-01-01T10:00:00.123Z",)"
          R"("features":{"x":1},"prediction":10,"latency_ms":12.5})",
          R"({"id":"req-1-1","model":"demand_forecast","timestamp":"2025-01-01T10:00:00.123Z",)"
          R"("features":{"x":2},"prediction":20,"latency_ms":12.5})",
          R"({"id":"req-1-2","model":"demand_forecast","timestamp":"2025-01-01T10:00:00.123Z",)"
          R"("features":{"x":3},"prediction":30,"latency_ms":12.5})"));
}

TEST(ExtractEvents, BatchOfOneStillGetsARowId) {
  const Extracted out =
      Extract(BatchSpec(), MakeExchange(R"({"instances":[[1,2]]})", R"({"predictions":[5]})"));
  EXPECT_THAT(
      out.events,
      ElementsAre(
          R"({"id":"req-1-0","model":"demand_forecast","timestamp":"2025-01-01T10:00:00.123Z",)"
          R"("features":{"f0":1,"f1":2},"prediction":5,"latency_ms":12.5})"));
}

TEST(ExtractEvents, BatchStarInTheMiddleOfThePointer) {
  CaptureSpec spec = BatchSpec();
  spec.features = Request("/rows/*/features");
  spec.prediction = Response("/results/*/score");
  spec.segment = Request("/rows/*/store");
  const Extracted out = Extract(
      spec,
      MakeExchange(R"({"rows":[{"store":"a","features":{"x":1}},{"store":7,"features":{"x":2}}]})",
                   R"({"results":[{"score":0.5},{"score":0.25}]})"));
  EXPECT_THAT(out.events,
              ElementsAre(R"({"id":"req-1-0","model":"demand_forecast","segment":"a",)"
                          R"("timestamp":"2025-01-01T10:00:00.123Z","features":{"x":1},)"
                          R"("prediction":0.5,"latency_ms":12.5})",
                          R"({"id":"req-1-1","model":"demand_forecast","segment":"7",)"
                          R"("timestamp":"2025-01-01T10:00:00.123Z","features":{"x":2},)"
                          R"("prediction":0.25,"latency_ms":12.5})"));
}

TEST(ExtractEvents, IdSourceWithStarGivesEachRowItsOwnId) {
  CaptureSpec spec = BatchSpec();
  spec.id = Request("/ids/*");
  const Extracted out = Extract(
      spec, MakeExchange(R"({"ids":["a","b"],"instances":[1,2]})", R"({"predictions":[3,4]})"));
  ASSERT_EQ(out.events.size(), 2u);
  EXPECT_THAT(out.events[0], StartsWith(R"({"id":"a","model")"));
  EXPECT_THAT(out.events[1], StartsWith(R"({"id":"b","model")"));
  EXPECT_NE(out.events[0].find(R"("features":{"value":1})"), std::string::npos);
}

TEST(ExtractEvents, IdSourceWithoutStarIsSuffixedPerRow) {
  CaptureSpec spec = BatchSpec();
  spec.id = Request("/batch_id");
  const Extracted out = Extract(
      spec, MakeExchange(R"({"batch_id":"b9","instances":[1,2]})", R"({"predictions":[3,4]})"));
  ASSERT_EQ(out.events.size(), 2u);
  EXPECT_THAT(out.events[0], StartsWith(R"({"id":"b9-0","model")"));
  EXPECT_THAT(out.events[1], StartsWith(R"({"id":"b9-1","model")"));
}

TEST(ExtractEvents, BatchCountMismatchIsDropped) {
  EXPECT_EQ(
      DropOf(BatchSpec(), MakeExchange(R"({"instances":[1,2,3]})", R"({"predictions":[1,2]})")),
      kDropBatchMismatch);
  CaptureSpec spec = BatchSpec();
  spec.id = Request("/ids/*");
  EXPECT_EQ(
      DropOf(spec, MakeExchange(R"({"ids":["a"],"instances":[1,2]})", R"({"predictions":[1,2]})")),
      kDropBatchMismatch);
}

TEST(ExtractEvents, StarOnOneSideOnlyIsABatchMismatch) {
  CaptureSpec spec = BatchSpec();
  spec.prediction = Response("/predictions/0");
  EXPECT_EQ(DropOf(spec, MakeExchange(R"({"instances":[1]})", R"({"predictions":[1]})")),
            kDropBatchMismatch);
}

TEST(ExtractEvents, EmptyBatchIsNoPrediction) {
  EXPECT_EQ(DropOf(BatchSpec(), MakeExchange(R"({"instances":[]})", R"({"predictions":[]})")),
            kDropNoPrediction);
}

TEST(ExtractEvents, OneBadRowDropsTheWholeBatch) {
  EXPECT_EQ(DropOf(BatchSpec(), MakeExchange(R"({"instances":[{"x":1},{"x":NaN}]})",
                                             R"({"predictions":[1,2]})")),
            kDropInvalid);
  EXPECT_EQ(
      DropOf(BatchSpec(), MakeExchange(R"({"instances":[1,2]})", R"({"predictions":[1,"2"]})")),
      kDropPredictionNotScalar);
}

// Predictions.

TEST(ExtractEvents, PredictionThatIsNotANumberIsNotScalar) {
  for (const std::string_view body :
       {R"({"prediction":"12.3"})", R"({"prediction":true})", R"({"prediction":null})",
        R"({"prediction":{"v":1}})", R"({"prediction":[0.2,0.8]})"}) {
    EXPECT_EQ(DropOf(FastApiSpec(), FastApiExchange(R"({"features":{}})", std::string(body))),
              kDropPredictionNotScalar)
        << body;
  }
}

TEST(ExtractEvents, OutputIndexPicksTheElementOfAnArrayPrediction) {
  CaptureSpec spec = FastApiSpec();
  spec.output_index = 1;
  const Extracted out =
      Extract(spec, FastApiExchange(R"({"features":{}})", R"({"prediction":[0.2,0.8]})"));
  ASSERT_EQ(out.events.size(), 1u);
  EXPECT_NE(out.events[0].find(R"("prediction":0.8,)"), std::string::npos);
  spec.output_index = 2;
  EXPECT_EQ(DropOf(spec, FastApiExchange(R"({"features":{}})", R"({"prediction":[0.2,0.8]})")),
            kDropPredictionNotScalar);
}

TEST(ExtractEvents, MissingPredictionIsNoPrediction) {
  EXPECT_EQ(DropOf(FastApiSpec(), FastApiExchange(R"({"features":{}})", R"({"detail":"x"})")),
            kDropNoPrediction);
  EXPECT_EQ(DropOf(BatchSpec(), MakeExchange(R"({"instances":[1]})", R"({"predictions":{"a":1}})")),
            kDropNoPrediction);
}

}  // namespace
}  // namespace mw::proxy
