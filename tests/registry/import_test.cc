#include "registry/import.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

namespace mw::registry {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using ::testing::HasSubstr;

class ImportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "mw-import-XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    root_ = fs::path(tmpl) / "models";
    fs::create_directories(root_);
  }
  void TearDown() override { fs::remove_all(root_.parent_path()); }

  // Writes root/<rel>/metadata.json with `text`.
  void Write(const fs::path& rel, const std::string& text) {
    fs::create_directories(root_ / rel);
    std::ofstream(root_ / rel / "metadata.json") << text;
  }
  void Write(const fs::path& rel, const json& doc) { Write(rel, doc.dump()); }
  void Link(const fs::path& target, const fs::path& rel_link) {
    fs::create_directory_symlink(target, root_ / rel_link);
  }

  fs::path root_;
};

// "model/segment/version" for each imported version (latest ones suffixed with "*").
std::vector<std::string> Names(const ImportResult& r) {
  std::vector<std::string> out;
  for (const auto& v : r.versions) {
    out.push_back(v.model + "/" + v.segment + "/" + v.version + (v.is_latest ? "*" : ""));
  }
  return out;
}

std::string ErrorsText(const ImportResult& r) {
  std::string s;
  for (const auto& e : r.errors) s += e.path.string() + ": " + e.reason + "\n";
  return s;
}

TEST_F(ImportTest, SegmentedLayoutWithLatestSymlinks) {
  Write("demand/restaurant_1/v1", json{{"task", "regression"}, {"metrics", {{"mae", 3.0}}}});
  Write("demand/restaurant_1/v2", json{{"task", "regression"}, {"metrics", {{"mae", 2.5}}}});
  Write("demand/restaurant_2/v1", json{{"metrics", {{"mae", 4.0}}}});
  Link("v1", "demand/restaurant_1/latest");  // deliberately not the greatest name
  Link("v1", "demand/restaurant_2/latest");
  ImportResult r = ScanModelDirectory(root_);
  EXPECT_TRUE(r.errors.empty()) << ErrorsText(r);
  EXPECT_EQ(Names(r), (std::vector<std::string>{"demand/restaurant_1/v2", "demand/restaurant_1/v1*",
                                                "demand/restaurant_2/v1*"}));
  EXPECT_EQ(r.versions[1].training_metrics.at("mae"), 3.0);
  ASSERT_EQ(r.models.size(), 1u);
  EXPECT_EQ(r.models[0].name, "demand");
  EXPECT_EQ(r.models[0].task, ModelTask::kRegression);
}

TEST_F(ImportTest, UnsegmentedLayoutWithLatestSymlink) {
  Write("churn/v1", json{{"model_type", "binary_classification"}});
  Write("churn/v2", json::object());
  Link("v2", "churn/latest");
  ImportResult r = ScanModelDirectory(root_);
  EXPECT_TRUE(r.errors.empty()) << ErrorsText(r);
  EXPECT_EQ(Names(r), (std::vector<std::string>{"churn//v1", "churn//v2*"}));
  ASSERT_EQ(r.models.size(), 1u);
  EXPECT_EQ(r.models[0].task, ModelTask::kBinaryClassification);
}

TEST_F(ImportTest, LatestSymlinkWithAbsoluteTargetWorks) {
  Write("m/s/v1", json::object());
  Write("m/s/v2", json::object());
  Link(root_ / "m/s/v1", "m/s/latest");
  EXPECT_EQ(Names(ScanModelDirectory(root_)), (std::vector<std::string>{"m/s/v2", "m/s/v1*"}));
}

TEST_F(ImportTest, WithoutLatestTheGreatestVersionNameIsLatest) {
  Write("m/s/v2", json::object());
  Write("m/s/v10", json::object());
  Write("m/s/v9", json::object());
  EXPECT_EQ(Names(ScanModelDirectory(root_)),
            (std::vector<std::string>{"m/s/v2", "m/s/v9", "m/s/v10*"}));
}

TEST_F(ImportTest, LatestDirectoryIsNamedByItsVersionKey) {
  Write("m/v1", json::object());
  Write("m/latest", json{{"version", "v2"}, {"metrics", {{"mae", 1}}}});
  ImportResult r = ScanModelDirectory(root_);
  EXPECT_TRUE(r.errors.empty()) << ErrorsText(r);
  EXPECT_EQ(Names(r), (std::vector<std::string>{"m//v1", "m//v2*"}));
  EXPECT_EQ(r.versions[1].training_metrics.at("mae"), 1);
}

