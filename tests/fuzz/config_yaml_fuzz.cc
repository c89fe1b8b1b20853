// The configuration file (config/config.h, LoadConfig): `--config` / MODELWATCH_CONFIG. LoadConfig
// reads a path, so the input is written to an in-memory file (memfd) once per run and loaded as
// /proc/self/fd/N: no disk I/O. No environment and no flags.
//
// Checked besides memory safety: a config exactly when there are no errors, and each error names
// a key.
#include <sys/mman.h>
#include <unistd.h>

#include <string>

#include "config/config.h"
#include "fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const int fd = memfd_create("modelwatch-config-fuzz", MFD_CLOEXEC);
  static const std::string path = "/proc/self/fd/" + std::to_string(fd);
  FUZZ_CHECK(fd >= 0);
  FUZZ_CHECK(ftruncate(fd, 0) == 0);
  FUZZ_CHECK(pwrite(fd, data, size, 0) == static_cast<ssize_t>(size));

  mw::config::ConfigSources sources;
  sources.file = path;
  const mw::config::ConfigLoadResult result = mw::config::LoadConfig(sources);
  FUZZ_CHECK(result.config.has_value() == result.errors.empty());
  const std::string formatted = mw::config::FormatConfigErrors(result.errors);
  for (const mw::config::ConfigError& e : result.errors) {
    if (e.key.empty()) std::fputs(formatted.c_str(), stderr);
    FUZZ_CHECK(!e.key.empty());
  }
  return 0;
}
