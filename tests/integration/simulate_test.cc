// modelwatch simulate against the real server: what it sends is accepted and stored, actuals
// join their predictions, the registry holds the simulated models, a rerun is idempotent, and
// failures exit 1 (server) or 2 (usage) with a message that says why.
#include <gtest/gtest.h>

#include <ctime>
#include <nlohmann/json.hpp>
#include <set>

#include "integration/harness.h"

namespace mw::testing {
namespace {

using nlohmann::json;

// Two days ago, RFC 3339 in whole seconds: a fixed --start makes two runs send the same events.
std::string TwoDaysAgo() {
  const std::time_t t = std::time(nullptr) - 2 * 86400;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char text[32];
  std::strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return text;
}

std::string Target(const ModelwatchProcess& server) {
  return "http://127.0.0.1:" + std::to_string(server.port());
}

// The --json summary: with --quiet the command prints nothing else.
json Summary(const CommandResult& r) {
  const size_t brace = r.output.find('{');
  if (brace == std::string::npos) return json();
  return json::parse(r.output.substr(brace), nullptr, false);
}

TEST(SimulateTest, FeedsALiveServerAndActualsJoin) {
  ModelwatchProcess server;
  ASSERT_TRUE(server.Start()) << server.output();
  std::vector<std::string> command = {ModelwatchBinary(), "simulate", "--target",
                                      Target(server),     "--start",  TwoDaysAgo()};
  for (const char* arg :
       {"--events", "600", "--batch", "100", "--restaurants", "3", "--seed", "7", "--span", "1d",
        "--reference-rows", "0", "--drift", "concept,feature_shift", "--drift-segments",
        "restaurant_2", "--json", "--quiet"}) {
    command.push_back(arg);
  }
  const CommandResult run = RunCommand(command);
  ASSERT_EQ(run.exit_code, 0) << run.output;
  const json summary = Summary(run);
  ASSERT_TRUE(summary.is_object()) << run.output;
  EXPECT_EQ(summary["predictions_sent"], 600);
  EXPECT_EQ(summary["actuals_sent"], 600);
  EXPECT_EQ(summary["actuals_matched"], 600);
  EXPECT_EQ(summary["duplicates"], 0);
  EXPECT_EQ(summary["versions_registered"], 4);  // 3 restaurants + patient_risk v1
  EXPECT_EQ(summary["references_uploaded"], 0);
  EXPECT_EQ(summary["drift"]["models"][0]["segments"], json::array({"restaurant_2"}));

  auto client = server.Client();
  const auto db = client.Get("/health/db");
  ASSERT_EQ(db.status, 200) << db.body;
  EXPECT_EQ(json::parse(db.body)["table_stats"]["prediction_logs"], 600) << db.body;

  // Every prediction has its actual: the first and the last one sent.
  const std::string prefix = summary["id_prefix"];
  for (const std::string& id : {prefix + "-1", prefix + "-600"}) {
    const auto p = client.Get("/v1/predictions/" + id);
    ASSERT_EQ(p.status, 200) << id << " " << p.body;
    EXPECT_TRUE(json::parse(p.body)["actual"].is_number()) << p.body;
  }

  const auto models = client.Get("/v1/models");
  ASSERT_EQ(models.status, 200);
  std::set<std::string> names;
  const json listed = json::parse(models.body)["models"];
  for (const auto& m : listed) names.insert(m["name"]);
  EXPECT_EQ(names, (std::set<std::string>{"demand_forecast", "patient_risk"}));
  const auto demand = json::parse(client.Get("/v1/models/demand_forecast").body);
  EXPECT_EQ(demand["task"], "regression");
  ASSERT_EQ(demand["versions"].size(), 3u) << demand.dump();
  for (const auto& v : demand["versions"]) {
    EXPECT_TRUE(v["metrics"]["mae"].is_number()) << v.dump();
    EXPECT_EQ(v["latest"], true);
  }

  // The same command again (same seed, same span) sends the same events: all duplicates.
  const CommandResult again = RunCommand(command);
  ASSERT_EQ(again.exit_code, 0) << again.output;
  EXPECT_EQ(Summary(again)["duplicates"], 600) << again.output;
  EXPECT_EQ(json::parse(client.Get("/health/db").body)["table_stats"]["prediction_logs"], 600);
}

TEST(SimulateTest, RelativeStartAndDuration) {
  ModelwatchProcess server;
  ASSERT_TRUE(server.Start()) << server.output();
  const CommandResult r =
      RunCommand({ModelwatchBinary(), "simulate", "--target", Target(server), "--start=-3h",
                  "--span", "2h", "--duration", "2s", "--rate", "100", "--scenario", "risk",
                  "--versions", "2", "--reference-rows", "0", "--json", "--quiet"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const json summary = Summary(r);
  EXPECT_NEAR(summary["predictions_sent"].get<double>(), 200, 20) << r.output;
  EXPECT_EQ(summary["versions_registered"], 2);
  EXPECT_EQ(summary["models"].size(), 1u);
}

TEST(SimulateTest, SendsTheBearerToken) {
  const std::string admin = "admin-token-0123456789abc";
  ModelwatchProcess server(
      ServerOptions{{}, {{"MODELWATCH_AUTH_TOKENS", "sim:" + admin + ":admin"}}, ""});
  ASSERT_TRUE(server.Start()) << server.output();
  const std::vector<std::string> command = {ModelwatchBinary(), "simulate", "--target",
                                            Target(server),     "--events", "50",
                                            "--reference-rows", "0",        "--quiet"};
  const CommandResult refused = RunCommand(command);
  EXPECT_EQ(refused.exit_code, 1) << refused.output;
  EXPECT_NE(refused.output.find("HTTP 401"), std::string::npos) << refused.output;
  const CommandResult ok = RunCommand(command, {{"MODELWATCH_TOKEN", admin}});
  EXPECT_EQ(ok.exit_code, 0) << ok.output;
}

TEST(SimulateTest, A404IsReportedWithTheUrlAndStatus) {
  ModelwatchProcess server;
  ASSERT_TRUE(server.Start()) << server.output();
  const std::string target = Target(server) + "/no-such-prefix";
  const CommandResult r =
      RunCommand({ModelwatchBinary(), "simulate", "--target", target, "--events", "10", "--quiet"});
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("PUT " + target + "/v1/models/demand_forecast: HTTP 404"),
            std::string::npos)
      << r.output;
}

TEST(SimulateTest, AnUnreachableServerExits1) {
  // Port 9 (discard) on loopback: nothing listens there in the test environment.
  const CommandResult r = RunCommand({ModelwatchBinary(), "simulate", "--target",
                                      "http://127.0.0.1:9", "--max-retries", "0", "--quiet"});
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("http://127.0.0.1:9/v1/models/demand_forecast"), std::string::npos)
      << r.output;
}

TEST(SimulateTest, UsageErrorsExit2NamingTheFlag) {
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"--drift", "concept", "--drift-segments", "restaurant_99"}, "--drift-segments"},
      {{"--drift", "feature_shift", "--drift-features", "day_of_week"}, "--drift-features"},
      {{"--drift", "sideways"}, "--drift"},
      {{"--start", "2999-01-01T00:00:00Z"}, "--start"},
      {{"--span", "1y"}, "--span"},
      {{"--events", "5", "--duration", "10s"}, "--duration"},
      {{"--actual-fraction", "2"}, "--actual-fraction"},
      {{"--drift", "concept", "--drift-at", "tomorrow"}, "--drift-at"},
      {{"--target", "127.0.0.1:8000"}, "--target"},
      {{"--drift-at", "0.3"}, "--drift-at: needs --drift"},
  };
  for (const auto& [args, flag] : cases) {
    std::vector<std::string> argv = {ModelwatchBinary(), "simulate"};
    argv.insert(argv.end(), args.begin(), args.end());
    const CommandResult r = RunCommand(argv);
    EXPECT_EQ(r.exit_code, 2) << flag << ": " << r.output;
    EXPECT_NE(r.output.find(flag), std::string::npos) << flag << ": " << r.output;
  }
}

}  // namespace
}  // namespace mw::testing
