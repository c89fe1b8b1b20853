// NDJSON references in the event shape, the lines teams export from their prediction logs:
// {"features": {...}, "prediction": x, "actual": y} plus row metadata. The features object's keys
// are the features; the shapes cannot be mixed; other nested values are refused by line and key.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "profile/reference_builder.h"

namespace mw::profile {
namespace {

using Counts = std::map<std::string, int64_t, std::less<>>;

ReferenceProfile EventShapeProfile(std::string_view ndjson, const ProfileOptions& options = {}) {
  Result<ReferenceProfile> profile = BuildProfileFromNdjson(ndjson, options);
  EXPECT_TRUE(profile.has_value()) << profile.status().ToString();
  return profile.has_value() ? *profile : ReferenceProfile{};
}

std::string EventShapeError(std::string_view ndjson, const ProfileOptions& options = {}) {
  Result<ReferenceProfile> profile = BuildProfileFromNdjson(ndjson, options);
  if (profile.has_value()) return "(no error)";
  EXPECT_EQ(profile.error().code(), StatusCode::kInvalidArgument);
  return profile.error().message();
}

TEST(NdjsonEventShapeTest, FeaturesComeFromTheFeaturesObjectAndMetadataIsIgnored) {
  const ReferenceProfile p = EventShapeProfile(
      R"({"id": "e1", "timestamp": "2026-01-05T10:00:00Z", "model": "demand", "version": "v3", )"
      R"("segment": "restaurant_1", "features": {"temp": 21.5, "weekday": "mon"}, )"
      R"("prediction": 52, "actual": 50, "latency_ms": 12})"
      "\n"
      R"({"features": {"weekday": "tue", "temp": null}, "prediction": 48, "request": "r-2"})"
      "\n");
  EXPECT_EQ(p.rows, 2);
  ASSERT_EQ(p.features.size(), 2u);  // not id, timestamp, latency_ms or request
  EXPECT_EQ(p.features[0].name, "temp");
  EXPECT_EQ(p.features[0].type, FeatureType::kNumeric);
  EXPECT_EQ(p.features[0].numeric.sorted, (std::vector<double>{21.5}));
  EXPECT_EQ(p.features[0].numeric.missing, 1);
  EXPECT_EQ(p.features[1].name, "weekday");
  EXPECT_EQ(p.features[1].categorical.counts, (Counts{{"mon", 1}, {"tue", 1}}));
  ASSERT_TRUE(p.prediction.has_value());
  EXPECT_EQ(p.prediction->sorted, (std::vector<double>{48, 52}));
  ASSERT_TRUE(p.actual.has_value());
  EXPECT_EQ(p.actual->sorted, (std::vector<double>{50}));
  EXPECT_EQ(p.actual->missing, 1);
}

TEST(NdjsonEventShapeTest, GivesTheProfileOfTheSameRowsFlatOrLogged) {
  const std::string events =
      R"({"id": 1, "features": {"x": 1.5, "c": "a"}, "prediction": 0.2, "actual": 1})"
      "\n"
      R"({"id": 2, "features": {"c": "b", "x": null}, "prediction": 0.4, "actual": 0})"
      "\n"
      R"({"id": 3, "features": {"x": -3, "c": true}, "prediction": 0.9, "actual": 1})"
      "\n";
  const std::string flat = R"({"x": 1.5, "c": "a", "prediction": 0.2, "actual": 1})"
                           "\n"
                           R"({"c": "b", "x": null, "prediction": 0.4, "actual": 0})"
                           "\n"
                           R"({"x": -3, "c": true, "prediction": 0.9, "actual": 1})"
                           "\n";
  const std::vector<LoggedRow> logged = {
      {R"({"x": 1.5, "c": "a"})", 0.2, 1.0},
      {R"({"c": "b", "x": null})", 0.4, 0.0},
      {R"({"x": -3, "c": true})", 0.9, 1.0},
  };
  const ReferenceProfile from_events = EventShapeProfile(events);
  EXPECT_EQ(from_events, EventShapeProfile(flat));
  EXPECT_EQ(from_events, BuildProfileFromLogged(logged).value());
}

TEST(NdjsonEventShapeTest, EveryKeyInsideFeaturesIsAFeatureAsInLoggedPredictions) {
  // "id" and "prediction" inside "features" are what the model saw; the outer ones keep their
  // roles. A null "features" is an event without features.
  const ReferenceProfile p =
      EventShapeProfile(R"({"features": {"id": 7, "prediction": "x"}, "prediction": 1})"
                        "\n"
                        R"({"features": null, "prediction": 2})"
                        "\n");
  ASSERT_EQ(p.features.size(), 2u);
  EXPECT_EQ(p.features[0].name, "id");
  EXPECT_EQ(p.features[0].numeric.missing, 1);
  EXPECT_EQ(p.features[1].name, "prediction");
  EXPECT_EQ(p.features[1].type, FeatureType::kCategorical);
  EXPECT_EQ(p.prediction->sorted, (std::vector<double>{1, 2}));
}

TEST(NdjsonEventShapeTest, MixingTheShapesIsRefusedNamingTheLine) {
  EXPECT_EQ(EventShapeError("\n{\"a\": 1}\n{\"features\": {\"a\": 2}}\n"),
            "line 3: \"features\" holds an object (the event shape), but line 2 is a flat row of "
            "columns; every line must have the same shape");
  // An empty features object is still the event shape.
  EXPECT_EQ(EventShapeError("{\"a\": 1}\n{\"features\": {}}\n"),
            "line 2: \"features\" holds an object (the event shape), but line 1 is a flat row of "
            "columns; every line must have the same shape");
  EXPECT_EQ(EventShapeError("{\"features\": {\"a\": 1}}\n{\"features\": {\"a\": 2}}\n{\"a\": 3}\n"),
            "line 3: no \"features\" object, but line 1 has the event shape ({\"features\": "
            "{...}, \"prediction\": ..., \"actual\": ...}); every line must have the same shape");
  EXPECT_EQ(EventShapeError("{\"features\": {\"a\": 1}}\n{\"features\": \"a=2\"}\n"),
            "line 2: column \"features\": expected an object (the event shape of line 1)");
  // A flat file may have a scalar column called "features".
  const ReferenceProfile flat = EventShapeProfile("{\"features\": \"a\"}\n{\"features\": 3}\n");
  ASSERT_EQ(flat.features.size(), 1u);
  EXPECT_EQ(flat.features[0].name, "features");
}

TEST(NdjsonEventShapeTest, OtherNestedValuesAreRefusedNamingLineAndKey) {
  EXPECT_EQ(EventShapeError("{\"features\": {\"a\": 1}}\n{\"features\": {\"a\": {\"b\": 1}}}\n"),
            "line 2: column \"features.a\": nested objects and arrays are not supported");
  EXPECT_EQ(EventShapeError("{\"features\": {\"a\": [1]}}\n"),
            "line 1: column \"features.a\": nested objects and arrays are not supported");
  EXPECT_EQ(EventShapeError("{\"features\": {\"a\": 1}, \"meta\": {\"host\": \"x\"}}\n"),
            "line 1: column \"meta\": nested objects and arrays are not supported (only "
            "\"features\" may hold an object)");
  // Columns the options ignore may hold anything, as in the flat shape.
  const ReferenceProfile p =
      EventShapeProfile("{\"segment\": {\"id\": 1}, \"features\": {\"a\": 1}}\n");
  ASSERT_EQ(p.features.size(), 1u);
  EXPECT_EQ(p.features[0].name, "a");
}

TEST(NdjsonEventShapeTest, RepeatedKeysAndBadValuesNameTheLineAndKey) {
  EXPECT_EQ(EventShapeError("{\"features\": {\"a\": 1, \"a\": 2}}\n"),
            "line 1: column \"features.a\" appears twice");
  EXPECT_EQ(EventShapeError("{\"features\": {\"a\": 1}, \"features\": {\"b\": 2}}\n"),
            "line 1: column \"features\" appears twice");
  EXPECT_EQ(EventShapeError("{\"features\": {\"a\": 1}, \"prediction\": \"high\"}\n"),
            "line 1: column \"prediction\": expected a number, got a string");
  ProfileOptions options;
  options.types = {{"n", FeatureType::kNumeric}};
  EXPECT_EQ(
      EventShapeError("{\"features\": {\"n\": 1}}\n{\"features\": {\"n\": \"2\"}}\n", options),
      "line 2: column \"features.n\": expected a number, got a string");
  options.max_rows = 1;
  EXPECT_EQ(EventShapeError("{\"features\": {}}\n{\"features\": {}}\n", options),
            "line 2: too many rows (at most 1)");
}

}  // namespace
}  // namespace mw::profile
