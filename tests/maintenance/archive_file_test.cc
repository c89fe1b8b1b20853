// Archive files: round trips, the manifest cross-checked with the zstd and sha256sum programs,
// and every way a damaged or half-written archive is refused.
#include "maintenance/archive_file.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace mw::maintenance {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

class ArchiveFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("mw_archive_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  static std::string Shell(const std::string& command) {
    std::string out;
    FILE* p = ::popen(command.c_str(), "r");
    char buf[4096];
    for (size_t n; p != nullptr && (n = std::fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
    if (p != nullptr) ::pclose(p);
    return out;
  }

  static std::vector<std::string> Rows(int n) {
    std::vector<std::string> rows;
    for (int i = 0; i < n; ++i) {
      rows.push_back(R"({"id":"e)" + std::to_string(i) + R"(","model":"demand","prediction":)" +
                     std::to_string(i * 0.25) + R"(,"features":{"city":"Zürich"}})");
    }
    return rows;
  }

  fs::path dir_;
};

TEST_F(ArchiveFileTest, RoundTripsTheRowsExactly) {
  const std::vector<std::string> rows = Rows(200'000);  // several 1 MiB chunks
  const fs::path path = dir_ / "2026-09-01_demand.ndjson.zst";
  Result<ArchiveManifest> m = WriteArchive(path, rows);
  ASSERT_TRUE(m.has_value()) << m.error().message();
  EXPECT_EQ(m->rows, 200'000);
  EXPECT_EQ(m->compressed_bytes, static_cast<int64_t>(fs::file_size(path)));
  EXPECT_FALSE(fs::exists(path.string() + ".tmp"));
  EXPECT_TRUE(VerifyArchive(path, *m).ok());
  Result<std::vector<std::string>> back = ReadArchive(path);
  ASSERT_TRUE(back.has_value()) << back.error().message();
  EXPECT_EQ(*back, rows);
}

TEST_F(ArchiveFileTest, TheManifestAgreesWithTheZstdAndSha256sumPrograms) {
  const std::vector<std::string> rows = Rows(1000);
  const fs::path path = dir_ / "a.ndjson.zst";
  Result<ArchiveManifest> m = WriteArchive(path, rows, 19);
  ASSERT_TRUE(m.has_value());
  std::string expected;
  for (const std::string& r : rows) expected += r + "\n";
  EXPECT_EQ(Shell("zstd -dc '" + path.string() + "'"), expected);
  EXPECT_EQ(m->uncompressed_bytes, static_cast<int64_t>(expected.size()));
  EXPECT_EQ(Shell("sha256sum '" + path.string() + "' | cut -d' ' -f1"), m->sha256 + "\n");
  EXPECT_EQ(m->sha256.size(), 64u);
}

TEST_F(ArchiveFileTest, AnEmptyArchiveIsAValidFrameWithNoRows) {
  const fs::path path = dir_ / "empty.ndjson.zst";
  Result<ArchiveManifest> m = WriteArchive(path, {});
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->rows, 0);
  EXPECT_TRUE(VerifyArchive(path, *m).ok());
  EXPECT_TRUE(ReadArchive(path)->empty());
}

TEST_F(ArchiveFileTest, AnExistingArchiveIsNeverOverwritten) {
  const fs::path path = dir_ / "a.ndjson.zst";
  Result<ArchiveManifest> first = WriteArchive(path, Rows(10));
  ASSERT_TRUE(first.has_value());
  Result<ArchiveManifest> second = WriteArchive(path, Rows(3));
  ASSERT_FALSE(second.has_value());
  EXPECT_EQ(second.error().code(), StatusCode::kAlreadyExists);
  EXPECT_TRUE(VerifyArchive(path, *first).ok());
}

TEST_F(ArchiveFileTest, ALineBreakInARowIsRefusedAndNothingIsLeftBehind) {
  const fs::path path = dir_ / "a.ndjson.zst";
  const std::vector<std::string> rows = {"{}", "{\"a\":\n1}"};
  Result<ArchiveManifest> m = WriteArchive(path, rows);
  ASSERT_FALSE(m.has_value());
  EXPECT_THAT(m.error().message(), HasSubstr("line 1 holds a line break"));
  EXPECT_TRUE(fs::is_empty(dir_));
}

TEST_F(ArchiveFileTest, AnUnwritableDirectoryIsAnIoErrorNamingThePath) {
  Result<ArchiveManifest> m = WriteArchive(dir_ / "missing" / "a.ndjson.zst", Rows(1));
  ASSERT_FALSE(m.has_value());
  EXPECT_EQ(m.error().code(), StatusCode::kUnavailable);
  EXPECT_THAT(m.error().message(), HasSubstr("missing/a.ndjson.zst.tmp"));
}

TEST_F(ArchiveFileTest, DamageIsFoundByReadingBack) {
  const fs::path path = dir_ / "a.ndjson.zst";
  Result<ArchiveManifest> m = WriteArchive(path, Rows(5000));
  ASSERT_TRUE(m.has_value());
  const std::string good = Shell("cat '" + path.string() + "'");
  {  // one flipped byte in the middle
    std::string bad = good;
    bad[bad.size() / 2] = static_cast<char>(bad[bad.size() / 2] ^ 0x40);
    std::ofstream(path, std::ios::binary | std::ios::trunc) << bad;
    const Status s = VerifyArchive(path, *m);
    EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition) << s.message();
    EXPECT_FALSE(ReadArchive(path).has_value());
  }
  {  // cut short, as by a crash without the tmp-and-rename
    std::ofstream(path, std::ios::binary | std::ios::trunc) << good.substr(0, good.size() - 7);
    const Status s = VerifyArchive(path, *m);
    EXPECT_THAT(s.message(), HasSubstr("truncated"));
  }
  {  // intact file, wrong manifest
    std::ofstream(path, std::ios::binary | std::ios::trunc) << good;
    ArchiveManifest wrong = *m;
    wrong.rows += 1;
    EXPECT_THAT(VerifyArchive(path, wrong).message(),
                HasSubstr("5000 rows, the manifest says 5001"));
    wrong = *m;
    wrong.sha256[0] = wrong.sha256[0] == '0' ? '1' : '0';
    EXPECT_THAT(VerifyArchive(path, wrong).message(), HasSubstr("differs from the manifest"));
    EXPECT_TRUE(VerifyArchive(path, *m).ok());
  }
  EXPECT_EQ(ReadArchive(dir_ / "none.zst").error().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace mw::maintenance
