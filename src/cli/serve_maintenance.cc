#include "cli/serve_maintenance.h"

#include <iostream>

namespace mw::cli {

std::unique_ptr<ServeMaintenance> ServeMaintenance::Build(const MaintenanceDeps& deps) {
  std::unique_ptr<ServeMaintenance> m(new ServeMaintenance());
  m->metrics_ = std::make_unique<maintenance::MaintenanceMetrics>(deps.metrics.registry());
  m->runner_ = BuildMaintenanceRunner(deps, m->metrics_.get());
  auto resolved = maintenance::ResolveSchedules(ScheduleSpecFromConfig(deps.config.maintenance));
  if (!resolved.has_value()) {
    std::cerr << "config error: maintenance: " << resolved.error().message() << "\n";
    return nullptr;
  }
  // Only the tasks this build has.
  for (auto& t : *resolved) {
    if (m->runner_->Find(t.task) != nullptr) m->schedule_.push_back(std::move(t));
  }
  if (deps.config.maintenance.enabled) {
    m->scheduler_ = std::make_unique<maintenance::Scheduler>(*m->runner_, deps.clock, m->schedule_,
                                                             deps.logger, m->metrics_.get());
  }
  return m;
}

ServeMaintenance::~ServeMaintenance() { Stop(); }

api::MaintenanceContext ServeMaintenance::Context(const MaintenanceDeps& deps) {
  api::MaintenanceContext c;
  c.runner = runner_.get();
  c.settings = &deps.config.maintenance;
  c.schedule = &schedule_;
  c.scheduler_enabled = scheduler_ != nullptr;
  c.store = &deps.store;
  c.workers = &workers_;
  c.cancel = &cancel_;
  c.logger = &deps.logger;
  c.clock = &deps.clock;
  return c;
}

void ServeMaintenance::Start() {
  if (scheduler_) scheduler_->Start();
}

void ServeMaintenance::Stop() {
  if (stopped_) return;
  stopped_ = true;
  cancel_.store(true);
  if (scheduler_) scheduler_->Stop();
  workers_.join();
}

}  // namespace mw::cli