TEST_F(ImportTest, LatestDirectoryWithIntegerVersionKey) {
  Write("m/latest", json{{"version", 7}});
  EXPECT_EQ(Names(ScanModelDirectory(root_)), std::vector<std::string>{"m//7*"});
}

TEST_F(ImportTest, LatestDirectoryWithoutVersionKeyIsNamedLatest) {
  Write("m/v1", json::object());
  Write("m/latest", json::object());
  EXPECT_EQ(Names(ScanModelDirectory(root_)), (std::vector<std::string>{"m//v1", "m//latest*"}));
}

TEST_F(ImportTest, LatestDirectoryCopyingASiblingIsNotImportedTwice) {
  Write("m/v1", json::object());
  Write("m/v2", json{{"metrics", {{"mae", 2}}}});
  Write("m/latest", json{{"version", "v1"}});
  EXPECT_EQ(Names(ScanModelDirectory(root_)), (std::vector<std::string>{"m//v2", "m//v1*"}));
}

TEST_F(ImportTest, MalformedMetadataIsReportedAndTheRestImported) {
  Write("m/s/v1", json::object());
  Write("m/s/v2", std::string("{\"metrics\": {"));
  Write("other/v1", json::object());
  ImportResult r = ScanModelDirectory(root_);
  ASSERT_EQ(r.errors.size(), 1u) << ErrorsText(r);
  EXPECT_EQ(r.errors[0].path, root_ / "m/s/v2/metadata.json");
  EXPECT_THAT(r.errors[0].reason, HasSubstr("not valid JSON"));
  EXPECT_EQ(Names(r), (std::vector<std::string>{"m/s/v1*", "other//v1*"}));
}

// Found by tests/fuzz/registry_document_fuzz.cc: the out_of_range exception nlohmann throws for
// 1e400 escaped the import (`registry import` terminated).
TEST_F(ImportTest, NumberBeyondDoubleRangeIsReportedAndTheRestImported) {
  Write("m/v1", std::string(R"({"metrics":{"mae":1e400}})"));
  Write("m/v2", json::object());
  ImportResult r = ScanModelDirectory(root_);
  ASSERT_EQ(r.errors.size(), 1u) << ErrorsText(r);
  EXPECT_EQ(r.errors[0].path, root_ / "m/v1/metadata.json");
  EXPECT_THAT(r.errors[0].reason, HasSubstr("number overflow parsing '1e400'"));
  EXPECT_EQ(Names(r), std::vector<std::string>{"m//v2*"});
}

TEST_F(ImportTest, InvalidFieldIsReportedWithItsPointer) {
  Write("m/v1", json{{"metrics", {{"mae", "bad"}}}});
  Write("m/v2", json::object());
  ImportResult r = ScanModelDirectory(root_);
  ASSERT_EQ(r.errors.size(), 1u) << ErrorsText(r);
  EXPECT_EQ(r.errors[0].path, root_ / "m/v1/metadata.json");
  EXPECT_THAT(r.errors[0].reason, HasSubstr("/metrics/mae: must be a number"));
  EXPECT_EQ(Names(r), std::vector<std::string>{"m//v2*"});
}

TEST_F(ImportTest, NonObjectMetadataIsReported) {
  Write("m/v1", std::string("[1,2]"));
  ImportResult r = ScanModelDirectory(root_);
  EXPECT_TRUE(r.versions.empty());
  EXPECT_THAT(ErrorsText(r), HasSubstr("must hold a JSON object"));
}

TEST_F(ImportTest, VersionDirectoryWithoutMetadataIsReported) {
  Write("m/s/v1", json::object());
  fs::create_directories(root_ / "m/s/v2");
  ImportResult r = ScanModelDirectory(root_);
  ASSERT_EQ(r.errors.size(), 1u) << ErrorsText(r);
  EXPECT_EQ(r.errors[0].path, root_ / "m/s/v2/metadata.json");
  EXPECT_EQ(Names(r), std::vector<std::string>{"m/s/v1*"});
}

TEST_F(ImportTest, LatestPointingAtBrokenVersionMarksNoneLatest) {
  Write("m/s/v1", json::object());
  Write("m/s/v2", std::string("not json"));
  Link("v2", "m/s/latest");
  ImportResult r = ScanModelDirectory(root_);
  EXPECT_EQ(r.errors.size(), 1u) << ErrorsText(r);
  EXPECT_EQ(Names(r), std::vector<std::string>{"m/s/v1"});
}

