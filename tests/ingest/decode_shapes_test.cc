// Body shapes (single object, {"events":[...]}, NDJSON), malformed bodies and the event limit.
#include <string>

#include "ingest/decode_test_util.h"

namespace mw::ingest {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::SizeIs;
using testing_ingest::FieldErr;
using testing_ingest::kNowMs;
using testing_ingest::Predictions;
using testing_ingest::TestOptions;

constexpr BodyFormat kNdjson = BodyFormat::kNdjson;

TEST(DecodeShapes, SingleObjectDecodesOneEvent) {
  const auto r = Predictions(R"({"model":"eta","prediction":12.5})");
  ASSERT_EQ(r.failure, DecodeFailure::kNone);
  EXPECT_THAT(r.errors, IsEmpty());
  ASSERT_THAT(r.events, SizeIs(1));
  EXPECT_EQ(r.events[0].model, "eta");
  EXPECT_EQ(r.events[0].prediction, 12.5);
}

TEST(DecodeShapes, EventsArrayDecodesEveryEventInOrder) {
  const auto r =
      Predictions(R"({"events":[{"model":"eta","prediction":1},{"model":"eta","prediction":2},)"
                  R"({"model":"eta","prediction":3}]})");
  ASSERT_EQ(r.failure, DecodeFailure::kNone);
  ASSERT_THAT(r.events, SizeIs(3));
  EXPECT_EQ(r.events[0].prediction, 1);
  EXPECT_EQ(r.events[1].prediction, 2);
  EXPECT_EQ(r.events[2].prediction, 3);
}

TEST(DecodeShapes, EventsKeyNeedNotComeFirst) {
  const auto r = Predictions(R"(  { "events" : [ {"model":"eta","prediction":1} ] }  )");
  ASSERT_EQ(r.failure, DecodeFailure::kNone);
  EXPECT_THAT(r.events, SizeIs(1));
}

TEST(DecodeShapes, NdjsonDecodesEveryLine) {
  const auto r = Predictions(
      "{\"model\":\"eta\",\"prediction\":1}\n{\"model\":\"eta\",\"prediction\":2}\n", kNdjson);
  ASSERT_EQ(r.failure, DecodeFailure::kNone);
  ASSERT_THAT(r.events, SizeIs(2));
  EXPECT_EQ(r.events[0].prediction, 1);
  EXPECT_EQ(r.events[1].prediction, 2);
}

TEST(DecodeShapes, NdjsonWithoutFinalNewlineDecodesLastLine) {
  const auto r = Predictions(
      "{\"model\":\"eta\",\"prediction\":1}\n{\"model\":\"eta\",\"prediction\":2}", kNdjson);
  ASSERT_EQ(r.failure, DecodeFailure::kNone);
  EXPECT_THAT(r.events, SizeIs(2));
}

TEST(DecodeShapes, NdjsonIgnoresBlankLinesAndAcceptsCrlf) {
  const auto r = Predictions(
      "\r\n{\"model\":\"eta\",\"prediction\":1}\r\n   "
      "\r\n\n{\"model\":\"eta\",\"prediction\":2}\r\n",
      kNdjson);
  ASSERT_EQ(r.failure, DecodeFailure::kNone);
  ASSERT_THAT(r.events, SizeIs(2));
  EXPECT_EQ(r.events[1].prediction, 2);
}

TEST(DecodeShapes, NdjsonSingleLineIsOneEvent) {
  const auto r = Predictions(R"({"model":"eta","prediction":1})", kNdjson);
  ASSERT_EQ(r.failure, DecodeFailure::kNone);
  EXPECT_THAT(r.events, SizeIs(1));
}

TEST(DecodeShapes, NdjsonErrorPointerIsThePhysicalLineIndex) {
  const auto r = Predictions(
      "{\"model\":\"eta\",\"prediction\":1}\n\n{\"model\":\"eta\",\"prediction\":\"x\"}\n",
      kNdjson);
  ASSERT_EQ(r.failure, DecodeFailure::kInvalid);
  EXPECT_THAT(r.errors, ElementsAre(FieldErr("/2/prediction", "must be a number")));
}

TEST(DecodeShapes, EventsArrayErrorPointerIncludesIndex) {
  const auto r = Predictions(
      R"({"events":[{"model":"eta","prediction":1},{"model":"eta","prediction":true}]})");
  ASSERT_EQ(r.failure, DecodeFailure::kInvalid);
  EXPECT_THAT(r.errors, ElementsAre(FieldErr("/events/1/prediction", "must be a number")));
}

TEST(DecodeShapes, EmptyBodyIsMalformed) {
  const auto r = Predictions("");
  EXPECT_EQ(r.failure, DecodeFailure::kMalformed);
  EXPECT_THAT(r.errors, ElementsAre(FieldErr("", "empty")));
}

TEST(DecodeShapes, WhitespaceOnlyBodyIsMalformed) {
  EXPECT_EQ(Predictions(" \r\n\t ").failure, DecodeFailure::kMalformed);
}

TEST(DecodeShapes, NdjsonOfOnlyBlankLinesIsMalformed) {
  const auto r = Predictions("\n\r\n  \n", kNdjson);
  EXPECT_EQ(r.failure, DecodeFailure::kMalformed);
  EXPECT_THAT(r.errors, ElementsAre(FieldErr("", "empty")));
}

TEST(DecodeShapes, SyntaxErrorIsMalformedAtTheRoot) {
  const auto r = Predictions(R"({"model":"eta" "prediction":1})");
  EXPECT_EQ(r.failure, DecodeFailure::kMalformed);
  EXPECT_THAT(r.errors, ElementsAre(FieldErr("", "invalid JSON")));
}

TEST(DecodeShapes, TruncatedBodyIsMalformed) {
  const auto r = Predictions(R"({"model":"eta","prediction":1)");
  EXPECT_EQ(r.failure, DecodeFailure::kMalformed);
  EXPECT_THAT(r.errors, SizeIs(1));
}

TEST(DecodeShapes, TopLevelArrayIsMalformed) {
  const auto r = Predictions(R"([{"model":"eta","prediction":1}])");
  EXPECT_EQ(r.failure, DecodeFailure::kMalformed);
  EXPECT_THAT(r.errors, ElementsAre(FieldErr("", "must be a JSON object")));
}

TEST(DecodeShapes, TopLevelScalarIsMalformed) {
  EXPECT_EQ(Predictions("42").failure, DecodeFailure::kMalformed);
}

TEST(DecodeShapes, TrailingGarbageIsMalformed) {
  const auto r = Predictions(R"({"model":"eta","prediction":1} x)");
  EXPECT_EQ(r.failure, DecodeFailure::kMalformed);
  EXPECT_THAT(r.errors, ElementsAre(FieldErr("", "")));
}

TEST(DecodeShapes, ExtraClosingBraceIsMalformed) {
  const auto r = Predictions(R"({"model":"eta","prediction":1}})");
  EXPECT_EQ(r.failure, DecodeFailure::kMalformed);
  EXPECT_THAT(r.errors, ElementsAre(FieldErr("", "unexpected content")));
}

TEST(DecodeShapes, NdjsonSentAsJsonIsMalformedWithAHint) {
  const auto r =
      Predictions("{\"model\":\"eta\",\"prediction\":1}\n{\"model\":\"eta\",\"prediction\":2}\n");
  EXPECT_EQ(r.failure, DecodeFailure::kMalformed);
  EXPECT_THAT(r.errors, ElementsAre(FieldErr("", "NDJSON")));
}

TEST(DecodeShapes, InvalidUtf8IsMalformed) {
  const auto r = Predictions("{\"model\":\"et\xff\",\"prediction\":1}");
  EXPECT_EQ(r.failure, DecodeFailure::kMalformed);
  EXPECT_THAT(r.errors, ElementsAre(FieldErr("", "UTF-8")));
}

TEST(DecodeShapes, InvalidStringEscapeIsMalformed) {
  EXPECT_EQ(Predictions(R"({"model":"e\qa","prediction":1})").failure, DecodeFailure::kMalformed);
}

TEST(DecodeShapes, MalformedNumberIsMalformedNotInvalid) {
  EXPECT_EQ(Predictions(R"({"model":"eta","prediction":01})").failure, DecodeFailure::kMalformed);
  EXPECT_EQ(Predictions(R"({"model":"eta","prediction":1.})").failure, DecodeFailure::kMalformed);
}

TEST(DecodeShapes, BrokenAtomIsMalformed) {
  EXPECT_EQ(Predictions(R"({"model":"eta","prediction":1,"actual":nul})").failure,
            DecodeFailure::kMalformed);
}

TEST(DecodeShapes, SyntaxErrorInsideAnUnknownFieldIsStillMalformed) {
  const auto r = Predictions(R"({"model":"eta","prediction":1,"extra":{"a":tru}})");
  EXPECT_EQ(r.failure, DecodeFailure::kMalformed);
}

TEST(DecodeShapes, SyntaxErrorInsideARejectedNestedFeatureIsStillMalformed) {
  const auto r = Predictions(R"({"model":"eta","prediction":1,"features":{"a":[1,fals]}})");
  EXPECT_EQ(r.failure, DecodeFailure::kMalformed);
}

TEST(DecodeShapes, ModeratelyNestedUnknownFieldIsReportedAsUnknown) {
  const std::string nested = std::string(50, '[') + std::string(50, ']');
  const auto r = Predictions(R"({"model":"eta","prediction":1,"extra":)" + nested + "}");
  EXPECT_EQ(r.failure, DecodeFailure::kInvalid);
  EXPECT_THAT(r.errors, ElementsAre(FieldErr("/extra", "unknown field")));
}

TEST(DecodeShapes, VeryDeepNestingIsMalformedNotACrash) {
  const std::string deep = std::string(5000, '[') + std::string(5000, ']');
  const auto r = Predictions(R"({"model":"eta","prediction":1,"extra":)" + deep + "}");
  EXPECT_EQ(r.failure, DecodeFailure::kMalformed);
}

TEST(DecodeShapes, VeryDeepNestingBeforeTheEventsKeyIsMalformedNotACrash) {
  const std::string deep = std::string(5000, '[') + std::string(5000, ']');
  const auto r =
      Predictions(R"({"extra":)" + deep + R"(,"events":[{"model":"eta","prediction":1}]})");
  EXPECT_EQ(r.failure, DecodeFailure::kMalformed);
}

TEST(DecodeShapes, EventsNotAnArrayIsMalformedAtEvents) {
  const auto r = Predictions(R"({"events":{"model":"eta","prediction":1}})");
  EXPECT_EQ(r.failure, DecodeFailure::kMalformed);
  EXPECT_THAT(r.errors, ElementsAre(FieldErr("/events", "must be an array")));
}

TEST(DecodeShapes, EmptyEventsArrayIsInvalid) {
  const auto r = Predictions(R"({"events":[]})");
  EXPECT_EQ(r.failure, DecodeFailure::kInvalid);
  EXPECT_THAT(r.errors, ElementsAre(FieldErr("/events", "must contain at least one event")));
}

TEST(DecodeShapes, NonObjectArrayElementIsInvalidAtItsIndex) {
  const auto r = Predictions(
      R"({"events":[{"model":"eta","prediction":1},{"model":"eta","prediction":2},[1,2],"x"]})");
  EXPECT_EQ(r.failure, DecodeFailure::kInvalid);
  EXPECT_THAT(r.errors, ElementsAre(FieldErr("/events/2", "must be an object"),
                                    FieldErr("/events/3", "must be an object")));
  EXPECT_THAT(r.events, IsEmpty());
}

TEST(DecodeShapes, SyntaxErrorInsideArrayIsMalformed) {
  const auto r = Predictions(R"({"events":[{"model":"eta","prediction":1},]})");
  EXPECT_EQ(r.failure, DecodeFailure::kMalformed);
}

TEST(DecodeShapes, UnknownKeyBesideEventsIsInvalid) {
  const auto r = Predictions(R"({"extra":1,"events":[{"model":"eta","prediction":1}]})");
  EXPECT_EQ(r.failure, DecodeFailure::kInvalid);
  EXPECT_THAT(r.errors, ElementsAre(FieldErr("/extra", "unknown field")));
}

TEST(DecodeShapes, DuplicateEventsKeyIsInvalid) {
  const auto r = Predictions(
      R"({"events":[{"model":"eta","prediction":1}],"events":[{"model":"eta","prediction":2}]})");
  EXPECT_EQ(r.failure, DecodeFailure::kInvalid);
  EXPECT_THAT(r.errors, ElementsAre(FieldErr("/events", "duplicate field")));
}

TEST(DecodeShapes, NdjsonSyntaxErrorIsMalformedAtTheLineWithItsNumber) {
  const auto r = Predictions(
      "{\"model\":\"eta\",\"prediction\":1}\n{\"model\":\"eta\",\"prediction\":}\n", kNdjson);
  EXPECT_EQ(r.failure, DecodeFailure::kMalformed);
  EXPECT_THAT(r.errors, ElementsAre(FieldErr("/1", "line 2: invalid JSON")));
}

TEST(DecodeShapes, NdjsonTwoObjectsOnOneLineIsMalformed) {
  const auto r = Predictions(
      "{\"model\":\"eta\",\"prediction\":1}{\"model\":\"eta\",\"prediction\":2}\n", kNdjson);
  EXPECT_EQ(r.failure, DecodeFailure::kMalformed);
  EXPECT_THAT(r.errors, ElementsAre(FieldErr("/0", "line 1")));
}

TEST(DecodeShapes, NdjsonNonObjectLineIsInvalidAtTheLine) {
  const auto r = Predictions(
      "{\"model\":\"eta\",\"prediction\":1}\n[1,2]\n\"text\"\n7\ntrue\nnull\n", kNdjson);
  EXPECT_EQ(r.failure, DecodeFailure::kInvalid);
  EXPECT_THAT(r.errors,
              ElementsAre(FieldErr("/1", "must be an object"), FieldErr("/2", "must be an object"),
                          FieldErr("/3", "must be an object"), FieldErr("/4", "must be an object"),
                          FieldErr("/5", "must be an object")));
}

TEST(DecodeShapes, NdjsonGarbageLineIsMalformed) {
  const auto r = Predictions("{\"model\":\"eta\",\"prediction\":1}\nhello\n", kNdjson);
  EXPECT_EQ(r.failure, DecodeFailure::kMalformed);
  EXPECT_THAT(r.errors, ElementsAre(FieldErr("/1", "line 2")));
}

TEST(DecodeShapes, NdjsonPythonNanIsAFieldErrorNotMalformed) {
  const auto r = Predictions(
      "{\"model\":\"eta\",\"prediction\":1}\n{\"model\":\"eta\",\"prediction\":NaN}\n"
      "{\"model\":\"eta\",\"prediction\":-Infinity,\"latency_ms\":Infinity}\n",
      kNdjson);
  EXPECT_EQ(r.failure, DecodeFailure::kInvalid);
  EXPECT_THAT(r.errors, ElementsAre(FieldErr("/1/prediction", "must be a finite number"),
                                    FieldErr("/2/prediction", "must be a finite number"),
                                    FieldErr("/2/latency_ms", "must be a finite number")));
}

TEST(DecodeShapes, ErrorsAreCollectedAcrossEvents) {
  const auto r =
      Predictions(R"({"events":[{"model":"","prediction":1},{"model":"eta","prediction":1},)"
                  R"({"prediction":"x"}]})");
  EXPECT_EQ(r.failure, DecodeFailure::kInvalid);
  EXPECT_THAT(r.errors, ElementsAre(FieldErr("/events/0/model", "must not be empty"),
                                    FieldErr("/events/2/prediction", "must be a number"),
                                    FieldErr("/events/2/model", "is required")));
}

TEST(DecodeShapes, AnyErrorYieldsNoEvents) {
  const auto r = Predictions(
      R"({"events":[{"model":"eta","prediction":1},{"model":"eta","prediction":"x"}]})");
  EXPECT_EQ(r.failure, DecodeFailure::kInvalid);
  EXPECT_THAT(r.events, IsEmpty());
}

TEST(DecodeShapes, ReportedErrorsAreCappedAtOneHundred) {
  std::string body = R"({"events":[)";
  for (int i = 0; i < 150; ++i) body += std::string(i ? "," : "") + R"({"prediction":1})";
  body += "]}";
  const auto r = Predictions(body);
  EXPECT_EQ(r.failure, DecodeFailure::kInvalid);
  ASSERT_THAT(r.errors, SizeIs(100));
  EXPECT_THAT(r.errors.back(), FieldErr("/events/99/model", "is required"));
}

TEST(DecodeShapes, MoreEventsThanTheLimitIsTooMany) {
  DecodeOptions options = TestOptions();
  options.max_events = 2;
  const auto r =
      Predictions(R"({"events":[{"model":"eta","prediction":1},{"model":"eta","prediction":2},)"
                  R"({"model":"eta","prediction":3}]})",
                  BodyFormat::kJson, options);
  EXPECT_EQ(r.failure, DecodeFailure::kTooManyEvents);
  EXPECT_THAT(r.errors, ElementsAre(FieldErr("/events", "at most 2")));
  EXPECT_THAT(r.events, IsEmpty());
}

// The elements are counted before any is decoded: a list over the limit is 413 even when an
// element before the limit is broken (decoding first would have stopped there with 400).
TEST(DecodeShapes, AListOverTheLimitIsRefusedBeforeItsElementsAreDecoded) {
  DecodeOptions options = TestOptions();
  options.max_events = 2;
  const auto r =
      Predictions(R"({"events":[{"model":"eta","prediction":1,},{"model":"eta","prediction":2},)"
                  R"({"model":"eta","prediction":3}]})",
                  BodyFormat::kJson, options);
  EXPECT_EQ(r.failure, DecodeFailure::kTooManyEvents);
  EXPECT_THAT(r.errors, ElementsAre(FieldErr("/events", "at most 2")));
}

TEST(DecodeShapes, NdjsonOverTheLimitIsRefusedBeforeItsLinesAreDecoded) {
  DecodeOptions options = TestOptions();
  options.max_events = 1;
  const auto r = Predictions("{\"model\":\"eta\",\"prediction\":1,}\n\n{\"model\":\"eta\"}\n",
                             kNdjson, options);
  EXPECT_EQ(r.failure, DecodeFailure::kTooManyEvents);
  EXPECT_THAT(r.errors, SizeIs(1));
}

TEST(DecodeShapes, ExactlyTheLimitIsAccepted) {
  DecodeOptions options = TestOptions();
  options.max_events = 2;
  const auto r =
      Predictions(R"({"events":[{"model":"eta","prediction":1},{"model":"eta","prediction":2}]})",
                  BodyFormat::kJson, options);
  EXPECT_EQ(r.failure, DecodeFailure::kNone);
  EXPECT_THAT(r.events, SizeIs(2));
}

TEST(DecodeShapes, NdjsonMoreLinesThanTheLimitIsTooMany) {
  DecodeOptions options = TestOptions();
  options.max_events = 1;
  const auto r =
      Predictions("{\"model\":\"eta\",\"prediction\":1}\n\n{\"model\":\"eta\",\"prediction\":2}\n",
                  kNdjson, options);
  EXPECT_EQ(r.failure, DecodeFailure::kTooManyEvents);
  EXPECT_THAT(r.errors, SizeIs(1));
}

TEST(DecodeShapes, LargeBatchOfOneHundredThousandEventsDecodes) {
  constexpr int kEvents = 100'000;
  std::string body = R"({"events":[)";
  body.reserve(kEvents * 160);
  for (int i = 0; i < kEvents; ++i) {
    if (i) body += ',';
    body += std::string(R"({"id":"e)") + std::to_string(i) +
            R"(","model":"eta","segment":17,"timestamp":1749999999.5,)"
            R"("features":{"a":1.5,"b":"x","c":true},"prediction":)" +
            std::to_string(i) + "}";
  }
  body += "]}";
  const auto r = Predictions(body);
  ASSERT_EQ(r.failure, DecodeFailure::kNone);
  ASSERT_THAT(r.events, SizeIs(kEvents));
  EXPECT_EQ(r.events[kEvents - 1].id, "e99999");
  EXPECT_EQ(r.events[kEvents - 1].prediction, 99999);
  EXPECT_EQ(r.events[kEvents - 1].timestamp_ms, kNowMs - 500);
}

TEST(DecodeShapes, LargeNdjsonBatchDecodes) {
  constexpr int kEvents = 20'000;
  std::string body;
  for (int i = 0; i < kEvents; ++i) {
    body += std::string(R"({"model":"eta","features":{"a":1},"prediction":)") + std::to_string(i) +
            "}\n";
  }
  const auto r = Predictions(body, kNdjson);
  ASSERT_EQ(r.failure, DecodeFailure::kNone);
  ASSERT_THAT(r.events, SizeIs(kEvents));
  EXPECT_EQ(r.events[kEvents - 1].prediction, kEvents - 1);
}

}  // namespace
}  // namespace mw::ingest
