// The maintenance section's fields (maintenance.*, maintenance.retrain.*) and the checks that need
// the whole section. Internal to src/config.
#pragma once

#include <vector>

#include "config/config.h"
#include "config/detail/fields.h"

namespace mw::config::detail {

// Appended to the Field table by config.cc. Task sets accept a YAML list or a comma-separated
// string ("vacuum,backup"; "" = no task); `maintenance.schedules` a mapping TASK: CRON or a string
// "TASK=CRON;TASK=CRON" (cron expressions contain commas, hence ';'). Every cron expression and
// task name is checked here, so a typo exits 2 naming the key.
std::vector<Field> MaintenanceFields();

// After every source is applied: a task may be listed in at most one set.
void FinishMaintenance(const Config& config, std::vector<ConfigError>& errors);

}  // namespace mw::config::detail
