// archive-predictions: prediction rows older than the retention go to archive files (one per
// model and UTC day, zstd NDJSON with a manifest; layout in prediction_archive.h) and are deleted
// from the store only after their file is fsynced and verified by reading it back.
//
// Per (model, day) group older than now - retention_days (whole UTC days only), in day order:
//   1. read the day's rows (QueryPredictions on created_at, paged by seq; once per day);
//   2. verify every part already written for that day (a previous run that died after writing:
//      its manifest, or one computed from the file when the run died before writing it) and
//      collect the lines they hold; a damaged part stops the task (failed, nothing deleted);
//   3. rows not in any part exactly as stored (new rows, or rows whose actual changed) go to
//      the next part file <day>[.partN].ndjson.zst, then its manifest; the part is verified;
//   4. the rows now held by a verified part are deleted (Store::DeleteArchivedPredictions: a
//      row changed since it was read stays, and the next run archives it in a further part).
// A part is never overwritten, and rows are deleted only when a verified file holds them, so a
// kill -9 at any point loses nothing and a rerun completes the work: it verifies what the dead
// run wrote, deletes the rows still stored, and writes only what no part holds. Leftover
// "*.tmp" files of a dead run are removed before a new part is written.
//
// Memory: one UTC day at a time (its rows of every model, and one model's lines).
//
// Thread-safety: one Run at a time (the Runner's lock); the Store is thread-safe.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string_view>

#include "maintenance/task.h"
#include "store/store.h"

namespace mw::maintenance {

struct ArchiveTaskOptions {
  std::filesystem::path archive_dir;
  int64_t retention_days = 90;
  int zstd_level = 3;
  // The run works on a thread of its own at this nice value (0: on the caller's thread, as is).
  int nice = 10;
  // Tests only: called at named points of the work on a day ("read", "written" (part renamed,
  // manifest not yet written), "manifest", "verified", "deleting" (before the delete),
  // "deleted"), so a test can stop the process there. May be empty.
  std::function<void(std::string_view point)> test_hook;
};

// The precondition: the directory exists or can be created, and a file can be created in it
// (probed with a temporary file, removed again). kFailedPrecondition naming the directory and
// the error otherwise.
Status CheckArchiveDir(const std::filesystem::path& dir);

// The cutoff of a run at `now_ms`: now - retention_days. Only whole UTC days that end at or
// before it are archived (Store::ListPredictionDaysBefore), so a day is archived once all of it
// is older than the retention.
int64_t ArchiveCutoff(int64_t now_ms, int64_t retention_days);

class ArchivePredictionsTask final : public Task {
 public:
  ArchivePredictionsTask(store::Store& store, ArchiveTaskOptions options)
      : store_(store), options_(std::move(options)) {}

  std::string_view name() const override { return "archive-predictions"; }
  bool destructive() const override { return true; }
  // Outcome: items = rows archived and deleted, bytes = archive bytes written.
  Result<TaskOutcome> Run(TaskContext& ctx) override;

 private:
  Result<TaskOutcome> RunHere(TaskContext& ctx);
  struct Totals;
  // `rows`: the day's rows of day.model as read.
  Status ArchiveDay(TaskContext& ctx, const store::PredictionDay& day,
                    std::vector<ingest::PredictionRecord>& rows, Totals& totals);
  void Hook(std::string_view point) const {
    if (options_.test_hook) options_.test_hook(point);
  }

  store::Store& store_;
  const ArchiveTaskOptions options_;
};

}  // namespace mw::maintenance
