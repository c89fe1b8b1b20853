// SqliteStore::QueryPredictions filters.
#include <gtest/gtest.h>

#include "store/sqlite_store.h"
#include "store_test_util.h"

namespace mw::testing {
namespace {

class SqliteStoreQueryTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    // id, model, segment, version, created_at offset, actual?
    Add("a", "m1", "s1", "v1", 0, true);
    Add("b", "m1", "s2", "v1", 10, false);
    Add("c", "m1", "s1", "", 20, false);
    Add("d", "m2", "s1", "v2", 30, true);
  }

  void Add(std::string id, std::string model, std::string segment, std::string version,
           int64_t offset, bool with_actual) {
    ingest::PredictionEvent e = Event(std::move(id), std::move(model));
    e.segment = std::move(segment);
    e.version = std::move(version);
    e.timestamp_ms = kBase + offset;
    if (with_actual) e.actual = 1;
    ASSERT_TRUE(Append(*store_, {e}).has_value());
  }

  std::vector<std::string> Ids(const store::PredictionQuery& q) {
    auto rows = store_->QueryPredictions(q);
    EXPECT_TRUE(rows.has_value()) << rows.error().ToString();
    std::vector<std::string> out;
    if (rows.has_value()) {
      for (const auto& r : *rows) out.push_back(r.id);
    }
    return out;
  }

  static constexpr int64_t kBase = 1'700'000'000'000;
};

using Strings = std::vector<std::string>;

TEST_F(SqliteStoreQueryTest, NoFiltersReturnsAllInSeqOrder) {
  EXPECT_EQ(Ids({}), (Strings{"a", "b", "c", "d"}));
}

TEST_F(SqliteStoreQueryTest, FiltersByModelAndSegment) {
  store::PredictionQuery q;
  q.model = "m1";
  q.segment = "s1";
  EXPECT_EQ(Ids(q), (Strings{"a", "c"}));
}

TEST_F(SqliteStoreQueryTest, FiltersByVersion) {
  store::PredictionQuery q;
  q.version = "v1";
  EXPECT_EQ(Ids(q), (Strings{"a", "b"}));
}

TEST_F(SqliteStoreQueryTest, EmptyVersionMatchesUnversionedRows) {
  store::PredictionQuery q;
  q.version = "";
  EXPECT_EQ(Ids(q), (Strings{"c"}));
}

TEST_F(SqliteStoreQueryTest, TimeRangeIsInclusiveFromExclusiveTo) {
  store::PredictionQuery q;
  q.from_ms = kBase + 10;
  q.to_ms = kBase + 30;
  EXPECT_EQ(Ids(q), (Strings{"b", "c"}));
}

TEST_F(SqliteStoreQueryTest, OnlyWithActual) {
  store::PredictionQuery q;
  q.only_with_actual = true;
  EXPECT_EQ(Ids(q), (Strings{"a", "d"}));
}

TEST_F(SqliteStoreQueryTest, AfterSeqAndLimitPage) {
  store::PredictionQuery q;
  q.limit = 2;
  auto first = store_->QueryPredictions(q);
  ASSERT_TRUE(first.has_value());
  ASSERT_EQ(first->size(), 2u);
  q.after_seq = first->back().seq;
  EXPECT_EQ(Ids(q), (Strings{"c", "d"}));
}

TEST_F(SqliteStoreQueryTest, ValuesAreBoundNotSpliced) {
  store::PredictionQuery q;
  q.model = "m1' OR '1'='1";
  EXPECT_TRUE(Ids(q).empty());
}

TEST_F(SqliteStoreQueryTest, LimitBelowOneIsInvalidArgument) {
  store::PredictionQuery q;
  q.limit = 0;
  EXPECT_EQ(store_->QueryPredictions(q).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace mw::testing
