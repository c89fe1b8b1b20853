// Subcommand implementations; main.cc parses flags and dispatches here.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "config/config.h"

namespace mw::cli {

struct CommonOptions {
  std::string config_file;
  std::string data_dir;
  std::string listen;
  std::vector<std::string> overrides;  // "key=value"
};

// Loads the configuration from file, environment and flags. On error prints every problem to
// stderr ("config error: <key>: <reason>") and returns nullopt (the caller exits 2).
std::optional<Config> LoadConfigOrReport(const CommonOptions& options);

int RunServe(const CommonOptions& options, const std::string& version);
int RunRegistryImport(const CommonOptions& options, const std::string& dir);

}  // namespace mw::cli
