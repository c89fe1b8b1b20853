#include "maintenance/report/report_loader.h"

#include <algorithm>
#include <cmath>

#include "monitor/assessment.h"
#include "monitor/task_inference.h"

namespace mw::maintenance {
namespace {

constexpr int64_t kLoaderDayMs = 86'400'000;
// Histograms are drawn for every drifted feature up to this many, else for the top two by score.
constexpr size_t kMaxDriftHistograms = 8;
constexpr size_t kUndriftedHistograms = 2;

double Quantile(std::span<const double> sorted, double q) {
  if (sorted.empty()) return 0;
  const double pos = q * static_cast<double>(sorted.size() - 1);
  const size_t i = static_cast<size_t>(pos);
  const double frac = pos - static_cast<double>(i);
  return i + 1 < sorted.size() ? sorted[i] * (1 - frac) + sorted[i + 1] * frac : sorted[i];
}

// The metrics charted for a task: those with a training value (the primary one first), else the
// primary one alone.
std::vector<std::string> ChartedMetrics(registry::ModelTask task,
                                        const std::map<std::string, double>& training) {
  const std::string primary(monitor::PrimaryMetric(task));
  const std::vector<std::string> candidates =
      task == registry::ModelTask::kRegression
          ? std::vector<std::string>{"mae", "rmse", "mape", "r2"}
          : std::vector<std::string>{"auc", "log_loss", "brier", "accuracy", "f1"};
  std::vector<std::string> out = {primary};
  for (const std::string& m : candidates) {
    if (m != primary && training.contains(m)) out.push_back(m);
  }
  return out;
}

std::vector<MetricSeries> LoadMetrics(const ReportData& data, registry::ModelTask task,
                                      std::span<const monitor::Row> rows,
                                      const monitor::QualityService::VersionChoice& choice,
                                      const monitor::QualitySettings& settings) {
  const monitor::PerformanceResult period = monitor::ComputePerformance(
      task, rows, choice.training_metrics, choice.version, data.model, settings);
  std::vector<MetricSeries> out;
  for (const std::string& name : ChartedMetrics(task, choice.training_metrics)) {
    MetricSeries m;
    m.metric = name;
    if (auto it = choice.training_metrics.find(name); it != choice.training_metrics.end()) {
      m.training_value = it->second;
    }
    m.period_value = monitor::MetricValue(period, name);
    m.status = period.status == "ok" ? "no_training_metric" : period.status;
    for (const stats::PerformanceDrift& d : period.drift) {
      if (d.metric != name) continue;
      m.status = d.status;
      if (d.degradation) m.degradation_pct = *d.degradation * 100.0;
    }
    out.push_back(std::move(m));
  }
  // Rows are in time order: each bucket is a contiguous span, evaluated once for every metric.
  size_t begin = 0;
  for (int64_t start = data.from_ms; start < data.to_ms; start += data.bucket_ms) {
    size_t end = begin;
    while (end < rows.size() && rows[end].created_at_ms < start + data.bucket_ms) ++end;
    const monitor::PerformanceResult r =
        monitor::ComputePerformance(task, rows.subspan(begin, end - begin), {}, "", "", settings);
    for (MetricSeries& m : out) {
      ReportPoint p{start, r.with_actual, std::nullopt};
      if (r.status == "ok") p.value = monitor::MetricValue(r, m.metric);
      m.points.push_back(p);
    }
    begin = end;
  }
  return out;
}

std::vector<HistogramBin> BinsOf(const profile::FeatureProfile& ref,
                                 const profile::CurrentColumns& columns, size_t index) {
  if (ref.type == profile::FeatureType::kNumeric) {
    return NumericHistogram(ref.numeric.sorted, columns.numeric[index].sorted);
  }
  return CategoricalHistogram(ref.categorical.counts, columns.categorical[index].counts);
}

// The drift part of one segment: status, features and the histograms of the charted features.
Status LoadDrift(monitor::QualityService& quality, const std::string& model,
                 const std::string& version, std::span<const monitor::Row> rows, SegmentReport& s) {
  if (version.empty()) {
    s.drift_status = "no_reference";
    return Status::Ok();
  }
  auto reference = quality.Reference(model, version, s.segment);
  if (!reference.has_value()) return reference.error();
  if (!*reference) {
    s.drift_status = "no_reference";
    return Status::Ok();
  }
  const profile::ReferenceProfile& ref = **reference;
  const profile::CurrentColumns columns = monitor::BuildColumns(ref, rows, nullptr);
  auto drift = monitor::ComputeDrift(ref, columns, quality.options().drift);
  if (!drift.has_value()) return drift.error();
  s.drift_status = drift->status;
  if (drift->status != "ok" || !drift->features) return Status::Ok();
  // The Benjamini-Hochberg decisions: a raw decision alarms on unchanged data at its level per
  // feature, so across many features and segments a raw alarm is expected by chance.
  s.drift_share = drift->features->drift_share_bh;
  s.dataset_drift = drift->features->dataset_drift;
  for (const stats::FeatureDrift& f : drift->features->features) {
    s.features.push_back({f.name,
                          f.type,
                          std::string(stats::DriftTestName(f.test)),
                          f.score,
                          f.pvalue_bh,
                          f.drift_detected_bh,
                          f.reference_size,
                          f.current_size,
                          {}});
  }
  std::stable_sort(s.features.begin(), s.features.end(), [](const auto& a, const auto& b) {
    return a.drifted != b.drifted ? a.drifted : a.score > b.score;
  });
  const size_t drifted = static_cast<size_t>(
      std::count_if(s.features.begin(), s.features.end(), [](const auto& f) { return f.drifted; }));
  const size_t charted = drifted > 0 ? std::min(drifted, kMaxDriftHistograms)
                                     : std::min(s.features.size(), kUndriftedHistograms);
  for (size_t i = 0; i < charted; ++i) {
    const profile::FeatureProfile* fp = ref.Find(s.features[i].name);
    if (fp == nullptr || s.features[i].test == "missing") continue;
    s.features[i].bins = BinsOf(*fp, columns, static_cast<size_t>(fp - ref.features.data()));
  }
  return Status::Ok();
}

void LoadAlerts(const ReportSources& sources, ReportData& data) {
  if (sources.alerts == nullptr) {
    data.alerts.unavailable = sources.alerts_unavailable;
    return;
  }
  alerting::HistoryQuery q;
  q.state = "firing";
  q.from_ms = data.from_ms;
  q.to_ms = data.to_ms;
  q.limit = 500;
  for (int page = 0; page < 100; ++page) {  // at most 50,000 transitions
    auto history = sources.alerts->History(q);
    if (!history.has_value()) {
      data.alerts.unavailable = "alert history: " + history.error().message();
      data.alerts.items.clear();
      return;
    }
    for (const alerting::AlertTransition& t : *history) {
      auto model = t.labels.find("model");
      if (model == t.labels.end() || model->second != data.model) continue;
      auto label = [&](const std::string& key, const std::map<std::string, std::string>& from) {
        auto it = from.find(key);
        return it == from.end() ? std::string() : it->second;
      };
      data.alerts.items.push_back({t.at_ms, t.alertname, label("severity", t.labels),
                                   label(sources.segment_label, t.labels),
                                   label("summary", t.annotations), t.value});
    }
    if (history->size() < static_cast<size_t>(q.limit)) break;
    q.before_id = history->back().id;
  }
  std::reverse(data.alerts.items.begin(), data.alerts.items.end());  // oldest first
}

void LoadRuns(const ReportSources& sources, ReportData& data) {
  store::MaintenanceRunQuery q;
  q.limit = 5000;
  auto runs = sources.store.ListMaintenanceRuns(q);
  if (!runs.has_value()) {
    data.runs.unavailable = "maintenance runs: " + runs.error().message();
    return;
  }
  for (const store::MaintenanceRun& r : *runs) {
    if (r.started_at_ms < data.from_ms || r.started_at_ms >= data.to_ms) continue;
    data.runs.items.push_back({r.task, r.status, r.trigger, r.dry_run, r.started_at_ms,
                               r.finished_at_ms, r.items, r.bytes, r.message});
  }
  std::reverse(data.runs.items.begin(), data.runs.items.end());  // oldest first
}

// Volume per day and the rows grouped by segment (moved out of `rows`, time order kept).
std::map<std::string, std::vector<monitor::Row>> SplitRows(std::vector<monitor::Row>& rows,
                                                           ReportData& data) {
  for (int64_t day = data.from_ms; day < data.to_ms; day += kLoaderDayMs) {
    data.volume.push_back({day, 0, 0});
  }
  std::map<std::string, std::vector<monitor::Row>> by_segment;
  for (monitor::Row& row : rows) {
    const int64_t index = (row.created_at_ms - data.from_ms) / kLoaderDayMs;
    if (index >= 0 && index < static_cast<int64_t>(data.volume.size())) {
      data.volume[index].predictions += 1;
      data.volume[index].with_actual += row.actual ? 1 : 0;
    }
    by_segment[row.segment].push_back(std::move(row));
  }
  rows.clear();
  return by_segment;
}

bool NeedsAttention(const SegmentReport& s) {
  for (const MetricSeries& m : s.metrics) {
    if (m.status == "drift") return true;
  }
  for (const FeatureDriftItem& f : s.features) {
    if (f.drifted) return true;
  }
  return s.dataset_drift;
}

}  // namespace

std::vector<HistogramBin> NumericHistogram(std::span<const double> reference_sorted,
                                           std::span<const double> current_sorted, int bins) {
  if (bins <= 0 || (reference_sorted.empty() && current_sorted.empty())) return {};
  double lo = HUGE_VAL, hi = -HUGE_VAL;
  for (std::span<const double> side : {reference_sorted, current_sorted}) {
    if (side.empty()) continue;
    lo = std::min(lo, Quantile(side, 0.01));
    hi = std::max(hi, Quantile(side, 0.99));
  }
  if (!(hi > lo)) bins = 1;
  const double width = bins > 1 ? (hi - lo) / bins : 1;
  std::vector<HistogramBin> out(static_cast<size_t>(bins));
  for (int i = 0; i < bins; ++i) out[i].label = FormatNumber(lo + width * i);
  auto fill = [&](std::span<const double> side, double HistogramBin::*share) {
    if (side.empty()) return;
    const double each = 1.0 / static_cast<double>(side.size());
    for (const double v : side) {
      const double pos = bins > 1 ? std::floor((v - lo) / width) : 0;
      const int i = static_cast<int>(std::clamp(pos, 0.0, static_cast<double>(bins - 1)));
      out[i].*share += each;
    }
  };
  fill(reference_sorted, &HistogramBin::reference_share);
  fill(current_sorted, &HistogramBin::current_share);
  return out;
}

std::vector<HistogramBin> CategoricalHistogram(
    const std::map<std::string, int64_t, std::less<>>& reference,
    const std::map<std::string, int64_t, std::less<>>& current, int max_bins) {
  auto total = [](const auto& counts) {
    int64_t n = 0;
    for (const auto& [name, count] : counts) n += count;
    return n;
  };
  const int64_t ref_total = total(reference), cur_total = total(current);
  auto count_in = [](const auto& counts, const std::string& name) {
    auto it = counts.find(name);
    return it == counts.end() ? int64_t{0} : it->second;
  };
  std::vector<std::string> names;
  for (const auto& [name, count] : reference) names.push_back(name);
  for (const auto& [name, count] : current) {
    if (!reference.contains(name)) names.push_back(name);
  }
  std::sort(names.begin(), names.end(), [&](const std::string& a, const std::string& b) {
    const auto ka = std::make_pair(count_in(reference, a), count_in(current, a));
    const auto kb = std::make_pair(count_in(reference, b), count_in(current, b));
    return ka != kb ? ka > kb : a < b;
  });
  std::vector<HistogramBin> out;
  if (max_bins <= 0) return out;
  auto share = [](int64_t n, int64_t of) {
    return of > 0 ? static_cast<double>(n) / static_cast<double>(of) : 0.0;
  };
  const size_t keep = names.size() <= static_cast<size_t>(max_bins)
                          ? names.size()
                          : static_cast<size_t>(max_bins - 1);
  for (size_t i = 0; i < keep; ++i) {
    out.push_back({names[i], share(count_in(reference, names[i]), ref_total),
                   share(count_in(current, names[i]), cur_total)});
  }
  if (keep < names.size()) {
    int64_t ref_rest = 0, cur_rest = 0;
    for (size_t i = keep; i < names.size(); ++i) {
      ref_rest += count_in(reference, names[i]);
      cur_rest += count_in(current, names[i]);
    }
    out.push_back({"(other)", share(ref_rest, ref_total), share(cur_rest, cur_total)});
  }
  return out;
}

Result<ReportData> LoadReport(const ReportSources& sources, const ReportRequest& request) {
  auto model = sources.store.GetModel(request.model);
  if (!model.has_value()) return model.error();
  ReportData data;
  data.model = request.model;
  data.period = request.period;
  data.from_ms = request.window.from_ms;
  data.to_ms = request.window.to_ms;
  data.generated_at_ms = request.now_ms;
  data.bucket_ms = request.period == ReportPeriod::kWeekly ? 6 * 3'600'000 : kLoaderDayMs;
  data.task = std::string(registry::ModelTaskName(model->task));
  auto rows = sources.quality.LoadRows(
      {request.model, std::nullopt, std::nullopt, data.from_ms, data.to_ms}, &data.truncated);
  if (!rows.has_value()) return rows.error();
  auto by_segment = SplitRows(*rows, data);
  const monitor::QualitySettings& settings = sources.quality.options().settings;
  for (const auto& [segment, segment_rows] : by_segment) {
    SegmentReport s;
    s.segment = segment;
    auto choice = sources.quality.ChooseVersion(request.model, segment, std::nullopt);
    if (!choice.has_value()) return choice.error();
    s.version = choice->version;
    s.predictions = static_cast<int64_t>(segment_rows.size());
    for (const monitor::Row& r : segment_rows) s.with_actual += r.actual ? 1 : 0;
    const monitor::TaskChoice task =
        monitor::ChooseTask(model->task, choice->training_metrics, segment_rows);
    if (task.task != registry::ModelTask::kUnknown) {
      if (data.segments.empty() || data.task == "unknown") {
        data.task = std::string(registry::ModelTaskName(task.task));
        data.task_inferred = task.inferred;
      }
      s.metrics = LoadMetrics(data, task.task, segment_rows, *choice, settings);
    }
    if (Status st = LoadDrift(sources.quality, request.model, s.version, segment_rows, s);
        !st.ok()) {
      s.drift_status = "unavailable: " + st.message();
    }
    data.segments.push_back(std::move(s));
  }
  // Segments that need attention first (performance drift or a drifted feature), by name
  // otherwise.
  std::stable_sort(data.segments.begin(), data.segments.end(), [](const auto& a, const auto& b) {
    return NeedsAttention(a) && !NeedsAttention(b);
  });
  LoadAlerts(sources, data);
  LoadRuns(sources, data);
  return data;
}

}  // namespace mw::maintenance
