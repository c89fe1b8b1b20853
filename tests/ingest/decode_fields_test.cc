// Field-level validation of prediction events: types, limits, defaults, timestamps, features,
// classifier ranges and pointer escaping.
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

// Decodes a body that must succeed with exactly one event.
PredictionEvent One(std::string_view body) {
  const auto r = Predictions(body);
  EXPECT_EQ(r.failure, DecodeFailure::kNone);
  EXPECT_THAT(r.errors, IsEmpty());
  EXPECT_THAT(r.events, SizeIs(1));
  return r.events.empty() ? PredictionEvent{} : r.events[0];
}

// Decodes a body that must fail as kInvalid; returns its errors.
std::vector<FieldError> Invalid(std::string_view body) {
  const auto r = Predictions(body);
  EXPECT_EQ(r.failure, DecodeFailure::kInvalid);
  EXPECT_THAT(r.events, IsEmpty());
  return r.errors;
}

TEST(DecodeFields, AllFieldsAreDecoded) {
  const PredictionEvent e =
      One(R"({"id":"p-1","model":"eta","version":"v3","segment":"north","timestamp":)"
          R"("2025-01-01T10:00:00Z","features":{"dist":3.5},"prediction":12.5,"actual":11,)"
          R"("latency_ms":4.25})");
  EXPECT_EQ(e.id, "p-1");
  EXPECT_FALSE(e.id_generated);
  EXPECT_EQ(e.model, "eta");
  EXPECT_EQ(e.version, "v3");
  EXPECT_EQ(e.segment, "north");
  EXPECT_EQ(e.timestamp_ms, 1'735'725'600'000);
  EXPECT_EQ(e.features_json, R"({"dist":3.5})");
  EXPECT_EQ(e.prediction, 12.5);
  EXPECT_EQ(e.actual, 11);
  EXPECT_EQ(e.latency_ms, 4.25);
  EXPECT_NE(e.content_hash, 0u);
}

TEST(DecodeFields, AbsentOptionalFieldsGetDefaults) {
  const PredictionEvent e = One(R"({"model":"eta","prediction":1})");
  EXPECT_EQ(e.id, "gen-1");
  EXPECT_TRUE(e.id_generated);
  EXPECT_EQ(e.version, "");
  EXPECT_EQ(e.segment, "");
  EXPECT_EQ(e.timestamp_ms, kNowMs);
  EXPECT_EQ(e.features_json, "{}");
  EXPECT_FALSE(e.actual.has_value());
  EXPECT_FALSE(e.latency_ms.has_value());
}

TEST(DecodeFields, NullOptionalFieldsAreTreatedAsAbsent) {
  const PredictionEvent e =
      One(R"({"id":null,"model":"eta","version":null,"segment":null,"timestamp":null,)"
          R"("features":null,"prediction":1,"actual":null,"latency_ms":null})");
  EXPECT_TRUE(e.id_generated);
  EXPECT_EQ(e.timestamp_ms, kNowMs);
  EXPECT_EQ(e.features_json, "{}");
  EXPECT_FALSE(e.actual.has_value());
  EXPECT_FALSE(e.latency_ms.has_value());
}

TEST(DecodeFields, EachEventWithoutIdGetsItsOwnGeneratedId) {
  const auto r = Predictions(
      R"({"events":[{"model":"eta","prediction":1},{"id":"mine","model":"eta","prediction":2},)"
      R"({"model":"eta","prediction":3}]})");
  ASSERT_THAT(r.events, SizeIs(3));
  EXPECT_EQ(r.events[0].id, "gen-1");
  EXPECT_EQ(r.events[1].id, "mine");
  EXPECT_EQ(r.events[2].id, "gen-2");
}

TEST(DecodeFields, WithoutAnIdGeneratorAUlidIsUsed) {
  DecodeOptions options = TestOptions();
  options.generate_id = nullptr;
  const auto r = Predictions(R"({"model":"eta","prediction":1})", BodyFormat::kJson, options);
  ASSERT_THAT(r.events, SizeIs(1));
  EXPECT_EQ(r.events[0].id.size(), 26u);
  EXPECT_TRUE(r.events[0].id_generated);
}

TEST(DecodeFields, EscapedUnicodeInIdIsUnescaped) {
  EXPECT_EQ(One(R"({"id":"caf\u00e9-\"q\"-\ud83d\ude00","model":"eta","prediction":1})").id,
            "caf\xc3\xa9-\"q\"-\xf0\x9f\x98\x80");
}

