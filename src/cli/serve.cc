#include <signal.h>
#include <sys/resource.h>

#include <cerrno>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <mutex>
#include <thread>

#include "alerting/engine/engine.h"
#include "alerting/notify/channels.h"
#include "alerting/notify/router.h"
#include "alerting/outbox/outbox.h"
#include "api/api.h"
#include "api/metrics/request_observer.h"
#include "api/metrics/service_metrics.h"
#include "cli/commands.h"
#include "cli/data_dir_lock.h"
#include "cli/proxy_stack.h"
#include "cli/serve_maintenance.h"
#include "cli/serve_parts.h"
#include "cli/wiring/options.h"
#include "cli/wiring/proxy_routes.h"
#include "common/clock.h"
#include "monitor/profile_key.h"
#include "store/sqlite_store.h"
#include "store/store.h"
#include "telemetry/background_errors.h"

namespace mw::cli {

std::optional<config::Config> LoadConfigOrReport(const CommonOptions& options) {
  config::ConfigSources sources;
  sources.env = config::ProcessEnvironment();
  if (!options.config_file.empty()) {
    sources.file = options.config_file;
  } else if (auto it = sources.env.find("MODELWATCH_CONFIG"); it != sources.env.end()) {
    sources.file = it->second;  // the file itself may also come from the environment
  }
  for (const auto& kv : options.overrides) {
    const size_t eq = kv.find('=');
    if (eq == std::string::npos || eq == 0) {
      std::cerr << "config error: --set " << kv << ": expected KEY=VALUE\n";
      return std::nullopt;
    }
    sources.flags[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  if (!options.listen.empty()) sources.flags["server.listen"] = options.listen;
  if (!options.data_dir.empty()) sources.flags["storage.data_dir"] = options.data_dir;
  config::ConfigLoadResult loaded = config::LoadConfig(sources);
  if (!loaded.errors.empty() || !loaded.config) {
    std::cerr << config::FormatConfigErrors(loaded.errors);
    return std::nullopt;
  }
  return std::move(loaded.config);
}

namespace {

// Blocks SIGINT/SIGTERM in every thread (call before starting any), so the main thread can take
// them synchronously with sigwait instead of running code in a signal handler.
sigset_t BlockTerminationSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  return set;
}

// The rules the engine evaluates: alerting.rules_file, or the shipped rules compiled in. On a bad
// file prints every problem (file:line: reason) and returns nullopt (exit 2, like config errors).
std::optional<alerting::RuleSet> LoadAlertRules(const config::Config& config) {
  const alerting::RuleOptions options{config.metrics.segment_label};
  std::vector<alerting::RuleError> errors;
  const std::string& file = config.alerting.rules_file;
  auto rules = file.empty() ? alerting::LoadRules(alerting::DefaultRulesYaml(),
                                                  "<built-in default rules>", options, &errors)
                            : alerting::LoadRulesFile(file, options, &errors);
  if (rules) return std::move(*rules);
  std::cerr << "config error: alerting.rules_file: "
            << (file.empty() ? "the built-in rules do not load" : "'" + file + "' is not valid")
            << "\n";
  if (errors.empty()) std::cerr << "  " << rules.error().message() << "\n";
  for (const auto& e : errors) {
    std::cerr << "  " << alerting::FormatRuleError(file.empty() ? "<built-in>" : file, e) << "\n";
  }
  return std::nullopt;
}

// Every connection takes a file descriptor, and the usual soft limit (1024) is far below what
// server.max_connections allows: raises the soft RLIMIT_NOFILE to the hard limit and logs both
// values; warns when the connections cap does not fit under the result.
void RaiseOpenFileLimit(const config::Config& config, telemetry::Logger& logger) {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) {
    logger.Warn("cannot read the open-file limit", {{"error.message", std::strerror(errno)}});
    return;
  }
  const rlim_t previous = limit.rlim_cur;
  std::string error;
  if (limit.rlim_cur != limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &limit) != 0) {
      error = std::strerror(errno);
      limit.rlim_cur = previous;
    }
  }
  const auto as_json = [](rlim_t v) -> telemetry::LogFields {
    if (v == RLIM_INFINITY) return "unlimited";
    return static_cast<uint64_t>(v);
  };
  telemetry::LogFields fields = {{"process.nofile.previous", as_json(previous)},
                                 {"process.nofile.current", as_json(limit.rlim_cur)},
                                 {"process.nofile.hard", as_json(limit.rlim_max)}};
  if (!error.empty()) {
    fields["error.message"] = error;
    logger.Warn("cannot raise the open-file limit", fields);
  } else {
    logger.Info("open-file limit", fields);
  }
  // Descriptors the process needs besides connections: databases and their WAL files, logs,
  // the event loop, /proc reads.
  constexpr uint64_t kReservedDescriptors = 64;
  const auto cap = static_cast<uint64_t>(config.server.max_connections);
  if (limit.rlim_cur != RLIM_INFINITY && cap + kReservedDescriptors > limit.rlim_cur) {
    logger.Warn(
        "server.max_connections does not fit under the open-file limit: accepting will fail "
        "(EMFILE) before the cap answers 503; raise the hard limit (ulimit -Hn, LimitNOFILE=) or "
        "lower server.max_connections",
        {{"server.max_connections", config.server.max_connections},
         {"process.nofile.current", static_cast<uint64_t>(limit.rlim_cur)}});
  }
}

