// Names and model admission against the real binary (issue 17, defects 1 and 3):
//   - a name that is not UTF-8 (PUT /v1/models/m/versions/%ff) is refused with 400, and the
//     server stays up through several evaluator passes;
//   - names stored by an older version (invalid UTF-8, control characters, written straight into
//     the SQLite file) cannot crash a restart: the evaluator keeps passing, /health is OK, the
//     API answers valid JSON and /metrics passes promtool;
//   - ingest.max_models caps the models ingest can add (422, counted, kept across a restart);
//     ingest.require_registered_models refuses unregistered models.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "integration/harness.h"

namespace mw::testing {
namespace {

using nlohmann::json;

// Events of `model` with actuals, timestamped now (the evaluator's window).
std::string EventsWithActuals(const std::string& model, const std::string& id_prefix, int n) {
  json events = json::array();
  for (int i = 0; i < n; ++i) {
    events.push_back({{"id", id_prefix + std::to_string(i)},
                      {"model", model},
                      {"features", {{"temp", 20 + i}}},
                      {"prediction", 10.0 + i},
                      {"actual", 11.0 + i}});
  }
  return json{{"events", events}}.dump();
}

json ParseJson(const HttpResult& r) { return json::parse(r.body, nullptr, false); }

// errors[i].pointer of a problem body, "" when it has none.
std::string ProblemPointer(const json& problem, size_t i = 0) {
  if (!problem.is_object() || !problem.contains("errors") || !problem["errors"].is_array() ||
      problem["errors"].size() <= i) {
    return "";
  }
  return problem["errors"][i].value("pointer", "");
}

int64_t EvaluatorPasses(HttpClient& client) {
  const json j = ParseJson(client.Get("/v1/admin/evaluator"));
  return j.is_object() && j.contains("passes") ? j["passes"].get<int64_t>() : -1;
}

// Waits (up to 60 s) until the evaluator has run `more` passes after the current one, or the
// server stops answering. True when it did.
bool WaitForEvaluatorPasses(ModelwatchProcess& server, int64_t more) {
  auto client = server.Client();
  const int64_t start = EvaluatorPasses(client);
  if (start < 0) return false;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    const int64_t now = EvaluatorPasses(client);
    if (now < 0) return false;  // the server is gone
    if (now >= start + more) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));  // poll interval
  }
  return false;
}

// The ingest_rejected counter of `reason` in a /metrics text (0 when absent).
double RejectedCount(const std::string& metrics, const std::string& reason) {
  const std::string series = "modelwatch_ingest_rejected_total{reason=\"" + reason + "\"} ";
  const size_t at = metrics.find(series);
  return at == std::string::npos ? 0 : std::stod(metrics.substr(at + series.size()));
}

void ExecSql(sqlite3* db, const std::string& sql) {
  char* error = nullptr;
  ASSERT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error), SQLITE_OK)
      << sql << ": " << (error != nullptr ? error : "");
  sqlite3_free(error);
}

// Defect 1, as reported: the version name %ff was stored raw; the evaluator's next pass threw in
// dump() and the process died (and died again at every restart).
TEST(NamesTest, NonUtf8VersionInThePathIs400AndTheServerStaysUp) {
  ModelwatchProcess server(
      ServerOptions{{"--set", "quality.evaluation_interval_seconds=1"}, {}, ""});
  ASSERT_TRUE(server.Start()) << server.output();
  auto client = server.Client();
  ASSERT_EQ(client.Send("PUT", "/v1/models/m", R"({"task":"regression"})").status, 201);
  ASSERT_EQ(client.PostJson("/v1/predictions", EventsWithActuals("m", "p-", 20)).status, 202);

  const auto r = client.Send("PUT", "/v1/models/m/versions/%ff", R"({"metrics":{"mae":1}})");
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(ProblemPointer(ParseJson(r)), "/path/version") << r.body;
  EXPECT_NE(r.body.find("must be valid UTF-8"), std::string::npos) << r.body;

  const auto control = client.Send("PUT", "/v1/models/m%01x", R"({"task":"regression"})");
  EXPECT_EQ(control.status, 400) << control.body;
  EXPECT_EQ(ProblemPointer(ParseJson(control)), "/path/model") << control.body;

  EXPECT_TRUE(WaitForEvaluatorPasses(server, 3)) << server.output();
  EXPECT_TRUE(server.running());
  EXPECT_EQ(client.Get("/health").status, 200);
  const json model = ParseJson(client.Get("/v1/models/m"));
  ASSERT_TRUE(model.is_object());
  EXPECT_TRUE(model["versions"].empty()) << model.dump();
  EXPECT_EQ(server.Terminate(), 0) << server.output();
}

