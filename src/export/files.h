// Generated files of `modelwatch export`: each is a path relative to the output directory and its
// whole content, so generators stay pure (tests read the text without touching the disk) and
// writing is one separate step.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace mw::exporting {

struct GeneratedFile {
  std::string path;  // relative, '/'-separated, no ".." (e.g. "rules/modelwatch.rules.yml")
  std::string content;
  bool secret = false;  // readable by the owner only (mode 0600), e.g. a scrape token
};

// Writes every file under `dir`, creating directories as needed; an existing file is replaced
// atomically (written to a temporary sibling, then renamed), so Prometheus or Grafana reloading
// at the same moment never reads half a file. OK, kInvalidArgument for a path that is absolute or
// contains "..", kUnavailable naming the path when the file system refuses. Files written before
// a failure stay written.
Status WriteFiles(std::string_view dir, const std::vector<GeneratedFile>& files);

// True when `name` is a valid Prometheus metric-name prefix or label name
// ([a-zA-Z_][a-zA-Z0-9_]*). The exporters check the configured prefix and segment label with it
// so a bad value cannot produce PromQL that means something else.
bool IsPrometheusName(std::string_view name);

}  // namespace mw::exporting