// Alerting: the rule engine hands alert events to the router, which queues notifications in the
// durable outbox (<data_dir>/outbox.db), whose sender delivers them to the channels.
struct AlertingStack {
  std::unique_ptr<alerting::Channels> channels;
  std::unique_ptr<alerting::Outbox> outbox;
  std::unique_ptr<alerting::NotificationRouter> router;
  std::unique_ptr<alerting::RuleEngine> engine;

  void Start() {
    outbox->Start();
    router->Start();
    engine->Start();
  }
  void Stop() {
    engine->Stop();
    router->Stop();
    outbox->Stop();
  }
};

// Everything the alerting stack shares with the rest of the server.
struct AlertingDeps {
  const config::Config& config;
  const Clock& clock;
  telemetry::Metrics&
      metrics;  // the registry its families go on, and the scrape the engine samples
  telemetry::Logger& logger;
  BackgroundErrorReporter* errors;
  monitor::Evaluator* evaluator;  // may be null
};

// Opens the rule engine and its state (<data_dir>/alerts.db), sampling the metrics exposition.
Result<std::unique_ptr<alerting::RuleEngine>> OpenRuleEngine(alerting::RuleSet rules,
                                                             const AlertingDeps& d,
                                                             alerting::NotificationRouter* router) {
  const std::filesystem::path data_dir(d.config.storage.data_dir);
  alerting::EngineOptions eo;
  eo.state_path = (data_dir / "alerts.db").string();
  eo.metrics_prefix = d.config.metrics.prefix;
  eo.default_interval_ms = d.config.alerting.evaluation_interval_seconds * 1000;
  eo.history_retention_ms = d.config.alerting.history_retention_days * 86400 * 1000;
  eo.external_url = d.config.alerting.external_url;
  eo.registry = &d.metrics.registry();
  eo.errors = d.errors;
  // The quality gauges exist only after the evaluator's first pass: until then a restored
  // drift alert must not resolve for want of data.
  if (monitor::Evaluator* quality_evaluator = d.evaluator) {
    eo.sources_ready = [quality_evaluator] { return quality_evaluator->status().passes > 0; };
  }
  telemetry::Metrics& metrics = d.metrics;
  return alerting::RuleEngine::Open(
      std::move(rules), [&metrics] { return metrics.Serialize(); }, router, d.clock, eo);
}

// Builds the stack into `out`; false (after printing why) when the outbox or the alert state
// cannot be opened.
bool BuildAlerting(AlertingStack& out, alerting::RuleSet rules, const AlertingDeps& d) {
  const config::Config& config = d.config;
  out.channels = std::make_unique<alerting::Channels>(config.alerting.channels, d.clock);
  alerting::OutboxOptions oo;
  oo.path = (std::filesystem::path(config.storage.data_dir) / "outbox.db").string();
  oo.max_age_ms = config.alerting.notification_max_age_seconds * 1000;
  oo.registry = &d.metrics.registry();
  oo.errors = d.errors;
  auto opened = alerting::Outbox::Open(oo, d.clock, *out.channels);
  if (!opened) {
    std::cerr << "modelwatch: cannot open the notification outbox: " << opened.error().message()
              << "\n";
    return false;
  }
  out.outbox = std::move(*opened);
  alerting::RouterOptions ro;
  ro.external_url = config.alerting.external_url;
  ro.evaluation_interval_ms = config.alerting.evaluation_interval_seconds * 1000;
  ro.segment_label = config.metrics.segment_label;
  ro.errors = d.errors;
  ro.on_error = [&logger = d.logger](const Status& s) {
    logger.Error("cannot queue a notification", {{"error.message", s.message()}});
  };
  out.router =
      std::make_unique<alerting::NotificationRouter>(config.alerting, *out.outbox, d.clock, ro);
  auto engine = OpenRuleEngine(std::move(rules), d, out.router.get());
  if (!engine) {
    std::cerr << "modelwatch: cannot open the alert state: " << engine.error().message() << "\n";
    return false;
  }
  out.engine = std::move(*engine);
  return true;
}