// Defect 1, in depth: rows written by an older version that did not check names.
TEST(NamesTest, BadNamesStoredByAnOlderVersionDoNotCrashARestart) {
  TempDir dir;
  const std::string data = (dir.path() / "data").string();
  {
    ModelwatchProcess first(ServerOptions{{}, {}, data});
    ASSERT_TRUE(first.Start()) << first.output();
    auto client = first.Client();
    for (const char* m : {"m", "ctl"}) {
      ASSERT_EQ(
          client.Send("PUT", std::string("/v1/models/") + m, R"({"task":"regression"})").status,
          201);
      ASSERT_EQ(client
                    .Send("PUT", std::string("/v1/models/") + m + "/versions/v1",
                          R"({"metrics":{"mae":1.0},"feature_importance":{"temp":1}})")
                    .status,
                200);
      ASSERT_EQ(
          client.PostJson("/v1/predictions", EventsWithActuals(m, std::string(m) + "-", 20)).status,
          202);
    }
    ASSERT_EQ(first.Terminate(), 0) << first.output();
  }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((data + "/modelwatch.db").c_str(), &db), SQLITE_OK);
  // m's latest version becomes "v1\xff\x01" (invalid UTF-8 and a control character); model
  // "ctl" becomes "c\x01t\xffl" everywhere it appears.
  ExecSql(db, "UPDATE model_versions SET version = CAST(X'7631ff01' AS TEXT) WHERE model = 'm'");
  for (const char* table : {"models", "model_versions", "prediction_logs", "prediction_inbox"}) {
    const std::string column = std::string(table) == "models" ? "name" : "model";
    ExecSql(db, std::string("UPDATE ") + table + " SET " + column +
                    " = CAST(X'630174ff6c' AS TEXT) WHERE " + column + " = 'ctl'");
  }
  sqlite3_close(db);

  ModelwatchProcess server(
      ServerOptions{{"--set", "quality.evaluation_interval_seconds=1"}, {}, data});
  ASSERT_TRUE(server.Start()) << server.output();
  EXPECT_TRUE(WaitForEvaluatorPasses(server, 3)) << server.output();
  ASSERT_TRUE(server.running()) << server.output();
  auto client = server.Client();
  EXPECT_EQ(client.Get("/health").status, 200);
  const auto model = client.Get("/v1/models/m");
  EXPECT_EQ(model.status, 200);
  const json m = ParseJson(model);
  ASSERT_TRUE(m.is_object()) << model.body;
  ASSERT_EQ(m["versions"].size(), 1u) << model.body;
  EXPECT_EQ(m["versions"][0]["version"], "v1\xEF\xBF\xBD\x01");  // replaced, escaped as \u0001
  const json list = ParseJson(client.Get("/v1/models"));
  ASSERT_TRUE(list.is_object());
  EXPECT_EQ(list["models"].size(), 2u);
  const json evaluator = ParseJson(client.Get("/v1/admin/evaluator"));
  EXPECT_TRUE(evaluator["last_error"].is_null()) << evaluator.dump();
  const auto metrics = client.Get("/metrics");
  ASSERT_EQ(metrics.status, 200);
  EXPECT_NE(metrics.body.find("v1\xEF\xBF\xBD\xEF\xBF\xBD"), std::string::npos);
  const auto lint = RunCommand({"promtool", "check", "metrics"}, {}, metrics.body);
  EXPECT_EQ(lint.exit_code, 0) << lint.output;
}

