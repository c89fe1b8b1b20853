// modelwatch maintain daily|weekly|monthly|TASK [--dry-run] [--server URL] [--token T]
//                    [--config FILE] [--data-dir DIR] [--set KEY=VALUE]
//
// Where the tasks run: the data directory belongs to one process (cli/data_dir_lock.h). When a
// server holds it (or --server is given) the server runs them (POST /v1/maintenance/runs) and
// this command follows the runs until they end; else this command takes the lock, opens the store
// and runs the same tasks itself, one after another (a failed task does not stop the others).
//
// Output: one summary line per run on stdout ("vacuum succeeded items=3 bytes=4096
// duration=1.2s: reclaimed 4 KiB"); progress on stderr, a bar on a terminal, else plain lines.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "cli/commands.h"
#include "cli/data_dir_lock.h"
#include "cli/maintenance_stack.h"
#include "cli/serve_parts.h"
#include "cli/wiring/options.h"
#include "http/client.h"

namespace mw::cli {

struct MaintainFlags {
  CommonOptions common;
  std::string target;
  bool dry_run = false;
  std::string server;
  std::string token;
};

namespace {

using MaintainJson = nlohmann::json;

// A bar on a terminal ("\r[#####.....] 52% demand 2026-09-01"), else a plain line at most every
// second and at the end of the work.
class MaintainProgress final : public maintenance::Progress {
 public:
  MaintainProgress(std::string task, bool tty) : task_(std::move(task)), tty_(tty) {}
  ~MaintainProgress() override { Finish(); }
  // Ends the bar's line (before the summary goes to stdout). Idempotent.
  void Finish() {
    if (tty_ && drawn_) std::cerr << "\n" << std::flush;
    drawn_ = false;
  }
  void SetTotal(int64_t total) override { total_ = total; }
  void Update(int64_t done, std::string_view what) override {
    const auto now = std::chrono::steady_clock::now();
    const bool last = total_ > 0 && done >= total_;
    if (done == 0 && what.empty()) return;  // nothing to say yet
    if (!tty_ && !last && now - printed_ < std::chrono::seconds(1)) return;
    printed_ = now;
    std::ostringstream line;
    if (total_ > 0) {
      const int64_t pct = std::min<int64_t>(100, done * 100 / total_);
      if (tty_)
        line << "[" << std::string(pct / 10, '#') << std::string(10 - pct / 10, '.') << "] ";
      line << pct << "% ";
    } else {
      line << done << " ";
    }
    line << what;
    if (tty_) {
      std::string text = task_ + " " + line.str();
      if (text.size() > 100) text.resize(100);
      std::cerr << "\r" << text << "\x1b[K" << std::flush;
      drawn_ = true;
    } else {
      std::cerr << "modelwatch: " << task_ << ": " << line.str() << "\n";
    }
  }

