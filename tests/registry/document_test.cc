#include "registry/document.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace mw::registry {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

// The pointers of the errors, in order.
template <typename T>
std::vector<std::string> Pointers(const ParsedDocument<T>& parsed) {
  std::vector<std::string> out;
  for (const auto& e : parsed.errors) out.push_back(e.pointer);
  return out;
}

ParsedDocument<ModelVersionInfo> Version(std::string_view body) {
  return ParseModelVersionDocument("demand", "v1", body);
}

// The single error pointer of an invalid (not malformed) version document.
std::string OnlyPointer(std::string_view body) {
  auto p = Version(body);
  EXPECT_FALSE(p.value.has_value());
  EXPECT_FALSE(p.malformed);
  EXPECT_EQ(p.errors.size(), 1u);
  return p.errors.empty() ? "" : p.errors[0].pointer;
}

// --- model documents --------------------------------------------------------------------------

TEST(ModelDocumentTest, ValidDocumentGivesModel) {
  auto p = ParseModelDocument("risk", R"({"task":"binary_classification","description":"d"})");
  ASSERT_TRUE(p.value.has_value());
  EXPECT_TRUE(p.errors.empty());
  EXPECT_EQ(p.value->name, "risk");
  EXPECT_EQ(p.value->task, ModelTask::kBinaryClassification);
  EXPECT_EQ(p.value->description, "d");
}

TEST(ModelDocumentTest, DescriptionIsOptional) {
  auto p = ParseModelDocument("m", R"({"task":"regression"})");
  ASSERT_TRUE(p.value.has_value());
  EXPECT_EQ(p.value->task, ModelTask::kRegression);
  EXPECT_EQ(p.value->description, "");
}

TEST(ModelDocumentTest, MissingTaskIsAnError) {
  auto p = ParseModelDocument("m", R"({"description":"x"})");
  EXPECT_FALSE(p.value.has_value());
  EXPECT_EQ(Pointers(p), std::vector<std::string>{"/task"});
  EXPECT_THAT(p.errors[0].detail, HasSubstr("required"));
}

TEST(ModelDocumentTest, UnknownTaskIsAnError) {
  auto p = ParseModelDocument("m", R"({"task":"clustering"})");
  EXPECT_EQ(Pointers(p), std::vector<std::string>{"/task"});
  EXPECT_FALSE(p.malformed);
}

TEST(ModelDocumentTest, TaskUnknownIsNotAcceptedAsAValue) {
  EXPECT_EQ(Pointers(ParseModelDocument("m", R"({"task":"unknown"})")),
            std::vector<std::string>{"/task"});
}

TEST(ModelDocumentTest, NonStringDescriptionIsAnError) {
  EXPECT_EQ(Pointers(ParseModelDocument("m", R"({"task":"regression","description":5})")),
            std::vector<std::string>{"/description"});
}

TEST(ModelDocumentTest, UnknownFieldIsAnErrorWithEscapedPointer) {
  auto p = ParseModelDocument("m", R"({"task":"regression","a/b~c":1})");
  EXPECT_EQ(Pointers(p), std::vector<std::string>{"/a~1b~0c"});
}

TEST(ModelDocumentTest, NonJsonIsMalformed) {
  auto p = ParseModelDocument("m", R"({"task":)");
  EXPECT_TRUE(p.malformed);
  EXPECT_EQ(Pointers(p), std::vector<std::string>{""});
  EXPECT_THAT(p.errors[0].detail, HasSubstr("not valid JSON"));
}

// Found by tests/fuzz/registry_document_fuzz.cc: nlohmann throws out_of_range, not parse_error,
// for a number beyond the double range, and it escaped the parser (PUT answered 500).
TEST(ModelDocumentTest, NumberBeyondDoubleRangeIsMalformed) {
  auto p = ParseModelDocument("m", R"({"task":"regression","x":-1e400})");
  EXPECT_TRUE(p.malformed);
  EXPECT_EQ(Pointers(p), std::vector<std::string>{""});
  EXPECT_THAT(p.errors[0].detail, HasSubstr("number overflow parsing '-1e400'"));
}

TEST(ModelDocumentTest, EmptyBodyIsMalformed) {
  EXPECT_TRUE(ParseModelDocument("m", "").malformed);
}

TEST(ModelDocumentTest, NonObjectIsInvalidNotMalformed) {
  auto p = ParseModelDocument("m", "[1]");
  EXPECT_FALSE(p.malformed);
  EXPECT_EQ(Pointers(p), std::vector<std::string>{""});
}

TEST(ModelDocumentTest, EmptyNameIsAnError) {
  EXPECT_FALSE(ParseModelDocument("", R"({"task":"regression"})").value.has_value());
}

// --- model version documents ------------------------------------------------------------------

