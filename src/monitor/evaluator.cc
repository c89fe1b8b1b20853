#include "monitor/evaluator.h"

#include <algorithm>
#include <chrono>

#include "monitor/task_inference.h"

namespace mw::monitor {
namespace {

constexpr int64_t kScanPage = 20000;
constexpr size_t kRefreshChunk = 2000;

// Names in the payload (model, version, features) come from outside: invalid UTF-8 stored by an
// older version is replaced rather than making dump() throw.
template <typename Json>
std::string DumpSnapshot(const Json& payload) {
  return payload.dump(-1, ' ', false, Json::error_handler_t::replace);
}

}  // namespace

Evaluator::Evaluator(store::Store& store, QualityService& service, QualityMetrics* metrics,
                     const Clock& clock, EvaluatorOptions options)
    : store_(store), service_(service), metrics_(metrics), clock_(clock), options_(options) {}

Evaluator::~Evaluator() { Stop(); }

void Evaluator::Start() {
  std::lock_guard lock(loop_mu_);
  if (thread_.joinable()) return;
  stop_ = false;
  thread_ = std::thread([this] {
    std::unique_lock lock(loop_mu_);
    while (!stop_) {
      lock.unlock();
      // Failures are kept in status() and the pass metrics; an exception is reported and counted
      // as a failed pass, and the loop goes on.
      const int64_t started_ms = clock_.NowMillis();
      if (!RunBackgroundPass(options_.errors, "evaluator", [this] { (void)EvaluateOnce(); })) {
        RecordThrownPass(started_ms);
      }
      lock.lock();
      loop_cv_.wait_for(lock, std::chrono::milliseconds(options_.interval_ms),
                        [this] { return stop_; });
    }
  });
}

void Evaluator::Stop() {
  {
    std::lock_guard lock(loop_mu_);
    stop_ = true;
  }
  loop_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Evaluator::RecordThrownPass(int64_t started_ms) {
  if (metrics_ != nullptr) metrics_->RecordPass(0, false, started_ms);
  std::lock_guard lock(status_mu_);
  ++status_.passes;
  status_.last_pass_at_ms = started_ms;
  status_.last_error = "the pass failed with an exception (see the error log)";
}

EvaluatorStatus Evaluator::status() const {
  std::lock_guard lock(status_mu_);
  return status_;
}

Status Evaluator::ScanNewRows(int64_t cutoff_ms) {
  store::PredictionQuery q;
  q.after_seq = last_seq_;
  q.limit = kScanPage;
  while (true) {
    auto page = store_.QueryPredictions(q);
    if (!page.has_value()) return page.error();
    for (ingest::PredictionRecord& r : *page) {
      q.after_seq = r.seq;
      if (r.created_at_ms < cutoff_ms) continue;
      Key key{r.model, r.segment};
      Window& w = windows_[key];
      Row row = ToRow(std::move(r));
      if (!row.actual) w.pending.push_back(row.seq);
      w.rows.emplace(row.seq, std::move(row));
    }
    last_seq_ = q.after_seq;
    if (static_cast<int64_t>(page->size()) < kScanPage) break;
  }
  return Status::Ok();
}

Status Evaluator::RefreshPending() {
  for (auto& [key, w] : windows_) {
    if (w.pending.empty()) continue;
    std::vector<int64_t> still;
    for (size_t begin = 0; begin < w.pending.size(); begin += kRefreshChunk) {
      const size_t end = std::min(w.pending.size(), begin + kRefreshChunk);
      std::span<const int64_t> chunk(w.pending.data() + begin, end - begin);
      auto rows = store_.GetPredictionsBySeq(chunk);
      if (!rows.has_value()) return rows.error();
      std::set<int64_t> joined;
      for (const ingest::PredictionRecord& r : *rows) {
        if (!r.actual) continue;
        auto it = w.rows.find(r.seq);
        if (it != w.rows.end()) it->second.actual = r.actual;
        joined.insert(r.seq);
      }
      for (int64_t seq : chunk) {
        if (!joined.contains(seq) && w.rows.contains(seq)) still.push_back(seq);
      }
    }
    w.pending = std::move(still);
  }
  return Status::Ok();
}

void Evaluator::Evict(int64_t cutoff_ms) {
  for (auto it = windows_.begin(); it != windows_.end();) {
    Window& w = it->second;
    std::erase_if(
        w.rows, [cutoff_ms](const auto& entry) { return entry.second.created_at_ms < cutoff_ms; });
    while (static_cast<int64_t>(w.rows.size()) > options_.max_window_rows) {
      w.rows.erase(w.rows.begin());  // the oldest appended
    }
    std::erase_if(w.pending, [&w](int64_t seq) { return !w.rows.contains(seq); });
    if (w.rows.empty()) {
      if (metrics_ != nullptr) metrics_->Remove(it->first.first, it->first.second);
      it = windows_.erase(it);
    } else {
      ++it;
    }
  }
}

Status Evaluator::Evaluate(const Key& key, Window& w, std::span<const Row> rows,
                           const QualityService::VersionChoice& choice, bool task_inferred,
                           int64_t now_ms, std::vector<store::EvaluationSnapshot>& snapshots) {
  const auto& [model, segment] = key;
  PerformanceResult performance = ComputePerformance(
      w.task, rows, choice.training_metrics, choice.version, model, service_.options().settings);
  performance.task_inferred = task_inferred;
  if (metrics_ != nullptr) metrics_->SetPerformance(model, segment, performance);
  snapshots.push_back({now_ms, model, segment, "performance", DumpSnapshot(ToJson(performance))});

  if (w.task == registry::ModelTask::kBinaryClassification && metrics_ != nullptr) {
    int64_t low = 0, medium = 0, high = 0;
    for (const Row& row : rows) {
      (row.prediction < 0.3 ? low : row.prediction < 0.7 ? medium : high) += 1;
    }
    metrics_->SetRiskBands(model, segment, low, medium, high);
  }

  bool dataset_drift = false;
  std::shared_ptr<const profile::ReferenceProfile> reference;
  if (!choice.version.empty()) {
    auto loaded = service_.Reference(model, choice.version, segment);
    if (!loaded.has_value()) return loaded.error();
    reference = *loaded;
  }
  if (reference) {
    const profile::CurrentColumns columns = BuildColumns(*reference, rows, nullptr);
    auto drift = ComputeDrift(*reference, columns, service_.options().drift);
    if (!drift.has_value()) return drift.error();
    const profile::QualityReport quality = profile::ComputeQuality(*reference, columns);
    if (metrics_ != nullptr) metrics_->SetDrift(model, segment, &*drift, &quality);
    dataset_drift = drift->features && drift->features->dataset_drift;
    snapshots.push_back({now_ms, model, segment, "drift", DumpSnapshot(ToJson(*drift))});
    snapshots.push_back({now_ms, model, segment, "quality", DumpSnapshot(ToJson(quality))});
  } else if (metrics_ != nullptr) {
    metrics_->SetDrift(model, segment, nullptr, nullptr);
  }
  if (metrics_ != nullptr) {
    metrics_->SetDriftDetected(model, segment, performance.drift_detected || dataset_drift);
  }
  return Status::Ok();
}

Status Evaluator::EvaluateWindow(const Key& key, Window& w, registry::ModelTask registered,
                                 int64_t first_new_seq, int64_t now_ms,
                                 std::vector<store::EvaluationSnapshot>& snapshots) {
  auto choice = service_.ChooseVersion(key.first, key.second, std::nullopt);
  if (!choice.has_value()) return choice.error();
  // The rows are read (not copied) when the task has to come from them.
  TaskEvidence evidence;
  if (registered == registry::ModelTask::kUnknown &&
      !TaskFromMetricNames(choice->training_metrics)) {
    for (const auto& [seq, row] : w.rows) evidence.Add(row.prediction, row.actual);
  }
  const TaskChoice task = ChooseTask(registered, choice->training_metrics, evidence);
  // An inferred task can change (or vanish) as rows come and go: the series of the task the
  // window had before must not linger beside the new ones.
  if (task.task != w.task && w.task != registry::ModelTask::kUnknown && metrics_ != nullptr) {
    metrics_->Remove(key.first, key.second);
  }
  w.task = task.task;
  if (w.task == registry::ModelTask::kBinaryClassification && metrics_ != nullptr) {
    for (auto it = w.rows.upper_bound(first_new_seq); it != w.rows.end(); ++it) {
      metrics_->ObserveScore(key.first, key.second, it->second.prediction);
    }
  }
  if (w.task == registry::ModelTask::kUnknown) return Status::Ok();
  std::vector<Row> rows;
  rows.reserve(w.rows.size());
  for (const auto& [seq, row] : w.rows) rows.push_back(row);
  return Evaluate(key, w, rows, *choice, task.inferred, now_ms, snapshots);
}

Status Evaluator::EvaluateOnce() {
  std::lock_guard pass(pass_mu_);
  const auto start = std::chrono::steady_clock::now();
  const int64_t now_ms = clock_.NowMillis();
  const int64_t cutoff = now_ms - options_.window_ms;
  const int64_t first_new_seq = last_seq_;
  Status result = ScanNewRows(cutoff);
  if (result.ok()) result = RefreshPending();
  Evict(cutoff);

  // Classifier scores seen for the first time go into the score histogram.
  std::map<std::string, registry::ModelTask> tasks;
  if (result.ok()) {
    auto models = store_.ListModels();
    if (models.has_value()) {
      for (const registry::ModelInfo& m : *models) tasks[m.name] = m.task;
    } else {
      result = models.error();
    }
  }
  std::vector<store::EvaluationSnapshot> snapshots;
  for (auto& [key, w] : windows_) {
    if (!result.ok()) break;
    auto task = tasks.find(key.first);
    const registry::ModelTask registered =
        task == tasks.end() ? registry::ModelTask::kUnknown : task->second;
    if (Status s = EvaluateWindow(key, w, registered, first_new_seq, now_ms, snapshots); !s.ok()) {
      result = s;
    }
  }
  if (result.ok() && options_.store_snapshots) result = store_.AppendSnapshots(snapshots);

  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (metrics_ != nullptr) metrics_->RecordPass(seconds, result.ok(), now_ms);
  std::lock_guard lock(status_mu_);
  ++status_.passes;
  status_.last_pass_at_ms = now_ms;
  status_.last_pass_seconds = seconds;
  status_.windows = static_cast<int64_t>(windows_.size());
  status_.rows_held = 0;
  status_.pending_actuals = 0;
  for (const auto& [key, w] : windows_) {
    status_.rows_held += static_cast<int64_t>(w.rows.size());
    status_.pending_actuals += static_cast<int64_t>(w.pending.size());
  }
  status_.last_error = result.ok() ? "" : result.message();
  return result;
}

}  // namespace mw::monitor
