#include "maintenance/retrain_trigger.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <nlohmann/json.hpp>
#include <optional>
#include <thread>

#include "common/time_format.h"
#include "http/client.h"

extern char** environ;

namespace mw::maintenance {
namespace {

using TriggerSteadyClock = std::chrono::steady_clock;

// Appends to a tail buffer that keeps only the last kMaxCapturedBytes.
void AppendCapturedTail(std::string& tail, const char* data, size_t n) {
  tail.append(data, n);
  if (tail.size() > kMaxCapturedBytes) tail.erase(0, tail.size() - kMaxCapturedBytes);
}

std::string LastOutputLine(const std::string& text) {
  size_t end = text.find_last_not_of(" \t\r\n");
  if (end == std::string::npos) return "";
  size_t begin = text.find_last_of('\n', end);
  begin = begin == std::string::npos ? 0 : begin + 1;
  std::string line = text.substr(begin, end + 1 - begin);
  if (line.size() > 300) line = line.substr(0, 300) + "...";
  return line;
}

// The environment of the child: ours, minus the names `extra` sets, plus `extra`.
std::vector<std::string> CommandEnvironment(const std::vector<std::string>& extra) {
  std::vector<std::string> env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string_view entry(*e);
    bool replaced = false;
    for (const std::string& x : extra) {
      const size_t eq = x.find('=');
      if (entry.substr(0, eq + 1) == std::string_view(x).substr(0, eq + 1)) replaced = true;
    }
    if (!replaced) env.emplace_back(entry);
  }
  env.insert(env.end(), extra.begin(), extra.end());
  return env;
}

struct CommandPipes {
  int out[2] = {-1, -1};
  int err[2] = {-1, -1};
  ~CommandPipes() {
    for (int fd : {out[0], out[1], err[0], err[1]}) {
      if (fd >= 0) close(fd);
    }
  }
};

// Reads what the child wrote until the shell has exited and its pipes are drained (a background
// process it left behind may hold them open: its output is no longer read 200 ms after the
// shell's exit), the deadline passes or cancel is set. Returns "timeout", "cancelled" or "" (the
// shell exited; `*status` is its wait status).
std::string DrainCommandOutput(CommandPipes& p, pid_t pid, int* status, CommandResult& result,
                               TriggerSteadyClock::time_point deadline,
                               const std::atomic<bool>* cancel) {
  pollfd fds[2] = {{p.out[0], POLLIN, 0}, {p.err[0], POLLIN, 0}};
  int open_fds = 2;
  char buffer[8192];
  std::optional<TriggerSteadyClock::time_point> exited_at;
  while (true) {
    if (cancel != nullptr && cancel->load()) return "cancelled";
    const auto now = TriggerSteadyClock::now();
    if (exited_at && (open_fds == 0 || now - *exited_at > std::chrono::milliseconds(200))) {
      return "";
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now);
    if (left.count() <= 0) return "timeout";
    const int wait_ms = static_cast<int>(std::min<int64_t>(left.count(), exited_at ? 20 : 100));
    const int ready = poll(fds, 2, wait_ms);
    for (int i = 0; i < 2 && ready > 0; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      const ssize_t n = read(fds[i].fd, buffer, sizeof(buffer));
      if (n > 0) {
        AppendCapturedTail(i == 0 ? result.stdout_tail : result.stderr_tail, buffer, size_t(n));
      } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
        fds[i].fd = -1;
        --open_fds;
      }
    }
    if (!exited_at) {
      const pid_t r = waitpid(pid, status, WNOHANG);
      if (r == pid || (r < 0 && errno == ECHILD)) exited_at = TriggerSteadyClock::now();
    }
  }
}

// Waits for the child; after `grace` kills its process group.
int ReapCommand(pid_t pid, std::chrono::milliseconds grace) {
  const auto until = TriggerSteadyClock::now() + grace;
  int status = 0;
  while (true) {
    const pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid) return status;
    if (r < 0 && errno != EINTR) return status;
    if (TriggerSteadyClock::now() >= until) {
      kill(-pid, SIGKILL);
      while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
      }
      return status;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

// "3600 s", or "0.3 s" below a second.
std::string TimeoutText(int64_t timeout_ms) {
  if (timeout_ms % 1000 == 0) return std::to_string(timeout_ms / 1000) + " s";
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "%.1f s", static_cast<double>(timeout_ms) / 1000.0);
  return buffer;
}

}  // namespace