TEST(ModelVersionDocumentTest, ValidDocumentFillsEveryField) {
  auto p = Version(R"({"metrics":{"mae":1.5,"rmse":2},"training_duration_seconds":120.5,
      "model_size_bytes":2048,"feature_importance":{"age":0.6},"segment":"restaurant_1",
      "latest":false})");
  ASSERT_TRUE(p.value.has_value()) << p.errors.size();
  const ModelVersionInfo& v = *p.value;
  EXPECT_EQ(v.model, "demand");
  EXPECT_EQ(v.version, "v1");
  EXPECT_EQ(v.training_metrics, (std::map<std::string, double>{{"mae", 1.5}, {"rmse", 2}}));
  EXPECT_EQ(v.training_duration_seconds, 120.5);
  EXPECT_EQ(v.model_size_bytes, 2048);
  EXPECT_EQ(v.feature_importance, (std::map<std::string, double>{{"age", 0.6}}));
  EXPECT_EQ(v.segment, "restaurant_1");
  EXPECT_FALSE(v.is_latest);
}

TEST(ModelVersionDocumentTest, NumberBeyondDoubleRangeIsMalformed) {
  auto p = Version(R"({"metrics":{"mae":1e400}})");
  EXPECT_TRUE(p.malformed);
  EXPECT_EQ(Pointers(p), std::vector<std::string>{""});
  EXPECT_THAT(p.errors[0].detail, HasSubstr("number overflow parsing '1e400'"));
}

TEST(ModelVersionDocumentTest, EmptyDocumentGivesLatestModelWideVersion) {
  auto p = Version("{}");
  ASSERT_TRUE(p.value.has_value());
  EXPECT_TRUE(p.value->is_latest);
  EXPECT_EQ(p.value->segment, "");
  EXPECT_FALSE(p.value->training_duration_seconds.has_value());
  EXPECT_FALSE(p.value->model_size_bytes.has_value());
  EXPECT_EQ(p.value->metadata_json, "{}");
}

TEST(ModelVersionDocumentTest, ExtraKeysAreKeptInMetadata) {
  auto p = Version(R"({"framework":"lightgbm","trained_at":"2025-01-01T00:00:00Z",
      "params":{"depth":6},"metrics":{"mae":1}})");
  ASSERT_TRUE(p.value.has_value());
  const json meta = json::parse(p.value->metadata_json);
  EXPECT_EQ(meta["framework"], "lightgbm");
  EXPECT_EQ(meta["trained_at"], "2025-01-01T00:00:00Z");
  EXPECT_EQ(meta["params"]["depth"], 6);
  EXPECT_EQ(meta["metrics"]["mae"], 1);
}

TEST(ModelVersionDocumentTest, MetadataIsCompact) {
  auto p = Version("{ \"framework\" : \"x\" }");
  ASSERT_TRUE(p.value.has_value());
  EXPECT_EQ(p.value->metadata_json, R"({"framework":"x"})");
}

TEST(ModelVersionDocumentTest, TrainingMetricsAliasIsAccepted) {
  auto p = Version(R"({"training_metrics":{"auc":0.9}})");
  ASSERT_TRUE(p.value.has_value());
  EXPECT_EQ(p.value->training_metrics.at("auc"), 0.9);
}

TEST(ModelVersionDocumentTest, TrainingTimeAliasIsAccepted) {
  auto p = Version(R"({"training_time_seconds":30})");
  ASSERT_TRUE(p.value.has_value());
  EXPECT_EQ(p.value->training_duration_seconds, 30);
}

TEST(ModelVersionDocumentTest, ModelSizeAliasIsAccepted) {
  auto p = Version(R"({"model_size":10})");
  ASSERT_TRUE(p.value.has_value());
  EXPECT_EQ(p.value->model_size_bytes, 10);
}

TEST(ModelVersionDocumentTest, SizeBytesAliasIsAccepted) {
  auto p = Version(R"({"size_bytes":11})");
  ASSERT_TRUE(p.value.has_value());
  EXPECT_EQ(p.value->model_size_bytes, 11);
}

TEST(ModelVersionDocumentTest, FieldAndAliasTogetherIsAnError) {
  EXPECT_EQ(OnlyPointer(R"({"metrics":{},"training_metrics":{}})"), "/training_metrics");
}

TEST(ModelVersionDocumentTest, NullFieldsCountAsAbsent) {
  auto p = Version(R"({"metrics":null,"segment":null,"latest":null,"model_size_bytes":null})");
  ASSERT_TRUE(p.value.has_value());
  EXPECT_TRUE(p.value->is_latest);
  EXPECT_FALSE(p.value->model_size_bytes.has_value());
}

