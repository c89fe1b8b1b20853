#include "alerting/notify/transport.h"

#include <curl/curl.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstring>
#include <memory>
#include <mutex>

#include "http/client.h"

namespace mw::alerting {
namespace {

constexpr size_t kMaxBodyKept = 64 * 1024;  // of a receiver's answer
constexpr size_t kDetailBody = 200;         // of it in the detail
constexpr int64_t kMaxConnectMs = 5000;

void EnsureCurl() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct CurlCleanup {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
struct SlistCleanup {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};
using CurlHandle = std::unique_ptr<CURL, CurlCleanup>;
using Slist = std::unique_ptr<curl_slist, SlistCleanup>;

Slist Append(Slist list, const std::string& item) {
  curl_slist* raw = curl_slist_append(list.get(), item.c_str());
  if (raw != nullptr) {
    (void)list.release();  // now owned by `raw`
    return Slist(raw);
  }
  return list;
}

struct ReadState {
  std::string_view rest;
};

size_t ReadMessage(char* buffer, size_t size, size_t n, void* in) {
  auto* state = static_cast<ReadState*>(in);
  const size_t bytes = std::min(size * n, state->rest.size());
  std::memcpy(buffer, state->rest.data(), bytes);
  state->rest.remove_prefix(bytes);
  return bytes;
}

std::string CurlDetail(CURLcode rc, const char* errbuf) {
  return errbuf[0] != '\0' ? std::string(errbuf) : std::string(curl_easy_strerror(rc));
}

// An SMTP transfer that failed before an answer: most failures may heal, a few cannot. (HTTP
// transfers are classified by http::Client alike.)
DeliveryResult ClassifyCurlError(CURLcode rc, const char* errbuf) {
  const std::string detail = CurlDetail(rc, errbuf);
  switch (rc) {
    case CURLE_OPERATION_TIMEDOUT:
      return DeliveryResult::Retry("timeout", detail);
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
      return DeliveryResult::Permanent("invalid_url", detail);
    case CURLE_LOGIN_DENIED:
      return DeliveryResult::Permanent("login_denied", detail);
    case CURLE_USE_SSL_FAILED:  // the server offers no STARTTLS although we require it
      return DeliveryResult::Permanent("tls", detail);
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CACERT_BADFILE:
      return DeliveryResult::Retry("tls", detail);
    default:
      return DeliveryResult::Retry("network", detail);
  }
}

int Month(std::string_view m) {
  static constexpr std::string_view kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  for (int i = 0; i < 12; ++i) {
    if (kMonths[i] == m) return i + 1;
  }
  return 0;
}

bool Number(std::string_view s, int* out) {
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && end == s.data() + s.size();
}

}  // namespace

DeliveryResult DeliveryResult::Delivered(int status) {
  return {Outcome::kDelivered, "ok", "", status};
}

DeliveryResult DeliveryResult::Permanent(std::string reason, std::string detail) {
  return {Outcome::kPermanent, std::move(reason), std::move(detail)};
}

DeliveryResult DeliveryResult::Retry(std::string reason, std::string detail) {
  return {Outcome::kRetry, std::move(reason), std::move(detail)};
}

DeliveryResult ClassifyHttpStatus(int status, std::string_view body, int64_t retry_after_ms) {
  if (status >= 200 && status < 300) return DeliveryResult::Delivered(status);
  std::string detail = "HTTP " + std::to_string(status);
  if (!body.empty()) detail += ": " + std::string(body.substr(0, kDetailBody));
  const std::string reason = "http_" + std::to_string(status);
  DeliveryResult r = (status == 408 || status == 429 || status >= 500)
                         ? DeliveryResult::Retry(reason, std::move(detail))
                         : DeliveryResult::Permanent(reason, std::move(detail));
  r.status = status;
  if (r.outcome == DeliveryResult::Outcome::kRetry) r.retry_after_ms = retry_after_ms;
  return r;
}

std::optional<int64_t> ParseRetryAfter(std::string_view value, int64_t now_ms) {
  if (value.empty()) return std::nullopt;
  if (std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    int64_t seconds = 0;
    auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
    if (ec != std::errc() || seconds > int64_t{10} * 365 * 86400) return std::nullopt;
    return seconds * 1000;
  }
  // IMF-fixdate: "Wed, 21 Oct 2015 07:28:00 GMT" (29 characters).
  if (value.size() != 29 || value[3] != ',' || value.substr(25) != " GMT") return std::nullopt;
  int day = 0, year = 0, hour = 0, minute = 0, second = 0;
  const int month = Month(value.substr(8, 3));
  if (!Number(value.substr(5, 2), &day) || month == 0 || !Number(value.substr(12, 4), &year) ||
      !Number(value.substr(17, 2), &hour) || !Number(value.substr(20, 2), &minute) ||
      !Number(value.substr(23, 2), &second) || value[16] != ' ' || value[19] != ':' ||
      value[22] != ':') {
    return std::nullopt;
  }
  using namespace std::chrono;
  const year_month_day ymd{std::chrono::year(year), std::chrono::month(month),
                           std::chrono::day(day)};
  if (!ymd.ok() || hour > 23 || minute > 59 || second > 60) return std::nullopt;
  const int64_t at_ms = duration_cast<milliseconds>(sys_days(ymd).time_since_epoch()).count() +
                        ((hour * 60 + minute) * 60 + second) * int64_t{1000};
  return std::max<int64_t>(0, at_ms - now_ms);
}

DeliveryResult PostJson(const HttpPost& request, int64_t now_ms) {
  auto client = http::Client::Create();
  if (!client) return DeliveryResult::Retry("network", client.error().message());
  http::ClientRequest post;
  post.method = "POST";
  post.url = request.url;
  post.headers = {"Content-Type: application/json", "User-Agent: modelwatch",
                  "Expect:"};  // no 100-continue round trip
  post.headers.insert(post.headers.end(), request.headers.begin(), request.headers.end());
  post.body = request.body;
  post.timeout_ms = request.timeout_ms;
  post.connect_timeout_ms = std::min(request.timeout_ms, kMaxConnectMs);
  post.max_body_bytes = kMaxBodyKept;
  const http::ClientResponse response = (*client)->Send(post);
  switch (response.error) {
    case http::TransferError::kNone:
      break;
    case http::TransferError::kTimeout:
      return DeliveryResult::Retry("timeout", response.error_detail);
    case http::TransferError::kInvalidUrl:
      return DeliveryResult::Permanent("invalid_url", response.error_detail);
    case http::TransferError::kTls:
      return DeliveryResult::Retry("tls", response.error_detail);
    case http::TransferError::kNetwork:
      return DeliveryResult::Retry("network", response.error_detail);
  }
  const int64_t retry_after = ParseRetryAfter(response.retry_after, now_ms).value_or(-1);
  return ClassifyHttpStatus(static_cast<int>(response.status), response.body, retry_after);
}

DeliveryResult SendMail(const SmtpMessage& mail) {
  EnsureCurl();
  CurlHandle curl(curl_easy_init());
  if (!curl) return DeliveryResult::Retry("network", "curl_easy_init failed");
  Slist recipients;
  for (const std::string& to : mail.to) recipients = Append(std::move(recipients), "<" + to + ">");
  const std::string from = "<" + mail.from + ">";
  ReadState state{mail.message};
  char errbuf[CURL_ERROR_SIZE] = {0};
  CURL* c = curl.get();
  curl_easy_setopt(c, CURLOPT_URL, mail.url.c_str());
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_MAIL_FROM, from.c_str());
  curl_easy_setopt(c, CURLOPT_MAIL_RCPT, recipients.get());
  curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(c, CURLOPT_READFUNCTION, ReadMessage);
  curl_easy_setopt(c, CURLOPT_READDATA, &state);
  if (mail.starttls) curl_easy_setopt(c, CURLOPT_USE_SSL, static_cast<long>(CURLUSESSL_ALL));
  if (!mail.username.empty()) {
    curl_easy_setopt(c, CURLOPT_USERNAME, mail.username.c_str());
    curl_easy_setopt(c, CURLOPT_PASSWORD, mail.password.c_str());
  }
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(mail.timeout_ms));
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(std::min(mail.timeout_ms, kMaxConnectMs)));
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
  const CURLcode rc = curl_easy_perform(c);
  long code = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
  if (rc == CURLE_OK) return DeliveryResult::Delivered(static_cast<int>(code));
  // The server answered with an error reply: 5xx is final, 4xx is "try again later".
  if (code >= 400 && code < 600 && rc != CURLE_LOGIN_DENIED) {
    const std::string reason = "smtp_" + std::to_string(code);
    DeliveryResult r = code >= 500 ? DeliveryResult::Permanent(reason, CurlDetail(rc, errbuf))
                                   : DeliveryResult::Retry(reason, CurlDetail(rc, errbuf));
    r.status = static_cast<int>(code);
    return r;
  }
  return ClassifyCurlError(rc, errbuf);
}

}  // namespace mw::alerting