TEST_F(ImportTest, DanglingLatestSymlinkIsReported) {
  Write("m/s/v1", json::object());
  Link("v9", "m/s/latest");
  ImportResult r = ScanModelDirectory(root_);
  ASSERT_EQ(r.errors.size(), 1u) << ErrorsText(r);
  EXPECT_EQ(r.errors[0].path, root_ / "m/s/latest");
  EXPECT_EQ(Names(r), std::vector<std::string>{"m/s/v1"});
}

TEST_F(ImportTest, LatestPointingOutsideItsGroupIsReported) {
  Write("m/a/v1", json::object());
  Write("m/b/v1", json::object());
  Link("../a/v1", "m/b/latest");
  ImportResult r = ScanModelDirectory(root_);
  ASSERT_EQ(r.errors.size(), 1u) << ErrorsText(r);
  EXPECT_THAT(r.errors[0].reason, HasSubstr("outside"));
  EXPECT_EQ(Names(r), (std::vector<std::string>{"m/b/v1", "m/a/v1*"}));
}

TEST_F(ImportTest, OtherSymlinksToSiblingsAreSkippedAsAliases) {
  Write("m/v1", json::object());
  Write("m/v2", json::object());
  Link("v1", "m/production");
  EXPECT_EQ(Names(ScanModelDirectory(root_)), (std::vector<std::string>{"m//v1", "m//v2*"}));
}

TEST_F(ImportTest, DirectoryNamesWinOverMetadataKeys) {
  Write("m/restaurant_1/v1", json{{"segment", "elsewhere"}, {"latest", false}});
  ImportResult r = ScanModelDirectory(root_);
  ASSERT_EQ(r.versions.size(), 1u);
  EXPECT_EQ(r.versions[0].segment, "restaurant_1");
  EXPECT_TRUE(r.versions[0].is_latest);
}

TEST_F(ImportTest, MetadataIsKeptWhole) {
  Write("m/v1", json{{"framework", "lightgbm"}, {"training_metrics", {{"mae", 1}}}});
  ImportResult r = ScanModelDirectory(root_);
  ASSERT_EQ(r.versions.size(), 1u);
  EXPECT_EQ(json::parse(r.versions[0].metadata_json)["framework"], "lightgbm");
  EXPECT_EQ(r.versions[0].training_metrics.at("mae"), 1);
}

TEST_F(ImportTest, TaskIsUnknownWhenMetadataNamesNone) {
  Write("m/v1", json{{"model_type", "LGBMRegressor"}});
  ImportResult r = ScanModelDirectory(root_);
  ASSERT_EQ(r.models.size(), 1u);
  EXPECT_EQ(r.models[0].task, ModelTask::kUnknown);
}

// The layout of issue 20: a real `latest` directory, training metrics and no task. The model's
// task stays unknown here (the quality engine infers it from these names: monitor/
// task_inference.h); the metrics must arrive intact for that.
TEST_F(ImportTest, MetricsWithoutATaskAreImportedAndTheTaskLeftUnknown) {
  Write("demand/restaurant_1/latest",
        json{{"metrics", {{"mae", 4.0}, {"rmse", 5.5}, {"r2", 0.8}}}, {"framework", "lightgbm"}});
  ImportResult r = ScanModelDirectory(root_);
  EXPECT_TRUE(r.errors.empty()) << ErrorsText(r);
  EXPECT_EQ(Names(r), (std::vector<std::string>{"demand/restaurant_1/latest*"}));
  EXPECT_EQ(r.versions[0].training_metrics,
            (std::map<std::string, double>{{"mae", 4.0}, {"r2", 0.8}, {"rmse", 5.5}}));
  ASSERT_EQ(r.models.size(), 1u);
  EXPECT_EQ(r.models[0].task, ModelTask::kUnknown);
}

TEST_F(ImportTest, LatestVersionsTaskWins) {
  Write("m/v1", json{{"task", "binary_classification"}});
  Write("m/v2", json{{"task", "regression"}});
  ImportResult r = ScanModelDirectory(root_);
  ASSERT_EQ(r.models.size(), 1u);
  EXPECT_EQ(r.models[0].task, ModelTask::kRegression);
}

TEST_F(ImportTest, HiddenEntriesAndFilesAreSkipped) {
  Write("m/v1", json::object());
  Write(".cache/v1", json::object());
  Write("m/.tmp", json::object());
  std::ofstream(root_ / "README.md") << "models";
  std::ofstream(root_ / "m" / "notes.txt") << "x";
  ImportResult r = ScanModelDirectory(root_);
  EXPECT_TRUE(r.errors.empty()) << ErrorsText(r);
  EXPECT_EQ(Names(r), std::vector<std::string>{"m//v1*"});
}

