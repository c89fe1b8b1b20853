#include "proxy/capture/forward_sink.h"

#include <algorithm>
#include <charconv>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <utility>

#include "common/hash.h"
#include "http/client.h"
#include "proxy/capture/extract.h"

namespace mw::proxy {
namespace {

constexpr std::string_view kForwardThread = "forward_sink";
constexpr std::string_view kForwardEventsPrefix = "{\"events\":[";
constexpr std::string_view kForwardEventsSuffix = "]}";
constexpr int64_t kForwardTickMs = 10;

// How one request ended (the `result` label).
enum class ForwardAnswer {
  kStored,
  kRejected,
  kUnauthorized,
  kThrottled,
  kServerError,
  kUnreachable,
  kUnexpected,
};

constexpr std::string_view kForwardResults[] = {
    "stored", "rejected", "unauthorized", "throttled", "server_error", "unreachable", "unexpected"};

std::string_view ForwardResultName(ForwardAnswer answer) {
  return kForwardResults[static_cast<size_t>(answer)];
}

ForwardAnswer ForwardClassify(const http::ClientResponse& response) {
  if (!response.answered()) return ForwardAnswer::kUnreachable;
  const long s = response.status;
  if (s >= 200 && s <= 299) return ForwardAnswer::kStored;
  if (s == 400 || s == 409 || s == 413 || s == 422) return ForwardAnswer::kRejected;
  if (s == 401 || s == 403) return ForwardAnswer::kUnauthorized;
  if (s == 429) return ForwardAnswer::kThrottled;
  if (s >= 500 && s <= 599) return ForwardAnswer::kServerError;
  return ForwardAnswer::kUnexpected;
}

// Retry-After in delta-seconds as milliseconds; -1 for anything else (an HTTP-date included: the
// back-off applies then).
int64_t ForwardRetryAfterMs(std::string_view value) {
  if (value.empty() || value.size() > 9) return -1;
  int64_t seconds = 0;
  const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
  if (ec != std::errc() || end != value.data() + value.size() || seconds < 0) return -1;
  return seconds * 1000;
}

// The events of an item's {"events":[...]}, without the brackets; nullopt when it has another
// shape (CaptureItem::events_json is always this shape when it comes from the capture queue).
std::optional<std::string_view> ForwardEventsOf(std::string_view json) {
  if (!json.starts_with(kForwardEventsPrefix) || !json.ends_with(kForwardEventsSuffix) ||
      json.size() <= kForwardEventsPrefix.size() + kForwardEventsSuffix.size()) {
    return std::nullopt;
  }
  return json.substr(kForwardEventsPrefix.size(),
                     json.size() - kForwardEventsPrefix.size() - kForwardEventsSuffix.size());
}

prometheus::Family<prometheus::Counter>& RegisterForwardRequests(telemetry::Metrics& m) {
  return prometheus::BuildCounter()
      .Name("modelwatch_proxy_forward_requests_total")
      .Help(
          "Requests of the capture's forwarder to the central modelwatch (proxy.forward_to), by "
          "answer: stored, rejected, unauthorized, throttled, server_error, unreachable, "
          "unexpected.")
      .Register(m.registry());
}

prometheus::Gauge& RegisterForwardBuffer(telemetry::Metrics& m) {
  return prometheus::BuildGauge()
      .Name("modelwatch_proxy_forward_buffer_events")
      .Help(
          "Captured events awaiting delivery to the central modelwatch (held by the forwarder or "
          "to be sent again), at most proxy.forward_buffer_events.")
      .Register(m.registry())
      .Add({});
}

}  // namespace

ForwardMetrics::ForwardMetrics(telemetry::Metrics& metrics)
    : requests_family_(RegisterForwardRequests(metrics)),
      buffer_events_(RegisterForwardBuffer(metrics)) {
  for (const std::string_view result : kForwardResults) {
    requests_family_.Add({{"result", std::string(result)}});
  }
}

void ForwardMetrics::Request(std::string_view result) {
  requests_family_.Add({{"result", std::string(result)}}).Increment();
}

void ForwardMetrics::SetBufferEvents(size_t events) {
  buffer_events_.Set(static_cast<double>(events));
}

class ForwardSink::Impl {
 public:
  using Done = std::function<void(std::vector<DeliveryOutcome>)>;

  Impl(ForwardSinkOptions options, ForwardMetrics* metrics, const Clock& clock)
      : options_(std::move(options)), metrics_(metrics), clock_(clock) {
    std::string base = options_.base_url;
    while (!base.empty() && base.back() == '/') base.pop_back();
    url_ = base + "/v1/predictions";
    if (metrics_ != nullptr) metrics_->SetBufferEvents(0);
    thread_ = std::thread([this] { Run(); });
  }

  ~Impl() { Stop(); }

