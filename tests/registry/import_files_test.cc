// How `registry import` reads metadata.json files: only regular files inside the import
// directory, bounded in size and depth, never blocking.
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <nlohmann/json.hpp>

#include "registry/import.h"

namespace mw::registry {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using ::testing::HasSubstr;

class ImportFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "mw-import-files-XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    outside_ = fs::path(tmpl);
    root_ = outside_ / "models";
    fs::create_directories(root_);
  }
  void TearDown() override { fs::remove_all(outside_); }

  void WriteFile(const fs::path& path, const std::string& text) {
    fs::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << text;
  }
  void Write(const fs::path& rel, const std::string& text) {
    WriteFile(root_ / rel / "metadata.json", text);
  }

  // Scans on another thread; fails (instead of hanging) when the scan blocks for 20 s, then
  // unblocks it by opening `fifo` for writing, if given.
  ImportResult ScanWithDeadline(const fs::path& fifo = {}) {
    auto scan = std::async(std::launch::async, [this] { return ScanModelDirectory(root_); });
    if (scan.wait_for(std::chrono::seconds(20)) != std::future_status::ready) {
      ADD_FAILURE() << "the import blocked for 20 s";
      if (!fifo.empty()) {
        const int fd = ::open(fifo.c_str(), O_WRONLY);  // the blocked reader's open returns
        if (fd >= 0) ::close(fd);                       // and it reads end of file
      }
    }
    return scan.get();
  }

  fs::path outside_;  // holds root_ and files that are not part of the import
  fs::path root_;
};

std::vector<std::string> ImportedNames(const ImportResult& r) {
  std::vector<std::string> out;
  for (const auto& v : r.versions) out.push_back(v.model + "/" + v.segment + "/" + v.version);
  return out;
}

std::string ImportErrorsText(const ImportResult& r) {
  std::string s;
  for (const auto& e : r.errors) s += e.path.string() + ": " + e.reason + "\n";
  return s;
}

TEST_F(ImportFilesTest, MetadataSymlinkedToAFileOutsideTheDirectoryIsNotRead) {
  WriteFile(outside_ / "secret.json", R"({"password":"hunter2"})");
  fs::create_directories(root_ / "m/v1");
  fs::create_symlink(outside_ / "secret.json", root_ / "m/v1/metadata.json");
  Write("m/v2", "{}");
  const ImportResult r = ScanWithDeadline();
  ASSERT_EQ(r.errors.size(), 1u) << ImportErrorsText(r);
  EXPECT_EQ(r.errors[0].path, root_ / "m/v1/metadata.json");
  EXPECT_THAT(r.errors[0].reason, HasSubstr("outside the import directory"));
  EXPECT_EQ(ImportedNames(r), std::vector<std::string>{"m//v2"});
  for (const auto& v : r.versions)
    EXPECT_THAT(v.metadata_json, ::testing::Not(HasSubstr("hunter2")));
}

TEST_F(ImportFilesTest, RelativeSymlinkClimbingOutIsNotRead) {
  WriteFile(outside_ / "secret.json", R"({"password":"hunter2"})");
  fs::create_directories(root_ / "m/v1");
  fs::create_symlink("../../../secret.json", root_ / "m/v1/metadata.json");
  Write("m/v2", "{}");
  const ImportResult r = ScanWithDeadline();
  EXPECT_THAT(ImportErrorsText(r), HasSubstr("outside the import directory"));
  EXPECT_EQ(ImportedNames(r), std::vector<std::string>{"m//v2"});
}

TEST_F(ImportFilesTest, VersionDirectorySymlinkedOutsideIsNotRead) {
  WriteFile(outside_ / "elsewhere/metadata.json", R"({"password":"hunter2"})");
  Write("m/v1", "{}");
  fs::create_directory_symlink(outside_ / "elsewhere", root_ / "m/v2");
  const ImportResult r = ScanWithDeadline();
  ASSERT_EQ(r.errors.size(), 1u) << ImportErrorsText(r);
  EXPECT_EQ(r.errors[0].path, root_ / "m/v2/metadata.json");
  EXPECT_THAT(r.errors[0].reason, HasSubstr("outside the import directory"));
  EXPECT_EQ(ImportedNames(r), std::vector<std::string>{"m//v1"});
}