Result<CommandResult> RunCommand(const std::string& command, const std::vector<std::string>& env,
                                 int64_t timeout_ms, const std::atomic<bool>* cancel) {
  CommandPipes p;
  if (pipe2(p.out, O_CLOEXEC) != 0 || pipe2(p.err, O_CLOEXEC) != 0) {
    return Internal(std::string("cannot create pipes: ") + std::strerror(errno));
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, p.out[1], 1);
  posix_spawn_file_actions_adddup2(&actions, p.err[1], 2);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  // A process group of its own, so a timeout ends everything the command started.
  posix_spawnattr_setpgroup(&attr, 0);
  sigset_t defaults;
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGPIPE);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  // The calling thread may block signals (serve waits for SIGTERM on one thread): the command
  // starts with none blocked, so the SIGTERM of a timeout reaches it.
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setflags(&attr,
                           POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);

  std::vector<std::string> env_strings = CommandEnvironment(env);
  std::vector<char*> envp;
  for (std::string& e : env_strings) envp.push_back(e.data());
  envp.push_back(nullptr);
  std::string shell = "/bin/sh", flag = "-c", text = command;
  char* argv[] = {shell.data(), flag.data(), text.data(), nullptr};
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, "/bin/sh", &actions, &attr, argv, envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) return Internal(std::string("cannot start /bin/sh: ") + std::strerror(rc));
  close(p.out[1]);
  close(p.err[1]);
  p.out[1] = p.err[1] = -1;

  CommandResult result;
  const auto deadline = TriggerSteadyClock::now() + std::chrono::milliseconds(timeout_ms);
  int status = 0;
  const std::string stopped = DrainCommandOutput(p, pid, &status, result, deadline, cancel);
  if (!stopped.empty()) {
    kill(-pid, SIGTERM);
    ReapCommand(pid, std::chrono::milliseconds(2000));
    result.outcome =
        stopped == "cancelled" ? "cancelled" : "timed out after " + TimeoutText(timeout_ms);
    return result;
  }
  if (WIFEXITED(status)) {
    const int code = WEXITSTATUS(status);
    result.succeeded = code == 0;
    result.outcome = "exit " + std::to_string(code);
  } else if (WIFSIGNALED(status)) {
    result.outcome = "killed by signal " + std::to_string(WTERMSIG(status));
  } else {
    result.outcome = "ended abnormally";
  }
  if (!result.succeeded) {
    const std::string line = LastOutputLine(result.stderr_tail);
    if (!line.empty()) result.outcome += ": " + line;
  }
  return result;
}

RetrainTrigger::Outcome RetrainTrigger::RunTheCommand(const store::RetrainRequest& request,
                                                      TaskContext& ctx) const {
  const std::vector<std::string> env = {"MODEL=" + request.model, "SEGMENT=" + request.segment,
                                        "VERSION=" + request.version, "REASON=" + request.reason,
                                        "RETRAIN_REQUEST_ID=" + std::to_string(request.id)};
  auto ran = RunCommand(target_.command, env, target_.timeout_ms, ctx.cancel);
  if (!ran.has_value()) return {false, ran.error().message()};
  if (!ran->succeeded) {
    ctx.log.Warn("retraining command failed", {{"modelwatch.model", request.model},
                                               {"modelwatch.segment", request.segment},
                                               {"event.outcome", ran->outcome},
                                               {"process.stdout", LastOutputLine(ran->stdout_tail)},
                                               {"process.stderr", ran->stderr_tail}});
  }
  return {ran->succeeded, ran->outcome};
}