TEST(ModelVersionDocumentTest, IntegralFloatSizeIsAccepted) {
  auto p = Version(R"({"model_size_bytes":2048.0})");
  ASSERT_TRUE(p.value.has_value());
  EXPECT_EQ(p.value->model_size_bytes, 2048);
}

TEST(ModelVersionDocumentTest, MetricsNotAnObjectIsAnError) {
  EXPECT_EQ(OnlyPointer(R"({"metrics":[1,2]})"), "/metrics");
}

TEST(ModelVersionDocumentTest, NonNumericMetricIsAnError) {
  EXPECT_EQ(OnlyPointer(R"({"metrics":{"mae":"low"}})"), "/metrics/mae");
}

TEST(ModelVersionDocumentTest, NonNumericAliasedMetricPointsIntoTheAlias) {
  EXPECT_EQ(OnlyPointer(R"({"training_metrics":{"auc":true}})"), "/training_metrics/auc");
}

TEST(ModelVersionDocumentTest, NegativeTrainingDurationIsAnError) {
  EXPECT_EQ(OnlyPointer(R"({"training_duration_seconds":-1})"), "/training_duration_seconds");
}

TEST(ModelVersionDocumentTest, StringTrainingDurationIsAnError) {
  EXPECT_EQ(OnlyPointer(R"({"training_time_seconds":"10"})"), "/training_time_seconds");
}

TEST(ModelVersionDocumentTest, NegativeModelSizeIsAnError) {
  EXPECT_EQ(OnlyPointer(R"({"model_size_bytes":-5})"), "/model_size_bytes");
}

TEST(ModelVersionDocumentTest, FractionalModelSizeIsAnError) {
  EXPECT_EQ(OnlyPointer(R"({"size_bytes":1.5})"), "/size_bytes");
}

TEST(ModelVersionDocumentTest, HugeModelSizeIsAnError) {
  EXPECT_EQ(OnlyPointer(R"({"model_size_bytes":18446744073709551615})"), "/model_size_bytes");
}

TEST(ModelVersionDocumentTest, NonNumericFeatureImportanceIsAnError) {
  EXPECT_EQ(OnlyPointer(R"({"feature_importance":{"a/b":"x"}})"), "/feature_importance/a~1b");
}

TEST(ModelVersionDocumentTest, NonStringSegmentIsAnError) {
  EXPECT_EQ(OnlyPointer(R"({"segment":12})"), "/segment");
}

TEST(ModelVersionDocumentTest, NonBooleanLatestIsAnError) {
  EXPECT_EQ(OnlyPointer(R"({"latest":"yes"})"), "/latest");
}

TEST(ModelVersionDocumentTest, VersionMatchingTheUrlIsAccepted) {
  EXPECT_TRUE(Version(R"({"version":"v1"})").value.has_value());
  EXPECT_TRUE(ParseModelVersionDocument("m", "3", R"({"version":3})").value.has_value());
}

TEST(ModelVersionDocumentTest, VersionDifferentFromTheUrlIsAnError) {
  EXPECT_EQ(OnlyPointer(R"({"version":"v2"})"), "/version");
}

TEST(ModelVersionDocumentTest, AllErrorsAreReported) {
  auto p = Version(R"({"metrics":{"a":"x"},"latest":1,"segment":[]})");
  EXPECT_EQ(Pointers(p), (std::vector<std::string>{"/metrics/a", "/segment", "/latest"}));
}

TEST(ModelVersionDocumentTest, NonJsonIsMalformed) {
  auto p = Version("{nope");
  EXPECT_TRUE(p.malformed);
  EXPECT_FALSE(p.value.has_value());
}

TEST(ModelVersionDocumentTest, NonObjectIsInvalid) {
  auto p = Version("\"text\"");
  EXPECT_FALSE(p.malformed);
  EXPECT_EQ(Pointers(p), std::vector<std::string>{""});
}

// --- serialisers ------------------------------------------------------------------------------

TEST(ModelToJsonTest, WritesFieldsAndRfc3339Times) {
  ModelInfo m{"risk", ModelTask::kBinaryClassification, "desc", 1735725600000, 1735725600123};
  const json j = ModelToJson(m);
  EXPECT_EQ(j["name"], "risk");
  EXPECT_EQ(j["task"], "binary_classification");
  EXPECT_EQ(j["description"], "desc");
  EXPECT_EQ(j["created_at"], "2025-01-01T10:00:00.000Z");
  EXPECT_EQ(j["updated_at"], "2025-01-01T10:00:00.123Z");
}

TEST(ModelToJsonTest, UnknownTimesAreNull) {
  const json j = ModelToJson(ModelInfo{"m", ModelTask::kUnknown, "", 0, 0});
  EXPECT_EQ(j["task"], "unknown");
  EXPECT_TRUE(j["created_at"].is_null());
  EXPECT_TRUE(j["updated_at"].is_null());
}