// Training-metric gauges of the latest versions, so they are exported right after a restart.
void RecordLatestVersions(const store::Store& store, api::ModelVersionMetrics& metrics) {
  auto models = store.ListModels();
  if (!models) return;
  for (const auto& model : *models) {
    auto versions = store.ListModelVersions(model.name);
    if (!versions) continue;
    for (const auto& v : *versions) {
      if (v.is_latest) metrics.Record(v);
    }
  }
}

// Refreshes the store gauges (row counts, sizes, pool) and the profile-cache gauges every 10 s
// off the request path, from construction until Stop (or destruction).
class GaugeRefresher {
 public:
  GaugeRefresher(const store::Store& store, api::StoreMetrics& store_metrics,
                 QualityEngine& quality, BackgroundErrorReporter* errors)
      : thread_([this, &store, &store_metrics, &quality, errors] {
          std::unique_lock lock(mu_);
          do {
            lock.unlock();
            RunBackgroundPass(errors, "gauge_refresher", [&] {
              if (auto stats = store.Stats()) store_metrics.Update(*stats);
              std::map<std::string, int64_t> loaded;
              for (const std::string& key : quality.profiles.Keys()) {
                ++loaded[monitor::ProfileKey::Decode(key).model];
              }
              quality.gauges.SetCache(loaded, quality.profiles.hits(), quality.profiles.misses(),
                                      quality.profiles.evictions());
            });
            lock.lock();
          } while (!cv_.wait_for(lock, std::chrono::seconds(10), [this] { return stopping_; }));
        }) {}
  ~GaugeRefresher() { Stop(); }

