#include "cli/maintenance_stack.h"
#include "maintenance/report_task.h"
#include "monitor/service.h"

namespace mw::cli {

// weekly-report and monthly-report write into Config::ReportsDir(); the alert section reads the
// running rule engine's history when this process has one.
void AddReportTasks(const MaintenanceDeps& deps, TaskList& tasks) {
  maintenance::ReportSources sources{deps.store, deps.quality, deps.alert_engine};
  sources.segment_label = deps.config.metrics.segment_label;
  for (const maintenance::ReportPeriod period :
       {maintenance::ReportPeriod::kWeekly, maintenance::ReportPeriod::kMonthly}) {
    tasks.push_back(std::make_unique<maintenance::ReportTask>(
        period, sources, maintenance::ReportTaskOptions{deps.config.ReportsDir()}));
  }
}

}  // namespace mw::cli
