#include "api/model_catalog.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

namespace mw::api {
namespace {

TEST(ModelCatalogTest, UnknownModelHasUnknownTask) {
  ModelCatalog catalog;
  EXPECT_EQ(catalog.TaskOf("nope"), ModelTask::kUnknown);
  EXPECT_EQ(catalog.size(), 0u);
}

TEST(ModelCatalogTest, SetOverridesTask) {
  ModelCatalog catalog;
  catalog.Set("risk", ModelTask::kRegression);
  catalog.Set("risk", ModelTask::kBinaryClassification);
  EXPECT_EQ(catalog.TaskOf("risk"), ModelTask::kBinaryClassification);
  EXPECT_EQ(catalog.size(), 1u);
}

TEST(ModelCatalogTest, LoadsTasksFromTheStore) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("catalog-test-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  {
    SqliteStoreOptions options;
    options.path = (dir / "m.db").string();
    auto store = OpenSqliteStore(options);
    ASSERT_TRUE(store.has_value()) << store.error().ToString();
    ModelInfo model;
    model.name = "risk";
    model.task = ModelTask::kBinaryClassification;
    ASSERT_TRUE((*store)->UpsertModel(model).ok());
    ModelCatalog catalog;
    catalog.Set("stale", ModelTask::kRegression);
    ASSERT_TRUE(catalog.Load(**store).ok());
    EXPECT_EQ(catalog.TaskOf("risk"), ModelTask::kBinaryClassification);
    EXPECT_EQ(catalog.TaskOf("stale"), ModelTask::kUnknown);  // Load replaces the contents
    (*store)->Close();
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace mw::api