TEST(ModelVersionToJsonTest, WritesEveryField) {
  ModelVersionInfo v;
  v.model = "demand";
  v.version = "v2";
  v.segment = "restaurant_1";
  v.training_metrics = {{"mae", 2.5}};
  v.training_duration_seconds = 60;
  v.model_size_bytes = 4096;
  v.feature_importance = {{"temp", 0.3}};
  v.metadata_json = R"({"framework":"xgboost"})";
  v.created_at_ms = 1735725600000;
  v.is_latest = true;
  const json j = ModelVersionToJson(v);
  EXPECT_EQ(j["model"], "demand");
  EXPECT_EQ(j["version"], "v2");
  EXPECT_EQ(j["segment"], "restaurant_1");
  EXPECT_EQ(j["latest"], true);
  EXPECT_EQ(j["metrics"]["mae"], 2.5);
  EXPECT_EQ(j["training_duration_seconds"], 60.0);
  EXPECT_EQ(j["model_size_bytes"], 4096);
  EXPECT_EQ(j["feature_importance"]["temp"], 0.3);
  EXPECT_EQ(j["created_at"], "2025-01-01T10:00:00.000Z");
  EXPECT_EQ(j["metadata"]["framework"], "xgboost");
}

TEST(ModelVersionToJsonTest, AbsentValuesAreNullOrEmpty) {
  ModelVersionInfo v;
  v.model = "m";
  v.version = "1";
  const json j = ModelVersionToJson(v);
  EXPECT_TRUE(j["segment"].is_null());
  EXPECT_TRUE(j["training_duration_seconds"].is_null());
  EXPECT_TRUE(j["model_size_bytes"].is_null());
  EXPECT_TRUE(j["created_at"].is_null());
  EXPECT_EQ(j["metrics"], json::object());
  EXPECT_EQ(j["feature_importance"], json::object());
  EXPECT_EQ(j["metadata"], json::object());
}

TEST(ModelVersionToJsonTest, RoundTripsAParsedDocument) {
  auto p = Version(R"({"metrics":{"mae":1},"segment":"s","owner":"team-a"})");
  ASSERT_TRUE(p.value.has_value());
  const json j = ModelVersionToJson(*p.value);
  EXPECT_EQ(j["metrics"]["mae"], 1.0);
  EXPECT_EQ(j["segment"], "s");
  EXPECT_EQ(j["metadata"]["owner"], "team-a");
}

// --- names (common/names.h) ---------------------------------------------------------------------

TEST(DocumentNamesTest, ANonUtf8OrControlCharacterVersionFromTheUrlIsRefused) {
  for (const char* bad : {"\xff", "v\x01", "v\n", ""}) {
    auto p = ParseModelVersionDocument("demand", bad, "{}");
    EXPECT_FALSE(p.value.has_value()) << bad;
    EXPECT_EQ(Pointers(p), std::vector<std::string>{""}) << bad;
    EXPECT_THAT(p.errors[0].detail, HasSubstr("the version must")) << bad;
  }
  auto model = ParseModelDocument("m\x7f", R"({"task":"regression"})");
  EXPECT_FALSE(model.value.has_value());
  EXPECT_THAT(model.errors[0].detail, HasSubstr("the model name must not contain control"));
  auto long_model = ParseModelVersionDocument(std::string(129, 'm'), "v1", "{}");
  EXPECT_THAT(long_model.errors[0].detail, HasSubstr("at most 128 bytes"));
}

TEST(DocumentNamesTest, MetricAndFeatureNamesWithControlCharactersAreFieldErrors) {
  auto p = Version(R"({"metrics":{"mae":1,"r\u0001mse":2},"feature_importance":{"":0.5,"ok":1}})");
  EXPECT_FALSE(p.value.has_value());
  EXPECT_EQ(Pointers(p), (std::vector<std::string>{"/metrics/r\x01mse", "/feature_importance/"}));
  EXPECT_THAT(p.errors[0].detail, HasSubstr("the name must not contain control characters"));
  EXPECT_THAT(p.errors[1].detail, HasSubstr("must not be empty"));
  const std::string long_name(257, 'x');
  EXPECT_EQ(OnlyPointer(R"({"metrics":{")" + long_name + R"(":1}})"), "/metrics/" + long_name);
}

TEST(DocumentNamesTest, ASegmentWithControlCharactersIsAFieldErrorButEmptyMeansModelWide) {
  EXPECT_EQ(OnlyPointer(R"({"segment":"north\tside"})"), "/segment");
  auto p = Version(R"({"segment":""})");
  ASSERT_TRUE(p.value.has_value());
  EXPECT_EQ(p.value->segment, "");
}

}  // namespace
}  // namespace mw::registry
