#include "cli/maintenance_stack.h"

namespace mw::cli {

// TEMPORARY while issue 21 is built: the change that builds these tasks fills this in.
void AddReportTasks(const MaintenanceDeps& /*deps*/, TaskList& /*tasks*/) {}

}  // namespace mw::cli