TEST(DecodeFields, RawUtf8InIdIsKept) {
  EXPECT_EQ(One("{\"id\":\"\xe6\x97\xa5\xe6\x9c\xac\",\"model\":\"eta\",\"prediction\":1}").id,
            "\xe6\x97\xa5\xe6\x9c\xac");
}

TEST(DecodeFields, MissingModelAndPredictionAreBothReported) {
  EXPECT_THAT(Invalid(R"({"version":"v1"})"), ElementsAre(FieldErr("/model", "is required"),
                                                          FieldErr("/prediction", "is required")));
}

TEST(DecodeFields, EmptyModelIsRejected) {
  EXPECT_THAT(Invalid(R"({"model":"","prediction":1})"),
              ElementsAre(FieldErr("/model", "must not be empty")));
}

TEST(DecodeFields, ModelLongerThan128BytesIsRejected) {
  const std::string ok(128, 'm');
  One(R"({"model":")" + ok + R"(","prediction":1})");
  EXPECT_THAT(Invalid(R"({"model":")" + ok + R"(x","prediction":1})"),
              ElementsAre(FieldErr("/model", "at most 128 bytes")));
}

TEST(DecodeFields, ModelOfWrongTypeIsRejected) {
  EXPECT_THAT(Invalid(R"({"model":7,"prediction":1})"),
              ElementsAre(FieldErr("/model", "must be a string")));
}

TEST(DecodeFields, NullModelIsATypeError) {
  EXPECT_THAT(Invalid(R"({"model":null,"prediction":1})"),
              ElementsAre(FieldErr("/model", "must be a string")));
}

TEST(DecodeFields, EmptyIdIsRejected) {
  EXPECT_THAT(Invalid(R"({"id":"","model":"eta","prediction":1})"),
              ElementsAre(FieldErr("/id", "must not be empty")));
}

TEST(DecodeFields, IdLongerThan256BytesIsRejected) {
  const std::string ok(256, 'i');
  One(R"({"id":")" + ok + R"(","model":"eta","prediction":1})");
  EXPECT_THAT(Invalid(R"({"id":")" + ok + R"(x","model":"eta","prediction":1})"),
              ElementsAre(FieldErr("/id", "at most 256 bytes")));
}

TEST(DecodeFields, IdOfWrongTypeIsRejected) {
  EXPECT_THAT(Invalid(R"({"id":{"a":1},"model":"eta","prediction":1})"),
              ElementsAre(FieldErr("/id", "must be a string")));
}

TEST(DecodeFields, VersionOfWrongTypeIsRejected) {
  EXPECT_THAT(Invalid(R"({"model":"eta","version":3,"prediction":1})"),
              ElementsAre(FieldErr("/version", "must be a string")));
}

TEST(DecodeFields, IntegerSegmentIsStoredAsDecimalText) {
  EXPECT_EQ(One(R"({"model":"eta","segment":17,"prediction":1})").segment, "17");
  EXPECT_EQ(One(R"({"model":"eta","segment":-4,"prediction":1})").segment, "-4");
}

TEST(DecodeFields, FractionalSegmentIsRejected) {
  EXPECT_THAT(Invalid(R"({"model":"eta","segment":17.5,"prediction":1})"),
              ElementsAre(FieldErr("/segment", "must be a string or an integer")));
}

TEST(DecodeFields, SegmentBeyondInt64IsRejected) {
  EXPECT_THAT(Invalid(R"({"model":"eta","segment":99999999999999999999,"prediction":1})"),
              ElementsAre(FieldErr("/segment", "must be a string or an integer")));
}

TEST(DecodeFields, BooleanSegmentIsRejected) {
  EXPECT_THAT(Invalid(R"({"model":"eta","segment":true,"prediction":1})"),
              ElementsAre(FieldErr("/segment", "must be a string or an integer")));
}

TEST(DecodeFields, SegmentLongerThan256BytesIsRejected) {
  EXPECT_THAT(Invalid(std::string(R"({"model":"eta","segment":")") + std::string(257, 's') +
                      R"(","prediction":1})"),
              ElementsAre(FieldErr("/segment", "at most 256 bytes")));
}

