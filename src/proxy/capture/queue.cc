#include "proxy/capture/queue.h"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

namespace mw::proxy {
namespace {

constexpr int64_t kCaptureQueueBackoffMinMs = 10;
constexpr int64_t kCaptureQueueBackoffMaxMs = 1000;
constexpr std::string_view kCaptureQueueThread = "capture_queue";

// {"events":[e1,e2,...]}: the body of POST /v1/predictions.
std::string CaptureQueueEventsJson(const std::vector<std::string>& events) {
  size_t size = 13;
  for (const std::string& e : events) size += e.size() + 1;
  std::string out;
  out.reserve(size);
  out += "{\"events\":[";
  for (size_t i = 0; i < events.size(); ++i) {
    if (i > 0) out += ',';
    out += events[i];
  }
  out += "]}";
  return out;
}

}  // namespace

class CaptureQueue::Impl : public std::enable_shared_from_this<Impl> {
 public:
  struct Pending {
    std::shared_ptr<const CaptureSpec> spec;
    Exchange exchange;
    size_t bytes = 0;
  };

  struct Ready {
    CaptureItem item;
    int64_t ready_at_ms = 0;  // when it became ready (the flush deadline counts from here)
  };

  Impl(CaptureQueueOptions options, CaptureSink& sink, CaptureMetrics* metrics, const Clock& clock,
       BackgroundErrorReporter* reporter)
      : options_(options), sink_(sink), metrics_(metrics), clock_(clock), reporter_(reporter) {
    options_.batch_events = std::max<size_t>(options_.batch_events, 1);
    options_.max_in_flight_batches = std::max<size_t>(options_.max_in_flight_batches, 1);
    options_.flush_interval_ms = std::max<int64_t>(options_.flush_interval_ms, 0);
  }

  void Start() {
    std::lock_guard lock(mutex_);
    if (started_ || stop_) return;
    started_ = true;
    thread_ = std::thread([this] { Run(); });
  }

  bool Offer(std::shared_ptr<const CaptureSpec> spec, Exchange&& exchange) {
    const size_t bytes = exchange.request_body.size() + exchange.response_body.size();
    std::lock_guard lock(mutex_);
    if (!accepting_) return Refuse(kDropShutdown);
    if (spec == nullptr) return Refuse(kDropInvalid);
    // Both bounds cover everything the queue holds: exchanges awaiting extraction, the events
    // extracted and awaiting delivery (with those the sink asked to retry) and the batches the
    // sink has not answered yet, so a sink that keeps failing fills the queue and new exchanges
    // are dropped as queue_full instead of growing it.
    if (pending_.size() + extracting_ + ready_events_ + in_flight_events_ + 1 >
            options_.max_events ||
        pending_bytes_ + ready_bytes_ + in_flight_bytes_ + bytes > options_.max_bytes) {
      return Refuse(kDropQueueFull);
    }
    const bool was_empty = pending_.empty();
    pending_.push_back({std::move(spec), std::move(exchange), bytes});
    pending_bytes_ += bytes;
    UpdateGaugesLocked();
    if (was_empty) cv_.notify_all();
    return true;
  }

  bool Drain(int64_t timeout_ms) {
    std::unique_lock lock(mutex_);
    accepting_ = false;
    draining_ = true;
    cv_.notify_all();
    cv_.wait_for(lock, std::chrono::milliseconds(std::max<int64_t>(timeout_ms, 0)),
                 [&] { return IdleLocked(); });
    if (!IdleLocked()) {
      closed_ = true;
      DropAllLocked();
    }
    return lost_ == 0;
  }

  void Stop() {
    std::thread thread;
    {
      std::lock_guard lock(mutex_);
      accepting_ = false;
      closed_ = true;
      stop_ = true;
      thread = std::move(thread_);
    }
    cv_.notify_all();
    if (thread.joinable()) thread.join();
    std::lock_guard lock(mutex_);
    DropAllLocked();
  }

 private:
  bool Refuse(std::string_view reason) {
    if (metrics_ != nullptr) metrics_->Dropped(reason, 1);
    return false;
  }

  bool IdleLocked() const {
    return pending_.empty() && extracting_ == 0 && ready_.empty() && in_flight_.empty();
  }

  void UpdateGaugesLocked() {
    if (metrics_ == nullptr) return;
    metrics_->SetQueue(pending_.size() + extracting_ + ready_events_ + in_flight_events_,
                       pending_bytes_ + ready_bytes_ + in_flight_bytes_);
  }

  void DropShutdownLocked(uint64_t count) {
    lost_ += count;
    if (metrics_ != nullptr) metrics_->Dropped(kDropShutdown, count);
  }

  // Counts everything still held as dropped{shutdown}; late `done`s find no batch.
  void DropAllLocked() {
    DropShutdownLocked(pending_.size());
    pending_.clear();
    pending_bytes_ = extracting_bytes_;  // the exchanges being extracted stay counted
    for (const Ready& r : ready_) DropShutdownLocked(r.item.events);
    ready_.clear();
    ready_events_ = 0;
    ready_bytes_ = 0;
    for (const auto& [id, items] : in_flight_) {
      for (const CaptureItem& item : items) DropShutdownLocked(item.events);
    }
    in_flight_.clear();
    in_flight_events_ = 0;
    in_flight_bytes_ = 0;
    UpdateGaugesLocked();
    cv_.notify_all();
  }

