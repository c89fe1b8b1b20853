// The model tasks (maintenance_stack.h): check-performance, check-drift-and-retrain, retrain-all,
// cleanup-model-versions and compress-models, their options taken from the configuration.
#include "alerting/notify/router.h"
#include "cli/maintenance_stack.h"
#include "maintenance/check_performance_task.h"
#include "maintenance/compress_models_task.h"
#include "maintenance/model_versions_task.h"
#include "maintenance/retrain_tasks.h"

namespace mw::cli {

void AddModelTasks(const MaintenanceDeps& deps, TaskList& tasks) {
  const config::Config& config = deps.config;
  const int64_t window_ms = config.quality.window_seconds * 1000;

  maintenance::RetrainTarget target;
  target.command = config.maintenance.retrain.command;
  target.webhook_url = config.maintenance.retrain.webhook_url;
  target.cooldown_ms = config.maintenance.retrain.cooldown_seconds * 1000;
  target.timeout_ms = config.maintenance.retrain.timeout_seconds * 1000;

  tasks.push_back(std::make_unique<maintenance::CheckPerformanceTask>(
      deps.store, deps.quality, deps.evaluator, deps.router,
      maintenance::CheckPerformanceOptions{window_ms}));
  tasks.push_back(std::make_unique<maintenance::CheckDriftAndRetrainTask>(
      deps.store, deps.quality, maintenance::CheckDriftOptions{target, window_ms}));
  tasks.push_back(std::make_unique<maintenance::RetrainAllTask>(deps.store, target));
  tasks.push_back(std::make_unique<maintenance::CleanupModelVersionsTask>(
      deps.store, maintenance::ModelVersionsOptions{config.maintenance.keep_versions,
                                                    config.maintenance.models_dir}));
  tasks.push_back(std::make_unique<maintenance::CompressModelsTask>(
      deps.store, maintenance::CompressModelsOptions{config.maintenance.models_dir}));
}

}  // namespace mw::cli
