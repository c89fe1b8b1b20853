// PredictionEvent::content_hash: equal for retries of the same event, different for any change.
#include "ingest/detail/content_hash.h"

#include <string>
#include <vector>

#include "ingest/decode_test_util.h"

namespace mw::ingest {
namespace {

using testing_ingest::Predictions;
using testing_ingest::TestOptions;

uint64_t HashOf(std::string_view body, const DecodeOptions& options = TestOptions()) {
  const auto r = Predictions(body, BodyFormat::kJson, options);
  EXPECT_EQ(r.failure, DecodeFailure::kNone) << body;
  return r.events.empty() ? 0 : r.events[0].content_hash;
}

constexpr const char* kBase =
    R"({"id":"p-1","model":"eta","version":"v1","segment":"s","timestamp":1735725600,)"
    R"("features":{"a":1,"b":"x","c":true,"d":null},"prediction":0.5,"actual":1,"latency_ms":3})";

TEST(ContentHash, RetryWithoutTimestampHashesEqualAtADifferentNow) {
  DecodeOptions later = TestOptions();
  later.now_ms += 60'000;
  const char* body = R"({"id":"p-1","model":"eta","prediction":0.5})";
  EXPECT_EQ(HashOf(body), HashOf(body, later));
}

TEST(ContentHash, EventWithoutIdHashesEqualWhateverIdIsGenerated) {
  DecodeOptions other_ids = TestOptions();
  other_ids.generate_id = [] { return std::string("other"); };
  const char* body = R"({"model":"eta","prediction":0.5})";
  EXPECT_EQ(HashOf(body), HashOf(body, other_ids));
}

TEST(ContentHash, TopLevelKeyOrderDoesNotMatter) {
  EXPECT_EQ(HashOf(R"({"model":"eta","id":"p","prediction":1})"),
            HashOf(R"({"prediction":1,"id":"p","model":"eta"})"));
}

TEST(ContentHash, FeatureKeyOrderDoesNotMatter) {
  EXPECT_EQ(HashOf(R"({"model":"eta","prediction":1,"features":{"a":1,"b":2}})"),
            HashOf(R"({"model":"eta","prediction":1,"features":{"b":2,"a":1}})"));
}

TEST(ContentHash, NumberSpellingDoesNotMatter) {
  EXPECT_EQ(HashOf(R"({"model":"eta","prediction":1,"features":{"a":100}})"),
            HashOf(R"({"model":"eta","prediction":1.0,"features":{"a":1e2}})"));
}

TEST(ContentHash, StringEscapingDoesNotMatter) {
  EXPECT_EQ(HashOf(R"({"model":"eta","prediction":1,"features":{"k":"A/"}})"),
            HashOf(R"({"model":"\u0065ta","prediction":1,"features":{"\u006b":"\u0041\/"}})"));
}

TEST(ContentHash, SameInstantInEitherTimestampFormatHashesEqual) {
  EXPECT_EQ(HashOf(R"({"model":"eta","prediction":1,"timestamp":"2025-01-01T10:00:00Z"})"),
            HashOf(R"({"model":"eta","prediction":1,"timestamp":1735725600})"));
}

TEST(ContentHash, IntegerAndStringSegmentHashEqual) {
  EXPECT_EQ(HashOf(R"({"model":"eta","prediction":1,"segment":17})"),
            HashOf(R"({"model":"eta","prediction":1,"segment":"17"})"));
}

TEST(ContentHash, AbsentAndEmptyFeaturesHashEqual) {
  EXPECT_EQ(HashOf(R"({"model":"eta","prediction":1})"),
            HashOf(R"({"model":"eta","prediction":1,"features":{}})"));
}

TEST(ContentHash, AnyChangedFieldChangesTheHash) {
  const std::vector<std::string> variants = {
      R"({"id":"p-2","model":"eta","version":"v1","segment":"s","timestamp":1735725600,)"
      R"("features":{"a":1,"b":"x","c":true,"d":null},"prediction":0.5,"actual":1,"latency_ms":3})",
      R"({"id":"p-1","model":"etb","version":"v1","segment":"s","timestamp":1735725600,)"
      R"("features":{"a":1,"b":"x","c":true,"d":null},"prediction":0.5,"actual":1,"latency_ms":3})",
      R"({"id":"p-1","model":"eta","version":"v2","segment":"s","timestamp":1735725600,)"
      R"("features":{"a":1,"b":"x","c":true,"d":null},"prediction":0.5,"actual":1,"latency_ms":3})",
      R"({"id":"p-1","model":"eta","version":"v1","segment":"t","timestamp":1735725600,)"
      R"("features":{"a":1,"b":"x","c":true,"d":null},"prediction":0.5,"actual":1,"latency_ms":3})",
      R"({"id":"p-1","model":"eta","version":"v1","segment":"s","timestamp":1735725601,)"
      R"("features":{"a":1,"b":"x","c":true,"d":null},"prediction":0.5,"actual":1,"latency_ms":3})",
      R"({"id":"p-1","model":"eta","version":"v1","segment":"s","timestamp":1735725600,)"
      R"("features":{"a":2,"b":"x","c":true,"d":null},"prediction":0.5,"actual":1,"latency_ms":3})",
      R"({"id":"p-1","model":"eta","version":"v1","segment":"s","timestamp":1735725600,)"
      R"("features":{"a":1,"b":"y","c":true,"d":null},"prediction":0.5,"actual":1,"latency_ms":3})",
      R"({"id":"p-1","model":"eta","version":"v1","segment":"s","timestamp":1735725600,)"
      R"("features":{"a":1,"b":"x","c":false,"d":null},"prediction":0.5,"actual":1,"latency_ms":3})",
      R"({"id":"p-1","model":"eta","version":"v1","segment":"s","timestamp":1735725600,)"
      R"("features":{"a":1,"b":"x","c":true,"e":null},"prediction":0.5,"actual":1,"latency_ms":3})",
      R"({"id":"p-1","model":"eta","version":"v1","segment":"s","timestamp":1735725600,)"
      R"("features":{"a":1,"b":"x","c":true},"prediction":0.5,"actual":1,"latency_ms":3})",
      R"({"id":"p-1","model":"eta","version":"v1","segment":"s","timestamp":1735725600,)"
      R"("features":{"a":"1","b":"x","c":true,"d":null},"prediction":0.5,"actual":1,"latency_ms":3})",
      R"({"id":"p-1","model":"eta","version":"v1","segment":"s","timestamp":1735725600,)"
      R"("features":{"a":1,"b":"x","c":true,"d":null},"prediction":0.6,"actual":1,"latency_ms":3})",
      R"({"id":"p-1","model":"eta","version":"v1","segment":"s","timestamp":1735725600,)"
      R"("features":{"a":1,"b":"x","c":true,"d":null},"prediction":0.5,"actual":0,"latency_ms":3})",
      R"({"id":"p-1","model":"eta","version":"v1","segment":"s","timestamp":1735725600,)"
      R"("features":{"a":1,"b":"x","c":true,"d":null},"prediction":0.5,"actual":1,"latency_ms":4})",
  };
  const uint64_t base = HashOf(kBase);
  for (const std::string& variant : variants) EXPECT_NE(HashOf(variant), base) << variant;
}

TEST(ContentHash, AbsentOptionalFieldsHashDifferentlyFromPresentOnes) {
  const uint64_t all = HashOf(R"({"id":"p","model":"eta","prediction":0,"actual":0,)"
                              R"("latency_ms":0,"timestamp":0})");
  EXPECT_NE(HashOf(R"({"id":"p","model":"eta","prediction":0,"latency_ms":0,"timestamp":0})"), all);
  EXPECT_NE(HashOf(R"({"id":"p","model":"eta","prediction":0,"actual":0,"timestamp":0})"), all);
  EXPECT_NE(HashOf(R"({"id":"p","model":"eta","prediction":0,"actual":0,"latency_ms":0})"), all);
  EXPECT_NE(HashOf(R"({"model":"eta","prediction":0,"actual":0,"latency_ms":0,"timestamp":0})"),
            all);
}

TEST(ContentHash, ValuesDoNotBleedAcrossFieldBoundaries) {
  EXPECT_NE(HashOf(R"({"model":"eta","version":"ab","segment":"c","prediction":1})"),
            HashOf(R"({"model":"eta","version":"a","segment":"bc","prediction":1})"));
}

// The hash is persisted by the store to recognise retries, so it must not change between builds.
// The expected value was computed independently of this code, in Python, from the encoding
// documented in prediction_decoder.cc and content_hash.h:
//   FNV-1a 64 over  'i' str(p-1) 'm' str(eta) 'v' str(v1) 's' str(s) 't' u64(1735725600000)
//   'f' u64(4) str(a) 'n' f64(1) str(b) 's' str(x) str(c) 'T' str(d) 'z'
//   'p' f64(0.5) 'a' f64(1) 'l' f64(3)      (str = u64 length + bytes; all little-endian)
TEST(ContentHash, ValueIsStableAcrossBuilds) { EXPECT_EQ(HashOf(kBase), 0x4ec8b83c190a0218ULL); }

TEST(ContentHasher, EmptyInputIsTheFnvOffsetBasis) {
  EXPECT_EQ(ingest::detail::ContentHasher().value(), 0xcbf29ce484222325ULL);
}

TEST(ContentHasher, NegativeZeroEqualsZero) {
  ingest::detail::ContentHasher a, b;
  a.Number(0.0);
  b.Number(-0.0);
  EXPECT_EQ(a.value(), b.value());
}

}  // namespace
}  // namespace mw::ingest