  void Run() {
    std::unique_lock lock(mutex_);
    while (!stop_) {
      if (!pending_.empty()) {
        ExtractPending(lock);
        continue;
      }
      if (SendOneBatch(lock)) continue;
      if (IdleLocked()) cv_.notify_all();  // a Drain may be waiting
      cv_.wait_for(lock, std::chrono::milliseconds(WaitMsLocked()));
    }
  }

  // How long (real time) the thread sleeps before looking at the clock again.
  int64_t WaitMsLocked() const {
    const int64_t cap = std::max<int64_t>(options_.flush_interval_ms, 10);
    // Nothing to send, or no room to send it: Offer and OnDone notify.
    if (ready_.empty() || in_flight_.size() >= options_.max_in_flight_batches) return cap;
    const int64_t now = clock_.NowMillis();
    int64_t wait = ready_.front().ready_at_ms + options_.flush_interval_ms - now;
    if (retry_at_ms_ > now) wait = std::max(wait, retry_at_ms_ - now);
    return std::clamp<int64_t>(wait, 1, cap);
  }

  // Takes every pending exchange, extracts its events with the lock released, and makes the
  // exchanges with events ready items.
  void ExtractPending(std::unique_lock<std::mutex>& lock) {
    std::deque<Pending> batch;
    batch.swap(pending_);
    extracting_ = batch.size();
    extracting_bytes_ = 0;
    for (const Pending& p : batch) extracting_bytes_ += p.bytes;
    lock.unlock();
    std::vector<Ready> made;
    std::vector<std::string_view> drops;
    size_t sampled_out = 0;
    for (Pending& p : batch) {
      Extracted extracted;
      const bool ok = RunBackgroundPass(reporter_, kCaptureQueueThread,
                                        [&] { extracted = ExtractEvents(*p.spec, p.exchange); });
      if (!ok) extracted = {{}, kDropInvalid, 0};
      if (extracted.sampled_out > 0) sampled_out += extracted.sampled_out;
      if (extracted.events.empty() && extracted.drop_reason.empty() && extracted.sampled_out > 0) {
        continue;  // every row sampled out: nothing to deliver, nothing lost
      }
      if (extracted.events.empty()) {
        drops.push_back(extracted.drop_reason.empty() ? kDropNoPrediction : extracted.drop_reason);
        continue;
      }
      CaptureItem item;
      item.events = extracted.events.size();
      item.events_json = CaptureQueueEventsJson(extracted.events);
      item.route = std::move(p.exchange.endpoint);
      made.push_back({std::move(item), 0});
    }
    lock.lock();
    const int64_t now = clock_.NowMillis();
    pending_bytes_ -= extracting_bytes_;
    extracting_ = 0;
    extracting_bytes_ = 0;
    if (metrics_ != nullptr) {
      for (const std::string_view reason : drops) metrics_->Dropped(reason, 1);
      if (sampled_out > 0) metrics_->SampledOut(sampled_out);
    }
    for (Ready& r : made) {
      if (metrics_ != nullptr) metrics_->Queued(r.item.events);
      if (closed_) {
        DropShutdownLocked(r.item.events);
        continue;
      }
      r.ready_at_ms = now;
      ready_events_ += r.item.events;
      ready_bytes_ += r.item.events_json.size();
      ready_.push_back(std::move(r));
    }
    UpdateGaugesLocked();
    if (IdleLocked()) cv_.notify_all();
  }

  bool BatchDueLocked(int64_t now) const {
    if (ready_.empty() || closed_) return false;
    if (in_flight_.size() >= options_.max_in_flight_batches) return false;
    if (now < retry_at_ms_) return false;
    return draining_ || ready_events_ >= options_.batch_events ||
           ready_bytes_ >= kMaxBatchJsonBytes ||
           ready_.front().ready_at_ms + options_.flush_interval_ms <= now;
  }

  // Hands one batch to the sink when one is due. True when it did.
  bool SendOneBatch(std::unique_lock<std::mutex>& lock) {
    if (!BatchDueLocked(clock_.NowMillis())) return false;
    std::vector<CaptureItem> items;
    size_t events = 0, bytes = 0;
    while (!ready_.empty()) {
      const CaptureItem& next = ready_.front().item;
      if (!items.empty() && (events + next.events > options_.batch_events ||
                             bytes + next.events_json.size() > kMaxBatchJsonBytes)) {
        break;
      }
      events += next.events;
      bytes += next.events_json.size();
      items.push_back(std::move(ready_.front().item));
      ready_.pop_front();
    }
    ready_events_ -= events;
    ready_bytes_ -= bytes;
    const uint64_t id = next_batch_++;
    in_flight_.emplace(id, items);  // kept for the retries
    in_flight_events_ += events;
    in_flight_bytes_ += bytes;
    UpdateGaugesLocked();
    lock.unlock();
    std::weak_ptr<Impl> weak = weak_from_this();
    auto done = [weak, id](std::vector<DeliveryOutcome> outcomes) {
      if (std::shared_ptr<Impl> self = weak.lock()) self->OnDone(id, std::move(outcomes));
    };
    const bool ok = RunBackgroundPass(reporter_, kCaptureQueueThread,
                                      [&] { sink_.Deliver(std::move(items), done); });
    // A sink that threw without answering: its items are retried (a late `done` is ignored).
    if (!ok) OnDone(id, {});
    lock.lock();
    return true;
  }