 private:
  std::string task_;
  bool tty_;
  bool drawn_ = false;
  int64_t total_ = 0;
  std::chrono::steady_clock::time_point printed_{};
};

std::string FormatDuration(double seconds) {
  std::ostringstream out;
  out.precision(seconds < 10 ? 2 : 0);
  out << std::fixed << seconds << "s";
  return out.str();
}

void PrintSummary(const std::string& task, const std::string& status, int64_t items, int64_t bytes,
                  double seconds, bool dry_run, const std::string& message) {
  std::cout << task << " " << status << (dry_run ? " (dry run)" : "") << " items=" << items
            << " bytes=" << bytes << " duration=" << FormatDuration(seconds)
            << (message.empty() ? "" : ": " + message) << std::endl;
}

// ---- remote: ask the server that holds the data directory ----

struct MaintainAnswer {
  long status = 0;
  MaintainJson body;
  std::string error;
};

MaintainAnswer Call(const MaintainFlags& f, const std::string& base, const std::string& method,
                    const std::string& route, const std::string& body = "") {
  auto client = http::Client::Create();
  if (!client) return {0, nullptr, client.error().message()};
  http::ClientRequest request;
  request.method = method;
  request.url = base + route;
  request.body = body;
  std::string token = f.token;
  if (token.empty()) {
    if (const char* env = std::getenv("MODELWATCH_TOKEN")) token = env;
  }
  if (!token.empty()) request.headers.push_back("Authorization: Bearer " + token);
  request.headers.push_back("Accept: application/json");
  if (method != "GET") request.headers.push_back("Content-Type: application/json");
  request.timeout_ms = 30'000;
  http::ClientResponse response = (*client)->Send(request);
  if (!response.answered()) return {0, nullptr, request.url + ": " + response.error_summary};
  return {response.status, MaintainJson::parse(response.body, nullptr, false), ""};
}

std::string Detail(const MaintainAnswer& a) {
  if (a.body.is_object() && a.body.contains("detail") && a.body["detail"].is_string()) {
    return a.body["detail"].get<std::string>();
  }
  return "HTTP " + std::to_string(a.status);
}

// Polls one run until it ends; the summary's exit status (0 succeeded, 1 otherwise).
int FollowRun(const MaintainFlags& f, const std::string& base, int64_t id, const std::string& task,
              bool tty) {
  MaintainProgress progress(task, tty);
  while (true) {
    const MaintainAnswer a = Call(f, base, "GET", "/v1/maintenance/runs/" + std::to_string(id));
    if (!a.error.empty() || a.status != 200 || !a.body.is_object()) {
      std::cerr << "modelwatch: cannot follow run " << id << ": "
                << (a.error.empty() ? Detail(a) : a.error) << "\n";
      return 1;
    }
    const std::string status = a.body.value("status", "");
    if (status != "running") {
      progress.Finish();
      const double seconds =
          a.body["duration_seconds"].is_number() ? a.body["duration_seconds"].get<double>() : 0;
      PrintSummary(task, status, a.body.value("items", int64_t{0}),
                   a.body.value("bytes", int64_t{0}), seconds, a.body.value("dry_run", false),
                   a.body.value("message", ""));
      return status == "succeeded" ? 0 : 1;
    }
    const MaintainAnswer tasks = Call(f, base, "GET", "/v1/maintenance/tasks");
    if (tasks.status == 200 && tasks.body.contains("tasks")) {
      for (const auto& t : tasks.body["tasks"]) {
        if (t.value("name", "") != task || !t["running"].is_object()) continue;
        const auto& r = t["running"];
        progress.SetTotal(r.value("total", int64_t{0}));
        progress.Update(r.value("done", int64_t{0}), r.value("what", ""));
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

int RunRemote(const MaintainFlags& f, std::string base, bool tty) {
  while (!base.empty() && base.back() == '/') base.pop_back();
  const std::string body = MaintainJson{{"task", f.target}, {"dry_run", f.dry_run}}.dump();
  const MaintainAnswer a = Call(f, base, "POST", "/v1/maintenance/runs", body);
  if (!a.error.empty()) {
    std::cerr << "modelwatch: cannot reach the server: " << a.error << "\n";
    return 1;
  }
  if (a.status == 422) {
    std::cerr << "modelwatch: " << Detail(a) << "\n";
    return 2;
  }
  if (a.status != 202 || !a.body.is_object() || !a.body["runs"].is_array()) {
    std::cerr << "modelwatch: the server refused: " << Detail(a) << "\n";
    return 1;
  }
  int rc = 0;
  for (const auto& run : a.body["runs"]) {
    if (FollowRun(f, base, run.value("id", int64_t{0}), run.value("task", ""), tty) != 0) rc = 1;
  }
  return rc;
}

// ---- local: take the data directory and run the tasks here ----

int RunLocal(const MaintainFlags& f, const config::Config& config,
             const std::vector<std::string>& wanted, bool is_set, bool tty) {
  auto lock = DataDirLock::Acquire(config.storage.data_dir, "");
  if (!lock.has_value()) {
    std::cerr << "modelwatch: " << lock.error().message() << "\n";
    return 1;
  }
  SystemClock clock;
  telemetry::LoggerOptions lo = LoggerOptionsFromConfig(config.logging, config.LogDir());
  lo.stdout_enabled = false;  // stdout carries the summaries; the runs' lines go to the log file
  telemetry::Logger logger(lo);
  telemetry::MetricsOptions mo;
  mo.system_metrics = false;
  telemetry::Metrics metrics(mo);
  auto store = OpenStore(config, nullptr, nullptr, logger);
  if (!store.has_value()) {
    std::cerr << "modelwatch: cannot open store: " << store.error().message() << "\n";
    return 1;
  }
  int rc = 0;
  {
    QualityEngine quality(config, **store, metrics, clock, nullptr);
    const MaintenanceDeps deps{
        config,  **store, clock,  logger, metrics, quality.quality, quality.evaluator.get(),
        nullptr, nullptr, nullptr};
    auto runner = BuildMaintenanceRunner(deps, nullptr);
    std::vector<std::string> tasks;
    for (const std::string& t : wanted) {
      if (runner->Find(t) != nullptr) {
        tasks.push_back(t);
      } else if (is_set) {
        std::cerr << "modelwatch: note: " << t << " is not available in this build; skipped\n";
      } else {
        std::cerr << "modelwatch: " << maintenance::UnknownTaskMessage(t, runner->names()) << "\n";
        return 2;
      }
    }
    for (const std::string& task : tasks) {
      MaintainProgress progress(task, tty);
      auto run = runner->Run(task, f.dry_run, "cli", progress);
      progress.Finish();
      if (!run.has_value()) {
        std::cerr << "modelwatch: " << task << ": " << run.error().message() << "\n";
        rc = 1;
        continue;
      }
      const double seconds = static_cast<double>(run->finished_at_ms.value_or(run->started_at_ms) -
                                                 run->started_at_ms) /
                             1000;
      PrintSummary(task, run->status, run->items, run->bytes, seconds, run->dry_run, run->message);
      if (run->status != "succeeded") rc = 1;
    }
  }
  (*store)->Close();
  return rc;
}

std::string KnownTargets() {
  std::string s = "daily, weekly, monthly";
  for (std::string_view name : config::kMaintenanceTaskNames) s += ", " + std::string(name);
  return s;
}

}  // namespace

MaintainCommand AddMaintainCommand(CLI::App& app) {
  MaintainCommand c;
  c.flags = std::make_shared<MaintainFlags>();
  MaintainFlags& f = *c.flags;
  c.subcommand = app.add_subcommand(
      "maintain", "Run maintenance now: a set (daily, weekly, monthly) or one task");
  c.subcommand->add_option("target", f.target, "daily, weekly, monthly, or a task name")
      ->required();
  c.subcommand->add_flag("--dry-run", f.dry_run, "Change nothing; report what would be done");
  c.subcommand->add_option("--server", f.server,
                           "Ask this server (default: the one holding the data directory)");
  c.subcommand->add_option("--token", f.token, "Bearer token (default: $MODELWATCH_TOKEN)");
  c.subcommand->add_option("--config", f.common.config_file, "YAML configuration file")
      ->check(CLI::ExistingFile);
  c.subcommand->add_option("--data-dir", f.common.data_dir, "Directory for the database and logs");
  c.subcommand->add_option("--set", f.common.overrides,
                           "Override any configuration key: --set maintenance.keep_versions=5");
  return c;
}

int RunMaintain(const MaintainCommand& command) {
  const MaintainFlags& f = *command.flags;
  auto config = LoadConfigOrReport(f.common);
  if (!config) return 2;
  auto tasks = ExpandMaintenanceTarget(config->maintenance, f.target);
  if (!tasks) {
    std::cerr << "modelwatch: unknown maintenance task \"" << f.target
              << "\" (known: " << KnownTargets() << ")\n";
    return 2;
  }
  const bool tty = ::isatty(STDERR_FILENO) == 1;
  if (!f.server.empty()) return RunRemote(f, f.server, tty);
  if (auto holder = QueryDataDirLock(config->storage.data_dir)) {
    if (holder->address.empty()) {
      std::cerr << "modelwatch: data directory " << config->storage.data_dir << " is in use by pid "
                << holder->pid << " (not a server; try again later)\n";
      return 1;
    }
    return RunRemote(f, holder->address, tty);
  }
  const bool is_set = f.target == "daily" || f.target == "weekly" || f.target == "monthly";
  return RunLocal(f, *config, *tasks, is_set, tty);
}

}  // namespace mw::cli
