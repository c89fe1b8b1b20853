// DecodeActuals: shapes and validation of ground-truth bodies.
#include <string>

#include "ingest/decode_test_util.h"

namespace mw::ingest {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::SizeIs;
using testing_ingest::Actuals;
using testing_ingest::FieldErr;
using testing_ingest::kNowMs;
using testing_ingest::TestOptions;

std::vector<FieldError> InvalidActuals(std::string_view body) {
  const auto r = Actuals(body);
  EXPECT_EQ(r.failure, DecodeFailure::kInvalid);
  EXPECT_THAT(r.actuals, IsEmpty());
  return r.errors;
}

TEST(DecodeActuals, SingleObjectDecodes) {
  const auto r = Actuals(R"({"id":"p-1","actual":0.75,"timestamp":"2025-01-01T10:00:00Z"})");
  ASSERT_EQ(r.failure, DecodeFailure::kNone);
  ASSERT_THAT(r.actuals, SizeIs(1));
  EXPECT_EQ(r.actuals[0].id, "p-1");
  EXPECT_EQ(r.actuals[0].actual, 0.75);
  EXPECT_EQ(r.actuals[0].timestamp_ms, 1'735'725'600'000);
}

TEST(DecodeActuals, MissingTimestampDefaultsToNow) {
  const auto r = Actuals(R"({"id":"p-1","actual":1})");
  ASSERT_THAT(r.actuals, SizeIs(1));
  EXPECT_EQ(r.actuals[0].timestamp_ms, kNowMs);
}

TEST(DecodeActuals, UnixSecondsTimestampIsAccepted) {
  const auto r = Actuals(R"({"id":"p-1","actual":1,"timestamp":1735725600.5})");
  ASSERT_THAT(r.actuals, SizeIs(1));
  EXPECT_EQ(r.actuals[0].timestamp_ms, 1'735'725'600'500);
}

TEST(DecodeActuals, ActualsArrayDecodesInOrder) {
  const auto r = Actuals(R"({"actuals":[{"id":"a","actual":1},{"id":"b","actual":2}]})");
  ASSERT_EQ(r.failure, DecodeFailure::kNone);
  ASSERT_THAT(r.actuals, SizeIs(2));
  EXPECT_EQ(r.actuals[0].id, "a");
  EXPECT_EQ(r.actuals[1].id, "b");
}

TEST(DecodeActuals, NdjsonDecodesEveryLine) {
  const auto r = Actuals("{\"id\":\"a\",\"actual\":1}\r\n\r\n{\"id\":\"b\",\"actual\":0}\r\n",
                         BodyFormat::kNdjson);
  ASSERT_EQ(r.failure, DecodeFailure::kNone);
  ASSERT_THAT(r.actuals, SizeIs(2));
  EXPECT_EQ(r.actuals[1].actual, 0);
}

TEST(DecodeActuals, MissingIdAndActualAreBothReported) {
  EXPECT_THAT(InvalidActuals(R"({"timestamp":1735725600})"),
              ElementsAre(FieldErr("/id", "is required"), FieldErr("/actual", "is required")));
}

TEST(DecodeActuals, EmptyIdIsRejected) {
  EXPECT_THAT(InvalidActuals(R"({"id":"","actual":1})"),
              ElementsAre(FieldErr("/id", "must not be empty")));
}

TEST(DecodeActuals, NullIdIsATypeError) {
  EXPECT_THAT(InvalidActuals(R"({"id":null,"actual":1})"),
              ElementsAre(FieldErr("/id", "must be a string")));
}

TEST(DecodeActuals, ActualOfWrongTypeIsRejected) {
  EXPECT_THAT(InvalidActuals(R"({"id":"a","actual":"1"})"),
              ElementsAre(FieldErr("/actual", "must be a number")));
}

TEST(DecodeActuals, NonFiniteActualIsRejected) {
  EXPECT_THAT(InvalidActuals(R"({"id":"a","actual":-Infinity})"),
              ElementsAre(FieldErr("/actual", "must be a finite number")));
}

TEST(DecodeActuals, FutureTimestampIsRejected) {
  EXPECT_THAT(InvalidActuals(R"({"id":"a","actual":1,"timestamp":"2030-01-01T00:00:00Z"})"),
              ElementsAre(FieldErr("/timestamp", "too far in the future")));
}

TEST(DecodeActuals, UnknownFieldIsRejected) {
  EXPECT_THAT(InvalidActuals(R"({"id":"a","actual":1,"model":"eta"})"),
              ElementsAre(FieldErr("/model", "unknown field")));
}

TEST(DecodeActuals, DuplicateFieldIsRejected) {
  EXPECT_THAT(InvalidActuals(R"({"id":"a","actual":1,"actual":2})"),
              ElementsAre(FieldErr("/actual", "duplicate field")));
}

TEST(DecodeActuals, ErrorsPointIntoTheActualsArray) {
  EXPECT_THAT(InvalidActuals(R"({"actuals":[{"id":"a","actual":1},{"id":"b"},7]})"),
              ElementsAre(FieldErr("/actuals/1/actual", "is required"),
                          FieldErr("/actuals/2", "must be an object")));
}

TEST(DecodeActuals, EmptyActualsArrayIsInvalid) {
  EXPECT_THAT(InvalidActuals(R"({"actuals":[]})"),
              ElementsAre(FieldErr("/actuals", "must contain at least one actual")));
}

TEST(DecodeActuals, ActualsNotAnArrayIsMalformed) {
  const auto r = Actuals(R"({"actuals":"a"})");
  EXPECT_EQ(r.failure, DecodeFailure::kMalformed);
  EXPECT_THAT(r.errors, ElementsAre(FieldErr("/actuals", "must be an array")));
}

TEST(DecodeActuals, SyntaxErrorIsMalformed) {
  const auto r = Actuals(R"({"id":"a","actual":})");
  EXPECT_EQ(r.failure, DecodeFailure::kMalformed);
  EXPECT_THAT(r.errors, ElementsAre(FieldErr("", "invalid JSON")));
}

TEST(DecodeActuals, NdjsonSyntaxErrorNamesTheLine) {
  const auto r = Actuals("{\"id\":\"a\",\"actual\":1}\n{\"id\":\"b\",\n", BodyFormat::kNdjson);
  EXPECT_EQ(r.failure, DecodeFailure::kMalformed);
  EXPECT_THAT(r.errors, ElementsAre(FieldErr("/1", "line 2")));
}

TEST(DecodeActuals, MoreThanTheLimitIsTooMany) {
  DecodeOptions options = TestOptions();
  options.max_events = 1;
  const auto r = Actuals(R"({"actuals":[{"id":"a","actual":1},{"id":"b","actual":2}]})",
                         BodyFormat::kJson, options);
  EXPECT_EQ(r.failure, DecodeFailure::kTooManyEvents);
  EXPECT_THAT(r.errors, ElementsAre(FieldErr("/actuals", "too many actuals")));
}

TEST(DecodeActuals, EmptyBodyIsMalformed) {
  EXPECT_EQ(Actuals("").failure, DecodeFailure::kMalformed);
}

}  // namespace
}  // namespace mw::ingest
