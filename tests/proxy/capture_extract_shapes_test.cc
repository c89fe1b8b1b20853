// proxy/capture/extract.h: the body shapes detected when a route's capture names only the model:
// Open Inference Protocol v2 and KServe V1.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "capture_test_util.h"
#include "proxy/capture/extract.h"

namespace mw::proxy {
namespace {

using ::testing::ElementsAre;
using namespace testing_capture;  // NOLINT(google-build-using-namespace)

CaptureSpec ModelOnlySpec() {
  CaptureSpec spec;
  spec.model = Path("model");
  return spec;
}

Exchange InferExchange(std::string request, std::string response) {
  Exchange exchange = MakeExchange(std::move(request), std::move(response));
  exchange.endpoint = "/v2/models/{model}/infer";
  exchange.params = {{"model", "iris"}};
  return exchange;
}

constexpr std::string_view kV2Response =
    R"({"model_name":"iris","id":"r","outputs":[{"name":"predict","shape":[2],"datatype":"FP32","data":[0.5,1.5]}]})";

std::string IrisEvent(std::string_view id, std::string_view features, std::string_view prediction) {
  return std::string(R"({"id":")") + std::string(id) +
         R"(","model":"iris","timestamp":"2025-01-01T10:00:00.123Z","features":)" +
         std::string(features) + R"(,"prediction":)" + std::string(prediction) +
         R"(,"latency_ms":12.5})";
}

TEST(ExtractShapes, OpenInferenceV2FlatTensor) {
  const Extracted out = Extract(
      ModelOnlySpec(),
      InferExchange(
          R"({"inputs":[{"name":"x","shape":[2,3],"datatype":"FP32","data":[1,2,3,4,5,6]}]})",
          std::string(kV2Response)));
  EXPECT_THAT(out.events, ElementsAre(IrisEvent("req-1-0", R"({"x_0":1,"x_1":2,"x_2":3})", "0.5"),
                                      IrisEvent("req-1-1", R"({"x_0":4,"x_1":5,"x_2":6})", "1.5")));
}

TEST(ExtractShapes, OpenInferenceV2NestedTensorGivesTheSameEvents) {
  const Extracted flat = Extract(
      ModelOnlySpec(),
      InferExchange(
          R"({"inputs":[{"name":"x","shape":[2,3],"datatype":"FP32","data":[1,2,3,4,5,6]}]})",
          std::string(kV2Response)));
  const Extracted nested = Extract(
      ModelOnlySpec(),
      InferExchange(
          R"({"inputs":[{"name":"x","shape":[2,3],"datatype":"FP32","data":[[1,2,3],[4,5,6]]}]})",
          std::string(kV2Response)));
  ASSERT_EQ(flat.events.size(), 2u);
  EXPECT_EQ(flat.events, nested.events);
}

TEST(ExtractShapes, OpenInferenceV2SeveralInputsAndBytes) {
  const Extracted out = Extract(
      ModelOnlySpec(),
      InferExchange(R"({"inputs":[{"name":"age","shape":[2,1],"datatype":"INT64","data":[30,40]},)"
                    R"({"name":"city","shape":[2],"datatype":"BYTES","data":["Oslo","Rome"]}]})",
                    std::string(kV2Response)));
  EXPECT_THAT(out.events, ElementsAre(IrisEvent("req-1-0", R"({"age":30,"city":"Oslo"})", "0.5"),
                                      IrisEvent("req-1-1", R"({"age":40,"city":"Rome"})", "1.5")));
}

TEST(ExtractShapes, OpenInferenceV2RequestIdIsTheBaseId) {
  const Extracted out = Extract(
      ModelOnlySpec(),
      InferExchange(
          R"({"id":"inf-9","inputs":[{"name":"x","shape":[2],"datatype":"FP32","data":[1,2]}]})",
          std::string(kV2Response)));
  EXPECT_THAT(out.events, ElementsAre(IrisEvent("inf-9-0", R"({"x":1})", "0.5"),
                                      IrisEvent("inf-9-1", R"({"x":2})", "1.5")));
}

constexpr std::string_view kV2Request =
    R"({"inputs":[{"name":"x","shape":[2,2],"datatype":"FP32","data":[1,2,3,4]}]})";
constexpr std::string_view kV2Probabilities =
    R"({"outputs":[{"name":"label","shape":[2],"datatype":"INT64","data":[0,1]},)"
    R"({"name":"proba","shape":[2,2],"datatype":"FP32","data":[[0.9,0.1],[0.3,0.7]]}]})";

TEST(ExtractShapes, OpenInferenceV2OutputIndexPicksAValueOfEachRow) {
  CaptureSpec spec = ModelOnlySpec();
  spec.output = "proba";
  spec.output_index = 1;
  const Extracted out =
      Extract(spec, InferExchange(std::string(kV2Request), std::string(kV2Probabilities)));
  EXPECT_THAT(out.events, ElementsAre(IrisEvent("req-1-0", R"({"x_0":1,"x_1":2})", "0.1"),
                                      IrisEvent("req-1-1", R"({"x_0":3,"x_1":4})", "0.7")));
}

TEST(ExtractShapes, OpenInferenceV2FirstOutputByDefault) {
  const Extracted out = Extract(
      ModelOnlySpec(), InferExchange(std::string(kV2Request), std::string(kV2Probabilities)));
  EXPECT_THAT(out.events, ElementsAre(IrisEvent("req-1-0", R"({"x_0":1,"x_1":2})", "0"),
                                      IrisEvent("req-1-1", R"({"x_0":3,"x_1":4})", "1")));
}

TEST(ExtractShapes, OpenInferenceV2SeveralValuesPerRowNeedOutputIndex) {
  CaptureSpec spec = ModelOnlySpec();
  spec.output = "proba";
  EXPECT_EQ(DropOf(spec, InferExchange(std::string(kV2Request), std::string(kV2Probabilities))),
            kDropPredictionNotScalar);
  spec.output_index = 2;
  EXPECT_EQ(DropOf(spec, InferExchange(std::string(kV2Request), std::string(kV2Probabilities))),
            kDropPredictionNotScalar);
}

TEST(ExtractShapes, OpenInferenceV2UnknownOutputNameIsNoPrediction) {
  CaptureSpec spec = ModelOnlySpec();
  spec.output = "score";
  EXPECT_EQ(DropOf(spec, InferExchange(std::string(kV2Request), std::string(kV2Probabilities))),
            kDropNoPrediction);
}

TEST(ExtractShapes, OpenInferenceV2BatchSizesMustAgree) {
  EXPECT_EQ(DropOf(ModelOnlySpec(),
                   InferExchange(R"({"inputs":[{"name":"x","shape":[3],"data":[1,2,3]}]})",
                                 std::string(kV2Response))),
            kDropBatchMismatch);
}

TEST(ExtractShapes, OpenInferenceV2MalformedTensorsAreInvalid) {
  for (
      const std::string_view request : {
          R"({"inputs":[{"name":"x","shape":[2,3],"data":[1,2,3,4,5]}]})",  // count
          R"({"inputs":[{"name":"x","data":[1,2]}]})",                      // no shape
          R"({"inputs":[{"name":"x","shape":[2,-1],"data":[1,2]}]})",       // negative
          R"({"inputs":[{"name":"x","shape":[2,0],"data":[]}]})",           // empty rows
          R"({"inputs":[{"name":"x","shape":[2],"data":[1,{"a":2}]}]})",    // object
          R"({"inputs":[{"name":"x","shape":[2],"data":[1,2]},{"name":"y","shape":[1],"data":[1]}]})",
          R"({"inputs":[{"name":"x","shape":[2],"data":[1,NaN]}]})",
          R"({"inputs":[{"name":"x","shape":[1e300,1e300],"data":[1,2]}]})",
      }) {
    EXPECT_EQ(
        DropOf(ModelOnlySpec(), InferExchange(std::string(request), std::string(kV2Response))),
        kDropInvalid)
        << request;
  }
}

TEST(ExtractShapes, OpenInferenceV2BytesOutputIsNotScalar) {
  EXPECT_EQ(
      DropOf(ModelOnlySpec(),
             InferExchange(
                 R"({"inputs":[{"name":"x","shape":[1],"data":[1]}]})",
                 R"({"outputs":[{"name":"y","shape":[1],"datatype":"BYTES","data":["a"]}]})")),
      kDropPredictionNotScalar);
}

// KServe V1.

TEST(ExtractShapes, V1InstancesOfArrays) {
  const Extracted out = Extract(ModelOnlySpec(), InferExchange(R"({"instances":[[1,2],[3,4]]})",
                                                               R"({"predictions":[0.5,1.5]})"));
  EXPECT_THAT(out.events, ElementsAre(IrisEvent("req-1-0", R"({"f0":1,"f1":2})", "0.5"),
                                      IrisEvent("req-1-1", R"({"f0":3,"f1":4})", "1.5")));
}

TEST(ExtractShapes, V1InstancesOfObjectsAndFeatureNames) {
  CaptureSpec spec = ModelOnlySpec();
  spec.feature_names = {"a", "b"};
  EXPECT_THAT(
      Extract(spec, InferExchange(R"({"instances":[{"x":1,"y":"z"}]})", R"({"predictions":[2]})"))
          .events,
      ElementsAre(IrisEvent("req-1-0", R"({"x":1,"y":"z"})", "2")));
  EXPECT_THAT(
      Extract(spec, InferExchange(R"({"instances":[[1,2,3]]})", R"({"predictions":[2]})")).events,
      ElementsAre(IrisEvent("req-1-0", R"({"a":1,"b":2,"f2":3})", "2")));
}

TEST(ExtractShapes, V1InputsAreRowsToo) {
  EXPECT_THAT(
      Extract(ModelOnlySpec(), InferExchange(R"({"inputs":[[1],[2]]})", R"({"predictions":[3,4]})"))
          .events,
      ElementsAre(IrisEvent("req-1-0", R"({"f0":1})", "3"),
                  IrisEvent("req-1-1", R"({"f0":2})", "4")));
}

TEST(ExtractShapes, V1PredictionRowsTakeOutputIndex) {
  CaptureSpec spec = ModelOnlySpec();
  EXPECT_EQ(DropOf(spec, InferExchange(R"({"instances":[[1]]})", R"({"predictions":[[0.9,0.1]]})")),
            kDropPredictionNotScalar);
  spec.output_index = 0;
  EXPECT_THAT(
      Extract(spec, InferExchange(R"({"instances":[[1]]})", R"({"predictions":[[0.9,0.1]]})"))
          .events,
      ElementsAre(IrisEvent("req-1-0", R"({"f0":1})", "0.9")));
}

TEST(ExtractShapes, V1CountMismatchIsDropped) {
  EXPECT_EQ(DropOf(ModelOnlySpec(),
                   InferExchange(R"({"instances":[[1],[2]]})", R"({"predictions":[3]})")),
            kDropBatchMismatch);
}

TEST(ExtractShapes, UnknownShapesAreNoPrediction) {
  for (const auto& [request, response] : std::vector<std::pair<std::string, std::string>>{
           {R"({"features":{"x":1}})", R"({"prediction":1})"},
           {R"({"instances":[[1]]})", R"({"result":[1]})"},
           {R"({"instances":{"x":[1]}})", R"({"predictions":[1]})"},
           {R"({"inputs":[{"name":"x","shape":[1],"data":[1]}]})", R"({"result":1})"},
           {R"({"inputs":[{"name":"x","shape":[1],"data":[1]}]})", R"({"predictions":[1]})"},
           {"not json", R"({"predictions":[1]})"},
           {R"({"instances":[[1]]})", "not json"},
       }) {
    EXPECT_EQ(DropOf(ModelOnlySpec(), InferExchange(request, response)), kDropNoPrediction)
        << request << " " << response;
  }
}

TEST(ExtractShapes, CaptureSourcesBesideADetectedShape) {
  CaptureSpec spec = ModelOnlySpec();
  spec.segment = Request("/parameters/store");
  spec.version = Response("/model_version");
  const Extracted out =
      Extract(spec, InferExchange(R"({"parameters":{"store":"s1"},"instances":[[1]]})",
                                  R"({"model_version":"7","predictions":[2]})"));
  EXPECT_THAT(out.events,
              ElementsAre(R"({"id":"req-1-0","model":"iris","segment":"s1","version":"7",)"
                          R"("timestamp":"2025-01-01T10:00:00.123Z","features":{"f0":1},)"
                          R"("prediction":2,"latency_ms":12.5})"));
}

}  // namespace
}  // namespace mw::proxy
