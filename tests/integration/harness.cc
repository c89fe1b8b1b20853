#include "integration/harness.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <regex>
#include <sstream>
#include <thread>

namespace mw::testing {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

std::string ModelwatchBinary() { return MODELWATCH_BINARY; }
std::string SourceDir() { return MODELWATCH_SOURCE_DIR; }

struct HttpClient::Impl {
  std::string host;
  uint16_t port;
  net::io_context ioc;
  std::optional<beast::tcp_stream> stream;
  beast::flat_buffer buffer;
};

HttpClient::HttpClient(std::string host, uint16_t port) : impl_(std::make_unique<Impl>()) {
  impl_->host = std::move(host);
  impl_->port = port;
}
HttpClient::~HttpClient() {
  if (impl_ && impl_->stream) {
    beast::error_code ec;
    impl_->stream->socket().shutdown(tcp::socket::shutdown_both, ec);
  }
}

HttpResult HttpClient::Send(const std::string& method, const std::string& target,
                            const std::string& body, const std::string& content_type,
                            const std::map<std::string, std::string>& headers) {
  HttpResult out;
  for (int attempt = 0; attempt < 2; ++attempt) {
    beast::error_code ec;
    if (!impl_->stream) {
      impl_->stream.emplace(impl_->ioc);
      impl_->stream->connect(tcp::endpoint(net::ip::make_address(impl_->host), impl_->port), ec);
      if (ec) {
        impl_->stream.reset();
        out.error = "connect: " + ec.message();
        return out;
      }
    }
    bhttp::request<bhttp::string_body> req{bhttp::string_to_verb(method), target, 11};
    req.set(bhttp::field::host, impl_->host);
    if (!body.empty() || method == "POST" || method == "PUT") {
      if (!content_type.empty()) req.set(bhttp::field::content_type, content_type);
      req.body() = body;
    }
    for (const auto& [k, v] : headers) req.set(k, v);
    req.keep_alive(true);
    req.prepare_payload();
    impl_->stream->expires_after(std::chrono::seconds(60));
    bhttp::write(*impl_->stream, req, ec);
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(1ull << 30);
    if (!ec) bhttp::read(*impl_->stream, impl_->buffer, parser, ec);
    if (ec) {
      impl_->stream.reset();
      impl_->buffer.clear();
      out.error = "request: " + ec.message();
      continue;  // one reconnect for a closed keep-alive connection
    }
    auto res = parser.release();
    out.status = static_cast<int>(res.result_int());
    out.body = std::move(res.body());
    for (const auto& f : res.base()) {
      std::string name(f.name_string());
      for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      out.headers[name] = std::string(f.value());
    }
    out.error.clear();
    if (!res.keep_alive()) impl_->stream.reset();
    return out;
  }
  return out;
}

TempDir::TempDir() {
  std::random_device rd;
  path_ = std::filesystem::temp_directory_path() /
          ("modelwatch-test-" + std::to_string(::getpid()) + "-" + std::to_string(rd()));
  std::filesystem::create_directories(path_);
}
TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

ModelwatchProcess::ModelwatchProcess(ServerOptions options) : options_(std::move(options)) {
  if (options_.data_dir.empty()) {
    owned_dir_ = std::make_unique<TempDir>();
    data_dir_ = (owned_dir_->path() / "data").string();
    log_path_ = (owned_dir_->path() / "output.log").string();
  } else {
    data_dir_ = options_.data_dir;
    log_path_ = data_dir_ + ".output." + std::to_string(::getpid()) + ".log";
  }
}

ModelwatchProcess::~ModelwatchProcess() {
  if (pid_ > 0) Terminate();
}

bool ModelwatchProcess::Start() {
  // A test that needs a fixed address (a server restarted where its clients expect it) passes
  // its own --listen.
  const bool own_listen =
      std::find(options_.args.begin(), options_.args.end(), "--listen") != options_.args.end();
  std::vector<std::string> args = {ModelwatchBinary(), "serve", "--data-dir", data_dir_};
  if (!own_listen) args.insert(args.end(), {"--listen", "127.0.0.1:0"});
  for (const auto& a : options_.args) args.push_back(a);
  const int log_fd = ::open(log_path_.c_str(), O_CREAT | O_WRONLY | O_APPEND, 0644);
  const off_t start_offset = ::lseek(log_fd, 0, SEEK_END);
  pid_ = ::fork();
  if (pid_ == 0) {
    ::dup2(log_fd, 1);
    ::dup2(log_fd, 2);
    for (const auto& [k, v] : options_.env) ::setenv(k.c_str(), v.c_str(), 1);
    if (options_.nofile_soft > 0 || options_.nofile_hard > 0) {
      rlimit limit{};
      ::getrlimit(RLIMIT_NOFILE, &limit);
      if (options_.nofile_soft > 0) limit.rlim_cur = options_.nofile_soft;
      if (options_.nofile_hard > 0) limit.rlim_max = options_.nofile_hard;
      if (::setrlimit(RLIMIT_NOFILE, &limit) != 0) ::_exit(126);
    }
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  ::close(log_fd);
  const std::regex ready(R"(modelwatch listening on [0-9.]+:([0-9]+))");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    std::ifstream in(log_path_);
    in.seekg(start_offset);
    std::stringstream ss;
    ss << in.rdbuf();
    std::smatch m;
    const std::string text = ss.str();
    if (std::regex_search(text, m, ready)) {
      port_ = static_cast<uint16_t>(std::stoi(m[1]));
      // Printed before the line above, so it is in `text` when the proxy is on.
      static const std::regex proxy_ready(R"(modelwatch proxy listening on \S+:([0-9]+) )");
      std::smatch pm;
      const std::string head = text.substr(0, static_cast<size_t>(m.position(0)));
      proxy_port_ = std::regex_search(head, pm, proxy_ready)
                        ? static_cast<uint16_t>(std::stoi(pm[1]))
                        : uint16_t{0};
      return true;
    }
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // polling a file, bounded
  }
  return false;
}

int ModelwatchProcess::Wait() {
  if (pid_ <= 0) return -1;
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

int ModelwatchProcess::Terminate() {
  if (pid_ <= 0) return -1;
  ::kill(pid_, SIGTERM);
  return Wait();
}

void ModelwatchProcess::Kill() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  Wait();
}

std::string ModelwatchProcess::output() const {
  std::ifstream in(log_path_);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

CommandResult RunCommand(const std::vector<std::string>& argv_in,
                         const std::map<std::string, std::string>& env,
                         const std::string& stdin_text) {
  int out_pipe[2], in_pipe[2];
  if (::pipe(out_pipe) != 0 || ::pipe(in_pipe) != 0) return {};
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(in_pipe[0], 0);
    ::dup2(out_pipe[1], 1);
    ::dup2(out_pipe[1], 2);
    ::close(out_pipe[0]);
    ::close(in_pipe[1]);
    for (const auto& [k, v] : env) ::setenv(k.c_str(), v.c_str(), 1);
    std::vector<std::string> args = argv_in;
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execvp(argv[0], argv.data());
    ::_exit(127);
  }
  ::close(out_pipe[1]);
  ::close(in_pipe[0]);
  std::thread writer([&] {
    size_t off = 0;
    while (off < stdin_text.size()) {
      const ssize_t n = ::write(in_pipe[1], stdin_text.data() + off, stdin_text.size() - off);
      if (n <= 0) break;
      off += static_cast<size_t>(n);
    }
    ::close(in_pipe[1]);
  });
  CommandResult result;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(out_pipe[0], buf, sizeof buf)) > 0)
    result.output.append(buf, static_cast<size_t>(n));
  ::close(out_pipe[0]);
  writer.join();
  int status = 0;
  ::waitpid(pid, &status, 0);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

