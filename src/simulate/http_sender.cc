#include "simulate/http_sender.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <mutex>
#include <thread>

namespace mw::simulate {
namespace {

size_t AppendBody(char* data, size_t size, size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

// Reads "Retry-After: <seconds>" (the HTTP-date form is ignored).
size_t ReadHeader(char* data, size_t size, size_t n, void* out) {
  const std::string_view line(data, size * n);
  constexpr std::string_view kName = "retry-after:";
  if (line.size() > kName.size()) {
    std::string lower(line.substr(0, kName.size()));
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (lower == kName) {
      std::string_view value = line.substr(kName.size());
      while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) {
        value.remove_prefix(1);
      }
      int64_t seconds = 0;
      size_t digits = 0;
      while (digits < value.size() && digits < 6 &&
             std::isdigit(static_cast<unsigned char>(value[digits]))) {
        seconds = seconds * 10 + (value[digits] - '0');
        ++digits;
      }
      if (digits > 0) *static_cast<int64_t*>(out) = seconds * 1000;
    }
  }
  return size * n;
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
  static std::once_flag curl_initialised;
  std::call_once(curl_initialised, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  CURL* curl = curl_easy_init();
  if (curl == nullptr) return Internal("curl_easy_init failed");
  if (!options.sleep) {
    options.sleep = [](int64_t ms) { std::this_thread::sleep_for(std::chrono::milliseconds(ms)); };
  }
  return std::unique_ptr<HttpSender>(new HttpSender(std::move(options), curl));
}

HttpSender::HttpSender(SenderOptions options, void* curl)
    : options_(std::move(options)), curl_(curl) {}

HttpSender::~HttpSender() { curl_easy_cleanup(static_cast<CURL*>(curl_)); }

std::string HttpSender::Url(std::string_view path) const {
  return options_.target + std::string(path);
}

HttpSender::Attempt HttpSender::SendOnce(const HttpRequest& request) {
  CURL* curl = static_cast<CURL*>(curl_);
  // Reset forgets the options but keeps the connection cache, so the connection is reused.
  curl_easy_reset(curl);
  Attempt attempt;
  const std::string url = Url(request.path);
  curl_slist* headers = nullptr;
  headers = curl_slist_append(headers, "Accept: application/json");
  // Without this curl waits for "100 Continue" before sending bodies over 1 KiB.
  headers = curl_slist_append(headers, "Expect:");
  if (!request.content_type.empty()) {
    headers = curl_slist_append(headers, ("Content-Type: " + request.content_type).c_str());
  }
  if (!options_.token.empty()) {
    headers = curl_slist_append(headers, ("Authorization: Bearer " + options_.token).c_str());
  }
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_USERAGENT, "modelwatch-simulate");
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.timeout_ms));
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, 10'000L);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, AppendBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &attempt.reply.body);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, ReadHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &attempt.retry_after_ms);
  if (request.method == "GET") {
    curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
  } else {
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.body.data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE,
                     static_cast<curl_off_t>(request.body.size()));
    if (request.method != "POST") {
      curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    }
  }
  const CURLcode rc = curl_easy_perform(curl);
  ++requests_;
  if (rc != CURLE_OK) {
    attempt.transport_error = curl_easy_strerror(rc);
  } else {
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &attempt.reply.status);
    char* content_type = nullptr;
    curl_easy_getinfo(curl, CURLINFO_CONTENT_TYPE, &content_type);
    if (content_type != nullptr) attempt.reply.content_type = content_type;
  }
  curl_slist_free_all(headers);
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
