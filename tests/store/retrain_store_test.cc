// SqliteStore: retraining requests (append, finish, list, last) and the removal of one model
// version with its reference profiles.
#include <gtest/gtest.h>

#include "store/sqlite_store.h"
#include "store_test_util.h"

namespace mw::testing {
namespace {

using RetrainStoreTest = StoreTest;

store::RetrainRequest Request(std::string model, std::string segment, int64_t at_ms) {
  store::RetrainRequest r;
  r.model = std::move(model);
  r.segment = std::move(segment);
  r.version = "v3";
  r.reason = "performance drift: mae +35.0%";
  r.task = "check-drift-and-retrain";
  r.requested_at_ms = at_ms;
  r.status = "running";
  return r;
}

TEST_F(RetrainStoreTest, AppendFinishListAndLastSurviveReopen) {
  auto first = store_->AppendRetrainRequest(Request("demand", "r1", 1000));
  auto second = store_->AppendRetrainRequest(Request("demand", "r2", 2000));
  auto third = store_->AppendRetrainRequest(Request("demand", "r1", 3000));
  ASSERT_TRUE(first.has_value() && second.has_value() && third.has_value());
  EXPECT_LT(*first, *second);
  EXPECT_LT(*second, *third);

  store::RetrainRequest done = Request("demand", "r1", 3000);
  done.id = *third;
  done.status = "failed";
  done.outcome = "exit 3: boom";
  done.finished_at_ms = 4000;
  ASSERT_TRUE(store_->FinishRetrainRequest(done).ok());
  Reopen();

  auto last = store_->LastRetrainRequest("demand", "r1");
  ASSERT_TRUE(last.has_value()) << last.error().ToString();
  EXPECT_EQ(last->id, *third);
  EXPECT_EQ(last->status, "failed");
  EXPECT_EQ(last->outcome, "exit 3: boom");
  EXPECT_EQ(last->finished_at_ms, std::optional<int64_t>(4000));
  EXPECT_EQ(last->requested_at_ms, 3000);
  EXPECT_EQ(last->version, "v3");
  EXPECT_EQ(last->task, "check-drift-and-retrain");
  EXPECT_EQ(last->reason, "performance drift: mae +35.0%");

  auto missing = store_->LastRetrainRequest("demand", "r9");
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code(), StatusCode::kNotFound);

  auto all = store_->ListRetrainRequests({});
  ASSERT_TRUE(all.has_value());
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ((*all)[0].id, *third);  // newest first
  EXPECT_FALSE((*all)[2].finished_at_ms.has_value());
  EXPECT_EQ((*all)[2].status, "running");

  store::RetrainRequestQuery q;
  q.model = "demand";
  q.segment = "r1";
  q.limit = 1;
  auto one = store_->ListRetrainRequests(q);
  ASSERT_TRUE(one.has_value());
  ASSERT_EQ(one->size(), 1u);
  EXPECT_EQ((*one)[0].id, *third);
  q.model = "other";
  q.segment.reset();
  EXPECT_TRUE(store_->ListRetrainRequests(q)->empty());
}

TEST_F(RetrainStoreTest, FinishOfAnUnknownIdIsNotFound) {
  store::RetrainRequest r = Request("demand", "", 1);
  r.id = 42;
  r.status = "succeeded";
  EXPECT_EQ(store_->FinishRetrainRequest(r).code(), StatusCode::kNotFound);
  r.id = 0;
  EXPECT_EQ(store_->FinishRetrainRequest(r).code(), StatusCode::kInvalidArgument);
}

store::ReferenceProfileRecord Profile(std::string version, std::string segment) {
  store::ReferenceProfileRecord r;
  r.model = "demand";
  r.version = std::move(version);
  r.segment = std::move(segment);
  r.profile = "bytes";
  return r;
}

TEST_F(RetrainStoreTest, DeleteModelVersionRefusesTheLatestAndRemovesItsProfiles) {
  ASSERT_TRUE(store_->UpsertModelVersion(Version("demand", "r1", "v1", false)).ok());
  ASSERT_TRUE(store_->UpsertModelVersion(Version("demand", "r1", "v2", true)).ok());
  ASSERT_TRUE(store_->UpsertModelVersion(Version("demand", "r2", "v1", true)).ok());
  ASSERT_TRUE(store_->PutReferenceProfile(Profile("v1", "r1")).ok());
  ASSERT_TRUE(store_->PutReferenceProfile(Profile("v1", "r2")).ok());

  EXPECT_EQ(store_->DeleteModelVersion("demand", "r1", "v2").code(),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ(store_->DeleteModelVersion("demand", "r1", "v9").code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->DeleteModelVersion("demand", "r3", "v1").code(), StatusCode::kNotFound);
  ASSERT_TRUE(store_->DeleteModelVersion("demand", "r1", "v1").ok());
  Reopen();

  auto versions = store_->ListModelVersions("demand");
  ASSERT_TRUE(versions.has_value());
  ASSERT_EQ(versions->size(), 2u);
  EXPECT_EQ((*versions)[0].segment, "r1");
  EXPECT_EQ((*versions)[0].version, "v2");
  EXPECT_TRUE((*versions)[0].is_latest);
  EXPECT_EQ((*versions)[1].segment, "r2");  // the same name in another segment stays
  auto profiles = store_->ListReferenceProfiles("demand");
  ASSERT_TRUE(profiles.has_value());
  ASSERT_EQ(profiles->size(), 1u);
  EXPECT_EQ((*profiles)[0].segment, "r2");
  EXPECT_EQ(store_->DeleteModelVersion("demand", "r1", "v1").code(), StatusCode::kNotFound);
}

TEST_F(RetrainStoreTest, DeletingAModelWideVersionTakesTheSegmentProfilesStoredUnderIt) {
  ASSERT_TRUE(store_->UpsertModelVersion(Version("demand", "", "v1", false)).ok());
  ASSERT_TRUE(store_->UpsertModelVersion(Version("demand", "", "v2", true)).ok());
  ASSERT_TRUE(store_->UpsertModelVersion(Version("demand", "r2", "v1", true)).ok());
  ASSERT_TRUE(store_->PutReferenceProfile(Profile("v1", "")).ok());
  ASSERT_TRUE(store_->PutReferenceProfile(Profile("v1", "r1")).ok());  // r1 has no v1 of its own
  ASSERT_TRUE(store_->PutReferenceProfile(Profile("v1", "r2")).ok());  // r2's own v1
  ASSERT_TRUE(store_->PutReferenceProfile(Profile("v2", "")).ok());
  ASSERT_TRUE(store_->DeleteModelVersion("demand", "", "v1").ok());
  auto profiles = store_->ListReferenceProfiles("demand");
  ASSERT_TRUE(profiles.has_value());
  ASSERT_EQ(profiles->size(), 2u);
  EXPECT_EQ((*profiles)[0].version, "v1");
  EXPECT_EQ((*profiles)[0].segment, "r2");
  EXPECT_EQ((*profiles)[1].version, "v2");
}

}  // namespace
}  // namespace mw::testing
