// Integration-test harness: starts the real modelwatch binary on 127.0.0.1 with port 0 in a temp
// data directory, waits for its readiness line on stderr, talks HTTP/1.1 to it (Boost.Beast sync
// client), and stops it by pid (SIGTERM, or SIGKILL for crash tests). Also the programs modelwatch
// is tested against: the FastAPI prediction service (tests/integration/upstream/) and redis-server.
// Nothing here is thread-safe: each object belongs to one test thread.
#pragma once

#include <chrono>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <thread>
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
  // The proxy's port from the line "modelwatch proxy listening on HOST:PORT (upstream URL)" that
  // serve prints before "modelwatch listening on ..." when proxy.upstream is set; 0 without it.
  uint16_t proxy_port() const { return proxy_port_; }
  HttpClient ProxyClient() const { return HttpClient("127.0.0.1", proxy_port_); }
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
  uint16_t proxy_port_ = 0;
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

// The value of the sample whose name and labels are exactly `series` in a Prometheus text
// exposition (`ml_api_requests_total{endpoint="/x",method="GET",status="200"}`), NaN when absent.
double ScrapedValue(const std::string& exposition, const std::string& series);

// Calls `done` every 50 ms until it returns true or `limit` passed (then once more).
template <typename F>
bool WaitUntil(F done, std::chrono::milliseconds limit = std::chrono::milliseconds(5000)) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return done();
}

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

namespace detail {
// A child process run again with the same argv on demand, stdout and stderr appended to one log.
class Daemon {
 public:
  explicit Daemon(std::filesystem::path log) : log_(std::move(log)) {}
  ~Daemon() { Stop(); }
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;
  void Spawn(std::vector<std::string> argv);  // remembered for Respawn
  void Respawn() { Spawn(argv_); }
  bool Alive();  // false once it has exited (reaped)
  void Kill();   // SIGKILL and wait
  int Stop();    // SIGTERM, SIGKILL after 10 s; the exit code (or 128+signal), -1 if not running
  int pid() const { return pid_; }
  std::string log() const;

 private:
  std::vector<std::string> argv_;
  std::filesystem::path log_;
  int pid_ = -1;
};
}  // namespace detail

// tests/integration/upstream/prediction_service.py (FastAPI + uvicorn + scikit-learn, run with
// Debian's /usr/bin/python3) on 127.0.0.1 and a free port: the prediction API the proxy fronts.
// Its routes and its /_test/* controls are described at the top of the script.
class PredictionService {
 public:
  explicit PredictionService(int seed = 7);
  ~PredictionService();  // Stop() if running

  // Picks a free port, starts the service and waits (up to 30 s) for GET /health to answer 200.
  // False on failure; output() then says why.
  bool Start();
  bool Restart();                        // Start again on the same port, after Kill() or Stop()
  void Kill() { daemon_.Kill(); }        // SIGKILL: connections reset, nothing answered
  int Stop() { return daemon_.Stop(); }  // SIGTERM: uvicorn's graceful shutdown
  bool running() { return daemon_.Alive(); }
  uint16_t port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  HttpClient Client() const { return HttpClient("127.0.0.1", port_); }
  std::string output() const { return daemon_.log(); }

  // GET /_test/calls: requests per "METHOD /route/{template}" ("METHOD unmatched" for no route),
  // the /_test/* routes not counted. Empty when the service did not answer.
  std::map<std::string, int64_t> calls() const;
  int64_t calls(const std::string& key) const;  // 0 when absent
  int64_t cancelled() const;  // /sleep requests whose client went away first; -1 on failure
  bool Reset() const;         // POST /_test/reset: counters, recorded requests and state
  static std::string ScriptPath();

 private:
  bool SpawnAndWait();
  int seed_;
  TempDir dir_;
  uint16_t port_ = 0;
  detail::Daemon daemon_;
};

// /usr/bin/redis-server on 127.0.0.1 and a free port, no persistence, its dir a temp dir.
class RedisServer {
 public:
  RedisServer();
  ~RedisServer();  // Stop() if running

  bool Start();    // picks a free port, waits (up to 30 s) for PING to answer +PONG
  bool Restart();  // Start again on the same port (empty: nothing was saved)
  void Kill() { daemon_.Kill(); }
  int Stop() { return daemon_.Stop(); }
  bool running() { return daemon_.Alive(); }
  uint16_t port() const { return port_; }
  std::string url() const { return "redis://127.0.0.1:" + std::to_string(port_); }
  std::string output() const { return daemon_.log(); }
  // Sends one inline command ("DBSIZE", "FLUSHALL") and returns the reply as received ("+OK\r\n",
  // ":3\r\n"), or "" on a transport failure.
  std::string Command(const std::string& inline_command) const;

 private:
  bool SpawnAndWait();
  TempDir dir_;
  uint16_t port_ = 0;
  detail::Daemon daemon_;
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
