// SqliteStore: the model registry.
#include <gtest/gtest.h>

#include "store/sqlite_store.h"
#include "store_test_util.h"

namespace mw::testing {
namespace {

using SqliteStoreRegistryTest = StoreTest;

std::map<std::string, bool> LatestBySegmentVersion(store::Store& store, const std::string& model) {
  std::map<std::string, bool> out;
  auto versions = store.ListModelVersions(model);
  EXPECT_TRUE(versions.has_value());
  if (!versions.has_value()) return out;
  for (const auto& v : *versions) out[v.segment + "/" + v.version] = v.is_latest;
  return out;
}

TEST_F(SqliteStoreRegistryTest, UpsertedModelRoundTrips) {
  ASSERT_TRUE(
      store_
          ->UpsertModel({"churn", registry::ModelTask::kBinaryClassification, "who leaves", 10, 20})
          .ok());
  auto m = store_->GetModel("churn");
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->name, "churn");
  EXPECT_EQ(m->task, registry::ModelTask::kBinaryClassification);
  EXPECT_EQ(m->description, "who leaves");
  EXPECT_EQ(m->created_at_ms, 10);
  EXPECT_EQ(m->updated_at_ms, 20);
}

TEST_F(SqliteStoreRegistryTest, MissingTimesDefaultToTheClock) {
  ASSERT_TRUE(store_->UpsertModel({"churn", registry::ModelTask::kRegression, "", 0, 0}).ok());
  EXPECT_EQ(store_->GetModel("churn")->created_at_ms, clock_.NowMillis());
  EXPECT_EQ(store_->GetModel("churn")->updated_at_ms, clock_.NowMillis());
}

TEST_F(SqliteStoreRegistryTest, UnknownModelIsNotFound) {
  EXPECT_EQ(store_->GetModel("nope").status().code(), StatusCode::kNotFound);
}

TEST_F(SqliteStoreRegistryTest, UpsertUpdatesTaskAndDescriptionButKeepsCreatedAt) {
  ASSERT_TRUE(store_->UpsertModel({"m", registry::ModelTask::kRegression, "a", 10, 10}).ok());
  ASSERT_TRUE(
      store_->UpsertModel({"m", registry::ModelTask::kBinaryClassification, "b", 99, 50}).ok());
  auto m = store_->GetModel("m");
  EXPECT_EQ(m->task, registry::ModelTask::kBinaryClassification);
  EXPECT_EQ(m->description, "b");
  EXPECT_EQ(m->created_at_ms, 10);
  EXPECT_EQ(m->updated_at_ms, 50);
}

TEST_F(SqliteStoreRegistryTest, RegisteringATrafficModelSetsItsTask) {
  ASSERT_TRUE(Append(*store_, {Event("p1", "m")}).has_value());
  ASSERT_TRUE(store_->UpsertModel({"m", registry::ModelTask::kRegression, "", 0, 0}).ok());
  EXPECT_EQ(store_->GetModel("m")->task, registry::ModelTask::kRegression);
}

TEST_F(SqliteStoreRegistryTest, ModelsAreListedByName) {
  ASSERT_TRUE(store_->UpsertModel({"b", registry::ModelTask::kRegression, "", 0, 0}).ok());
  ASSERT_TRUE(store_->UpsertModel({"a", registry::ModelTask::kRegression, "", 0, 0}).ok());
  auto models = store_->ListModels();
  ASSERT_TRUE(models.has_value());
  ASSERT_EQ(models->size(), 2u);
  EXPECT_EQ((*models)[0].name, "a");
  EXPECT_EQ((*models)[1].name, "b");
}

TEST_F(SqliteStoreRegistryTest, EmptyNamesAreInvalidArgument) {
  EXPECT_EQ(store_->UpsertModel({"", registry::ModelTask::kRegression, "", 0, 0}).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->UpsertModelVersion(Version("", "", "v1")).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->UpsertModelVersion(Version("m", "", "")).code(), StatusCode::kInvalidArgument);
}

TEST_F(SqliteStoreRegistryTest, VersionOfAnUnknownModelCreatesIt) {
  ASSERT_TRUE(store_->UpsertModelVersion(Version("new", "", "v1")).ok());
  EXPECT_EQ(store_->GetModel("new")->task, registry::ModelTask::kUnknown);
}

TEST_F(SqliteStoreRegistryTest, VersionRoundTripsEveryField) {
  registry::ModelVersionInfo v = Version("demand", "store-1", "v1");
  v.training_metrics = {{"mae", 1.5}, {"rmse", 2.25}};
  v.feature_importance = {{"temp", 0.75}};
  v.training_duration_seconds = 12.5;
  v.model_size_bytes = 4096;
  v.metadata_json = R"({"framework":"lightgbm"})";
  v.created_at_ms = 77;
  ASSERT_TRUE(store_->UpsertModelVersion(v).ok());
  auto versions = store_->ListModelVersions("demand");
  ASSERT_TRUE(versions.has_value());
  ASSERT_EQ(versions->size(), 1u);
  const registry::ModelVersionInfo& got = (*versions)[0];
  EXPECT_EQ(got.model, "demand");
  EXPECT_EQ(got.segment, "store-1");
  EXPECT_EQ(got.version, "v1");
  EXPECT_EQ(got.training_metrics, v.training_metrics);
  EXPECT_EQ(got.feature_importance, v.feature_importance);
  EXPECT_EQ(got.training_duration_seconds, 12.5);
  EXPECT_EQ(got.model_size_bytes, 4096);
  EXPECT_EQ(got.metadata_json, v.metadata_json);
  EXPECT_EQ(got.created_at_ms, 77);
  EXPECT_TRUE(got.is_latest);
}

TEST_F(SqliteStoreRegistryTest, AbsentOptionalVersionFieldsStayAbsent) {
  ASSERT_TRUE(store_->UpsertModelVersion(Version("demand", "", "v1")).ok());
  const registry::ModelVersionInfo got = store_->ListModelVersions("demand")->at(0);
  EXPECT_FALSE(got.training_duration_seconds.has_value());
  EXPECT_FALSE(got.model_size_bytes.has_value());
  EXPECT_TRUE(got.training_metrics.empty());
  EXPECT_EQ(got.metadata_json, "{}");
  EXPECT_EQ(got.created_at_ms, clock_.NowMillis());
}

TEST_F(SqliteStoreRegistryTest, ReRegisteringAVersionKeepsItsCreatedAt) {
  registry::ModelVersionInfo v = Version("demand", "", "v1");
  v.created_at_ms = 5;
  ASSERT_TRUE(store_->UpsertModelVersion(v).ok());
  v.created_at_ms = 9;
  v.model_size_bytes = 1;
  ASSERT_TRUE(store_->UpsertModelVersion(v).ok());
  const registry::ModelVersionInfo got = store_->ListModelVersions("demand")->at(0);
  EXPECT_EQ(got.created_at_ms, 5);
  EXPECT_EQ(got.model_size_bytes, 1);
}

TEST_F(SqliteStoreRegistryTest, RegisteringLatestMovesTheMarkWithinItsSegment) {
  ASSERT_TRUE(store_->UpsertModelVersion(Version("m", "", "v1")).ok());
  ASSERT_TRUE(store_->UpsertModelVersion(Version("m", "s", "s1")).ok());
  ASSERT_TRUE(store_->UpsertModelVersion(Version("m", "", "v2")).ok());
  EXPECT_EQ(LatestBySegmentVersion(*store_, "m"),
            (std::map<std::string, bool>{{"/v1", false}, {"/v2", true}, {"s/s1", true}}));
}

TEST_F(SqliteStoreRegistryTest, NonLatestVersionLeavesTheMark) {
  ASSERT_TRUE(store_->UpsertModelVersion(Version("m", "", "v1")).ok());
  ASSERT_TRUE(store_->UpsertModelVersion(Version("m", "", "v0", /*is_latest=*/false)).ok());
  EXPECT_EQ(LatestBySegmentVersion(*store_, "m"),
            (std::map<std::string, bool>{{"/v0", false}, {"/v1", true}}));
  ASSERT_TRUE(Append(*store_, {Event("p1", "m")}).has_value());
  EXPECT_EQ(Get("p1")->version, "v1");
}

TEST_F(SqliteStoreRegistryTest, FirstVersionOfASegmentIsLatestEvenWhenNotMarked) {
  ASSERT_TRUE(store_->UpsertModelVersion(Version("m", "", "v1", /*is_latest=*/false)).ok());
  EXPECT_TRUE(store_->ListModelVersions("m")->at(0).is_latest);
}

TEST_F(SqliteStoreRegistryTest, VersionsOfAnUnknownModelAreAnEmptyList) {
  auto versions = store_->ListModelVersions("nope");
  ASSERT_TRUE(versions.has_value());
  EXPECT_TRUE(versions->empty());
}

TEST_F(SqliteStoreRegistryTest, UpsertFromACompletionCallbackDoesNotDeadlock) {
  std::promise<Status> upserted;
  store_->AppendPredictions({Event("p1")}, [&](auto) {
    upserted.set_value(store_->UpsertModelVersion(Version("demand", "", "from-callback")));
  });
  EXPECT_TRUE(upserted.get_future().get().ok());
  ASSERT_TRUE(Append(*store_, {Event("p2")}).has_value());
  EXPECT_EQ(Get("p2")->version, "from-callback");
}

}  // namespace
}  // namespace mw::testing