TEST_F(ImportTest, ModelWithoutVersionsIsReported) {
  fs::create_directories(root_ / "empty" / "seg");
  ImportResult r = ScanModelDirectory(root_);
  ASSERT_EQ(r.errors.size(), 1u) << ErrorsText(r);
  EXPECT_EQ(r.errors[0].path, root_ / "empty");
  EXPECT_TRUE(r.models.empty());
}

TEST_F(ImportTest, MissingDirectoryIsReported) {
  ImportResult r = ScanModelDirectory(root_ / "nope");
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].reason, "not a directory");
}

TEST_F(ImportTest, NonLatestVersionsComeFirstAcrossModels) {
  Write("a/v1", json::object());
  Write("a/v2", json::object());
  Write("b/v1", json::object());
  Write("b/v2", json::object());
  EXPECT_EQ(Names(ScanModelDirectory(root_)),
            (std::vector<std::string>{"a//v1", "b//v1", "a//v2*", "b//v2*"}));
}

// Directory names become model, segment and version names: one that is not valid UTF-8 or holds
// a control character is reported and skipped, and the rest of the tree is still imported.
TEST_F(ImportTest, DirectoriesWithNonUtf8OrControlCharacterNamesAreReportedAndSkipped) {
  Write("demand/v1", json{{"metrics", {{"mae", 3.0}}}});
  Write(
      "dem\xff"
      "and/v1",
      json{{"metrics", {{"mae", 3.0}}}});  // model name
  Write("risk/north/v1", json{{"metrics", {{"auc", 0.8}}}});
  Write("risk/so\x01uth/v1", json{{"metrics", {{"auc", 0.8}}}});  // segment name
  Write(
      "churn/v\x7f"
      "2",
      json{{"metrics", {{"auc", 0.7}}}});  // version name
  Write("churn/v3", json{{"metrics", {{"auc", 0.7}}}});
  const ImportResult r = ScanModelDirectory(root_);
  EXPECT_THAT(Names(r),
              ::testing::UnorderedElementsAre("churn//v3*", "demand//v1*", "risk/north/v1*"));
  const std::string errors = ErrorsText(r);
  EXPECT_EQ(r.errors.size(), 3u) << errors;
  EXPECT_THAT(errors, HasSubstr("the model name (the directory name) must be valid UTF-8"));
  EXPECT_THAT(errors, HasSubstr("the segment name (the directory name) must not contain control"));
  EXPECT_THAT(errors, HasSubstr("the version name"));
  for (const auto& m : r.models) EXPECT_EQ(m.name.find('\xff'), std::string::npos);
}

TEST_F(ImportTest, ARealLatestDirectoryWithABadVersionKeyIsSkipped) {
  Write("demand/v1", json{{"metrics", {{"mae", 3.0}}}});
  Write("demand/latest", json{{"version", "v\n2"}, {"metrics", {{"mae", 2.0}}}});
  const ImportResult r = ScanModelDirectory(root_);
  EXPECT_THAT(Names(r), ::testing::ElementsAre("demand//v1"));
  EXPECT_THAT(ErrorsText(r), HasSubstr("the version name"));
}

TEST(CompareVersionNamesTest, NumbersCompareNumerically) {
  EXPECT_LT(CompareVersionNames("v2", "v10"), 0);
  EXPECT_GT(CompareVersionNames("v10", "v9"), 0);
  EXPECT_LT(CompareVersionNames("1.2.9", "1.10.0"), 0);
}

TEST(CompareVersionNamesTest, DatesCompareInOrder) {
  EXPECT_LT(CompareVersionNames("2024-01-05", "2024-01-12"), 0);
}

TEST(CompareVersionNamesTest, TextComparesBytewise) {
  EXPECT_LT(CompareVersionNames("alpha", "beta"), 0);
  EXPECT_EQ(CompareVersionNames("v1", "v1"), 0);
  EXPECT_LT(CompareVersionNames("v1", "v1a"), 0);
}

TEST(CompareVersionNamesTest, LeadingZerosBreakTiesDeterministically) {
  EXPECT_NE(CompareVersionNames("v01", "v1"), 0);
  EXPECT_EQ(CompareVersionNames("v01", "v1"), -CompareVersionNames("v1", "v01"));
}

}  // namespace
}  // namespace mw::registry
