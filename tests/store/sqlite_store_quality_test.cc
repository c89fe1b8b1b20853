// SqliteStore: reference profiles, evaluation snapshots and reads by seq.
#include <gtest/gtest.h>

#include "store/sqlite_store.h"
#include "store_test_util.h"

namespace mw::testing {
namespace {

using SqliteStoreQualityTest = StoreTest;

store::ReferenceProfileRecord Profile(std::string version, std::string segment, std::string bytes) {
  store::ReferenceProfileRecord r;
  r.model = "demand";
  r.version = std::move(version);
  r.segment = std::move(segment);
  r.source = "upload";
  r.rows = 42;
  r.profile = std::move(bytes);
  return r;
}

TEST_F(SqliteStoreQualityTest, ReferenceProfilesRoundTripBinaryAndSurviveReopen) {
  const std::string bytes("\0\x01\xff zstd\0tail", 13);
  ASSERT_TRUE(store_->PutReferenceProfile(Profile("v1", "restaurant_1", bytes)).ok());
  ASSERT_TRUE(store_->PutReferenceProfile(Profile("v1", "", "whole")).ok());
  Reopen();
  auto got = store_->GetReferenceProfile("demand", "v1", "restaurant_1");
  ASSERT_TRUE(got.has_value()) << got.error().ToString();
  EXPECT_EQ(got->profile, bytes);
  EXPECT_EQ(got->size_bytes, 13);
  EXPECT_EQ(got->rows, 42);
  EXPECT_EQ(got->source, "upload");
  EXPECT_EQ(got->created_at_ms, clock_.NowMillis());
  auto missing = store_->GetReferenceProfile("demand", "v2", "restaurant_1");
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code(), StatusCode::kNotFound);

  auto list = store_->ListReferenceProfiles("demand");
  ASSERT_TRUE(list.has_value());
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].segment, "");
  EXPECT_EQ((*list)[1].segment, "restaurant_1");
  EXPECT_TRUE((*list)[1].profile.empty());  // listings carry no bytes
  EXPECT_EQ(Rows("reference_profiles"), 2);
}

TEST_F(SqliteStoreQualityTest, PutReplacesTheProfileOfTheSameVersionAndSegment) {
  ASSERT_TRUE(store_->PutReferenceProfile(Profile("v1", "", "old")).ok());
  auto newer = Profile("v1", "", "newer bytes");
  newer.rows = 7;
  ASSERT_TRUE(store_->PutReferenceProfile(newer).ok());
  auto got = store_->GetReferenceProfile("demand", "v1", "");
  ASSERT_TRUE(got.has_value()) << got.error().ToString();
  EXPECT_EQ(got->profile, "newer bytes");
  EXPECT_EQ(got->rows, 7);
  EXPECT_EQ(Rows("reference_profiles"), 1);
}

TEST_F(SqliteStoreQualityTest, RejectsProfilesWithoutModelOrVersion) {
  auto bad = Profile("", "", "x");
  EXPECT_EQ(store_->PutReferenceProfile(bad).code(), StatusCode::kInvalidArgument);
  bad = Profile("v1", "", "x");
  bad.model.clear();
  EXPECT_EQ(store_->PutReferenceProfile(bad).code(), StatusCode::kInvalidArgument);
}

TEST_F(SqliteStoreQualityTest, SnapshotsFilterAndComeNewestFirst) {
  std::vector<store::EvaluationSnapshot> snapshots;
  for (int i = 0; i < 5; ++i) {
    snapshots.push_back({1000 + i, "demand", i % 2 ? "a" : "b", i < 3 ? "performance" : "drift",
                         "{\"i\":" + std::to_string(i) + "}"});
  }
  ASSERT_TRUE(store_->AppendSnapshots(snapshots).ok());
  store::SnapshotQuery q;
  q.model = "demand";
  auto all = store_->QuerySnapshots(q);
  ASSERT_TRUE(all.has_value());
  ASSERT_EQ(all->size(), 5u);
  EXPECT_EQ((*all)[0].evaluated_at_ms, 1004);
  q.segment = "a";
  q.kind = "performance";
  auto some = store_->QuerySnapshots(q);
  ASSERT_TRUE(some.has_value());
  ASSERT_EQ(some->size(), 1u);
  EXPECT_EQ((*some)[0].payload_json, "{\"i\":1}");
  q = {};
  q.model = "demand";
  q.from_ms = 1001;
  q.to_ms = 1003;
  q.limit = 1;
  auto window = store_->QuerySnapshots(q);
  ASSERT_TRUE(window.has_value());
  ASSERT_EQ(window->size(), 1u);
  EXPECT_EQ((*window)[0].evaluated_at_ms, 1002);
  q.limit = 0;
  EXPECT_FALSE(store_->QuerySnapshots(q).has_value());
}

TEST_F(SqliteStoreQualityTest, GetsPredictionsBySeqInOrderSkippingMissing) {
  ASSERT_TRUE(Append(*store_, {Event("p1"), Event("p2"), Event("p3")}).has_value());
  const std::vector<int64_t> seqs = {3, 1, 99, 3};
  auto rows = store_->GetPredictionsBySeq(seqs);
  ASSERT_TRUE(rows.has_value()) << rows.error().ToString();
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_EQ((*rows)[0].id, "p1");
  EXPECT_EQ((*rows)[1].id, "p3");
}

}  // namespace
}  // namespace mw::testing
