// Where the simulator's requests go: the Transport seam, and HttpSender, its libcurl
// implementation against one modelwatch server.
//
// HttpSender sends through one http::Client (http/client.h), so consecutive requests share a
// keep-alive connection.
// It retries, with exponential backoff, on connection failures, 5xx and 429 (a Retry-After in
// seconds lengthens the wait); a retried request is sent byte for byte again, so a batch keeps
// its event ids and the server's idempotency makes the retry safe. Any other status is returned
// at once for the caller to judge.
// Thread-safety: none (one sender per thread).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"

namespace mw::http {
class Client;
}  // namespace mw::http

namespace mw::simulate {

struct HttpRequest {
  std::string method;        // "GET", "POST", "PUT"
  std::string path;          // "/v1/predictions", query included
  std::string content_type;  // empty for no body
  std::string body;
};

struct HttpReply {
  long status = 0;
  std::string content_type;
  std::string body;
};

class Transport {
 public:
  virtual ~Transport() = default;
  // The final reply, whatever its status; Unavailable when no HTTP answer came (after retries).
  virtual Result<HttpReply> Send(const HttpRequest& request) = 0;
  // The absolute URL of `path`, for messages.
  virtual std::string Url(std::string_view path) const = 0;
  virtual int64_t requests() const = 0;  // attempts made, retries included
  virtual int64_t retries() const = 0;   // attempts that repeated an earlier one
};

struct SenderOptions {
  std::string target = "http://127.0.0.1:8000";  // http(s)://host[:port][/prefix]
  std::string token;                             // sent as "Authorization: Bearer <token>"
  int max_retries = 8;
  int64_t initial_backoff_ms = 200;  // doubles per retry
  int64_t max_backoff_ms = 10'000;
  int64_t timeout_ms = 60'000;  // per attempt
  // Waits between attempts; default std::this_thread::sleep_for (tests pass a recorder).
  std::function<void(int64_t ms)> sleep;
};

class HttpSender final : public Transport {
 public:
  // InvalidArgument ("--target: ...") when the target is not an http:// or https:// URL.
  static Result<std::unique_ptr<HttpSender>> Create(SenderOptions options);
  ~HttpSender() override;
  HttpSender(const HttpSender&) = delete;
  HttpSender& operator=(const HttpSender&) = delete;

  Result<HttpReply> Send(const HttpRequest& request) override;
  std::string Url(std::string_view path) const override;
  int64_t requests() const override { return requests_; }
  int64_t retries() const override { return retries_; }

 private:
  struct Attempt {
    HttpReply reply;
    std::string transport_error;  // empty when an HTTP answer came
    int64_t retry_after_ms = -1;  // from a Retry-After header in seconds
  };

  HttpSender(SenderOptions options, std::unique_ptr<http::Client> client);
  Attempt SendOnce(const HttpRequest& request);

  SenderOptions options_;
  std::unique_ptr<http::Client> client_;
  int64_t requests_ = 0;
  int64_t retries_ = 0;
};

}  // namespace mw::simulate