TEST(DecodeFields, Rfc3339TimestampWithOffsetIsConvertedToUtc) {
  EXPECT_EQ(One(R"({"model":"eta","timestamp":"2025-01-01T12:00:00.250+02:00","prediction":1})")
                .timestamp_ms,
            1'735'725'600'250);
}

TEST(DecodeFields, IntegerUnixSecondsTimestampIsAccepted) {
  EXPECT_EQ(One(R"({"model":"eta","timestamp":1735725600,"prediction":1})").timestamp_ms,
            1'735'725'600'000);
}

TEST(DecodeFields, FractionalUnixSecondsKeepMilliseconds) {
  EXPECT_EQ(One(R"({"model":"eta","timestamp":1735725600.123,"prediction":1})").timestamp_ms,
            1'735'725'600'123);
}

TEST(DecodeFields, TimestampWithinTheFutureToleranceIsAccepted) {
  const int64_t seconds = (kNowMs + 300'000) / 1000;
  EXPECT_EQ(One(std::string(R"({"model":"eta","prediction":1,"timestamp":)") +
                std::to_string(seconds) + "}")
                .timestamp_ms,
            kNowMs + 300'000);
}

TEST(DecodeFields, TimestampTooFarInTheFutureIsRejected) {
  const int64_t seconds = (kNowMs + 301'000) / 1000;
  EXPECT_THAT(Invalid(std::string(R"({"model":"eta","prediction":1,"timestamp":)") +
                      std::to_string(seconds) + "}"),
              ElementsAre(FieldErr("/timestamp", "timestamp is too far in the future")));
  EXPECT_THAT(Invalid(R"({"model":"eta","prediction":1,"timestamp":"2030-01-01T00:00:00Z"})"),
              ElementsAre(FieldErr("/timestamp", "timestamp is too far in the future")));
}

TEST(DecodeFields, MillisecondsSentAsSecondsGetAHint) {
  EXPECT_THAT(Invalid(R"({"model":"eta","prediction":1,"timestamp":1700000000000})"),
              ElementsAre(FieldErr("/timestamp", "looks like milliseconds")));
}

TEST(DecodeFields, TimestampBefore1970IsRejected) {
  EXPECT_THAT(Invalid(R"({"model":"eta","prediction":1,"timestamp":"1969-12-31T23:59:59Z"})"),
              ElementsAre(FieldErr("/timestamp", "before 1970")));
  EXPECT_THAT(Invalid(R"({"model":"eta","prediction":1,"timestamp":-1})"),
              ElementsAre(FieldErr("/timestamp", "before 1970")));
}

TEST(DecodeFields, UnparseableTimestampIsRejected) {
  EXPECT_THAT(Invalid(R"({"model":"eta","prediction":1,"timestamp":"2025-01-01 10:00"})"),
              ElementsAre(FieldErr("/timestamp", "RFC 3339")));
  EXPECT_THAT(Invalid(R"({"model":"eta","prediction":1,"timestamp":"yesterday"})"),
              ElementsAre(FieldErr("/timestamp", "RFC 3339")));
}

TEST(DecodeFields, TimestampOfWrongTypeIsRejected) {
  EXPECT_THAT(Invalid(R"({"model":"eta","prediction":1,"timestamp":true})"),
              ElementsAre(FieldErr("/timestamp", "RFC 3339")));
}

TEST(DecodeFields, NonFiniteTimestampIsRejected) {
  EXPECT_THAT(Invalid(R"({"model":"eta","prediction":1,"timestamp":Infinity})"),
              ElementsAre(FieldErr("/timestamp", "must be a finite number")));
}

TEST(DecodeFields, FeaturesAreStoredCompactInTheOrderSent) {
  EXPECT_EQ(One(R"({"model":"eta","prediction":1,"features": { "b" : 2 , "a" : "x" , "c" : true ,)"
                R"( "d" : null, "e": false }})")
                .features_json,
            R"({"b":2,"a":"x","c":true,"d":null,"e":false})");
}

TEST(DecodeFields, FeatureNumbersKeepTheirSpelling) {
  EXPECT_EQ(One(R"({"model":"eta","prediction":1,"features":{"a":1.50,"b":-2E+3,)"
                R"("c":12345678901234567890}})")
                .features_json,
            R"({"a":1.50,"b":-2E+3,"c":12345678901234567890})");
}

TEST(DecodeFields, FeatureStringsAreReEscapedMinimally) {
  EXPECT_EQ(One(R"({"model":"eta","prediction":1,"features":{"q\"k":"a\"b\\c\/d\n\u0001\u00e9"}})")
                .features_json,
            "{\"q\\\"k\":\"a\\\"b\\\\c/d\\n\\u0001\xc3\xa9\"}");
}

TEST(DecodeFields, EmptyFeaturesObjectIsStoredAsIs) {
  EXPECT_EQ(One(R"({"model":"eta","prediction":1,"features":{}})").features_json, "{}");
}

TEST(DecodeFields, NestedFeatureObjectIsRejectedAtItsPointer) {
  EXPECT_THAT(Invalid(R"({"model":"eta","prediction":1,"features":{"ok":1,"geo":{"lat":1}}})"),
              ElementsAre(FieldErr("/features/geo", "must be a number, string, boolean or null")));
}

TEST(DecodeFields, NestedFeatureArrayIsRejectedAtItsPointer) {
  EXPECT_THAT(Invalid(R"({"model":"eta","prediction":1,"features":{"tags":["a","b"]}})"),
              ElementsAre(FieldErr("/features/tags", "must be a number, string, boolean or null")));
}

TEST(DecodeFields, FeatureKeysAreEscapedInPointers) {
  EXPECT_THAT(Invalid(R"({"model":"eta","prediction":1,"features":{"a/b~c":[1]}})"),
              ElementsAre(FieldErr("/features/a~1b~0c", "must be a number")));
}

TEST(DecodeFields, EscapedFeatureKeysAreUnescapedInPointers) {
  EXPECT_THAT(Invalid(R"({"model":"eta","prediction":1,"features":{"caf\u00e9\/x":[1]}})"),
              ElementsAre(FieldErr("/features/caf\xc3\xa9~1x", "must be a number")));
}

TEST(DecodeFields, NonFiniteFeatureIsRejected) {
  EXPECT_THAT(Invalid(R"({"model":"eta","prediction":1,"features":{"x":NaN,"y":1e999}})"),
              ElementsAre(FieldErr("/features/x", "must be a finite number"),
                          FieldErr("/features/y", "must be a finite number")));
}

TEST(DecodeFields, DuplicateFeatureKeyIsRejected) {
  EXPECT_THAT(Invalid(R"({"model":"eta","prediction":1,"features":{"a":1,"b":2,"a":3,"a":4}})"),
              ElementsAre(FieldErr("/features/a", "duplicate feature")));
}

TEST(DecodeFields, FeaturesThatAreNotAnObjectAreRejected) {
  EXPECT_THAT(Invalid(R"({"model":"eta","prediction":1,"features":[1,2]})"),
              ElementsAre(FieldErr("/features", "must be an object")));
  EXPECT_THAT(Invalid(R"({"model":"eta","prediction":1,"features":"a=1"})"),
              ElementsAre(FieldErr("/features", "must be an object")));
}

TEST(DecodeFields, PredictionOfWrongTypeIsRejected) {
  EXPECT_THAT(Invalid(R"({"model":"eta","prediction":"0.5"})"),
              ElementsAre(FieldErr("/prediction", "must be a number")));
  EXPECT_THAT(Invalid(R"({"model":"eta","prediction":null})"),
              ElementsAre(FieldErr("/prediction", "must be a number")));
  EXPECT_THAT(Invalid(R"({"model":"eta","prediction":[0.5]})"),
              ElementsAre(FieldErr("/prediction", "must be a number")));
}

TEST(DecodeFields, NonFinitePredictionSpellingsAreFieldErrors) {
  // The last two overflow a double; simdjson 3.0.1 alone reads them as +-6.09809e+281 (fuzzing).
  for (const char* token : {"NaN", "Infinity", "-Infinity", "1e400", "-1e400",
                            "0.7599999999999999999999999999999999999999999991e309",
                            "-0.7599999999999999999999999999999999999999999991e309"}) {
    EXPECT_THAT(Invalid(std::string(R"({"model":"eta","prediction":)") + token + "}"),
                ElementsAre(FieldErr("/prediction", "must be a finite number")))
        << token;
  }
}

TEST(DecodeFields, NonFiniteActualIsRejected) {
  EXPECT_THAT(Invalid(R"({"model":"eta","prediction":1,"actual":NaN})"),
              ElementsAre(FieldErr("/actual", "must be a finite number")));
}

TEST(DecodeFields, ActualOfWrongTypeIsRejected) {
  EXPECT_THAT(Invalid(R"({"model":"eta","prediction":1,"actual":"1"})"),
              ElementsAre(FieldErr("/actual", "must be a number")));
}

TEST(DecodeFields, NegativeLatencyIsRejected) {
  EXPECT_THAT(Invalid(R"({"model":"eta","prediction":1,"latency_ms":-0.5})"),
              ElementsAre(FieldErr("/latency_ms", "must not be negative")));
}

TEST(DecodeFields, ZeroLatencyIsAccepted) {
  EXPECT_EQ(One(R"({"model":"eta","prediction":1,"latency_ms":0})").latency_ms, 0.0);
}

TEST(DecodeFields, ClassifierPredictionOutsideZeroToOneIsRejected) {
  EXPECT_THAT(Invalid(R"({"model":"churn","prediction":1.01})"),
              ElementsAre(FieldErr("/prediction", "between 0 and 1")));
  EXPECT_THAT(Invalid(R"({"model":"churn","prediction":-0.01})"),
              ElementsAre(FieldErr("/prediction", "between 0 and 1")));
}

TEST(DecodeFields, ClassifierPredictionBoundsAreAccepted) {
  EXPECT_EQ(One(R"({"model":"churn","prediction":0})").prediction, 0);
  EXPECT_EQ(One(R"({"model":"churn","prediction":1})").prediction, 1);
}

TEST(DecodeFields, ClassifierActualMustBeZeroOrOne) {
  EXPECT_THAT(Invalid(R"({"model":"churn","prediction":0.3,"actual":0.5})"),
              ElementsAre(FieldErr("/actual", "must be 0 or 1")));
  EXPECT_EQ(One(R"({"model":"churn","prediction":0.3,"actual":1})").actual, 1);
}

TEST(DecodeFields, ClassifierRangeAppliesWhateverTheFieldOrder) {
  EXPECT_THAT(Invalid(R"({"prediction":3,"actual":2,"model":"churn"})"),
              ElementsAre(FieldErr("/prediction", "between 0 and 1"),
                          FieldErr("/actual", "must be 0 or 1")));
}

TEST(DecodeFields, RegressionAndUnknownModelsAcceptAnyFinitePrediction) {
  EXPECT_EQ(One(R"({"model":"eta","prediction":-40,"actual":0.5})").prediction, -40);
  EXPECT_EQ(One(R"({"model":"unregistered","prediction":7})").prediction, 7);
}

TEST(DecodeFields, TaskOfIsAskedOncePerRunOfTheSameModel) {
  DecodeOptions options = TestOptions();
  int calls = 0;
  options.task_of = [&calls](std::string_view) {
    ++calls;
    return registry::ModelTask::kRegression;
  };
  const auto r =
      Predictions(R"({"events":[{"model":"a","prediction":1},{"model":"a","prediction":1},)"
                  R"({"model":"b","prediction":1},{"model":"a","prediction":1}]})",
                  BodyFormat::kJson, options);
  ASSERT_EQ(r.failure, DecodeFailure::kNone);
  EXPECT_EQ(calls, 3);
}

TEST(DecodeFields, WithoutTaskOfEveryModelIsUnknown) {
  DecodeOptions options = TestOptions();
  options.task_of = nullptr;
  EXPECT_EQ(Predictions(R"({"model":"churn","prediction":5})", BodyFormat::kJson, options).failure,
            DecodeFailure::kNone);
}

TEST(DecodeFields, UnknownFieldIsRejectedByName) {
  EXPECT_THAT(Invalid(R"({"model":"eta","prediction":1,"predicton":2})"),
              ElementsAre(FieldErr("/predicton", "unknown field")));
}

TEST(DecodeFields, UnknownFieldNameIsEscapedInThePointer) {
  EXPECT_THAT(Invalid(R"({"model":"eta","prediction":1,"a/b":{"x":[1,{"y":null}]}})"),
              ElementsAre(FieldErr("/a~1b", "unknown field")));
}

TEST(DecodeFields, DuplicateFieldIsRejected) {
  EXPECT_THAT(Invalid(R"({"model":"eta","prediction":1,"model":"other"})"),
              ElementsAre(FieldErr("/model", "duplicate field")));
}

TEST(DecodeFields, EscapedFieldNamesAreRecognised) {
  EXPECT_EQ(One(R"({"mod\u0065l":"eta","prediction":1})").model, "eta");
}

}  // namespace
}  // namespace mw::ingest