RetrainTrigger::Outcome RetrainTrigger::PostTheWebhook(const store::RetrainRequest& request) const {
  auto client = http::Client::Create();
  if (!client.has_value()) return {false, "webhook: " + client.error().message()};
  nlohmann::ordered_json body;
  body["model"] = request.model;
  body["segment"] = request.segment;
  body["version"] = request.version;
  body["reason"] = request.reason;
  body["requested_at"] = FormatRfc3339Millis(request.requested_at_ms);
  body["request_id"] = request.id;
  http::ClientRequest post;
  post.method = "POST";
  post.url = target_.webhook_url;
  post.headers = {"Content-Type: application/json", "Expect:"};
  post.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  post.timeout_ms = target_.timeout_ms;
  post.connect_timeout_ms = std::min<int64_t>(10'000, target_.timeout_ms);
  post.max_body_bytes = kMaxCapturedBytes;
  const http::ClientResponse answer = (*client)->Send(post);
  if (answer.error == http::TransferError::kTimeout) {
    return {false, "webhook timed out after " + TimeoutText(target_.timeout_ms)};
  }
  if (!answer.answered()) return {false, "webhook: " + answer.error_detail};
  const bool ok = answer.status >= 200 && answer.status < 300;
  return {ok, "HTTP " + std::to_string(answer.status)};
}

RetrainTrigger::Outcome RetrainTrigger::Fire(const store::RetrainRequest& request,
                                             TaskContext& ctx) const {
  Outcome out{true, ""};
  const auto add = [&out](const Outcome& part) {
    out.succeeded = out.succeeded && part.succeeded;
    out.outcome += (out.outcome.empty() ? "" : "; ") + part.outcome;
  };
  if (!target_.command.empty()) add(RunTheCommand(request, ctx));
  if (!target_.webhook_url.empty() && !ctx.cancelled()) add(PostTheWebhook(request));
  if (out.outcome.empty()) return {false, "no retraining target"};
  return out;
}

Status NoRetrainTarget() {
  return FailedPrecondition(
      "no retraining target: set maintenance.retrain.command or maintenance.retrain.webhook_url");
}

Result<TaskOutcome> RequestRetraining(store::Store& store, const RetrainTrigger& trigger,
                                      std::string_view task,
                                      const std::vector<RetrainCandidate>& candidates,
                                      TaskContext& ctx) {
  TaskOutcome outcome;
  int64_t skipped = 0, succeeded = 0;
  std::vector<std::string> failed;
  ctx.progress.SetTotal(static_cast<int64_t>(candidates.size()));
  int64_t done = 0;
  for (const RetrainCandidate& c : candidates) {
    if (ctx.cancelled()) return Unavailable("cancelled");
    const std::string name = c.segment.empty() ? c.model : c.model + "/" + c.segment;
    ctx.progress.Update(done++, name);
    const int64_t now = ctx.clock.NowMillis();
    const nlohmann::ordered_json fields = {{"modelwatch.model", c.model},
                                           {"modelwatch.segment", c.segment},
                                           {"modelwatch.version", c.version},
                                           {"event.reason", c.reason}};
    auto last = store.LastRetrainRequest(c.model, c.segment);
    if (!last.has_value() && last.error().code() != StatusCode::kNotFound) return last.error();
    if (last.has_value() && last->requested_at_ms > now - trigger.target().cooldown_ms) {
      const std::string until =
          FormatRfc3339Seconds(last->requested_at_ms + trigger.target().cooldown_ms);
      ctx.log.Info("retraining skipped (cooldown until " + until + ")", fields);
      ++skipped;
      continue;
    }
    if (ctx.dry_run) {
      ctx.log.Info("would trigger retraining", fields);
      ++outcome.items;
      continue;
    }
    store::RetrainRequest request;
    request.model = c.model;
    request.segment = c.segment;
    request.version = c.version;
    request.reason = c.reason;
    request.task = std::string(task);
    request.requested_at_ms = now;
    request.status = "running";
    auto id = store.AppendRetrainRequest(request);
    if (!id.has_value()) return id.error();
    request.id = *id;
    ctx.log.Info("retraining triggered", fields);
    const RetrainTrigger::Outcome fired = trigger.Fire(request, ctx);
    request.status = fired.succeeded ? "succeeded" : "failed";
    request.outcome = fired.outcome;
    request.finished_at_ms = ctx.clock.NowMillis();
    if (Status s = store.FinishRetrainRequest(request); !s.ok()) return s;
    ++outcome.items;
    if (fired.succeeded) {
      ++succeeded;
    } else {
      failed.push_back(name + " (" + fired.outcome + ")");
    }
  }
  ctx.progress.Update(done, "");
  std::string message = std::string(ctx.dry_run ? "would trigger " : "triggered ") +
                        std::to_string(outcome.items) + " retraining request(s)";
  if (!ctx.dry_run && outcome.items > 0) {
    message += " (" + std::to_string(succeeded) + " succeeded, " + std::to_string(failed.size()) +
               " failed)";
  }
  if (skipped > 0) message += ", " + std::to_string(skipped) + " skipped (cooldown)";
  if (!failed.empty()) {
    std::string list;
    for (const std::string& f : failed) list += (list.empty() ? "" : ", ") + f;
    return Internal(message + ": failed: " + list);
  }
  outcome.message = message;
  return outcome;
}

}  // namespace mw::maintenance
