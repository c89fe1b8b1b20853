// compress-models: artifacts of versions that are not latest become FILE.zst (the zstd program
// decompresses them to the original bytes); metadata.json, latest, symlinks and .zst files stay.
#include <gtest/gtest.h>

#include <cstdio>

#include "maintenance/compress_models_task.h"
#include "maintenance/model_fixture.h"

namespace mw::maintenance::testing {
namespace {

namespace fs = std::filesystem;

std::string RunZstdDecompress(const fs::path& file) {
  std::string out;
  FILE* p = ::popen(("zstd -d -q -c '" + file.string() + "'").c_str(), "r");
  if (p == nullptr) return "<popen failed>";
  char buffer[4096];
  size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof(buffer), p)) > 0) out.append(buffer, n);
  if (::pclose(p) != 0) return "<zstd failed>";
  return out;
}

class CompressModelsTest : public ModelTaskTest {
 protected:
  void SetUp() override {
    ModelTaskTest::SetUp();
    models_ = dir_ / "models";
    for (const char* v : {"v1", "v2", "v3"}) {
      fs::create_directories(models_ / "demand" / "r1" / v / "sub");
      Write(models_ / "demand" / "r1" / v / "metadata.json", R"({"metrics":{"mae":1}})");
      Write(models_ / "demand" / "r1" / v / "model.pkl", Artifact(v));
      Write(models_ / "demand" / "r1" / v / "sub" / "weights.txt", Artifact(v) + "weights");
    }
    Write(models_ / "demand" / "r1" / "v1" / "already.zst", "not really zstd");
    fs::create_symlink(models_ / "demand" / "r1" / "v1" / "model.pkl",
                       models_ / "demand" / "r1" / "v1" / "alias.pkl");
    fs::create_directory_symlink("v3", models_ / "demand" / "r1" / "latest");
    // The store's latest is v2 (it may differ from the disk's): both stay untouched.
    Register("demand", "r1", "v2");
  }
  static std::string Artifact(const std::string& v) {
    std::string text;
    for (int i = 0; i < 2000; ++i) text += v + " coefficient " + std::to_string(i % 17) + "\n";
    return text;
  }
  static void Write(const fs::path& p, const std::string& text) {
    std::ofstream(p, std::ios::binary) << text;
  }
  fs::path models_;
};

TEST_F(CompressModelsTest, CompressesArtifactsOfOldVersionsAndRoundTripsThroughZstd) {
  CompressModelsTask task(*store_, {models_.string()});
  const fs::path v1 = models_ / "demand" / "r1" / "v1";

  auto dry_ctx = Context(/*dry_run=*/true);
  auto dry = task.Run(dry_ctx);
  ASSERT_TRUE(dry.has_value()) << dry.error().ToString();
  EXPECT_EQ(dry->items, 2);
  EXPECT_GT(dry->bytes, 0);
  EXPECT_TRUE(fs::exists(v1 / "model.pkl"));
  EXPECT_FALSE(fs::exists(v1 / "model.pkl.zst"));

  auto ctx = Context();
  auto r = task.Run(ctx);
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(r->items, 2);
  EXPECT_EQ(r->bytes, dry->bytes);
  const int64_t original = static_cast<int64_t>(Artifact("v1").size() * 2 + 7);
  EXPECT_LT(r->bytes, original);
  EXPECT_FALSE(fs::exists(v1 / "model.pkl"));
  EXPECT_FALSE(fs::exists(v1 / "sub" / "weights.txt"));
  EXPECT_EQ(RunZstdDecompress(v1 / "model.pkl.zst"), Artifact("v1"));
  EXPECT_EQ(RunZstdDecompress(v1 / "sub" / "weights.txt.zst"), Artifact("v1") + "weights");
  EXPECT_EQ(ReadFile((v1 / "metadata.json").string()), R"({"metrics":{"mae":1}})");
  EXPECT_EQ(ReadFile((v1 / "already.zst").string()), "not really zstd");
  EXPECT_TRUE(fs::is_symlink(v1 / "alias.pkl"));
  for (const char* kept : {"v2", "v3"}) {
    EXPECT_TRUE(fs::exists(models_ / "demand" / "r1" / kept / "model.pkl")) << kept;
    EXPECT_FALSE(fs::exists(models_ / "demand" / "r1" / kept / "model.pkl.zst")) << kept;
  }
  std::vector<std::string> tmp;
  for (const auto& e : fs::recursive_directory_iterator(models_)) {
    if (e.path().string().ends_with(".tmp")) tmp.push_back(e.path().string());
  }
  EXPECT_TRUE(tmp.empty());

  auto again = task.Run(ctx);
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->items, 0);
}

TEST_F(CompressModelsTest, FinishesARunThatStoppedAfterTheRename) {
  const fs::path file = models_ / "demand" / "r1" / "v1" / "model.pkl";
  // As if a run stopped between the rename and the removal: a good FILE.zst beside FILE.
  auto dry = CompressArtifact(file, /*dry_run=*/false);
  ASSERT_TRUE(dry.has_value()) << dry.error().ToString();
  Write(file, Artifact("v1"));
  auto again = CompressArtifact(file, /*dry_run=*/false);
  ASSERT_TRUE(again.has_value()) << again.error().ToString();
  EXPECT_TRUE(again->compressed);
  EXPECT_FALSE(fs::exists(file));
  EXPECT_EQ(RunZstdDecompress(file.string() + ".zst"), Artifact("v1"));
}

TEST_F(CompressModelsTest, FilesThatDoNotShrinkStayAsTheyAre) {
  const fs::path file = models_ / "demand" / "r1" / "v1" / "tiny.bin";
  Write(file, "x");
  auto r = CompressArtifact(file, false);
  ASSERT_TRUE(r.has_value());
  EXPECT_FALSE(r->compressed);
  EXPECT_EQ(ReadFile(file.string()), "x");
  EXPECT_FALSE(fs::exists(file.string() + ".zst"));
}

TEST_F(CompressModelsTest, WithoutModelsDirThereIsNothingToDo) {
  CompressModelsTask task(*store_, {""});
  auto ctx = Context();
  auto r = task.Run(ctx);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->items, 0);
  EXPECT_EQ(r->message, "no models_dir configured: nothing to do");
  CompressModelsTask missing(*store_, {(dir_ / "nope").string()});
  EXPECT_EQ(missing.Run(ctx).error().code(), StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace mw::maintenance::testing
