#include "telemetry/metrics.h"

#include <exception>
#include <iterator>
#include <mutex>
#include <stdexcept>
#include <utility>

#include "common/names.h"
#include "prometheus/check_names.h"
#include "prometheus/gauge.h"
#include "prometheus/text_serializer.h"

namespace mw::telemetry {
namespace {

bool ValidPrefix(const std::string& p) {
  if (p.empty() || p.back() == '_') return false;
  const char first = p.front();
  if (!((first >= 'a' && first <= 'z') || (first >= 'A' && first <= 'Z') || first == '_')) {
    return false;
  }
  for (char c : p) {
    const bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

Status Metrics::Validate(const MetricsOptions& options) {
  if (!ValidPrefix(options.prefix)) {
    return InvalidArgument("metrics.prefix \"" + options.prefix +
                           "\" must match [a-zA-Z_][a-zA-Z0-9_]* and not end with '_'");
  }
  if (options.prefix == "modelwatch") {
    // modelwatch_* are modelwatch's own families (store, ingest, HTTP server, build): the
    // watched service's families under the same prefix would collide with them.
    return InvalidArgument(
        "metrics.prefix \"modelwatch\" is reserved for modelwatch's own metrics; name the watched "
        "service (e.g. ml)");
  }
  const std::string& label = options.segment_label;
  if (!prometheus::CheckLabelName(label) || label.rfind("__", 0) == 0 || label == "model_type" ||
      label == "version" || label == "metric" || label == "le" || label == "quantile") {
    return InvalidArgument("metrics.segment_label \"" + label +
                           "\" must be a label name ([a-zA-Z_][a-zA-Z0-9_]*, no leading \"__\") "
                           "other than model_type, version, metric, le and quantile");
  }
  if (options.max_segments < 0) {
    return InvalidArgument("metrics.max_segments must be >= 0");
  }
  return Status::Ok();
}

Result<std::unique_ptr<Metrics>> Metrics::Create(const MetricsOptions& options) {
  if (Status s = Validate(options); !s.ok()) return s;
  try {
    return std::make_unique<Metrics>(options);
  } catch (const std::exception& e) {  // prometheus-cpp throws on names it rejects
    return InvalidArgument(std::string("metrics: ") + e.what());
  }
}

namespace {
// Runs first in the constructor's initialiser list, so no family is built from bad options.
const MetricsOptions& Checked(const MetricsOptions& options) {
  if (Status s = Metrics::Validate(options); !s.ok()) throw std::invalid_argument(s.message());
  return options;
}
}  // namespace

Metrics::Metrics(const MetricsOptions& o)
    : options_(Checked(o)),
      prefix_(o.prefix),
      segment_label_(o.segment_label),
      max_segments_(static_cast<size_t>(o.max_segments)),
      registry_(std::make_shared<prometheus::Registry>()) {
  if (o.system_metrics) {
    process_collector_ = std::make_unique<telemetry::ProcessCollector>(o.proc_root);
    host_collector_ = std::make_unique<telemetry::HostCollector>(prefix_, o.data_dir, o.proc_root);
  }
}

void RegisterBuildInfo(Metrics& metrics) {
  prometheus::BuildGauge()
      .Name("modelwatch_build_info")
      .Help("Always 1; the version label identifies the running build.")
      .Register(metrics.registry())
      .Add({{"version", metrics.options().version}})
      .Set(1);
}

Metrics::~Metrics() = default;

std::string Metrics::Serialize() const {
  auto families = registry_->Collect();
  for (const prometheus::Collectable* c :
       {static_cast<const prometheus::Collectable*>(process_collector_.get()),
        static_cast<const prometheus::Collectable*>(host_collector_.get())}) {
    if (c == nullptr) continue;
    auto more = c->Collect();
    families.insert(families.end(), std::make_move_iterator(more.begin()),
                    std::make_move_iterator(more.end()));
  }
  std::string text = prometheus::TextSerializer().Serialize(families);
  // Label values are model, version, segment, feature names...: those stored before names were
  // checked (common/names.h) may hold invalid UTF-8, which the text format forbids (promtool
  // rejects the whole scrape), or control characters. prometheus-cpp escapes only '\\', '"' and
  // '\n', so every raw '\n' is a line end: keep those, replace the rest with U+FFFD.
  if (!IsSafeText(text, "\n")) text = ReplaceUnsafeText(text, "\n");
  return text;
}

bool Metrics::AdmitSegment(std::string_view segment) {
  if (segment.empty()) return true;
  {
    std::shared_lock lock(segments_mutex_);
    if (segments_.find(segment) != segments_.end()) return true;
    if (segments_.size() >= max_segments_) return false;
  }
  std::unique_lock lock(segments_mutex_);
  if (segments_.find(segment) != segments_.end()) return true;
  if (segments_.size() >= max_segments_) return false;
  segments_.emplace(segment);
  return true;
}

}  // namespace mw::telemetry