std::string TempDir::Write(const std::string& name, const std::string& text) const {
  const std::string file = (path_ / name).string();
  std::ofstream(file, std::ios::binary) << text;
  return file;
}

uint16_t FreePort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    if (fd >= 0) ::close(fd);
    return 0;
  }
  ::close(fd);
  return ntohs(addr.sin_port);
}

ChildProcess::ChildProcess(std::vector<std::string> argv, std::filesystem::path log)
    : log_(std::move(log)) {
  pid_ = ::fork();
  if (pid_ == 0) {
    const int fd = ::open(log_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
      ::dup2(fd, 1);
      ::dup2(fd, 2);
    }
    std::vector<char*> args;
    for (auto& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    ::execvp(args[0], args.data());
    ::_exit(127);
  }
}

ChildProcess::~ChildProcess() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGTERM);
  for (int i = 0; i < 100; ++i) {
    if (::waitpid(pid_, nullptr, WNOHANG) == pid_) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, nullptr, 0);
}

bool ChildProcess::exited() const { return pid_ <= 0 || ::waitpid(pid_, nullptr, WNOHANG) == pid_; }

std::string ChildProcess::log() const {
  std::ifstream in(log_);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

namespace detail {

void Daemon::Spawn(std::vector<std::string> argv) {
  Stop();
  argv_ = std::move(argv);
  pid_ = ::fork();
  if (pid_ == 0) {
    const int fd = ::open(log_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
      ::dup2(fd, 1);
      ::dup2(fd, 2);
    }
    std::vector<char*> args;
    for (auto& a : argv_) args.push_back(a.data());
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
}

bool Daemon::Alive() {
  if (pid_ <= 0) return false;
  if (::waitpid(pid_, nullptr, WNOHANG) == pid_) pid_ = -1;
  return pid_ > 0;
}

void Daemon::Kill() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

int Daemon::Stop() {
  if (pid_ <= 0) return -1;
  ::kill(pid_, SIGTERM);
  int status = 0;
  bool exited = false;
  for (int i = 0; i < 200 && !exited; ++i) {  // 10 s: uvicorn waits for requests in flight
    exited = ::waitpid(pid_, &status, WNOHANG) == pid_;
    if (!exited) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  if (!exited) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, &status, 0);
  }
  pid_ = -1;
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : -1;
}

std::string Daemon::log() const {
  std::ifstream in(log_);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

}  // namespace detail

namespace {

// Polls `ready` every 50 ms for up to 30 s while the daemon is alive.
template <typename Ready>
bool WaitUntilReady(detail::Daemon& daemon, Ready ready) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    if (!daemon.Alive()) return false;
    if (ready()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

// Starts a daemon on a fresh free port: another process may take the port between FreePort and
// the daemon's bind, so a daemon that exits at once is tried again on another port (3 tries).
template <typename SpawnAndWait>
bool StartOnFreePort(uint16_t& port, SpawnAndWait spawn_and_wait) {
  for (int attempt = 0; attempt < 3; ++attempt) {
    port = FreePort();
    if (port != 0 && spawn_and_wait()) return true;
  }
  return false;
}

}  // namespace

PredictionService::PredictionService(int seed)
    : seed_(seed), daemon_(dir_.path() / "prediction_service.log") {}

PredictionService::~PredictionService() { daemon_.Stop(); }

std::string PredictionService::ScriptPath() {
  return SourceDir() + "/tests/integration/upstream/prediction_service.py";
}

bool PredictionService::SpawnAndWait() {
  daemon_.Spawn({"/usr/bin/python3", ScriptPath(), "--host", "127.0.0.1", "--port",
                 std::to_string(port_), "--seed", std::to_string(seed_)});
  HttpClient client("127.0.0.1", port_);
  return WaitUntilReady(daemon_, [&] { return client.Get("/health").status == 200; });
}

bool PredictionService::Start() {
  return StartOnFreePort(port_, [this] { return SpawnAndWait(); });
}

bool PredictionService::Restart() { return port_ != 0 && SpawnAndWait(); }

std::map<std::string, int64_t> PredictionService::calls() const {
  std::map<std::string, int64_t> out;
  const HttpResult r = Client().Get("/_test/calls");
  const auto json = nlohmann::json::parse(r.body, nullptr, false);
  if (r.status != 200 || json.is_discarded() || !json.contains("calls")) return out;
  for (const auto& [key, n] : json["calls"].items()) out[key] = n.get<int64_t>();
  return out;
}

int64_t PredictionService::calls(const std::string& key) const {
  const auto all = calls();
  const auto it = all.find(key);
  return it == all.end() ? 0 : it->second;
}

int64_t PredictionService::cancelled() const {
  const HttpResult r = Client().Get("/_test/calls");
  const auto json = nlohmann::json::parse(r.body, nullptr, false);
  if (r.status != 200 || json.is_discarded() || !json.contains("cancelled")) return -1;
  return json["cancelled"].get<int64_t>();
}

bool PredictionService::Reset() const {
  return Client().PostJson("/_test/reset", "").status == 200;
}

RedisServer::RedisServer() : daemon_(dir_.path() / "redis.log") {}

RedisServer::~RedisServer() { daemon_.Stop(); }

bool RedisServer::SpawnAndWait() {
  const std::string dir = (dir_.path() / "data").string();
  std::filesystem::create_directories(dir);
  daemon_.Spawn({"/usr/bin/redis-server", "--port", std::to_string(port_), "--bind", "127.0.0.1",
                 "--save", "", "--appendonly", "no", "--dir", dir});
  return WaitUntilReady(daemon_, [&] { return Command("PING").rfind("+PONG", 0) == 0; });
}

bool RedisServer::Start() {
  return StartOnFreePort(port_, [this] { return SpawnAndWait(); });
}

bool RedisServer::Restart() { return port_ != 0 && SpawnAndWait(); }

std::string RedisServer::Command(const std::string& inline_command) const {
  net::io_context ioc;
  tcp::socket socket(ioc);
  beast::error_code ec;
  socket.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port_), ec);
  if (ec) return "";
  const timeval two_seconds{2, 0};
  ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &two_seconds, sizeof two_seconds);
  net::write(socket, net::buffer(inline_command + "\r\n"), ec);
  // One reply: a line, plus for a bulk string ("$N") the N bytes and their CRLF.
  std::string reply;
  char buf[4096];
  while (!ec) {
    const size_t line_end = reply.find("\r\n");
    if (line_end != std::string::npos) {
      const long bulk = reply[0] == '$' ? std::atol(reply.c_str() + 1) : -1;
      if (bulk < 0 || reply.size() >= line_end + 2 + static_cast<size_t>(bulk) + 2) return reply;
    }
    const size_t n = socket.read_some(net::buffer(buf), ec);
    reply.append(buf, n);
  }
  return "";
}

double ScrapedValue(const std::string& exposition, const std::string& series) {
  std::istringstream in(exposition);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(series + " ", 0) == 0) return std::stod(line.substr(series.size() + 1));
  }
  return NAN;
}

}  // namespace mw::testing
