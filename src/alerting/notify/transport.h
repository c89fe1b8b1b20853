// One delivery attempt over the network: an HTTP POST of a JSON body (http::Client), or an e-mail
// over SMTP (libcurl); and how its outcome is judged — delivered, worth retrying, or permanently
// failed.
//
// Only the URL given is contacted: redirects are not followed, and only http/https (HTTP) or
// smtp/smtps (mail) are allowed, so a receiver cannot send modelwatch elsewhere.
//
// Thread-safety: the functions may be called from any thread concurrently (each attempt uses its
// own client or curl handle; curl_global_init runs once, guarded).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mw::alerting {

struct DeliveryResult {
  enum class Outcome {
    kDelivered,  // 2xx / 250: done
    kRetry,      // the receiver may accept it later: network errors, timeouts, 408, 429, 5xx
    kPermanent,  // retrying cannot help: other 4xx, SMTP 5xx, unknown channel, bad credentials
  };
  Outcome outcome = Outcome::kRetry;
  // A short, fixed token for metrics labels: "ok", "http_<status>", "network", "timeout",
  // "tls", "smtp_<code>", "login_denied", "unknown_channel", "invalid_payload", "expired".
  std::string reason;
  std::string detail;           // for logs and the outbox's last_error; no secrets
  int status = 0;               // HTTP status or SMTP reply code; 0 without one
  int64_t retry_after_ms = -1;  // the receiver's Retry-After (429/503), -1 when absent

  bool delivered() const { return outcome == Outcome::kDelivered; }
  static DeliveryResult Delivered(int status);
  static DeliveryResult Permanent(std::string reason, std::string detail);
  static DeliveryResult Retry(std::string reason, std::string detail);
};

// Delivers a queued payload to the channel it was rendered for (notify/channels.h implements it
// over the network; tests record). One attempt per call; must be callable from any one thread.
class Deliverer {
 public:
  virtual ~Deliverer() = default;
  virtual DeliveryResult Deliver(std::string_view channel, std::string_view payload) = 0;
};

// Judges an HTTP answer: 2xx delivered; 408, 429 and 5xx retry (carrying `retry_after_ms`);
// 1xx/3xx and every other 4xx permanent. `body` (cut to 200 bytes) goes into the detail.
DeliveryResult ClassifyHttpStatus(int status, std::string_view body, int64_t retry_after_ms);

// Parses a Retry-After value: delay-seconds ("120") or an IMF-fixdate
// ("Wed, 21 Oct 2015 07:28:00 GMT", taken relative to now_ms; a past date gives 0). nullopt when
// it is neither.
std::optional<int64_t> ParseRetryAfter(std::string_view value, int64_t now_ms);

struct HttpPost {
  std::string url;
  std::vector<std::string> headers;  // "Name: value"; Content-Type: application/json is added
  std::string body;
  int64_t timeout_ms = 10000;  // the whole attempt, connection included
};
// One POST. now_ms is only used to interpret a Retry-After date.
DeliveryResult PostJson(const HttpPost& request, int64_t now_ms);

struct SmtpMessage {
  std::string url;  // smtp://host:port (STARTTLS when starttls) or smtps://host:port
  bool starttls = false;
  std::string username, password;  // both empty = no authentication
  std::string from;
  std::vector<std::string> to;
  std::string message;  // the whole RFC 5322 message, CRLF line ends
  int64_t timeout_ms = 10000;
};
// Sends one message. SMTP 4xx replies and network errors retry; 5xx replies and rejected
// logins are permanent.
DeliveryResult SendMail(const SmtpMessage& mail);

}  // namespace mw::alerting
