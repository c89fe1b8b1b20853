// weekly-report and monthly-report: for every registered model, the report of the last full
// period (report/report.h: weekly = Monday 00:00 UTC to Monday, monthly = the 1st to the 1st),
// written as <reports_dir>/<model dir>/<period>-<first day>.html and .md, each atomically (a
// temporary file in the same directory, fsynced, renamed; the directory fsynced). A rerun for the
// same period replaces the files. Items = files written, bytes = their size. With dry_run nothing
// is written; the outcome counts what would have been.
//
// Precondition: the reports directory exists or can be created, and is writable (else
// kFailedPrecondition before anything is written). A model whose report fails to load is
// logged and skipped; the run fails (after the other models) when any did.
//
// Thread-safety: as task.h (one run at a time; the sources are thread-safe).
#pragma once

#include <optional>
#include <string>

#include "maintenance/report/report.h"
#include "maintenance/report/report_loader.h"
#include "maintenance/task.h"

namespace mw::maintenance {

struct ReportTaskOptions {
  std::string reports_dir;
};

// The directory name of a model's reports: the name with every byte outside [A-Za-z0-9_-.] (and
// a leading '.') percent-encoded, so no model name can leave the reports directory or hide.
std::string ReportDirName(std::string_view model);
// The model of a directory name made by ReportDirName, nullopt for any other name.
std::optional<std::string> ModelOfReportDir(std::string_view dir);
// "<period>-<YYYY-MM-DD>.<html|md>" is the only shape of a report file name.
bool IsReportFileName(std::string_view name);
// "<period>-<YYYY-MM-DD of the period's first day>".
std::string ReportBaseName(ReportPeriod period, int64_t from_ms);

// Writes `content` to `path` atomically (see above). kUnavailable with the failing step.
Status WriteFileAtomically(const std::string& path, std::string_view content);

class ReportTask final : public Task {
 public:
  // `sources` must outlive the task.
  ReportTask(ReportPeriod period, ReportSources sources, ReportTaskOptions options);

  std::string_view name() const override;
  bool destructive() const override { return false; }
  Result<TaskOutcome> Run(TaskContext& ctx) override;

 private:
  const ReportPeriod period_;
  ReportSources sources_;
  const ReportTaskOptions options_;
};

}  // namespace mw::maintenance
