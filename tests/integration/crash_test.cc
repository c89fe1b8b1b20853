// kill -9 during sustained ingest: after restart every prediction that got a 202 is stored exactly
// once, and retrying the batches that were in flight at the kill stores nothing twice.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "integration/harness.h"

namespace mw::testing {
namespace {

using nlohmann::json;

std::string Batch(int writer, int batch, int size, std::vector<std::string>* ids) {
  json events = json::array();
  for (int i = 0; i < size; ++i) {
    std::string id =
        "crash-" + std::to_string(writer) + "-" + std::to_string(batch) + "-" + std::to_string(i);
    events.push_back({{"id", id},
                      {"model", "demand"},
                      {"segment", "restaurant_" + std::to_string(i % 7)},
                      {"features", {{"temp", i * 0.5}, {"weekday", "mon"}}},
                      {"prediction", writer * 1000.0 + batch + i / 100.0}});
    ids->push_back(std::move(id));
  }
  return json{{"events", events}}.dump();
}

TEST(CrashTest, EveryAcknowledgedPredictionSurvivesKillNineExactlyOnce) {
  TempDir dir;
  const std::string data = (dir.path() / "data").string();
  ModelwatchProcess server(ServerOptions{{}, {}, data});
  ASSERT_TRUE(server.Start()) << server.output();

  constexpr int kWriters = 6;
  constexpr int kBatchSize = 40;
  std::mutex mu;
  std::vector<std::string> acked;
  std::vector<std::string> unacked_bodies;  // in flight when the server died
  std::atomic<bool> stop{false};
  std::atomic<int64_t> acked_count{0};
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      HttpClient client("127.0.0.1", server.port());
      for (int b = 0; !stop.load(); ++b) {
        std::vector<std::string> ids;
        const std::string body = Batch(w, b, kBatchSize, &ids);
        const auto r = client.PostJson("/v1/predictions", body);
        std::lock_guard lock(mu);
        if (r.status == 202) {
          acked.insert(acked.end(), ids.begin(), ids.end());
          acked_count += kBatchSize;
        } else {
          unacked_bodies.push_back(body);
          if (!r.error.empty()) return;  // the server is gone
        }
      }
    });
  }
  // Kill once a good amount of load has been acknowledged (condition, not a fixed sleep).
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (acked_count.load() < 20000 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  server.Kill();
  stop = true;
  for (auto& t : writers) t.join();
  ASSERT_GE(acked.size(), 20000u) << "load did not reach the kill point";

  ModelwatchProcess restarted(ServerOptions{{}, {}, data});
  ASSERT_TRUE(restarted.Start()) << restarted.output();
  auto client = restarted.Client();
  // Retrying what was in flight is safe: accepted again, nothing stored twice.
  for (const auto& body : unacked_bodies) {
    const auto r = client.PostJson("/v1/predictions", body);
    EXPECT_EQ(r.status, 202) << r.body;
  }
  restarted.Terminate();

  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open_v2((data + "/modelwatch.db").c_str(), &db, SQLITE_OPEN_READONLY, nullptr),
            SQLITE_OK);
  sqlite3_stmt* count = nullptr;
  // A row is in prediction_logs or, until the writer moves it, in prediction_inbox; a clean stop
  // empties the inbox. Both are counted, so a row in both would show as doubled.
  ASSERT_EQ(sqlite3_prepare_v2(db,
                               "SELECT (SELECT COUNT(*) FROM prediction_logs WHERE id = ?1) +"
                               " (SELECT COUNT(*) FROM prediction_inbox WHERE id = ?1)",
                               -1, &count, nullptr),
            SQLITE_OK);
  size_t missing = 0, doubled = 0;
  for (const auto& id : acked) {
    sqlite3_bind_text(count, 1, id.c_str(), -1, SQLITE_STATIC);
    ASSERT_EQ(sqlite3_step(count), SQLITE_ROW);
    const int64_t n = sqlite3_column_int64(count, 0);
    if (n == 0) ++missing;
    if (n > 1) ++doubled;
    sqlite3_reset(count);
  }
  sqlite3_finalize(count);
  sqlite3_stmt* dups = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db,
                               "SELECT COUNT(*) FROM (SELECT id FROM (SELECT id FROM "
                               "prediction_logs UNION ALL SELECT id FROM prediction_inbox) "
                               "GROUP BY id HAVING COUNT(*) > 1)",
                               -1, &dups, nullptr),
            SQLITE_OK);
  ASSERT_EQ(sqlite3_step(dups), SQLITE_ROW);
  const int64_t duplicated_ids = sqlite3_column_int64(dups, 0);
  sqlite3_finalize(dups);
  sqlite3_stmt* inbox = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "SELECT COUNT(*) FROM prediction_inbox", -1, &inbox, nullptr),
            SQLITE_OK);
  ASSERT_EQ(sqlite3_step(inbox), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int64(inbox, 0), 0) << "a clean stop leaves the inbox empty";
  sqlite3_finalize(inbox);
  sqlite3_close(db);
  EXPECT_EQ(missing, 0u) << "acknowledged predictions lost after kill -9";
  EXPECT_EQ(doubled, 0u);
  EXPECT_EQ(duplicated_ids, 0);
}

TEST(ShutdownTest, SigtermAnswersInFlightRequestsAndExitsZero) {
  ModelwatchProcess server;
  ASSERT_TRUE(server.Start()) << server.output();
  std::atomic<bool> stop{false};
  std::atomic<int> server_errors{0};
  std::vector<std::string> acked;
  std::mutex mu;
  std::vector<std::thread> writers;
  for (int w = 0; w < 4; ++w) {
    writers.emplace_back([&, w] {
      HttpClient client("127.0.0.1", server.port());
      for (int b = 0; !stop.load(); ++b) {
        std::vector<std::string> ids;
        const auto r = client.PostJson("/v1/predictions", Batch(100 + w, b, 20, &ids));
        if (!r.error.empty()) return;  // connection closed by the shutdown
        if (r.status >= 500) ++server_errors;
        if (r.status == 202) {
          std::lock_guard lock(mu);
          acked.insert(acked.end(), ids.begin(), ids.end());
        }
      }
    });
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    {
      std::lock_guard lock(mu);
      if (acked.size() >= 2000) break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));  // polling a condition
  }
  EXPECT_EQ(server.Terminate(), 0) << server.output();
  stop = true;
  for (auto& t : writers) t.join();
  EXPECT_EQ(server_errors.load(), 0);
  EXPECT_NE(server.output().find("\"message\":\"stopped\""), std::string::npos) << server.output();
}

// Keep-alive connections waiting for their next request are closed when shutdown begins, so the
// server neither waits out its 10 s bound for them nor reads a request from them after the store
// has closed (which would be answered 503).
TEST(ShutdownTest, SigtermClosesIdleKeepAliveConnections) {
  ModelwatchProcess server;
  ASSERT_TRUE(server.Start()) << server.output();
  std::vector<std::unique_ptr<HttpClient>> idle;
  for (int i = 0; i < 3; ++i) {
    idle.push_back(std::make_unique<HttpClient>("127.0.0.1", server.port()));
    ASSERT_EQ(idle.back()->Get("/livez").status, 200);
  }
  EXPECT_EQ(server.Terminate(), 0) << server.output();
  EXPECT_EQ(server.output().find("connections still open"), std::string::npos) << server.output();
  EXPECT_NE(server.output().find("\"message\":\"stopped\""), std::string::npos) << server.output();
}

}  // namespace
}  // namespace mw::testing
