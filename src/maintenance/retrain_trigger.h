// Retraining triggers: what check-drift-and-retrain and retrain-all do for one (model, segment)
// — run the configured command and/or POST the configured webhook — and the shared flow around
// it (cooldown, recording each request in the store, dry runs).
//
// The command runs as `/bin/sh -c COMMAND` in a process group of its own, with the server's
// environment plus MODEL, SEGMENT ("" for the model-wide version), VERSION (the version in use,
// "" when none), REASON and RETRAIN_REQUEST_ID; stdin is /dev/null; stdout and stderr are
// captured (the last kMaxCapturedBytes of each). The shell's exit status decides: exit 0 is
// success. A process the command leaves running in the background (`train.sh &`) is left alone
// once the shell has exited (its output is read for 200 ms more). When timeout_ms passes before
// the shell exits, the whole process group gets SIGTERM and, 2 s later, SIGKILL; the request
// failed ("timed out after N s"). The command starts with no signal blocked.
// The webhook gets a POST with a JSON body {"model", "segment", "version", "reason",
// "requested_at" (RFC 3339), "request_id"}; any 2xx answer is success, anything else (or no
// answer within timeout_ms) a failure. With both configured, both are tried and the request
// succeeded only when both did.
//
// Thread-safety: RetrainTrigger is immutable after construction; Fire may be called from several
// threads (each call uses its own HTTP client and child process).
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"
#include "maintenance/task.h"
#include "store/store.h"

namespace mw::maintenance {

inline constexpr size_t kMaxCapturedBytes = 64 * 1024;

struct RetrainTarget {
  std::string command;      // "" = none
  std::string webhook_url;  // "" = none
  int64_t timeout_ms = 3'600'000;
  int64_t cooldown_ms = 86'400'000;  // no new request for a (model, segment) within this
};

// How one command run ended.
struct CommandResult {
  bool succeeded = false;
  std::string outcome;  // "exit 0", "exit 3: <last stderr line>", "timed out after 5 s", ...
  std::string stdout_tail, stderr_tail;
};

// Runs `command` with /bin/sh -c and `env` ("NAME=value") added to this process's environment.
// kInternal only when the process cannot be started at all.
Result<CommandResult> RunCommand(const std::string& command, const std::vector<std::string>& env,
                                 int64_t timeout_ms, const std::atomic<bool>* cancel);

class RetrainTrigger {
 public:
  explicit RetrainTrigger(RetrainTarget target) : target_(std::move(target)) {}
  const RetrainTarget& target() const { return target_; }
  bool configured() const { return !target_.command.empty() || !target_.webhook_url.empty(); }

  struct Outcome {
    bool succeeded = false;
    std::string outcome;  // for the store's record: "exit 0", "HTTP 500", "exit 0; HTTP 202"
  };
  // Triggers retraining for `request` (id and requested_at set). Logs the command's output on
  // failure.
  Outcome Fire(const store::RetrainRequest& request, TaskContext& ctx) const;

 private:
  Outcome RunTheCommand(const store::RetrainRequest& request, TaskContext& ctx) const;
  Outcome PostTheWebhook(const store::RetrainRequest& request) const;

  const RetrainTarget target_;
};

// One (model, segment) to retrain.
struct RetrainCandidate {
  std::string model, segment;
  std::string version;  // in use; "" when none
  std::string reason;
};

// The shared flow of check-drift-and-retrain and retrain-all, per candidate in order: skip it
// while the cooldown holds (the newest request of the (model, segment), whatever its status, is
// younger than cooldown_ms: logged, counted "skipped"); with dry_run log "would trigger" and
// count it; else record a "running" request (AppendRetrainRequest), Fire, and record its end
// (FinishRetrainRequest: succeeded/failed with the outcome). Outcome items = requests made (or,
// dry, that would be). Returns kInternal naming them when any request failed (the requests stay
// recorded); a store failure stops the flow.
Result<TaskOutcome> RequestRetraining(store::Store& store, const RetrainTrigger& trigger,
                                      std::string_view task,
                                      const std::vector<RetrainCandidate>& candidates,
                                      TaskContext& ctx);

// The refusal both tasks give when no target is configured.
Status NoRetrainTarget();

}  // namespace mw::maintenance
