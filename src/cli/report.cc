// modelwatch report --model M --period weekly|monthly [--end YYYY-MM-DD] --out FILE
//                   [--format html|md] [--server URL] [--token T] [--config FILE] [--data-dir DIR]
//
// One performance report (maintenance/report/report.h) written to FILE (atomically).
// Where the data comes from: the embedded store belongs to the server process, so the command
// first asks a server — --server, else the one holding the data directory's lock, else the
// configured server.host:server.port — for
// GET /v1/models/{model}/report (the server renders it, with its alert history). Only when no
// server answers at all (connection refused, nothing listening) does it open the data
// directory's store itself and render locally; the alert section then says it is unavailable
// (alert history is read through a running rule engine). An answer other than 200 is reported
// and is not retried locally.
// Exit 0 written, 1 failure (unknown model, server error, unwritable FILE), 2 bad usage.
#include "maintenance/report/report.h"

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/data_dir_lock.h"
#include "cli/wiring/options.h"
#include "common/clock.h"
#include "http/client.h"
#include "maintenance/report/report_loader.h"
#include "maintenance/report_task.h"
#include "monitor/service.h"
#include "profile/profile_cache.h"
#include "store/sqlite_store.h"

namespace mw::cli {
namespace {

std::string ServerUrl(const ReportCommandOptions& o, const config::Config& config) {
  std::string url = o.server;
  // The server holding the data directory says where it listens (cli/data_dir_lock.h).
  if (url.empty()) {
    if (auto holder = QueryDataDirLock(config.storage.data_dir);
        holder && !holder->address.empty()) {
      url = holder->address;
    }
  }
  if (url.empty()) {
    const std::string host = config.server.host == "0.0.0.0" || config.server.host.empty()
                                 ? "127.0.0.1"
                                 : config.server.host;
    url = "http://" + host + ":" + std::to_string(config.server.port);
  }
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

// The report from a server: the body of a 200; nullopt with `*unanswered` set when nothing
// answered; nullopt after printing the problem otherwise.
std::optional<std::string> FromServer(const ReportCommandOptions& o, const std::string& server,
                                      bool* unanswered) {
  *unanswered = false;
  auto client = http::Client::Create();
  if (!client) {
    *unanswered = true;
    return std::nullopt;
  }
  http::ClientRequest get;
  get.url = server + "/v1/models/" + http::UrlEscape(o.model) + "/report?period=" + o.period +
            "&format=" + o.format + (o.end.empty() ? "" : "&end=" + o.end);
  std::string token = o.token;
  if (const char* env = std::getenv("MODELWATCH_TOKEN"); token.empty() && env != nullptr) {
    token = env;
  }
  if (!token.empty()) get.headers.push_back("Authorization: Bearer " + token);
  get.timeout_ms = 300'000;
  get.connect_timeout_ms = 3'000;
  http::ClientResponse response = (*client)->Send(get);
  if (!response.answered()) {
    *unanswered = true;
    return std::nullopt;
  }
  if (response.status != 200) {
    std::string detail = response.body;
    auto body = nlohmann::json::parse(response.body, nullptr, false);
    if (body.is_object() && body.contains("detail") && body["detail"].is_string()) {
      detail = body["detail"].get<std::string>();
    }
    std::cerr << "modelwatch: " << server << " answered " << response.status << ": " << detail
              << "\n";
    return std::nullopt;
  }
  return std::move(response.body);
}

// The report rendered here from the data directory's store.
std::optional<std::string> Locally(const ReportCommandOptions& o, const config::Config& config) {
  const std::filesystem::path db = std::filesystem::path(config.storage.data_dir) / "modelwatch.db";
  if (!std::filesystem::exists(db)) {
    std::cerr << "modelwatch: no server answered and there is no store at " << db.string() << "\n";
    return std::nullopt;
  }
  // The store belongs to one process: refuse while another one (a server on another address)
  // holds the data directory.
  auto lock = DataDirLock::Acquire(config.storage.data_dir, "");
  if (!lock) {
    std::cerr << "modelwatch: " << lock.error().message() << "; pass its address with --server\n";
    return std::nullopt;
  }
  store::SqliteStoreOptions so;
  so.path = db.string();
  so.synchronous_full = config.storage.sqlite_synchronous == "full";
  auto store = store::OpenSqliteStore(so);
  if (!store) {
    std::cerr << "modelwatch: cannot open store: " << store.error().message() << "\n";
    return std::nullopt;
  }
  SystemClock clock;
  profile::ProfileCache profiles(static_cast<size_t>(config.quality.profile_cache_size));
  monitor::QualityService quality(**store, profiles, QualityServiceOptions(config.quality), clock);
  maintenance::ReportSources sources{**store, quality, nullptr};
  sources.alerts_unavailable =
      "no server was running (alert history is read from a running server)";
  const auto period = *maintenance::ParseReportPeriod(o.period);
  const int64_t now = clock.NowMillis();
  std::optional<int64_t> end;
  if (!o.end.empty()) end = maintenance::ParseDay(o.end);
  auto data = maintenance::LoadReport(
      sources, {o.model, period, maintenance::PeriodWindow(period, now, end), now});
  (*store)->Close();
  if (!data.has_value()) {
    std::cerr << "modelwatch: " << data.error().message() << "\n";
    return std::nullopt;
  }
  return o.format == "md" ? maintenance::RenderReportMarkdown(*data)
                          : maintenance::RenderReportHtml(*data);
}

}  // namespace

int RunReport(const CommonOptions& common, const ReportCommandOptions& o) {
  if (!maintenance::ParseReportPeriod(o.period)) {
    std::cerr << "modelwatch: --period must be weekly or monthly\n";
    return 2;
  }
  if (!o.end.empty() && !maintenance::ParseDay(o.end)) {
    std::cerr << "modelwatch: --end must be a day YYYY-MM-DD (UTC)\n";
    return 2;
  }
  if (o.format != "html" && o.format != "md") {
    std::cerr << "modelwatch: --format must be html or md\n";
    return 2;
  }
  auto config = LoadConfigOrReport(common);
  if (!config) return 2;
  const std::string server = ServerUrl(o, *config);
  bool unanswered = false;
  std::optional<std::string> text = FromServer(o, server, &unanswered);
  if (!text && unanswered) {
    std::cerr << "modelwatch: no server at " << server << "; reading " << config->storage.data_dir
              << "\n";
    text = Locally(o, *config);
  }
  if (!text) return 1;
  if (Status s = maintenance::WriteFileAtomically(o.out, *text); !s.ok()) {
    std::cerr << "modelwatch: " << s.message() << "\n";
    return 1;
  }
  std::cout << "wrote " << o.out << " (" << text->size() << " bytes)\n";
  return 0;
}

}  // namespace mw::cli