  // The sink's answer for batch `id`. Outcomes missing from a short answer count as retry_later.
  void OnDone(uint64_t id, std::vector<DeliveryOutcome> outcomes) {
    std::lock_guard lock(mutex_);
    auto it = in_flight_.find(id);
    if (it == in_flight_.end()) return;  // answered already, or given up at shutdown
    std::vector<CaptureItem> items = std::move(it->second);
    in_flight_.erase(it);
    for (const CaptureItem& item : items) {
      in_flight_events_ -= item.events;
      in_flight_bytes_ -= item.events_json.size();
    }
    std::vector<CaptureItem> retry;
    bool stored = false;
    for (size_t i = 0; i < items.size(); ++i) {
      const DeliveryOutcome outcome = i < outcomes.size()
                                          ? outcomes[i]
                                          : DeliveryOutcome{DeliveryOutcome::Kind::kRetryLater, {}};
      switch (outcome.kind) {
        case DeliveryOutcome::Kind::kStored:
          stored = true;
          if (metrics_ != nullptr) metrics_->Stored(items[i].events);
          break;
        case DeliveryOutcome::Kind::kDropped:
          if (metrics_ != nullptr) {
            metrics_->Dropped(outcome.reason.empty() ? kDropOther : outcome.reason,
                              items[i].events);
          }
          break;
        case DeliveryOutcome::Kind::kRetryLater:
          retry.push_back(std::move(items[i]));
          break;
      }
    }
    if (stored) backoff_ms_ = 0;
    if (!retry.empty()) Requeue(std::move(retry));
    UpdateGaugesLocked();
    cv_.notify_all();
  }

  // Puts `retry` back at the front, in order, and pauses sending for the back-off.
  void Requeue(std::vector<CaptureItem> retry) {
    if (closed_) {
      for (const CaptureItem& item : retry) DropShutdownLocked(item.events);
      return;
    }
    backoff_ms_ = backoff_ms_ == 0 ? kCaptureQueueBackoffMinMs
                                   : std::min(backoff_ms_ * 2, kCaptureQueueBackoffMaxMs);
    const int64_t now = clock_.NowMillis();
    retry_at_ms_ = now + backoff_ms_;
    for (auto it = retry.rbegin(); it != retry.rend(); ++it) {
      ready_events_ += it->events;
      ready_bytes_ += it->events_json.size();
      // Due as soon as the back-off ends: its flush deadline has passed.
      ready_.push_front({std::move(*it), now - options_.flush_interval_ms});
    }
  }

  CaptureQueueOptions options_;
  CaptureSink& sink_;
  CaptureMetrics* const metrics_;
  const Clock& clock_;
  BackgroundErrorReporter* const reporter_;

  std::mutex mutex_;
  std::condition_variable cv_;  // the thread's work and Drain's idleness
  std::deque<Pending> pending_;
  size_t pending_bytes_ = 0;     // of pending_ and of the exchanges being extracted
  size_t extracting_ = 0;        // exchanges taken off pending_, being extracted
  size_t extracting_bytes_ = 0;  // their bytes
  std::deque<Ready> ready_;
  size_t ready_events_ = 0, ready_bytes_ = 0;
  std::unordered_map<uint64_t, std::vector<CaptureItem>> in_flight_;
  size_t in_flight_events_ = 0, in_flight_bytes_ = 0;  // of in_flight_
  uint64_t next_batch_ = 0;
  int64_t backoff_ms_ = 0;   // 0 = no back-off in force
  int64_t retry_at_ms_ = 0;  // no batch is sent before (clock time)
  uint64_t lost_ = 0;        // queued exchanges or events dropped as shutdown
  bool started_ = false, accepting_ = true, draining_ = false, closed_ = false, stop_ = false;
  std::thread thread_;
};

CaptureQueue::CaptureQueue(CaptureQueueOptions options, CaptureSink& sink, CaptureMetrics* metrics,
                           const Clock& clock, BackgroundErrorReporter* reporter)
    : impl_(std::make_shared<Impl>(options, sink, metrics, clock, reporter)) {}

CaptureQueue::~CaptureQueue() { impl_->Stop(); }

void CaptureQueue::Start() { impl_->Start(); }

bool CaptureQueue::Offer(std::shared_ptr<const CaptureSpec> spec, Exchange&& exchange) {
  return impl_->Offer(std::move(spec), std::move(exchange));
}

bool CaptureQueue::Drain(int64_t timeout_ms) { return impl_->Drain(timeout_ms); }

void CaptureQueue::Stop() { impl_->Stop(); }

}  // namespace mw::proxy
