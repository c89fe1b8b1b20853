// proxy/capture/extract.h: what drops an exchange as `invalid` (the rules ingest would apply),
// bodies that are not JSON, huge numbers and deep nesting.
#include <gtest/gtest.h>

#include <string>

#include "capture_test_util.h"
#include "common/json_limits.h"
#include "proxy/capture/extract.h"

namespace mw::proxy {
namespace {

using namespace testing_capture;  // NOLINT(google-build-using-namespace)

CaptureSpec ValidationSpec() {
  CaptureSpec spec;
  spec.model = Constant("demand_forecast");
  spec.features = Request("/features");
  spec.prediction = Response("/prediction");
  return spec;
}

std::string_view ValidationDrop(std::string request, std::string response) {
  return DropOf(ValidationSpec(), MakeExchange(std::move(request), std::move(response)));
}

TEST(ExtractValidation, ValidExchangeIsKept) {
  EXPECT_EQ(ValidationDrop(R"({"features":{"x":1}})", R"({"prediction":1})"), "");
}

TEST(ExtractValidation, NonFiniteCapturedValuesAreInvalid) {
  EXPECT_EQ(ValidationDrop(R"({"features":{"x":NaN}})", R"({"prediction":1})"), kDropInvalid);
  EXPECT_EQ(ValidationDrop(R"({"features":{"x":-Infinity}})", R"({"prediction":1})"), kDropInvalid);
  EXPECT_EQ(ValidationDrop(R"({"features":{"x":1}})", R"({"prediction":1e400})"), kDropInvalid);
  EXPECT_EQ(ValidationDrop(R"({"features":{"x":1}})", R"({"prediction":Infinity})"), kDropInvalid);
  // simdjson 3.0.1 misreads this one as 6.1e281; it overflows a double (common/json.cc).
  EXPECT_EQ(
      ValidationDrop(R"({"features":{"x":1}})",
                     R"({"prediction":0.7599999999999999999999999999999999999999999991e309})"),
      kDropInvalid);
}

TEST(ExtractValidation, NonFiniteValuesOutsideTheCapturedPartsDoNotMatter) {
  EXPECT_EQ(ValidationDrop(R"({"features":{"x":1},"debug":NaN})", R"({"prediction":1,"e":1e999})"),
            "");
}

TEST(ExtractValidation, HugeIntegersAreCapturedAsTheirDouble) {
  const Extracted out = Extract(
      ValidationSpec(),
      MakeExchange(R"({"features":{"big":123456789012345678901234567890,"i":9007199254740993}})",
                   R"({"prediction":1e308})"));
  ASSERT_EQ(out.events.size(), 1u);
  EXPECT_NE(
      out.events[0].find(
          R"("features":{"big":1.2345678901234568e+29,"i":9007199254740992},"prediction":1e+308,)"),
      std::string::npos)
      << out.events[0];
}

TEST(ExtractValidation, BadFeatureNamesAreInvalid) {
  EXPECT_EQ(ValidationDrop(R"({"features":{"a\u0001b":1}})", R"({"prediction":1})"), kDropInvalid);
  EXPECT_EQ(ValidationDrop(R"({"features":{"":1}})", R"({"prediction":1})"), kDropInvalid);
  EXPECT_EQ(ValidationDrop(R"({"features":{")" + std::string(257, 'n') + R"(":1}})",
                           R"({"prediction":1})"),
            kDropInvalid);
  EXPECT_EQ(ValidationDrop(R"({"features":{")" + std::string(256, 'n') + R"(":1}})",
                           R"({"prediction":1})"),
            "");
}

TEST(ExtractValidation, FlattenedNamesPastTheLimitAreInvalid) {
  const std::string key(200, 'k');
  EXPECT_EQ(ValidationDrop(R"({"features":{")" + key + R"(":{")" + key + R"(":1}}})",
                           R"({"prediction":1})"),
            kDropInvalid);
}

TEST(ExtractValidation, DuplicateFeaturesAreInvalid) {
  EXPECT_EQ(ValidationDrop(R"({"features":{"a":1,"a":2}})", R"({"prediction":1})"), kDropInvalid);
  EXPECT_EQ(ValidationDrop(R"({"features":{"a.b":1,"a":{"b":2}}})", R"({"prediction":1})"),
            kDropInvalid);
}

TEST(ExtractValidation, MissingOrNonObjectFeaturesSourceIsInvalid) {
  EXPECT_EQ(ValidationDrop(R"({"other":{}})", R"({"prediction":1})"), kDropInvalid);
}

TEST(ExtractValidation, ModelIsRequired) {
  CaptureSpec spec = ValidationSpec();
  spec.model.reset();
  EXPECT_EQ(DropOf(spec, MakeExchange(R"({"features":{}})", R"({"prediction":1})")), kDropInvalid);
  spec.model = Request("/model");
  EXPECT_EQ(DropOf(spec, MakeExchange(R"({"features":{}})", R"({"prediction":1})")), kDropInvalid);
  EXPECT_EQ(DropOf(spec, MakeExchange(R"({"features":{},"model":""})", R"({"prediction":1})")),
            kDropInvalid);
  EXPECT_EQ(DropOf(spec, MakeExchange(R"({"features":{},"model":1.5})", R"({"prediction":1})")),
            kDropInvalid);
}

TEST(ExtractValidation, NamesFollowTheIngestLimits) {
  CaptureSpec spec = ValidationSpec();
  spec.model = Constant(std::string(129, 'm'));
  EXPECT_EQ(DropOf(spec, MakeExchange(R"({"features":{}})", R"({"prediction":1})")), kDropInvalid);
  spec.model = Constant(std::string(128, 'm'));
  EXPECT_EQ(DropOf(spec, MakeExchange(R"({"features":{}})", R"({"prediction":1})")), "");
  spec.segment = Constant(std::string(257, 's'));
  EXPECT_EQ(DropOf(spec, MakeExchange(R"({"features":{}})", R"({"prediction":1})")), kDropInvalid);
  spec.segment = Constant(std::string(256, 's'));
  spec.version = Constant(std::string(129, 'v'));
  EXPECT_EQ(DropOf(spec, MakeExchange(R"({"features":{}})", R"({"prediction":1})")), kDropInvalid);
  spec.version = Constant("v\tx");
  EXPECT_EQ(DropOf(spec, MakeExchange(R"({"features":{}})", R"({"prediction":1})")), kDropInvalid);
}

TEST(ExtractValidation, PathAndHeaderBytesMustBeUtf8) {
  CaptureSpec spec = ValidationSpec();
  spec.segment = Path("restaurant_id");
  Exchange exchange = MakeExchange(R"({"features":{}})", R"({"prediction":1})");
  exchange.params = {{"restaurant_id", "r\xff"}};
  EXPECT_EQ(DropOf(spec, exchange), kDropInvalid);
  spec.segment.reset();
  spec.features = Header("x-city");
  exchange.headers = {{"x-city", "Z\xfcrich"}};  // Latin-1 obs-text
  EXPECT_EQ(DropOf(spec, exchange), kDropInvalid);
}

TEST(ExtractValidation, IdsFollowTheIngestLimit) {
  Exchange exchange = MakeExchange(R"({"features":{}})", R"({"prediction":1})");
  exchange.request_id = std::string(256, 'i');
  EXPECT_EQ(DropOf(ValidationSpec(), exchange), "");
  exchange.request_id = std::string(257, 'i');
  EXPECT_EQ(DropOf(ValidationSpec(), exchange), kDropInvalid);
  exchange.request_id = "";
  EXPECT_EQ(DropOf(ValidationSpec(), exchange), kDropInvalid);
  exchange.request_id = "id\xc3";
  EXPECT_EQ(DropOf(ValidationSpec(), exchange), kDropInvalid);
}

TEST(ExtractValidation, RowSuffixCanPushAnIdPastTheLimit) {
  CaptureSpec spec = ValidationSpec();
  spec.features = Request("/instances/*");
  spec.prediction = Response("/predictions/*");
  Exchange exchange = MakeExchange(R"({"instances":[1]})", R"({"predictions":[1]})");
  exchange.request_id = std::string(254, 'i');
  EXPECT_EQ(DropOf(spec, exchange), "");  // "<254>-0" is 256 bytes
  exchange.request_id = std::string(255, 'i');
  EXPECT_EQ(DropOf(spec, exchange), kDropInvalid);
}

TEST(ExtractValidation, BadLatencyOrTimestampIsInvalid) {
  Exchange exchange = MakeExchange(R"({"features":{}})", R"({"prediction":1})");
  exchange.latency_ms = -1;
  EXPECT_EQ(DropOf(ValidationSpec(), exchange), kDropInvalid);
  exchange.cached = true;  // a cached answer's latency is not used
  EXPECT_EQ(DropOf(ValidationSpec(), exchange), "");
  exchange = MakeExchange(R"({"features":{}})", R"({"prediction":1})");
  exchange.received_at_ms = -1;
  EXPECT_EQ(DropOf(ValidationSpec(), exchange), kDropInvalid);
}

TEST(ExtractValidation, BadPointerInAHandMadeSpecIsInvalid) {
  CaptureSpec spec = ValidationSpec();
  spec.features = Request("/a/*/b/*");
  EXPECT_EQ(DropOf(spec, MakeExchange(R"({"features":{}})", R"({"prediction":1})")), kDropInvalid);
}

// Bodies that are not JSON.

TEST(ExtractValidation, ResponseThatIsNotJsonIsNoPrediction) {
  for (const std::string_view body :
       {"", "Internal Server Error", "<html></html>", R"({"prediction":1)", R"({"prediction":1}{})",
        "1,2", "{\"prediction\":1,\"s\":\"\xff\"}"}) {
    EXPECT_EQ(ValidationDrop(R"({"features":{}})", std::string(body)), kDropNoPrediction) << body;
  }
}

TEST(ExtractValidation, RequestThatIsNotJsonIsInvalidWhenFeaturesComeFromIt) {
  EXPECT_EQ(ValidationDrop("a=1&b=2", R"({"prediction":1})"), kDropInvalid);
}

TEST(ExtractValidation, ByteOrderMarkIsSkipped) {
  EXPECT_EQ(ValidationDrop("\xEF\xBB\xBF{\"features\":{}}", "\xEF\xBB\xBF{\"prediction\":1}"), "");
}

std::string NestedArrays(int depth) {
  return std::string(depth, '[') + "1" + std::string(depth, ']');
}

TEST(ExtractValidation, NestingUpToTheLimitIsCaptured) {
  // {"features":{"x":[[…1…]]}}: 2 levels of objects + the arrays.
  const Extracted out =
      Extract(ValidationSpec(),
              MakeExchange(R"({"features":{"x":)" + NestedArrays(kMaxJsonDepth - 2) + "}}",
                           R"({"prediction":1})"));
  ASSERT_EQ(out.events.size(), 1u);
  EXPECT_NE(out.events[0].find(R"("features":{"x.0.0.0.)"), std::string::npos);
}

TEST(ExtractValidation, NestingPastTheLimitIsInvalid) {
  EXPECT_EQ(ValidationDrop(R"({"features":{"x":)" + NestedArrays(kMaxJsonDepth - 1) + "}}",
                           R"({"prediction":1})"),
            kDropInvalid);
  EXPECT_EQ(
      ValidationDrop(R"({"features":{}})", R"({"prediction":1,"x":)" + NestedArrays(200000) + "}"),
      kDropInvalid);
}

}  // namespace
}  // namespace mw::proxy
