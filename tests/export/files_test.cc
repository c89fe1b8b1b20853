#include "export/files.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

namespace mw::exporting {
namespace {

namespace fs = std::filesystem;

class WriteFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "mw-export-XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string Read(const std::string& rel) {
    std::ifstream in(dir_ / rel, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  fs::path dir_;
};

TEST_F(WriteFilesTest, CreatesDirectoriesAndReplacesExistingFiles) {
  ASSERT_TRUE(WriteFiles(dir_.string(), {{"a/b/c.yml", "one\n"}, {"top.json", "{}"}}).ok());
  EXPECT_EQ(Read("a/b/c.yml"), "one\n");
  EXPECT_EQ(Read("top.json"), "{}");
  ASSERT_TRUE(WriteFiles(dir_.string(), {{"a/b/c.yml", "two\n"}}).ok());
  EXPECT_EQ(Read("a/b/c.yml"), "two\n");
  // No temporary file is left behind.
  int entries = 0;
  for ([[maybe_unused]] const auto& e : fs::recursive_directory_iterator(dir_)) ++entries;
  EXPECT_EQ(entries, 4);  // a, a/b, a/b/c.yml, top.json
}

TEST_F(WriteFilesTest, RejectsPathsOutsideTheDirectoryBeforeWritingAnything) {
  const Status s = WriteFiles(dir_.string(), {{"ok.yml", "x"}, {"../escape.yml", "x"}});
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), ::testing::HasSubstr("../escape.yml"));
  EXPECT_FALSE(fs::exists(dir_ / "ok.yml"));
  EXPECT_EQ(WriteFiles(dir_.string(), {{"/etc/x", "x"}}).code(), StatusCode::kInvalidArgument);
}

TEST_F(WriteFilesTest, ReportsAnUnwritableDirectory) {
  std::ofstream(dir_ / "file") << "x";
  const Status s = WriteFiles((dir_ / "file").string(), {{"sub/x.yml", "x"}});
  EXPECT_EQ(s.code(), StatusCode::kUnavailable);
}

TEST(IsPrometheusNameTest, AcceptsOnlyMetricAndLabelNameCharacters) {
  EXPECT_TRUE(IsPrometheusName("ml"));
  EXPECT_TRUE(IsPrometheusName("_x9"));
  EXPECT_TRUE(IsPrometheusName("restaurant_id"));
  EXPECT_FALSE(IsPrometheusName(""));
  EXPECT_FALSE(IsPrometheusName("9x"));
  EXPECT_FALSE(IsPrometheusName("a-b"));
  EXPECT_FALSE(IsPrometheusName("a:b"));
  EXPECT_FALSE(IsPrometheusName("a b"));
}

}  // namespace
}  // namespace mw::exporting