  void Stop() {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;  // last: starts once the members it uses exist
};

void AnnounceListening(const config::Config& config, uint16_t port, const std::string& version,
                       telemetry::Logger& logger) {
  logger.Info("listening", {{"server.address", config.server.host},
                            {"server.port", port},
                            {"service.version", version},
                            {"storage.data_dir", config.storage.data_dir}});
  // The readiness line tests and scripts wait for (stderr, plain text, always printed).
  std::cerr << "modelwatch listening on " << config.server.host << ":" << port << std::endl;
}

void AnnounceProxy(const config::Config& config, uint16_t port, telemetry::Logger& logger) {
  logger.Info("proxy listening", {{"server.address", config.proxy.listen_host},
                                  {"server.port", port},
                                  {"proxy.upstream", config.proxy.upstream}});
  // Printed before the "modelwatch listening" line, which tests wait for.
  std::cerr << "modelwatch proxy listening on " << config.proxy.listen_host << ":" << port
            << " (upstream " << config.proxy.upstream << ")" << std::endl;
}

// What config validation cannot check without the proxy's parsers (route templates, the Redis
// URL): printed as config errors (exit 2) before anything starts.
bool ProxyConfigValid(const config::Config& config) {
  if (!config.proxy.enabled()) return true;
  const auto errors = CheckProxy(config.proxy);
  if (errors.empty()) return true;
  std::cerr << config::FormatConfigErrors(errors);
  return false;
}

// Binds the proxy's listener and announces it; false (after saying why) when it cannot.
bool StartProxy(ProxyStack& proxy, const config::Config& config, telemetry::Logger& logger) {
  std::string error;
  if (!proxy.Start(&error)) {
    logger.Error("cannot start the proxy", {{"error.message", error}});
    std::cerr << "modelwatch: proxy: " << error << "\n";
    return false;
  }
  AnnounceProxy(config, proxy.port(), logger);
  return true;
}

// True when the store opened and the model catalog loaded from it; else says why.
bool StoreReady(const Result<std::unique_ptr<store::Store>>& store, api::ModelCatalog& catalog,
                telemetry::Logger& logger) {
  if (!store) {
    logger.Error("cannot open store", {{"error.message", store.error().message()}});
    std::cerr << "modelwatch: cannot open store: " << store.error().message() << "\n";
    return false;
  }
  if (Status s = catalog.Load(**store); !s.ok()) {
    std::cerr << "modelwatch: cannot read the registry: " << s.message() << "\n";
    return false;
  }
  return true;
}

// The proxy stack when proxy.upstream is set (else `*out` stays null), with its parts handed to
// /health's context; false after printing why it cannot be built.
bool BuildProxy(const config::Config& config, telemetry::Metrics& metrics, const Clock& clock,
                BackgroundErrorReporter* errors, telemetry::Logger& logger, api::ApiContext& ctx,
                std::unique_ptr<ProxyStack>* out) {
  if (!config.proxy.enabled()) return true;
  std::string error;
  *out = ProxyStack::Build(config, metrics, ctx.ingest, clock, errors, logger, &error);
  if (!*out) {
    std::cerr << "modelwatch: cannot set up the proxy: " << error << "\n";
    return false;
  }
  ctx.health.upstream = (*out)->prober();
  ctx.health.upstream_url = config.proxy.upstream;
  ctx.health.cache_redis_up = (*out)->cache_redis_up();
  return true;
}

// Waits for SIGINT or SIGTERM (blocked in every thread by BlockTerminationSignals) and returns it.
int WaitForTermination(const sigset_t& signals) {
  int sig = 0;
  sigwait(&signals, &sig);
  return sig;
}

// /health's context without the proxy's parts (set once the proxy is built).
api::HealthContext HealthContextFor(const config::Config& config, store::Store& store,
                                    api::ModelCatalog& catalog, const telemetry::Metrics& metrics,
                                    const Clock& clock, const std::string& version) {
  api::HealthContext h;
  h.storage = &config.storage;
  h.redis = &config.redis;
  h.store = &store;
  h.catalog = &catalog;
  h.metrics = &metrics;
  h.clock = &clock;
  h.version = version;
  h.started_at_ms = clock.NowMillis();
  return h;
}

// What the maintenance tasks use, from the running parts (alerting's pointers are null when it
// is off).
MaintenanceDeps MaintenanceDepsFor(const config::Config& config, store::Store& store,
                                   const Clock& clock, telemetry::Logger& logger,
                                   telemetry::Metrics& metrics, QualityEngine& quality,
                                   AlertingStack& alerting) {
  return {config,
          store,
          clock,
          logger,
          metrics,
          quality.quality,
          quality.evaluator.get(),
          alerting.engine.get(),
          alerting.outbox.get(),
          alerting.router.get()};
}

// The running parts the HTTP handlers' contexts point at.
struct ServeParts {
  const config::Config& config;
  store::Store& store;
  api::ModelCatalog& catalog;
  api::ServiceMetrics& metrics;
  QualityEngine& quality;
  AlertingStack& alerting;
  auth::Authenticator& auth;
  boost::asio::thread_pool& workers;
  telemetry::Logger& logger;
  const Clock& clock;
  const std::string& version;
};

// Every handler context but maintenance's (which the maintenance part gives).
api::ApiContext ApiContextFor(const ServeParts& p) {
  api::ApiContext ctx;
  ctx.auth = &p.auth;
  ctx.ingest = {&p.config.ingest, &p.store, &p.metrics.ingest, &p.catalog, &p.clock};
  ctx.registry = {&p.store, &p.catalog, &p.metrics.models, &p.logger, &p.clock};
  ctx.quality = {&p.config.quality,         &p.store,   &p.quality.quality, &p.quality.profiles,
                 p.quality.evaluator.get(), &p.workers, &p.logger,          &p.clock};
  ctx.alerts = {p.alerting.engine.get()};
  ctx.reports = {p.config.ReportsDir(),
                 p.config.metrics.segment_label,
                 &p.store,
                 &p.quality.quality,
                 p.alerting.engine.get(),
                 &p.workers,
                 &p.clock};
  ctx.health = HealthContextFor(p.config, p.store, p.catalog, p.metrics.core, p.clock, p.version);
  ctx.retrain = {&p.store};
  return ctx;
}

// Starts the API's listener, then the proxy's (when configured); false (logged, the API stopped
// again) when either cannot start.
bool StartListening(http::Server& server, ProxyStack* proxy, const config::Config& config,
                    telemetry::Logger& logger) {
  std::string error;
  if (!server.Start(&error)) {
    logger.Error("cannot start HTTP server", {{"error.message", error}});
    std::cerr << "modelwatch: " << error << "\n";
    return false;
  }
  if (proxy != nullptr && !StartProxy(*proxy, config, logger)) {
    server.Stop();
    return false;
  }
  return true;
}

// Graceful: no new connections, idle keep-alive connections are closed, and every response from
// now on closes its connection; the requests already being read are stored and answered (bounded
// wait for every connection to close, so none can bring a request after the store closed); then
// the background work stops, the store drains and closes, and the I/O threads stop.
void ShutDown(http::Server& server, telemetry::Logger& logger, QualityEngine& quality,
              AlertingStack* alerting, boost::asio::thread_pool& workers, store::Store& store,
              ServeMaintenance& maintenance) {
  server.StopAccepting();
  if (!server.WaitIdle(std::chrono::seconds(10))) {
    logger.Warn("shutdown: connections still open after 10 s", {});
  }
  // Maintenance first: a running task stops between units of work, before the parts it uses.
  maintenance.Stop();
  if (quality.evaluator) quality.evaluator->Stop();
  if (alerting != nullptr) alerting->Stop();
  workers.join();
  store.Close();
  server.Stop();
  logger.Info("stopped", {});
  logger.Flush();
}

}  // namespace

