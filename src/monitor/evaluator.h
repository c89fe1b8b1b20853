// Evaluator: the background loop of the quality engine. Every interval it
//   1. reads the predictions appended since its last pass (by seq: the work grows with new data,
//      not with the stored history) into an in-memory window per (model, segment) — the last
//      window_ms by event time, at most max_window_rows rows each;
//   2. re-reads, by seq, the rows of the window that had no actual yet (delayed ground truth);
//   3. computes performance (vs the training metrics of the segment's version), drift and data
//      quality (vs the version's reference profile) for every window with data and a task,
//      updates the gauges (QualityMetrics) and appends one snapshot per kind to the store's
//      history. The task is the registered one, else the one inferred from the training metric
//      names of the segment's version and then from the window's rows (task_inference.h); a
//      window whose task stays unknown is not evaluated. When a window's task changes between
//      passes its series are dropped and set again for the new task.
// Snapshots are serialised with invalid UTF-8 replaced (U+FFFD), so names stored by an older
// version that did not check them cannot make a pass throw.
// A replaced actual (same id sent again later) is seen only when the row's first actual had not
// yet been picked up; restart the evaluator (or use the on-demand API) for exact recomputation.
//
// Thread-safety: Start/Stop from one thread. EvaluateOnce may be called from any thread, also
// while the loop runs (maintenance's check-performance): passes are serialised. Status() may be
// called from any thread.
#pragma once

#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <span>
#include <thread>
#include <vector>

#include "common/background.h"
#include "common/clock.h"
#include "monitor/quality_metrics.h"
#include "monitor/service.h"
#include "store/store.h"

namespace mw::monitor {

struct EvaluatorOptions {
  int64_t interval_ms = 60'000;
  int64_t window_ms = 86'400'000;
  int64_t max_window_rows = 200'000;
  bool store_snapshots = true;
  // Where a pass that threw is reported (thread "evaluator"); the loop goes on with the next
  // pass, which counts as a failed pass in status() and the pass metrics. Null: stderr.
  BackgroundErrorReporter* errors = nullptr;
};

struct EvaluatorStatus {
  int64_t passes = 0;
  int64_t last_pass_at_ms = 0;
  double last_pass_seconds = 0;
  int64_t windows = 0;    // (model, segment) pairs held
  int64_t rows_held = 0;  // rows in memory
  int64_t pending_actuals = 0;
  std::string last_error;  // empty when the last pass succeeded
};

class Evaluator {
 public:
  // All references must outlive the evaluator. `metrics` may be null (no gauges).
  Evaluator(store::Store& store, QualityService& service, QualityMetrics* metrics,
            const Clock& clock, EvaluatorOptions options);
  ~Evaluator();  // Stop()

  void Start();  // first pass right away, then every interval
  void Stop();
  // One pass now, on the calling thread; waits for a pass of the loop that is under way.
  Status EvaluateOnce();
  EvaluatorStatus status() const;

 private:
  struct Window {
    registry::ModelTask task = registry::ModelTask::kUnknown;  // of the last pass (maybe inferred)
    std::map<int64_t, Row> rows;                               // by seq
    std::vector<int64_t> pending;                              // seqs without an actual yet
  };
  using Key = std::pair<std::string, std::string>;  // model, segment

  Status ScanNewRows(int64_t cutoff_ms);
  Status RefreshPending();
  void Evict(int64_t cutoff_ms);
  void RecordThrownPass(int64_t started_ms);
  // The task of one window (registered, else inferred: task_inference.h) and, when there is one,
  // its evaluation. `first_new_seq`: rows after it are new in this pass (score histogram).
  Status EvaluateWindow(const Key& key, Window& window, registry::ModelTask registered,
                        int64_t first_new_seq, int64_t now_ms,
                        std::vector<store::EvaluationSnapshot>& snapshots);
  Status Evaluate(const Key& key, Window& window, std::span<const Row> rows,
                  const QualityService::VersionChoice& choice, bool task_inferred, int64_t now_ms,
                  std::vector<store::EvaluationSnapshot>& snapshots);

  store::Store& store_;
  QualityService& service_;
  QualityMetrics* metrics_;
  const Clock& clock_;
  const EvaluatorOptions options_;

  std::mutex pass_mu_;  // one pass at a time; guards windows_ and last_seq_
  std::map<Key, Window> windows_;
  int64_t last_seq_ = 0;

  mutable std::mutex status_mu_;
  EvaluatorStatus status_;

  std::mutex loop_mu_;
  std::condition_variable loop_cv_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace mw::monitor