  void Deliver(std::vector<CaptureItem> items, Done done) {
    Job job;
    job.outcomes.assign(items.size(), {DeliveryOutcome::Kind::kRetryLater, {}});
    std::unique_lock lock(mutex_);
    if (stopped_) {
      lock.unlock();
      done(std::move(job.outcomes));
      return;
    }
    for (size_t i = 0; i < items.size(); ++i) {
      const uint64_t fingerprint = Fnv1a64(items[i].events_json);
      if (auto it = expected_.find(fingerprint); it != expected_.end()) {
        // An item answered kRetryLater, back from the queue: counted already.
        if (--it->second == 0) expected_.erase(it);
        expected_events_ -= std::min(expected_events_, items[i].events);
      } else if (held_events_ + expected_events_ + items[i].events > options_.buffer_events) {
        job.outcomes[i] = {DeliveryOutcome::Kind::kDropped, kDropBufferFull};
        continue;
      }
      held_events_ += items[i].events;
      job.index.push_back(i);
      job.items.push_back(std::move(items[i]));
    }
    job.done = std::move(done);
    if (job.items.empty()) {
      PublishLocked();
      lock.unlock();
      job.done(std::move(job.outcomes));
      return;
    }
    jobs_.push_back(std::move(job));
    PublishLocked();
    lock.unlock();
    cv_.notify_all();
  }

