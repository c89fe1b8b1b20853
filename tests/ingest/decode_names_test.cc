// Names in ingest events (model, version, segment, feature names) follow common/names.h: valid
// UTF-8, no control characters, a length limit. JSON escapes can smuggle control characters and
// lone surrogates past the body's UTF-8 check, so the decoder checks each name itself.
#include <string>

#include "ingest/decode_test_util.h"

namespace mw::ingest {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using testing_ingest::FieldErr;
using testing_ingest::Predictions;

TEST(DecodeNames, ControlCharactersInAModelNameAreAFieldError) {
  const auto r = Predictions(R"({"model":"a\u0001b","prediction":1})");
  EXPECT_EQ(r.failure, DecodeFailure::kInvalid);
  EXPECT_THAT(r.events, IsEmpty());
  EXPECT_THAT(r.errors, ElementsAre(FieldErr("/model", "must not contain control characters")));
}

TEST(DecodeNames, ControlCharactersInVersionAndSegmentAreFieldErrors) {
  const auto r = Predictions(
      R"({"events":[{"model":"m","version":"v\n1","segment":"s\u007f","prediction":1}]})");
  EXPECT_EQ(r.failure, DecodeFailure::kInvalid);
  EXPECT_THAT(r.errors,
              ElementsAre(FieldErr("/events/0/version", "must not contain control characters"),
                          FieldErr("/events/0/segment", "must not contain control characters")));
}

TEST(DecodeNames, C1ControlCharactersAreRejectedToo) {
  const auto r = Predictions(R"({"model":"m\u009b","prediction":1})");
  EXPECT_THAT(r.errors, ElementsAre(FieldErr("/model", "U+009B")));
}

TEST(DecodeNames, ALoneSurrogateEscapeIsNeverAccepted) {
  const auto r = Predictions(R"({"model":"m\ud800","prediction":1})");
  EXPECT_NE(r.failure, DecodeFailure::kNone);
  EXPECT_THAT(r.events, IsEmpty());
}

TEST(DecodeNames, BadFeatureNamesAreFieldErrorsAtTheirPointer) {
  const std::string long_name(257, 'f');
  const auto r = Predictions(R"({"model":"m","prediction":1,"features":{"ok":1,"tab\there":2,)"
                             R"("":3,")" +
                             long_name + R"(":{"nested":1}}})");
  EXPECT_EQ(r.failure, DecodeFailure::kInvalid);
  EXPECT_THAT(r.errors,
              ElementsAre(FieldErr("/features/tab\there", "the feature name must not contain"),
                          FieldErr("/features/", "the feature name must not be empty"),
                          FieldErr("/features/" + long_name, "at most 256 bytes")));
}

TEST(DecodeNames, PrintableUnicodeNamesAreAccepted) {
  const auto r = Predictions(
      R"({"model":"modèle","version":"v\u00e9","segment":"餐厅 17","features":{"température":1},)"
      R"("prediction":1})");
  ASSERT_EQ(r.failure, DecodeFailure::kNone) << (r.errors.empty() ? "" : r.errors[0].detail);
  ASSERT_EQ(r.events.size(), 1u);
  EXPECT_EQ(r.events[0].model, "modèle");
  EXPECT_EQ(r.events[0].version, "vé");
  EXPECT_EQ(r.events[0].segment, "餐厅 17");
}

}  // namespace
}  // namespace mw::ingest
