// modelwatch registry import DIR: reads DIR/{model}/{segment}/{version}/metadata.json (see
// registry/import.h) and writes models and versions into the configured store. Files that cannot be
// read are reported and skipped; the rest is imported. Exit 0 when everything was imported, 1 when
// some files failed, 2 for bad configuration.
#include <filesystem>
#include <iostream>

#include "cli/commands.h"
#include "cli/wiring/options.h"
#include "common/clock.h"
#include "registry/import.h"
#include "store/sqlite_store.h"
#include "store/store.h"
#include "telemetry/logging.h"

namespace mw::cli {

int RunRegistryImport(const CommonOptions& options, const std::string& dir) {
  auto config = LoadConfigOrReport(options);
  if (!config) return 2;
  SystemClock clock;
  std::error_code ec;
  std::filesystem::create_directories(config->storage.data_dir, ec);
  if (ec) {
    std::cerr << "modelwatch: cannot create data directory '" << config->storage.data_dir
              << "': " << ec.message() << "\n";
    return 1;
  }
  config::Config::Logging log_config = config->logging;
  log_config.stdout_enabled = false;  // this command reports on stdout itself
  telemetry::Logger logger(LoggerOptionsFromConfig(log_config, config->LogDir()));

  const registry::ImportResult scanned = registry::ScanModelDirectory(dir);
  for (const auto& e : scanned.errors) {
    std::cerr << "import error: " << e.path.string() << ": " << e.reason << "\n";
  }

  store::SqliteStoreOptions so;
  so.path = (std::filesystem::path(config->storage.data_dir) / "modelwatch.db").string();
  so.synchronous_full = config->storage.sqlite_synchronous == "full";
  auto store = store::OpenSqliteStore(so);
  if (!store) {
    std::cerr << "modelwatch: cannot open store: " << store.error().message() << "\n";
    return 1;
  }
  const int64_t now = clock.NowMillis();
  int failures = static_cast<int>(scanned.errors.size());
  for (registry::ModelInfo model : scanned.models) {
    // Never downgrade a registered task to "unknown" because a metadata file does not state it.
    if (model.task == registry::ModelTask::kUnknown) {
      if (auto existing = (*store)->GetModel(model.name); existing) continue;
    }
    model.updated_at_ms = now;
    if (model.created_at_ms == 0) model.created_at_ms = now;
    if (Status s = (*store)->UpsertModel(model); !s.ok()) {
      std::cerr << "import error: model " << model.name << ": " << s.message() << "\n";
      ++failures;
      continue;
    }
    logger.Audit("cli", "model.import", model.name,
                 {{"task", std::string(registry::ModelTaskName(model.task))}, {"source", dir}});
  }
  int imported = 0;
  for (registry::ModelVersionInfo version : scanned.versions) {
    if (version.created_at_ms == 0) version.created_at_ms = now;
    if (Status s = (*store)->UpsertModelVersion(version); !s.ok()) {
      std::cerr << "import error: " << version.model << "/" << version.segment << "/"
                << version.version << ": " << s.message() << "\n";
      ++failures;
      continue;
    }
    ++imported;
    logger.Audit("cli", "model_version.import", version.model + "/" + version.version,
                 {{"segment", version.segment}, {"latest", version.is_latest}, {"source", dir}});
  }
  (*store)->Close();
  std::cout << "imported " << scanned.models.size() << " model(s), " << imported
            << " version(s) from " << dir;
  if (failures > 0) std::cout << "; " << failures << " error(s)";
  std::cout << "\n";
  return failures > 0 ? 1 : 0;
}

}  // namespace mw::cli