// Defect 3: any ingest client could create models without bound.
TEST(MaxModelsTest, EventsOfANewModelBeyondTheCapAre422CountedAndTheCapSurvivesARestart) {
  TempDir dir;
  const std::string data = (dir.path() / "data").string();
  const std::vector<std::string> args = {"--set", "ingest.max_models=3"};
  {
    ModelwatchProcess server(ServerOptions{args, {}, data});
    ASSERT_TRUE(server.Start()) << server.output();
    auto client = server.Client();
    ASSERT_EQ(client.Send("PUT", "/v1/models/registered", R"({"task":"regression"})").status, 201);
    ASSERT_EQ(client.PostJson("/v1/predictions", EventsWithActuals("m1", "a-", 2)).status, 202);
    ASSERT_EQ(client.PostJson("/v1/predictions", EventsWithActuals("m2", "b-", 2)).status, 202);
    // Three models known: a fourth is refused, and nothing of its request is stored.
    const std::string mixed =
        R"({"events":[{"id":"keep-1","model":"m1","prediction":1},)"
        R"({"id":"new-1","model":"m3","prediction":2},{"id":"new-2","model":"m3","prediction":3}]})";
    const auto refused = client.PostJson("/v1/predictions", mixed);
    EXPECT_EQ(refused.status, 422) << refused.body;
    const json problem = ParseJson(refused);
    ASSERT_TRUE(problem.is_object()) << refused.body;
    ASSERT_EQ(problem["errors"].size(), 2u) << refused.body;
    EXPECT_EQ(problem["errors"][0]["pointer"], "/events/1/model");
    EXPECT_EQ(problem["errors"][1]["pointer"], "/events/2/model");
    EXPECT_NE(problem["errors"][0]["detail"].get<std::string>().find("ingest.max_models"),
              std::string::npos)
        << refused.body;
    EXPECT_EQ(client.Get("/v1/predictions/keep-1").status, 404);
    // NDJSON: the pointer is the line (blank lines count).
    const auto ndjson = client.Send("POST", "/v1/predictions",
                                    "{\"model\":\"m1\",\"prediction\":1}\n\n"
                                    "{\"model\":\"m4\",\"prediction\":1}\n",
                                    "application/x-ndjson");
    EXPECT_EQ(ndjson.status, 422);
    EXPECT_EQ(ParseJson(ndjson)["errors"][0]["pointer"], "/2/model") << ndjson.body;
    EXPECT_EQ(RejectedCount(client.Get("/metrics").body, "max_models"), 2);
    // Known models still flow; registering is an admin action and is never refused.
    EXPECT_EQ(client.PostJson("/v1/predictions", EventsWithActuals("m1", "c-", 1)).status, 202);
    EXPECT_EQ(client.Send("PUT", "/v1/models/admin-added", R"({"task":"regression"})").status, 201);
    EXPECT_EQ(client.PostJson("/v1/predictions", EventsWithActuals("admin-added", "d-", 1)).status,
              202);
    ASSERT_EQ(server.Terminate(), 0);
  }
  ModelwatchProcess restarted(ServerOptions{args, {}, data});
  ASSERT_TRUE(restarted.Start()) << restarted.output();
  auto client = restarted.Client();
  EXPECT_EQ(client.PostJson("/v1/predictions", EventsWithActuals("m3", "e-", 1)).status, 422);
  EXPECT_EQ(client.PostJson("/v1/predictions", EventsWithActuals("m2", "f-", 1)).status, 202);
}

TEST(MaxModelsTest, RequireRegisteredModelsRefusesModelsUntilTheyAreRegistered) {
  ModelwatchProcess server(
      ServerOptions{{"--set", "ingest.require_registered_models=true"}, {}, ""});
  ASSERT_TRUE(server.Start()) << server.output();
  auto client = server.Client();
  const auto refused = client.PostJson("/v1/predictions", R"({"model":"churn","prediction":1})");
  EXPECT_EQ(refused.status, 422) << refused.body;
  const json problem = ParseJson(refused);
  EXPECT_EQ(problem["errors"][0]["pointer"], "/model") << refused.body;
  EXPECT_NE(problem["detail"].get<std::string>().find("PUT /v1/models/churn"), std::string::npos)
      << refused.body;
  EXPECT_EQ(RejectedCount(client.Get("/metrics").body, "unregistered_model"), 1);
  ASSERT_EQ(client.Send("PUT", "/v1/models/churn", R"({"task":"regression"})").status, 201);
  EXPECT_EQ(client.PostJson("/v1/predictions", R"({"model":"churn","prediction":1})").status, 202);
  // A version registers its model too.
  ASSERT_EQ(client.Send("PUT", "/v1/models/eta/versions/v1", R"({"metrics":{"mae":1}})").status,
            200);
  EXPECT_EQ(client.PostJson("/v1/predictions", R"({"model":"eta","prediction":1})").status, 202);
}

}  // namespace
}  // namespace mw::testing