  void Stop() {
    std::deque<Job> left;
    {
      std::lock_guard lock(mutex_);
      stopped_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
    {
      std::lock_guard lock(mutex_);
      left.swap(jobs_);
      for (const Job& job : left) {
        for (const CaptureItem& item : job.items) held_events_ -= item.events;
      }
      PublishLocked();
    }
    for (Job& job : left) job.done(std::move(job.outcomes));  // kRetryLater where kept
  }

  size_t buffered_events() const {
    std::lock_guard lock(mutex_);
    return held_events_ + expected_events_;
  }

 private:
  struct Job {
    std::vector<CaptureItem> items;         // the items kept, in order
    std::vector<size_t> index;              // each kept item's position in `outcomes`
    std::vector<DeliveryOutcome> outcomes;  // one per item handed to Deliver
    Done done;
  };

  void PublishLocked() {
    if (metrics_ != nullptr) metrics_->SetBufferEvents(held_events_ + expected_events_);
  }

  void Run() {
    std::unique_lock lock(mutex_);
    while (!stopped_) {
      if (jobs_.empty()) {
        cv_.wait(lock, [&] { return stopped_ || !jobs_.empty(); });
        continue;
      }
      if (clock_.NowMillis() < resume_at_ms_) {  // backing off
        cv_.wait_for(lock, std::chrono::milliseconds(kForwardTickMs), [&] { return stopped_; });
        continue;
      }
      Job job = std::move(jobs_.front());
      jobs_.pop_front();
      lock.unlock();
      std::vector<DeliveryOutcome> sent;
      RunBackgroundPass(options_.reporter, kForwardThread, [&] { sent = Send(job.items); });
      lock.lock();
      Settle(job, sent);
      lock.unlock();
      job.done(std::move(job.outcomes));
      lock.lock();
    }
  }

  // Under the lock: the kept items' outcomes into the job, the buffer's counts after them.
  void Settle(Job& job, const std::vector<DeliveryOutcome>& sent) {
    for (size_t k = 0; k < job.items.size(); ++k) {
      const CaptureItem& item = job.items[k];
      const DeliveryOutcome outcome =
          k < sent.size() ? sent[k] : DeliveryOutcome{DeliveryOutcome::Kind::kRetryLater, {}};
      held_events_ -= item.events;
      if (outcome.kind == DeliveryOutcome::Kind::kRetryLater) {
        ++expected_[Fnv1a64(item.events_json)];
        expected_events_ += item.events;
      }
      job.outcomes[job.index[k]] = outcome;
    }
    PublishLocked();
  }

  // On the worker, without the lock: the requests for one batch, an outcome per item.
  std::vector<DeliveryOutcome> Send(const std::vector<CaptureItem>& items) {
    std::vector<DeliveryOutcome> out(items.size(), {DeliveryOutcome::Kind::kRetryLater, {}});
    std::vector<size_t> sendable;
    for (size_t i = 0; i < items.size(); ++i) {
      if (ForwardEventsOf(items[i].events_json).has_value()) {
        sendable.push_back(i);
      } else {
        out[i] = {DeliveryOutcome::Kind::kDropped, kDropInvalid};
      }
    }
    if (sendable.empty()) return out;
    const ForwardAnswer answer = Post(items, sendable);
    if (answer == ForwardAnswer::kStored) {
      for (const size_t i : sendable) out[i] = {DeliveryOutcome::Kind::kStored, {}};
    } else if (answer == ForwardAnswer::kRejected && sendable.size() == 1) {
      out[sendable[0]] = {DeliveryOutcome::Kind::kDropped, kDropRejected};
    } else if (answer == ForwardAnswer::kRejected) {
      // One refused event refuses the whole request: find the items at fault, once each. After a
      // failure of another kind the rest wait for the next attempt (kRetryLater).
      for (const size_t i : sendable) {
        const ForwardAnswer alone = Post(items, {i});
        if (alone == ForwardAnswer::kStored) {
          out[i] = {DeliveryOutcome::Kind::kStored, {}};
        } else if (alone == ForwardAnswer::kRejected) {
          out[i] = {DeliveryOutcome::Kind::kDropped, kDropRejected};
        } else {
          break;
        }
      }
    }
    return out;
  }

  // One POST of the listed items' events; counts it, backs off or resets the back-off.
  ForwardAnswer Post(const std::vector<CaptureItem>& items, const std::vector<size_t>& which) {
    http::ClientRequest request;
    request.method = "POST";
    request.url = url_;
    request.headers = {"Content-Type: application/json", "Expect:"};
    if (!options_.token.empty())
      request.headers.push_back("Authorization: Bearer " + options_.token);
    request.timeout_ms = std::max<int64_t>(options_.timeout.count(), 1);
    request.connect_timeout_ms = request.timeout_ms;
    request.max_body_bytes = 64 << 10;  // the answer is only read for logs
    request.body = std::string(kForwardEventsPrefix);
    for (size_t k = 0; k < which.size(); ++k) {
      if (k > 0) request.body += ',';
      request.body += *ForwardEventsOf(items[which[k]].events_json);
    }
    request.body += kForwardEventsSuffix;
    http::ClientResponse response;
    if (client_ == nullptr) {
      Result<std::unique_ptr<http::Client>> client = http::Client::Create();
      if (client.has_value()) client_ = std::move(client).value();
    }
    if (client_ != nullptr) {
      response = client_->Send(request);
    } else {
      response.error = http::TransferError::kNetwork;
      response.error_detail = "no HTTP client (libcurl could not make a handle)";
    }
    const ForwardAnswer answer = ForwardClassify(response);
    if (metrics_ != nullptr) metrics_->Request(ForwardResultName(answer));
    if (answer == ForwardAnswer::kStored) {
      backoff_ms_ = 0;
      resume_at_ms_ = 0;
    } else if (answer != ForwardAnswer::kRejected) {
      BackOff(response);
      Log(answer, response);
    }
    return answer;
  }

  void BackOff(const http::ClientResponse& response) {
    const int64_t min = std::max<int64_t>(options_.backoff_min.count(), 1);
    const int64_t max = std::max<int64_t>(options_.backoff_max.count(), min);
    backoff_ms_ = backoff_ms_ == 0 ? min : std::min(backoff_ms_ * 2, max);
    int64_t wait = backoff_ms_;
    const int64_t retry_after = ForwardRetryAfterMs(response.retry_after);
    if (retry_after >= 0) wait = std::max(wait, std::min(retry_after, kRetryAfterCapMs));
    std::lock_guard lock(mutex_);
    resume_at_ms_ = clock_.NowMillis() + wait;
  }

  // A failure, logged at most every kLogEveryMs per level: a refusal that needs an operator
  // (token, URL) as an error, an outage as a warning.
  void Log(ForwardAnswer answer, const http::ClientResponse& response) {
    if (options_.logger == nullptr) return;
    const bool error =
        answer == ForwardAnswer::kUnauthorized || answer == ForwardAnswer::kUnexpected;
    int64_t& last = error ? last_error_log_ms_ : last_warn_log_ms_;
    const int64_t now = clock_.NowMillis();
    if (last != 0 && now - last < kLogEveryMs) return;
    last = now;
    telemetry::LogFields fields = {{"url.full", url_},
                                   {"modelwatch.forward.result", ForwardResultName(answer)}};
    if (response.answered()) {
      fields["http.response.status_code"] = response.status;
    } else {
      fields["error.message"] = response.error_detail;
    }
    const std::string message =
        error ? "capture forwarding refused by the central modelwatch (events kept for retry)"
              : "capture forwarding failed; backing off (events kept for retry)";
    options_.logger->Log(error ? telemetry::LogLevel::kError : telemetry::LogLevel::kWarn, message,
                         fields);
  }

  const ForwardSinkOptions options_;
  ForwardMetrics* const metrics_;
  const Clock& clock_;
  std::string url_;

  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<Job> jobs_;                           // batches not yet sent, in order
  size_t held_events_ = 0;                         // events of the items in jobs_ and sending
  std::unordered_map<uint64_t, size_t> expected_;  // answered kRetryLater: content hash -> count
  size_t expected_events_ = 0;                     // their events
  int64_t resume_at_ms_ = 0;                       // no request before (clock time)
  bool stopped_ = false;
  std::thread thread_;

  // The worker's own.
  std::unique_ptr<http::Client> client_;
  int64_t backoff_ms_ = 0;
  int64_t last_error_log_ms_ = 0, last_warn_log_ms_ = 0;
};

ForwardSink::ForwardSink(ForwardSinkOptions options, ForwardMetrics* metrics, const Clock& clock)
    : impl_(std::make_unique<Impl>(std::move(options), metrics, clock)) {}

ForwardSink::~ForwardSink() { impl_->Stop(); }

void ForwardSink::Deliver(std::vector<CaptureItem> items,
                          std::function<void(std::vector<DeliveryOutcome>)> done) {
  impl_->Deliver(std::move(items), std::move(done));
}

void ForwardSink::Stop() { impl_->Stop(); }

size_t ForwardSink::buffered_events() const { return impl_->buffered_events(); }

}  // namespace mw::proxy