int RunServe(const CommonOptions& options, const std::string& version) {
  auto config = LoadConfigOrReport(options);
  if (!config) return 2;
  if (!ProxyConfigValid(*config)) return 2;
  std::optional<alerting::RuleSet> alert_rules;
  if (config->alerting.enabled) {
    alert_rules = LoadAlertRules(*config);
    if (!alert_rules) return 2;
  }
  const sigset_t signals = BlockTerminationSignals();
  SystemClock clock;

  // One process per data directory (the address is filled in once the port is known).
  auto dir_lock = DataDirLock::Acquire(config->storage.data_dir, "");
  if (!dir_lock.has_value()) {
    std::cerr << "modelwatch: " << dir_lock.error().message() << "\n";
    return 1;
  }
  telemetry::Logger logger(LoggerOptionsFromConfig(config->logging, config->LogDir()));
  RaiseOpenFileLimit(*config, logger);
  api::ServiceMetrics metrics(MetricsOptionsFromConfig(*config, version));
  // Every background thread reports a pass that threw here (logged and counted), and goes on.
  telemetry::BackgroundErrorLog background_errors(&logger, &metrics.background_errors);
  logger.SetBackgroundErrorReporter(&background_errors);
  struct ReporterReset {  // the flusher must not report into background_errors once it is gone
    telemetry::Logger& logger;
    ~ReporterReset() { logger.SetBackgroundErrorReporter(nullptr); }
  } reporter_reset{logger};
  auto store = OpenStore(*config, &metrics.store, &background_errors, logger);
  api::ModelCatalog catalog;
  if (!StoreReady(store, catalog, logger)) return 1;
  RecordLatestVersions(**store, metrics.models);
  auth::Authenticator auth(config->auth.tokens);
  QualityEngine quality(*config, **store, metrics.core, clock, &background_errors);
  boost::asio::thread_pool workers(2);
  AlertingStack alerting;
  if (alert_rules && !BuildAlerting(alerting, std::move(*alert_rules),
                                    {*config, clock, metrics.core, logger, &background_errors,
                                     quality.evaluator.get()})) {
    return 1;
  }
  AlertingStack* const alerts = alert_rules ? &alerting : nullptr;
  const MaintenanceDeps maintenance_deps =
      MaintenanceDepsFor(*config, **store, clock, logger, metrics.core, quality, alerting);
  auto maintenance = ServeMaintenance::Build(maintenance_deps);
  if (!maintenance) return 2;

  api::ApiContext ctx = ApiContextFor({*config, **store, catalog, metrics, quality, alerting, auth,
                                       workers, logger, clock, version});
  ctx.maintenance = maintenance->Context(maintenance_deps);
  std::unique_ptr<ProxyStack> proxy;
  if (!BuildProxy(*config, metrics.core, clock, &background_errors, logger, ctx, &proxy)) return 1;
  http::Router router;
  api::RegisterRoutes(router, ctx);
  // The logger is attached even with the access log off (RequestObserver skips access lines
  // then): connection warnings still need it.
  api::RequestObserver request_observer(&metrics.requests, &metrics.connections, &logger);
  http::Server server(ServerOptionsFromConfig(config->server, &request_observer), router);
  if (!StartListening(server, proxy.get(), *config, logger)) return 1;
  if (Status s = dir_lock->SetAddress(LocalServerUrl(config->server.host, server.port()));
      !s.ok()) {
    logger.Warn("cannot write the data directory's lock file", {{"error.message", s.message()}});
  }
  AnnounceListening(*config, server.port(), version, logger);

  if (quality.evaluator) quality.evaluator->Start();
  if (alerts != nullptr) alerts->Start();
  maintenance->Start();
  GaugeRefresher refresher(**store, metrics.store, quality, &background_errors);

  const int sig = WaitForTermination(signals);
  logger.Info("shutting down", {{"signal", sig == SIGINT ? "SIGINT" : "SIGTERM"}});
  refresher.Stop();
  // The proxy first: its captured events drain into the store before the store closes.
  if (proxy) proxy->Shutdown(logger);
  ShutDown(server, logger, quality, alerts, workers, **store, *maintenance);
  return 0;
}

}  // namespace mw::cli
