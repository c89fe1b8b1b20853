// Maintenance through the real binary, on one server: the data directory's lock (a second serve
// exits 1 naming the holder's pid and address), `modelwatch maintain` asking the server that holds
// the directory (unknown task: exit 2 listing the known ones; a task: exit 0), the runs in
// GET /v1/maintenance/runs and modelwatch_maintenance_runs_total on /metrics, the API's errors,
// and `maintain` running locally once the server is gone.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "integration/harness.h"

namespace mw::testing {
namespace {

using nlohmann::json;

CommandResult Maintain(const std::string& data_dir, std::vector<std::string> args) {
  std::vector<std::string> argv = {ModelwatchBinary(), "maintain"};
  argv.insert(argv.end(), args.begin(), args.end());
  argv.insert(argv.end(), {"--data-dir", data_dir, "--set", "maintenance.enabled=false"});
  return RunCommand(argv);
}

bool HasTask(const json& tasks, const std::string& name) {
  for (const json& t : tasks["tasks"]) {
    if (t["name"] == name) return true;
  }
  return false;
}

TEST(MaintenanceTest, OneServerPerDataDirectoryAndMaintainAsksIt) {
  TempDir dir;
  const std::string data_dir = (dir.path() / "data").string();
  ServerOptions options;
  options.data_dir = data_dir;
  options.args = {"--set", "maintenance.enabled=false"};  // no scheduled run in the way
  ModelwatchProcess server(options);
  ASSERT_TRUE(server.Start()) << server.output();
  const std::string address = "http://127.0.0.1:" + std::to_string(server.port());

  // A second server on the same directory.
  const CommandResult second =
      RunCommand({ModelwatchBinary(), "serve", "--data-dir", data_dir, "--listen", "127.0.0.1:0"});
  EXPECT_EQ(second.exit_code, 1) << second.output;
  EXPECT_NE(second.output.find("data directory " + data_dir + " is in use by pid " +
                               std::to_string(server.pid()) + " (" + address + ")"),
            std::string::npos)
      << second.output;

  const CommandResult unknown = Maintain(data_dir, {"vacum"});
  EXPECT_EQ(unknown.exit_code, 2) << unknown.output;
  EXPECT_NE(unknown.output.find("unknown maintenance task \"vacum\" (known: daily, weekly, "
                                "monthly, check-performance"),
            std::string::npos)
      << unknown.output;

  HttpResult tasks_answer = server.Client().Get("/v1/maintenance/tasks");
  ASSERT_EQ(tasks_answer.status, 200) << tasks_answer.body;
  const json tasks = json::parse(tasks_answer.body);
  EXPECT_EQ(tasks["scheduler_enabled"], false);
  // check-performance when this build has it (on a server without models it succeeds and changes
  // nothing), else an emptied daily set.
  const bool has_task = HasTask(tasks, "check-performance");
  const CommandResult run = has_task ? Maintain(data_dir, {"check-performance"})
                                     : Maintain(data_dir, {"daily", "--set", "maintenance.daily="});
  EXPECT_EQ(run.exit_code, 0) << run.output;

  HttpResult runs_answer = server.Client().Get("/v1/maintenance/runs?limit=10");
  ASSERT_EQ(runs_answer.status, 200) << runs_answer.body;
  const json runs = json::parse(runs_answer.body)["runs"];
  ASSERT_TRUE(runs.is_array());
  if (has_task) {
    ASSERT_FALSE(runs.empty()) << runs_answer.body;
    EXPECT_EQ(runs[0]["task"], "check-performance");
    EXPECT_EQ(runs[0]["trigger"], "api");
    EXPECT_EQ(runs[0]["status"], "succeeded") << runs[0].dump();
    EXPECT_NE(run.output.find("check-performance succeeded items="), std::string::npos)
        << run.output;
    const int64_t id = runs[0]["id"];
    HttpResult one = server.Client().Get("/v1/maintenance/runs/" + std::to_string(id));
    EXPECT_EQ(one.status, 200) << one.body;
    const std::string metrics = server.Client().Get("/metrics").body;
    EXPECT_EQ(ScrapedValue(metrics,
                           "modelwatch_maintenance_runs_total{status=\"succeeded\","
                           "task=\"check-performance\"}"),
              1)
        << metrics.substr(0, 3000);
  } else {
    EXPECT_TRUE(runs.empty()) << runs_answer.body;
  }

  // The API's errors, as problem+json.
  HttpResult bad = server.Client().PostJson("/v1/maintenance/runs", R"({"task":"vacum"})");
  EXPECT_EQ(bad.status, 422) << bad.body;
  EXPECT_NE(bad.body.find("\"pointer\":\"/task\""), std::string::npos) << bad.body;
  EXPECT_EQ(server.Client().Get("/v1/maintenance/runs/999999").status, 404);
  EXPECT_EQ(server.Client().Get("/v1/maintenance/runs?status=done").status, 400);
  HttpResult set =
      server.Client().PostJson("/v1/maintenance/runs", R"({"task":"monthly", "dry_run":true})");
  EXPECT_EQ(set.status, 202) << set.body;

  // Without the server, maintain takes the directory and runs the set itself.
  EXPECT_EQ(server.Terminate(), 0) << server.output();
  const CommandResult local =
      Maintain(data_dir, {"weekly", "--dry-run", "--set", "maintenance.weekly="});
  EXPECT_EQ(local.exit_code, 0) << local.output;
}

}  // namespace
}  // namespace mw::testing
