// Integration-test harness: starts the real modelwatch binary on 127.0.0.1 with port 0 in a temp
// data directory, waits for its readiness line on stderr, talks HTTP/1.1 to it (Boost.Beast sync
// client), and stops it by pid (SIGTERM, or SIGKILL for crash tests).
#pragma once

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace mw::testing {

struct HttpResult {
  int status = 0;
  std::string body;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string error;                           // transport failure, empty on success
};

// A keep-alive HTTP client to one host:port. Reconnects after a failure.
class HttpClient {
 public:
  HttpClient(std::string host, uint16_t port);
  ~HttpClient();
  HttpResult Send(const std::string& method, const std::string& target,
                  const std::string& body = "",
                  const std::string& content_type = "application/json",
                  const std::map<std::string, std::string>& headers = {});
  HttpResult Get(const std::string& target) { return Send("GET", target); }
  HttpResult PostJson(const std::string& target, const std::string& body) {
    return Send("POST", target, body, "application/json");
  }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// A temp directory removed at destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::filesystem::path& path() const { return path_; }
  // Writes `text` to the file `name` in the directory and returns its path.
  std::string Write(const std::string& name, const std::string& text) const;

 private:
  std::filesystem::path path_;
};

struct ServerOptions {
  std::vector<std::string> args;           // extra args after "serve"
  std::map<std::string, std::string> env;  // extra environment
  std::string data_dir;                    // default: a fresh temp dir owned by the server
  // > 0: the child's RLIMIT_NOFILE (soft, hard) set before exec; 0 keeps the test's own limits.
  uint64_t nofile_soft = 0;
  uint64_t nofile_hard = 0;
};

class ModelwatchProcess {
 public:
  explicit ModelwatchProcess(ServerOptions options = {});
  ~ModelwatchProcess();  // SIGTERM + wait if still running

  // Starts and waits (up to 30 s) for "modelwatch listening on HOST:PORT". False on failure;
  // output() then says why.
  bool Start();
  int Terminate();  // SIGTERM and wait; the exit code (or 128+signal), -1 if not running
  void Kill();      // SIGKILL and wait
  int Wait();       // exit code (or 128+signal)
  bool running() const { return pid_ > 0; }
  int pid() const { return pid_; }  // -1 when not running
  uint16_t port() const { return port_; }
  const std::string& data_dir() const { return data_dir_; }
  std::string output() const;  // captured stdout + stderr so far
  HttpClient Client() const { return HttpClient("127.0.0.1", port_); }

 private:
  ServerOptions options_;
  std::unique_ptr<TempDir> owned_dir_;
  std::string data_dir_;
  std::string log_path_;
  int pid_ = -1;
  uint16_t port_ = 0;
};

// Runs a command, returns exit code and captured stdout+stderr.
struct CommandResult {
  int exit_code = -1;
  std::string output;
};
CommandResult RunCommand(const std::vector<std::string>& argv,
                         const std::map<std::string, std::string>& env = {},
                         const std::string& stdin_text = "");

std::string ModelwatchBinary();
std::string SourceDir();

// A free TCP port on 127.0.0.1 (bound and released: another process could take it first, so use
// it at once), or 0 on failure. For daemons that need their port on the command line.
uint16_t FreePort();

// Another program (Debian's prometheus, alertmanager) run as a child with stdout and stderr in
// `log`, stopped by pid at destruction: SIGTERM, then SIGKILL if it has not exited after 10 s.
class ChildProcess {
 public:
  ChildProcess(std::vector<std::string> argv, std::filesystem::path log);
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  bool exited() const;
  std::string log() const;

 private:
  std::filesystem::path log_;
  int pid_ = -1;
};

// Deterministic pseudo-random numbers for generated traffic (a test must not depend on a
// platform's <random>).
struct Lcg {
  uint64_t state;
  double Uniform() {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<double>(state >> 11) / 9007199254740992.0;
  }
  double Normal(double mean, double sd) {  // Box–Muller
    const double u = Uniform() + 1e-12, v = Uniform();
    return mean + sd * std::sqrt(-2 * std::log(u)) * std::cos(2 * M_PI * v);
  }
};

}  // namespace mw::testing
