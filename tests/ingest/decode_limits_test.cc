// The limits ingest shares with every JSON body (nesting depth, a leading BOM) and the count of
// errors past the reporting cap.
#include <string>

#include "common/json_limits.h"
#include "ingest/decode_test_util.h"

namespace mw::ingest {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::SizeIs;
using testing_ingest::Actuals;
using testing_ingest::FieldErr;
using testing_ingest::Predictions;

constexpr BodyFormat kNdjsonBody = BodyFormat::kNdjson;

std::string DeepArray(int depth) { return std::string(depth, '[') + std::string(depth, ']'); }

TEST(DecodeLimits, NestingUpToTheSharedLimitIsAnUnknownField) {
  // The event object is level 1, so 63 arrays under "extra" reach exactly kMaxJsonDepth.
  const auto r =
      Predictions(R"({"model":"eta","prediction":1,"extra":)" + DeepArray(kMaxJsonDepth - 1) + "}");
  EXPECT_EQ(r.failure, DecodeFailure::kInvalid);
  EXPECT_THAT(r.errors, ElementsAre(FieldErr("/extra", "unknown field")));
}

TEST(DecodeLimits, NestingPastTheSharedLimitIsMalformedNamingIt) {
  const auto r =
      Predictions(R"({"model":"eta","prediction":1,"extra":)" + DeepArray(kMaxJsonDepth) + "}");
  EXPECT_EQ(r.failure, DecodeFailure::kMalformed);
  ASSERT_THAT(r.errors, SizeIs(1));
  EXPECT_THAT(r.errors[0].detail, HasSubstr("deeper than 64 levels"));
}

TEST(DecodeLimits, TheLimitCountsFromTheDocumentRootInsideTheEnvelope) {
  // {"events":[{...,"extra":X}]}: the event is level 3, so X may nest 61 more levels.
  const auto ok = Predictions(R"({"events":[{"model":"eta","prediction":1,"extra":)" +
                              DeepArray(kMaxJsonDepth - 3) + "}]}");
  EXPECT_EQ(ok.failure, DecodeFailure::kInvalid);
  const auto deep = Predictions(R"({"events":[{"model":"eta","prediction":1,"extra":)" +
                                DeepArray(kMaxJsonDepth - 2) + "}]}");
  EXPECT_EQ(deep.failure, DecodeFailure::kMalformed);
  EXPECT_THAT(deep.errors[0].detail, HasSubstr("deeper than 64 levels"));
}

TEST(DecodeLimits, DeepNdjsonLineIsMalformedNamingTheLineAndTheLimit) {
  const std::string body =
      "{\"model\":\"eta\",\"prediction\":1}\n{\"model\":\"eta\",\"extra\":" + DeepArray(100'000) +
      "}\n";
  const auto r = Predictions(body, kNdjsonBody);
  EXPECT_EQ(r.failure, DecodeFailure::kMalformed);
  ASSERT_THAT(r.errors, SizeIs(1));
  EXPECT_EQ(r.errors[0].pointer, "/1");
  EXPECT_THAT(r.errors[0].detail, HasSubstr("line 2: JSON nested deeper than 64 levels"));
}

TEST(DecodeLimits, DeepActualsAreMalformedNamingTheLimit) {
  const auto r = Actuals(R"({"id":"a","actual":1,"extra":)" + DeepArray(100'000) + "}");
  EXPECT_EQ(r.failure, DecodeFailure::kMalformed);
  EXPECT_THAT(r.errors[0].detail, HasSubstr("deeper than 64 levels"));
}

TEST(DecodeLimits, JsonBodyMayStartWithAUtf8Bom) {
  const auto single = Predictions("\xEF\xBB\xBF{\"model\":\"eta\",\"prediction\":12.5}");
  EXPECT_EQ(single.failure, DecodeFailure::kNone);
  ASSERT_THAT(single.events, SizeIs(1));
  EXPECT_EQ(single.events[0].prediction, 12.5);
  const auto envelope =
      Predictions("\xEF\xBB\xBF{\"events\":[{\"model\":\"eta\",\"prediction\":1}]}");
  EXPECT_EQ(envelope.failure, DecodeFailure::kNone);
  EXPECT_THAT(envelope.events, SizeIs(1));
}

TEST(DecodeLimits, NdjsonBodyMayStartWithAUtf8Bom) {
  const auto r = Predictions(
      "\xEF\xBB\xBF{\"model\":\"eta\",\"prediction\":1}\n{\"model\":\"eta\",\"prediction\":\"x\"}"
      "\n",
      kNdjsonBody);
  EXPECT_EQ(r.failure, DecodeFailure::kInvalid);  // line numbering is not shifted by the BOM
  EXPECT_THAT(r.errors, ElementsAre(FieldErr("/1/prediction", "")));
}

TEST(DecodeLimits, ActualsMayStartWithAUtf8Bom) {
  const auto r = Actuals("\xEF\xBB\xBF{\"id\":\"a\",\"actual\":1}");
  EXPECT_EQ(r.failure, DecodeFailure::kNone);
  EXPECT_THAT(r.actuals, SizeIs(1));
}

TEST(DecodeLimits, ABomAnywhereElseIsStillMalformed) {
  EXPECT_EQ(Predictions(" \xEF\xBB\xBF{\"model\":\"eta\",\"prediction\":1}").failure,
            DecodeFailure::kMalformed);
}

TEST(DecodeLimits, ErrorsPastTheReportingCapAreCounted) {
  std::string body = R"({"events":[)";
  for (int i = 0; i < 5000; ++i) body += std::string(i ? "," : "") + R"({"prediction":1})";
  body += "]}";
  const auto r = Predictions(body);
  EXPECT_EQ(r.failure, DecodeFailure::kInvalid);
  EXPECT_THAT(r.errors, SizeIs(kMaxReportedFieldErrors));
  EXPECT_EQ(r.error_count, 5000u);
}

TEST(DecodeLimits, ErrorCountEqualsTheListBelowTheCap) {
  const auto r = Predictions(R"({"events":[{"prediction":1},{"model":"eta","prediction":"x"}]})");
  EXPECT_THAT(r.errors, SizeIs(2));
  EXPECT_EQ(r.error_count, 2u);
  const auto malformed = Predictions("{nope");
  EXPECT_EQ(malformed.error_count, 1u);
}

}  // namespace
}  // namespace mw::ingest
