#include "api/model_catalog.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <future>
#include <thread>
#include <vector>

#include "store/sqlite_store.h"

namespace mw::api {
namespace {

TEST(ModelCatalogTest, UnknownModelHasUnknownTask) {
  ModelCatalog catalog;
  EXPECT_EQ(catalog.TaskOf("nope"), registry::ModelTask::kUnknown);
  EXPECT_EQ(catalog.size(), 0u);
}

TEST(ModelCatalogTest, SetOverridesTask) {
  ModelCatalog catalog;
  catalog.Set("risk", registry::ModelTask::kRegression);
  catalog.Set("risk", registry::ModelTask::kBinaryClassification);
  EXPECT_EQ(catalog.TaskOf("risk"), registry::ModelTask::kBinaryClassification);
  EXPECT_EQ(catalog.size(), 1u);
}

TEST(ModelCatalogTest, LoadsTasksFromTheStore) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("catalog-test-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  {
    store::SqliteStoreOptions options;
    options.path = (dir / "m.db").string();
    auto store = store::OpenSqliteStore(options);
    ASSERT_TRUE(store.has_value()) << store.error().ToString();
    registry::ModelInfo model;
    model.name = "risk";
    model.task = registry::ModelTask::kBinaryClassification;
    ASSERT_TRUE((*store)->UpsertModel(model).ok());
    ModelCatalog catalog;
    catalog.Set("stale", registry::ModelTask::kRegression);
    ASSERT_TRUE(catalog.Load(**store).ok());
    EXPECT_EQ(catalog.TaskOf("risk"), registry::ModelTask::kBinaryClassification);
    EXPECT_EQ(catalog.TaskOf("stale"),
              registry::ModelTask::kUnknown);  // Load replaces the contents
    (*store)->Close();
  }
  std::filesystem::remove_all(dir);
}

using Reason = ModelCatalog::Refusal::Reason;

AdmissionPolicy Cap(size_t max_models, bool require_registered = false) {
  return AdmissionPolicy{max_models, require_registered};
}

TEST(ModelAdmissionTest, NewModelsAreAdmittedUpToTheCapThenRefused) {
  ModelCatalog catalog;
  auto a = catalog.Admit({"m1", "m2", "m1"}, Cap(3));
  ASSERT_TRUE(a.admission) << a.refused.size();
  a.admission->Commit();
  EXPECT_EQ(catalog.size(), 2u);
  // One slot left: the request naming two new models admits neither (all or nothing) and names
  // the one beyond the cap.
  auto b = catalog.Admit({"m1", "m3", "m4"}, Cap(3));
  EXPECT_FALSE(b.admission);
  ASSERT_EQ(b.refused.size(), 1u);
  EXPECT_EQ(b.refused[0].model, "m4");
  EXPECT_EQ(b.refused[0].reason, Reason::kOverCap);
  EXPECT_EQ(catalog.size(), 2u);  // m3 was not kept either
  auto c = catalog.Admit({"m3"}, Cap(3));
  ASSERT_TRUE(c.admission);
  c.admission->Commit();
  EXPECT_FALSE(catalog.Admit({"m5"}, Cap(3)).admission);
  EXPECT_TRUE(catalog.Admit({"m1", "m2", "m3"}, Cap(3)).admission);  // known ones still pass
}

TEST(ModelAdmissionTest, AnUncommittedAdmissionGivesItsSlotsBack) {
  ModelCatalog catalog;
  {
    auto a = catalog.Admit({"m1"}, Cap(1));
    ASSERT_TRUE(a.admission);
    EXPECT_EQ(catalog.size(), 1u);  // counted while the request is written
    EXPECT_FALSE(catalog.Admit({"other"}, Cap(1)).admission);
  }  // the store refused the request: nothing committed
  EXPECT_EQ(catalog.size(), 0u);
  EXPECT_TRUE(catalog.Admit({"other"}, Cap(1)).admission);
}

TEST(ModelAdmissionTest, AModelHeldByTwoRequestsStaysWhenOnlyOneFails) {
  ModelCatalog catalog;
  auto first = catalog.Admit({"m"}, Cap(5));
  auto second = catalog.Admit({"m"}, Cap(5));
  ASSERT_TRUE(first.admission && second.admission);
  second.admission->Commit();
  first.admission.reset();  // failed, but the second request stored the model
  EXPECT_EQ(catalog.size(), 1u);
  auto third = catalog.Admit({"x"}, Cap(5));
  auto fourth = catalog.Admit({"x"}, Cap(5));
  third.admission.reset();
  EXPECT_EQ(catalog.size(), 2u);  // the fourth still holds it
  fourth.admission.reset();
  EXPECT_EQ(catalog.size(), 1u);
}

TEST(ModelAdmissionTest, RegistrationsAreNeverRefusedButCount) {
  ModelCatalog catalog;
  catalog.Set("a", registry::ModelTask::kRegression);
  catalog.MarkRegistered("b");
  catalog.Set("c",
              registry::ModelTask::kRegression);  // past the cap of 2: admin actions are not capped
  EXPECT_EQ(catalog.size(), 3u);
  EXPECT_FALSE(catalog.Admit({"d"}, Cap(2)).admission);
  EXPECT_TRUE(catalog.Admit({"a", "b", "c"}, Cap(2)).admission);
}

TEST(ModelAdmissionTest, RequireRegisteredRefusesModelsOnlySeenInTraffic) {
  ModelCatalog catalog;
  catalog.Set("risk", registry::ModelTask::kBinaryClassification);
  catalog.MarkRegistered("demand");  // a version registered, no task
  catalog.Admit({"seen"}, Cap(10)).admission->Commit();
  auto r = catalog.Admit({"risk", "seen", "demand", "new"}, Cap(10, true));
  EXPECT_FALSE(r.admission);
  ASSERT_EQ(r.refused.size(), 2u);
  EXPECT_EQ(r.refused[0].model, "seen");
  EXPECT_EQ(r.refused[0].reason, Reason::kUnregistered);
  EXPECT_EQ(r.refused[1].model, "new");
  EXPECT_TRUE(catalog.Admit({"risk", "demand"}, Cap(10, true)).admission);
  EXPECT_TRUE(catalog.IsRegistered("demand"));
  EXPECT_FALSE(catalog.IsRegistered("seen"));
}

// The guarantee under concurrency: however many requests race, ingest never makes the number of
// known models exceed the cap, and exactly `cap` distinct new models get in.
TEST(ModelAdmissionTest, ConcurrentRequestsNeverPushTheCountPastTheCap) {
  constexpr size_t kCap = 50;
  ModelCatalog catalog;
  std::atomic<int> admitted{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        const std::string name = "m" + std::to_string(t) + "-" + std::to_string(i);
        auto r = catalog.Admit({name}, Cap(kCap));
        EXPECT_LE(catalog.size(), kCap);
        if (r.admission) {
          r.admission->Commit();
          ++admitted;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(admitted.load(), static_cast<int>(kCap));
  EXPECT_EQ(catalog.size(), kCap);
}

TEST(ModelAdmissionTest, LoadCountsTrafficModelsAndTellsRegisteredOnes) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("catalog-admit-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  {
    store::SqliteStoreOptions options;
    options.path = (dir / "m.db").string();
    auto store = store::OpenSqliteStore(options);
    ASSERT_TRUE(store.has_value()) << store.error().ToString();
    registry::ModelInfo model;
    model.name = "risk";
    model.task = registry::ModelTask::kBinaryClassification;
    ASSERT_TRUE((*store)->UpsertModel(model).ok());
    registry::ModelVersionInfo version;
    version.model = "demand";  // created by its version, task unknown
    version.version = "v1";
    version.is_latest = true;
    ASSERT_TRUE((*store)->UpsertModelVersion(version).ok());
    ingest::PredictionEvent e;
    e.id = "p1";
    e.model = "traffic";  // created by ingest, task unknown, no version
    e.features_json = "{}";
    std::promise<bool> stored;
    (*store)->AppendPredictions(
        {e}, [&](Result<store::PredictionBatchResult> r) { stored.set_value(r.has_value()); });
    ASSERT_TRUE(stored.get_future().get());

    ModelCatalog catalog;
    ASSERT_TRUE(catalog.Load(**store).ok());
    EXPECT_EQ(catalog.size(), 3u);
    EXPECT_TRUE(catalog.IsRegistered("risk"));
    EXPECT_TRUE(catalog.IsRegistered("demand"));
    EXPECT_FALSE(catalog.IsRegistered("traffic"));
    EXPECT_FALSE(catalog.Admit({"new"}, Cap(3)).admission);
    EXPECT_TRUE(catalog.Admit({"traffic"}, Cap(3)).admission);

    // A model written to the store behind the catalog's back (registry import while serving).
    registry::ModelInfo imported;
    imported.name = "imported";
    imported.task = registry::ModelTask::kRegression;
    ASSERT_TRUE((*store)->UpsertModel(imported).ok());
    EXPECT_EQ(catalog.LoadOne(**store, "imported").value(), true);
    EXPECT_EQ(catalog.LoadOne(**store, "absent").value(), false);
    EXPECT_EQ(catalog.TaskOf("imported"), registry::ModelTask::kRegression);
    (*store)->Close();
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace mw::api