TEST_F(ImportFilesTest, SymlinkToAFileInsideTheDirectoryIsRead) {
  WriteFile(root_ / ".shared/common.json", R"({"metrics":{"mae":2}})");
  fs::create_directories(root_ / "m/v1");
  fs::create_symlink("../../.shared/common.json", root_ / "m/v1/metadata.json");
  const ImportResult r = ScanWithDeadline();
  EXPECT_TRUE(r.errors.empty()) << ImportErrorsText(r);
  ASSERT_EQ(ImportedNames(r), std::vector<std::string>{"m//v1"});
  EXPECT_EQ(r.versions[0].training_metrics.at("mae"), 2.0);
}

TEST_F(ImportFilesTest, FifoIsRefusedWithoutBlocking) {
  fs::create_directories(root_ / "m/v1");
  const fs::path fifo = root_ / "m/v1/metadata.json";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  Write("m/v2", "{}");
  const ImportResult r = ScanWithDeadline(fifo);
  ASSERT_EQ(r.errors.size(), 1u) << ImportErrorsText(r);
  EXPECT_EQ(r.errors[0].path, fifo);
  EXPECT_THAT(r.errors[0].reason, HasSubstr("not a regular file"));
  EXPECT_EQ(ImportedNames(r), std::vector<std::string>{"m//v2"});
}

TEST_F(ImportFilesTest, SymlinkToAFifoIsRefusedWithoutBlocking) {
  fs::create_directories(root_ / ".pipes");
  const fs::path fifo = root_ / ".pipes/p";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  fs::create_directories(root_ / "m/v1");
  fs::create_symlink(fifo, root_ / "m/v1/metadata.json");
  Write("m/v2", "{}");
  const ImportResult r = ScanWithDeadline(fifo);
  EXPECT_THAT(ImportErrorsText(r), HasSubstr("not a regular file"));
  EXPECT_EQ(ImportedNames(r), std::vector<std::string>{"m//v2"});
}

TEST_F(ImportFilesTest, DirectoryNamedMetadataJsonIsRefused) {
  fs::create_directories(root_ / "m/v1/metadata.json");
  Write("m/v2", "{}");
  const ImportResult r = ScanWithDeadline();
  ASSERT_EQ(r.errors.size(), 1u) << ImportErrorsText(r);
  EXPECT_THAT(r.errors[0].reason, HasSubstr("not a regular file"));
  EXPECT_EQ(ImportedNames(r), std::vector<std::string>{"m//v2"});
}

TEST_F(ImportFilesTest, DeeplyNestedMetadataIsRefusedNamingTheLimit) {
  const int depth = 200'000;
  Write("m/v1", "{\"extra\":" + std::string(depth, '[') + std::string(depth, ']') + "}");
  Write("m/v2", "{}");
  const ImportResult r = ScanWithDeadline();
  ASSERT_EQ(r.errors.size(), 1u) << ImportErrorsText(r);
  EXPECT_EQ(r.errors[0].path, root_ / "m/v1/metadata.json");
  EXPECT_THAT(r.errors[0].reason, HasSubstr("deeper than 64 levels"));
  EXPECT_EQ(ImportedNames(r), std::vector<std::string>{"m//v2"});
}

TEST_F(ImportFilesTest, MetadataOverTheSizeLimitIsRefused) {
  const std::string pad(kMaxMetadataFileBytes, 'x');
  Write("m/v1", R"({"notes":")" + pad + R"("})");
  Write("m/v2", "{}");
  const ImportResult r = ScanWithDeadline();
  ASSERT_EQ(r.errors.size(), 1u) << ImportErrorsText(r);
  EXPECT_THAT(r.errors[0].reason, HasSubstr("over the limit of 1048576 bytes"));
  EXPECT_EQ(ImportedNames(r), std::vector<std::string>{"m//v2"});
}

TEST_F(ImportFilesTest, MetadataJustUnderTheSizeLimitIsRead) {
  const std::string prefix = R"({"notes":")";
  const std::string suffix = R"("})";
  Write("m/v1",
        prefix + std::string(kMaxMetadataFileBytes - prefix.size() - suffix.size(), 'x') + suffix);
  const ImportResult r = ScanWithDeadline();
  EXPECT_TRUE(r.errors.empty()) << ImportErrorsText(r);
  EXPECT_EQ(ImportedNames(r), std::vector<std::string>{"m//v1"});
}

TEST_F(ImportFilesTest, MetadataWithAUtf8BomIsRead) {
  Write("m/v1", "\xEF\xBB\xBF{\"metrics\":{\"mae\":1.5}}");
  const ImportResult r = ScanWithDeadline();
  EXPECT_TRUE(r.errors.empty()) << ImportErrorsText(r);
  ASSERT_EQ(r.versions.size(), 1u);
  EXPECT_EQ(r.versions[0].training_metrics.at("mae"), 1.5);
}

}  // namespace
}  // namespace mw::registry
