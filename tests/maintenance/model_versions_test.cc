// cleanup-model-versions: the keep-last-N selection (never the latest), the registry rows and the
// directories on disk it removes, and what it must never touch.
#include <gtest/gtest.h>

#include "maintenance/model_fixture.h"
#include "maintenance/model_versions_task.h"

namespace mw::maintenance::testing {
namespace {

namespace fs = std::filesystem;

registry::ModelVersionInfo V(std::string segment, std::string version, int64_t created,
                             bool latest = false) {
  registry::ModelVersionInfo v;
  v.model = "demand";
  v.segment = std::move(segment);
  v.version = std::move(version);
  v.created_at_ms = created;
  v.is_latest = latest;
  return v;
}

std::vector<std::string> Names(const std::vector<registry::ModelVersionInfo>& versions) {
  std::vector<std::string> out;
  for (const auto& v : versions) out.push_back(v.segment + ":" + v.version);
  return out;
}

TEST(SelectVersionsToRemove, KeepsTheNewestNPerSegmentAndAlwaysTheLatest) {
  const std::vector<registry::ModelVersionInfo> versions = {
      V("r1", "v1", 100, /*latest=*/true),  // the oldest, but latest
      V("r1", "v2", 200),
      V("r1", "v3", 300),
      V("r1", "v4", 400),
      V("r1", "v5", 500),
      V("r2", "v1", 100),
      V("r2", "v2", 200, true)};
  EXPECT_EQ(Names(SelectVersionsToRemove(versions, 2)),
            (std::vector<std::string>{"r1:v3", "r1:v2"}));
  EXPECT_EQ(Names(SelectVersionsToRemove(versions, 0)),
            (std::vector<std::string>{"r1:v5", "r1:v4", "r1:v3", "r1:v2", "r2:v1"}));
  EXPECT_TRUE(SelectVersionsToRemove(versions, 10).empty());
}

TEST(SelectVersionsToRemove, TiesOnCreationTimeGoByVersionName) {
  const std::vector<registry::ModelVersionInfo> versions = {
      V("", "v9", 100), V("", "v10", 100), V("", "v2", 100), V("", "v11", 50, true)};
  // Newest first: v10, v9, v2 (same time, by name), then v11 (older, but latest).
  EXPECT_EQ(Names(SelectVersionsToRemove(versions, 1)), (std::vector<std::string>{":v9", ":v2"}));
}

class CleanupModelVersionsTest : public ModelTaskTest {
 protected:
  void SetUp() override {
    ModelTaskTest::SetUp();
    models_ = dir_ / "models";
    outside_ = dir_ / "outside";
    fs::create_directories(outside_ / "v3");
    Write(outside_ / "v3" / "weights.bin", "outside");
    // demand, unsegmented: v1 (latest, the oldest) .. v5; v3 on disk is a symlink out.
    for (int i = 1; i <= 5; ++i) {
      const std::string name = "v" + std::to_string(i);
      Register("demand", "", name, i == 1, 1000 * i);
      if (i == 3) {
        fs::create_directories(models_ / "demand");
        fs::create_directory_symlink(outside_ / "v3", models_ / "demand" / "v3");
        continue;
      }
      fs::create_directories(models_ / "demand" / name / "sub");
      Write(models_ / "demand" / name / "metadata.json", "{}");
      Write(models_ / "demand" / name / "sub" / "model.bin", std::string(100, 'x'));
    }
    fs::create_directory_symlink("v1", models_ / "demand" / "latest");
    // Re-mark v1 latest (registering v2.. with is_latest=false keeps it).
  }
  static void Write(const fs::path& p, const std::string& text) {
    std::ofstream(p, std::ios::binary) << text;
  }
  std::vector<std::string> StoreVersions() {
    auto versions = store_->ListModelVersions("demand");
    EXPECT_TRUE(versions.has_value());
    std::vector<std::string> out;
    for (const auto& v : *versions) out.push_back(v.version + (v.is_latest ? "*" : ""));
    return out;
  }
  fs::path models_, outside_;
};

TEST_F(CleanupModelVersionsTest, RemovesOldVersionsFromStoreAndDiskButNeverTheLatest) {
  ASSERT_EQ(StoreVersions(), (std::vector<std::string>{"v1*", "v2", "v3", "v4", "v5"}));
  CleanupModelVersionsTask task(*store_, {2, models_.string()});

  auto dry_ctx = Context(/*dry_run=*/true);
  auto dry = task.Run(dry_ctx);
  ASSERT_TRUE(dry.has_value()) << dry.error().ToString();
  EXPECT_EQ(dry->items, 2);
  EXPECT_EQ(dry->bytes, 102);  // v2's files; v3 is a symlink, not counted or touched
  EXPECT_EQ(StoreVersions().size(), 5u);
  EXPECT_TRUE(fs::exists(models_ / "demand" / "v2"));

  auto ctx = Context();
  auto r = task.Run(ctx);
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(r->items, 2);
  EXPECT_EQ(r->bytes, 102);
  EXPECT_EQ(StoreVersions(), (std::vector<std::string>{"v1*", "v4", "v5"}));
  std::vector<std::string> on_disk;
  for (const auto& e : fs::directory_iterator(models_ / "demand")) {
    on_disk.push_back(e.path().filename().string());
  }
  std::sort(on_disk.begin(), on_disk.end());
  // v3 stays as the alias it was (not followed out of models_dir), latest and v1 stay.
  EXPECT_EQ(on_disk, (std::vector<std::string>{"latest", "v1", "v3", "v4", "v5"}));
  EXPECT_EQ(ReadFile((outside_ / "v3" / "weights.bin").string()), "outside");
  EXPECT_TRUE(fs::exists(models_ / "demand" / "v1" / "sub" / "model.bin"));

  auto again = task.Run(ctx);
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->items, 0);
}

TEST_F(CleanupModelVersionsTest, NeverRemovesWhatLatestPointsToOrNamesOutsideTheTree) {
  // The disk's latest points at v2 while the store's latest is v1: v2's directory stays.
  fs::remove(models_ / "demand" / "latest");
  fs::create_directory_symlink("v2", models_ / "demand" / "latest");
  EXPECT_FALSE(RemovableVersionDirectory(models_, V("", "v2", 0)).has_value());
  EXPECT_TRUE(RemovableVersionDirectory(models_, V("", "v4", 0)).has_value());
  EXPECT_FALSE(RemovableVersionDirectory(models_, V("", "v3", 0)).has_value());  // a symlink
  EXPECT_FALSE(RemovableVersionDirectory(models_, V("", "..", 0)).has_value());
  EXPECT_FALSE(RemovableVersionDirectory(models_, V("", "latest", 0)).has_value());
  EXPECT_FALSE(RemovableVersionDirectory(models_, V("a/b", "v4", 0)).has_value());
  // A model directory that is a symlink out of models_dir is not entered.
  fs::create_directories(outside_ / "m" / "v1");
  fs::create_directory_symlink(outside_ / "m", models_ / "linked");
  auto v = V("", "v1", 0);
  v.model = "linked";
  EXPECT_FALSE(RemovableVersionDirectory(models_, v).has_value());
}

TEST_F(CleanupModelVersionsTest, RefusedWhenModelsDirIsNotADirectory) {
  CleanupModelVersionsTask task(*store_, {2, (dir_ / "missing").string()});
  auto ctx = Context();
  auto r = task.Run(ctx);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(StoreVersions().size(), 5u);
}

}  // namespace
}  // namespace mw::maintenance::testing
