// GET /v1/retrain-requests over a real store: filters, order, the JSON fields, bad parameters.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "api/handlers.h"
#include "store/sqlite_store.h"

namespace mw::api {
namespace {

class RetrainHandlersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (std::filesystem::temp_directory_path() / "mw_retrain_XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    store::SqliteStoreOptions options;
    options.path = (dir_ / "store.db").string();
    options.read_connections = 1;
    options.synchronous_full = false;
    auto opened = store::SqliteStore::Open(options);
    ASSERT_TRUE(opened.has_value()) << opened.error().ToString();
    store_ = std::move(*opened);
    ctx_.store = store_.get();
  }
  void TearDown() override {
    store_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  int64_t Add(const std::string& model, const std::string& segment, int64_t at_ms) {
    store::RetrainRequest r;
    r.model = model;
    r.segment = segment;
    r.version = "v2";
    r.reason = "data drift: 3 of 5 features drifted";
    r.task = "check-drift-and-retrain";
    r.requested_at_ms = at_ms;
    r.status = "running";
    auto id = store_->AppendRetrainRequest(r);
    EXPECT_TRUE(id.has_value());
    return id.has_value() ? *id : 0;
  }
  http::Response Get(std::multimap<std::string, std::string> query) {
    http::Request req;
    req.method = "GET";
    req.path = req.raw_path = "/v1/retrain-requests";
    req.query = std::move(query);
    http::Response out;
    ListRetrainRequests(ctx_)(req, {}, [&out](http::Response r) { out = std::move(r); });
    return out;
  }

  std::filesystem::path dir_;
  std::unique_ptr<store::SqliteStore> store_;
  RetrainContext ctx_;
};

TEST_F(RetrainHandlersTest, ListsNewestFirstWithEveryField) {
  const int64_t first = Add("demand", "r1", 1'750'000'000'000);
  Add("churn", "", 1'750'000'100'000);
  store::RetrainRequest done;
  done.id = first;
  done.status = "succeeded";
  done.outcome = "exit 0";
  done.finished_at_ms = 1'750'000'060'000;
  ASSERT_TRUE(store_->FinishRetrainRequest(done).ok());

  http::Response all = Get({});
  ASSERT_EQ(all.status, 200) << all.body;
  const auto body = nlohmann::json::parse(all.body);
  ASSERT_EQ(body["requests"].size(), 2u);
  EXPECT_EQ(body["requests"][0]["model"], "churn");
  EXPECT_TRUE(body["requests"][0]["finished_at"].is_null());
  EXPECT_EQ(body["requests"][0]["status"], "running");
  const auto& r = body["requests"][1];
  EXPECT_EQ(r["id"], first);
  EXPECT_EQ(r["segment"], "r1");
  EXPECT_EQ(r["version"], "v2");
  EXPECT_EQ(r["reason"], "data drift: 3 of 5 features drifted");
  EXPECT_EQ(r["task"], "check-drift-and-retrain");
  EXPECT_EQ(r["requested_at"], "2025-06-15T15:06:40.000Z");
  EXPECT_EQ(r["finished_at"], "2025-06-15T15:07:40.000Z");
  EXPECT_EQ(r["status"], "succeeded");
  EXPECT_EQ(r["outcome"], "exit 0");

  auto filtered = nlohmann::json::parse(Get({{"model", "churn"}, {"segment", ""}}).body);
  ASSERT_EQ(filtered["requests"].size(), 1u);
  EXPECT_EQ(filtered["requests"][0]["model"], "churn");
  auto limited = nlohmann::json::parse(Get({{"limit", "1"}}).body);
  EXPECT_EQ(limited["requests"].size(), 1u);
}

TEST_F(RetrainHandlersTest, BadParametersAreNamed) {
  http::Response r = Get({{"limit", "0"}});
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("/query/limit"), std::string::npos) << r.body;
  r = Get({{"model", std::string("bad\x01name")}});
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("/query/model"), std::string::npos) << r.body;
}

}  // namespace
}  // namespace mw::api
