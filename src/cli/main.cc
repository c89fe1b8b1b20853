// modelwatch command line: owns main() and all wiring.
//   modelwatch serve [--config FILE] [--listen HOST:PORT] [--data-dir DIR]
//   modelwatch registry import DIR [--config FILE] [--data-dir DIR]
//   modelwatch version
// Exit codes: 0 success, 1 runtime failure, 2 bad usage or configuration (the message names the
// flag or key and the reason).
#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>

#include "cli/commands.h"

#ifndef MODELWATCH_VERSION
#define MODELWATCH_VERSION "0.0.0"
#endif

int main(int argc, char** argv) {
  CLI::App app{
      "modelwatch: records ML predictions and their ground truth, measures how the API "
      "and the models behave, and exposes it to Prometheus."};
  app.require_subcommand(1);
  app.set_version_flag("--version", MODELWATCH_VERSION);

  mw::cli::CommonOptions common;
  auto add_common = [&common](CLI::App* sub) {
    sub->add_option("--config", common.config_file, "YAML configuration file")
        ->check(CLI::ExistingFile);
    sub->add_option("--data-dir", common.data_dir, "Directory for the database and logs");
    sub->add_option("--set", common.overrides,
                    "Override any configuration key: --set metrics.prefix=iit (repeatable)");
  };

  auto* serve = app.add_subcommand("serve", "Run the HTTP server");
  add_common(serve);
  serve->add_option("--listen", common.listen, "HOST:PORT to listen on (port 0 = any free port)");

  auto* registry = app.add_subcommand("registry", "Model registry commands");
  registry->require_subcommand(1);
  auto* import = registry->add_subcommand(
      "import", "Import DIR/{model}/{segment}/{version}/metadata.json into the registry");
  add_common(import);
  std::string import_dir;
  import->add_option("DIR", import_dir, "Directory of models")
      ->required()
      ->check(CLI::ExistingDirectory);

  auto* version = app.add_subcommand("version", "Print the version");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    // CLI11 answers --help with 0; every real usage error exits 2 per our convention.
    return rc == 0 ? 0 : 2;
  }

  if (version->parsed()) {
    std::cout << "modelwatch " << MODELWATCH_VERSION << "\n";
    return 0;
  }
  if (serve->parsed()) return mw::cli::RunServe(common, MODELWATCH_VERSION);
  if (import->parsed()) return mw::cli::RunRegistryImport(common, import_dir);
  return 2;
}
