#include "simulate/http_sender.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <thread>
#include <utility>

#include "http/client.h"

namespace mw::simulate {
namespace {

// The delay of "Retry-After: <seconds>" (at most 6 digits are read; the HTTP-date form is
// ignored); -1 when the value does not start with a digit.
int64_t RetryAfterMs(std::string_view value) {
  int64_t seconds = 0;
  size_t digits = 0;
  while (digits < value.size() && digits < 6 &&
         std::isdigit(static_cast<unsigned char>(value[digits]))) {
    seconds = seconds * 10 + (value[digits] - '0');
    ++digits;
  }
  return digits > 0 ? seconds * 1000 : -1;
}

bool Retryable(long status) { return status == 429 || status >= 500; }

}  // namespace

Result<std::unique_ptr<HttpSender>> HttpSender::Create(SenderOptions options) {
  std::string& target = options.target;
  if (target.rfind("http://", 0) != 0 && target.rfind("https://", 0) != 0) {
    return InvalidArgument("--target: must be an http:// or https:// URL, got '" + target + "'");
  }
  while (!target.empty() && target.back() == '/') target.pop_back();
  if (target.find_first_of(" \t\r\n") != std::string::npos) {
    return InvalidArgument("--target: must not contain white space");
  }
  auto client = http::Client::Create();
  if (!client) return client.error();
  if (!options.sleep) {
    options.sleep = [](int64_t ms) { std::this_thread::sleep_for(std::chrono::milliseconds(ms)); };
  }
  return std::unique_ptr<HttpSender>(new HttpSender(std::move(options), std::move(*client)));
}

HttpSender::HttpSender(SenderOptions options, std::unique_ptr<http::Client> client)
    : options_(std::move(options)), client_(std::move(client)) {}

HttpSender::~HttpSender() = default;

std::string HttpSender::Url(std::string_view path) const {
  return options_.target + std::string(path);
}

HttpSender::Attempt HttpSender::SendOnce(const HttpRequest& request) {
  http::ClientRequest out;
  out.method = request.method;
  out.url = Url(request.path);
  out.headers = {"User-Agent: modelwatch-simulate", "Accept: application/json",
                 // Without this curl waits for "100 Continue" before sending bodies over 1 KiB.
                 "Expect:"};
  if (!request.content_type.empty()) out.headers.push_back("Content-Type: " + request.content_type);
  if (!options_.token.empty()) out.headers.push_back("Authorization: Bearer " + options_.token);
  out.body = request.body;
  out.timeout_ms = options_.timeout_ms;
  out.connect_timeout_ms = 10'000;
  http::ClientResponse in = client_->Send(out);
  ++requests_;
  Attempt attempt;
  if (!in.answered()) {
    attempt.transport_error = std::move(in.error_summary);
    return attempt;
  }
  attempt.reply.status = in.status;
  attempt.reply.content_type = std::move(in.content_type);
  attempt.reply.body = std::move(in.body);
  attempt.retry_after_ms = RetryAfterMs(in.retry_after);
  return attempt;
}

Result<HttpReply> HttpSender::Send(const HttpRequest& request) {
  int64_t backoff_ms = options_.initial_backoff_ms;
  for (int attempt_no = 0;; ++attempt_no) {
    Attempt attempt = SendOnce(request);
    const bool failed = !attempt.transport_error.empty() || Retryable(attempt.reply.status);
    if (!failed || attempt_no >= options_.max_retries) {
      if (!attempt.transport_error.empty()) {
        return Unavailable(request.method + " " + Url(request.path) + ": " +
                           attempt.transport_error + " (after " + std::to_string(attempt_no) +
                           " retries)");
      }
      return std::move(attempt.reply);
    }
    int64_t wait_ms = std::min(backoff_ms, options_.max_backoff_ms);
    if (attempt.retry_after_ms >= 0) {
      wait_ms = std::max(wait_ms, std::min<int64_t>(attempt.retry_after_ms, 60'000));
    }
    options_.sleep(wait_ms);
    backoff_ms = std::min(backoff_ms * 2, options_.max_backoff_ms);
    ++retries_;
  }
}

}  // namespace mw::simulate
