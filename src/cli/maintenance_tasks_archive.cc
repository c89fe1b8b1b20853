// archive-predictions from the configuration: maintenance.archive_dir (default
// <data_dir>/archive) and maintenance.prediction_retention_days.
#include "cli/maintenance_stack.h"
#include "maintenance/archive_task.h"

namespace mw::cli {

void AddArchiveTasks(const MaintenanceDeps& deps, TaskList& tasks) {
  maintenance::ArchiveTaskOptions options;
  options.archive_dir = deps.config.ArchiveDir();
  options.retention_days = deps.config.maintenance.prediction_retention_days;
  tasks.push_back(std::make_unique<maintenance::ArchivePredictionsTask>(deps.store, options));
}

}  // namespace mw::cli
