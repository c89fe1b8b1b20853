#include "proxy/cache/redis_cache.h"

#include <hiredis/hiredis.h>
#include <pthread.h>
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <cassert>
#include <charconv>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <mutex>
#include <optional>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "common/background.h"
#include "proxy/cache/detail/redis_connection.h"
#include "proxy/cache/detail/redis_value.h"
#include "proxy/cache/redis_url.h"

namespace mw::proxy {
namespace {

constexpr std::string_view kRedisCacheThread = "redis_cache";
// The longest a worker sleeps (real time) before looking at the clock again: bounds how late a
// reconnection or an INFO read can be.
constexpr int64_t kRedisWorkerTickMs = 100;

// hiredis writes with write(2), not send(MSG_NOSIGNAL): a write to a connection Redis closed
// would raise SIGPIPE and end the process. The signal of a failed write goes to the writing
// thread, so blocking it on the workers (the only threads that talk to Redis) is enough; the
// write then fails with EPIPE, which hiredis reports.
void RedisBlockSigpipe() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

// used_memory from an INFO memory answer ("used_memory:1234\r\n"), or -1.
int64_t RedisUsedMemory(std::string_view info) {
  constexpr std::string_view kField = "\nused_memory:";
  const std::string text = "\n" + std::string(info);
  const size_t at = text.find(kField);
  if (at == std::string::npos) return -1;
  const char* begin = text.data() + at + kField.size();
  int64_t value = -1;
  const auto [end, ec] = std::from_chars(begin, text.data() + text.size(), value);
  return ec == std::errc() && end != begin ? value : -1;
}

}  // namespace

struct RedisCacheJob {
  enum class Kind { kLookup, kStore };
  Kind kind = Kind::kLookup;
  CacheKey key;
  ResponseCache::LookupDone done;  // kLookup
  CachedResponse response;         // kStore, after StorableHeaders
  int64_t ttl_ms = 0;              // kStore
};

class RedisCache::Impl {
 public:
  Impl(RedisCacheOptions options, RedisUrl url, CacheMetrics* metrics)
      : options_(std::move(options)),
        url_(std::move(url)),
        clock_(*options_.clock),
        metrics_(metrics) {
    options_.pool_size = std::max<size_t>(options_.pool_size, 1);
    options_.queue_capacity = std::max<size_t>(options_.queue_capacity, 1);
    if (metrics_ != nullptr) metrics_->SetRedisUp(false);
  }

  ~Impl() { Stop(); }

  void Start() {
    for (size_t i = 0; i < options_.pool_size; ++i) {
      workers_.push_back(std::make_unique<Worker>());
      workers_.back()->index = i;
    }
    for (auto& worker : workers_) {
      Worker* w = worker.get();
      w->thread = std::thread([this, w] { Run(*w); });
    }
    std::unique_lock lock(start_mutex_);
    start_cv_.wait(lock, [&] { return first_attempt_done_; });
  }

  void Stop() {
    stop_.store(true);
    for (auto& w : workers_) {
      { std::lock_guard lock(w->mutex); }  // a worker between its check and its wait sees stop_
      w->cv.notify_all();
    }
    for (auto& w : workers_) {
      if (w->thread.joinable()) w->thread.join();
    }
    for (auto& w : workers_) {
      std::deque<RedisCacheJob> left;
      {
        std::lock_guard lock(w->mutex);
        left.swap(w->jobs);
      }
      for (RedisCacheJob& job : left) Bypass(job, kBypassRedisDown);
    }
  }

  bool up() const { return up_.load(); }

  // Queues `job` on the worker its key hashes to, or (that queue full) the next one with room;
  // false (job untouched) when every queue is full. One key, one worker: a worker runs its jobs in
  // order, so the Store the proxy queues before answering a miss is in Redis before the lookup
  // of the client's next, equal request (a client that repeats a request sees it cached).
  bool Enqueue(RedisCacheJob& job) {
    const size_t start = static_cast<size_t>(job.key.hash % workers_.size());
    for (size_t i = 0; i < workers_.size(); ++i) {
      Worker& w = *workers_[(start + i) % workers_.size()];
      std::unique_lock lock(w.mutex);
      if (w.jobs.size() >= options_.queue_capacity) continue;
      w.jobs.push_back(std::move(job));
      lock.unlock();
      w.cv.notify_one();
      return true;
    }
    return false;
  }

  // Answers a job without Redis: a lookup with kBypassed, both counted with `reason`.
  void Bypass(RedisCacheJob& job, std::string_view reason) {
    if (metrics_ != nullptr) metrics_->Bypassed(reason);
    if (job.kind == RedisCacheJob::Kind::kLookup)
      Answer(job, std::nullopt, LookupOutcome::kBypassed);
  }

  // Calls the job's `done`, at most once (it is emptied first).
  static void Answer(RedisCacheJob& job, std::optional<CachedResponse> response,
                     LookupOutcome outcome) {
    ResponseCache::LookupDone done = std::exchange(job.done, nullptr);
    if (done) done(std::move(response), outcome);
  }

  const RedisCacheOptions& options() const { return options_; }
  CacheMetrics* metrics() const { return metrics_; }

 private:
  struct Worker {
    size_t index = 0;
    std::mutex mutex;
    std::condition_variable cv;
    std::deque<RedisCacheJob> jobs;  // under mutex
    // Only the worker's thread touches these.
    std::unique_ptr<detail::RedisConnection> connection;
    uint64_t connection_generation = 0;
    std::thread thread;
  };

  void Run(Worker& w) {
    RedisBlockSigpipe();
    if (w.index == 0) {
      // The first attempt, and the first size reading, before Create returns.
      RunBackgroundPass(options_.reporter, kRedisCacheThread, [&] {
        if (Connect(w)) Housekeeping(w);
      });
      std::lock_guard lock(start_mutex_);
      first_attempt_done_ = true;
      start_cv_.notify_all();
    }
    while (!stop_.load()) {
      std::optional<RedisCacheJob> job;
      {
        std::unique_lock lock(w.mutex);
        w.cv.wait_for(lock, std::chrono::milliseconds(kRedisWorkerTickMs),
                      [&] { return stop_.load() || !w.jobs.empty(); });
        if (stop_.load()) break;
        if (!w.jobs.empty()) {
          job.emplace(std::move(w.jobs.front()));
          w.jobs.pop_front();
        }
      }
      if (job.has_value()) {
        // A job that threw (bad_alloc, a broken libcrypto) is still answered.
        if (!RunBackgroundPass(options_.reporter, kRedisCacheThread, [&] { RunJob(w, *job); })) {
          Answer(*job, std::nullopt, LookupOutcome::kBypassed);
        }
      }
      RunBackgroundPass(options_.reporter, kRedisCacheThread, [&] { Housekeeping(w); });
    }
    w.connection.reset();
  }

  void RunJob(Worker& w, RedisCacheJob& job) {
    if (!up_.load() || !EnsureConnected(w)) return Bypass(job, kBypassRedisDown);
    const std::string key = RedisKey(job.key.hash);
    const detail::RedisKeyDigest digest = detail::RedisCanonicalDigest(job.key.canonical);
    if (job.kind == RedisCacheJob::Kind::kStore) {
      const std::string value = detail::EncodeRedisValue(digest, job.response);
      const std::string ttl = std::to_string(job.ttl_ms);
      if (Execute(w, {"SET", key, value, "PX", ttl}) == nullptr) {
        if (metrics_ != nullptr) metrics_->Bypassed(kBypassRedisDown);
      }
      return;
    }
    const detail::RedisReplyPtr reply = Execute(w, {"GET", key});
    // No reply: Redis is down. An error reply (-LOADING while Redis reads its dump, -NOAUTH
    // after a restart with a new password, ...): the connection works but cannot look.
    if (reply == nullptr || reply->type == REDIS_REPLY_ERROR) return Bypass(job, kBypassRedisDown);
    CachedResponse response;
    if (reply->type == REDIS_REPLY_STRING &&
        detail::DecodeRedisValue(std::string_view(reply->str, reply->len), digest, response) ==
            detail::RedisValueMatch::kMatch) {
      Answer(job, std::move(response), LookupOutcome::kHit);
    } else {
      Answer(job, std::nullopt, LookupOutcome::kMiss);
    }
  }

  // Sends one command. A connection the server closed (an idle one across a Redis restart) is
  // reopened and the command sent again, once; any other failure marks Redis down.
  detail::RedisReplyPtr Execute(Worker& w, const std::vector<std::string_view>& args) {
    detail::RedisReplyPtr reply = w.connection->Command(args);
    if (reply != nullptr) return reply;
    if (w.connection->closed_by_peer()) {
      w.connection.reset();
      if (!Connect(w)) return nullptr;
      reply = w.connection->Command(args);
      if (reply != nullptr) return reply;
    }
    MarkDown();
    w.connection.reset();
    return nullptr;
  }

  // True with a usable connection: the worker's own, unless Redis was down since it was opened.
  bool EnsureConnected(Worker& w) {
    if (w.connection != nullptr && !w.connection->dead() &&
        w.connection_generation == generation_.load()) {
      return true;
    }
    w.connection.reset();
    return Connect(w);
  }

  // One connection attempt; marks Redis up or down by its result.
  bool Connect(Worker& w) {
    const uint64_t generation = generation_.load();
    Result<std::unique_ptr<detail::RedisConnection>> opened =
        detail::RedisConnection::Open(url_, options_.timeout);
    if (!opened.has_value()) {
      MarkDown();
      return false;
    }
    w.connection = std::move(opened).value();
    w.connection_generation = generation;
    MarkUp();
    return true;
  }

  // Between jobs: the reconnection attempt while down (one worker per retry_interval), and the
  // size gauge while up (worker 0).
  void Housekeeping(Worker& w) {
    const int64_t now = clock_.NowMillis();
    if (!up_.load()) {
      int64_t due = retry_at_ms_.load();
      if (now < due || !retry_at_ms_.compare_exchange_strong(due, now + RetryMs())) return;
      w.connection.reset();
      Connect(w);
      return;
    }
    if (w.index != 0 || metrics_ == nullptr || now < info_at_ms_.load()) return;
    info_at_ms_.store(now + options_.info_interval.count());
    if (!EnsureConnected(w)) return;
    const detail::RedisReplyPtr reply = Execute(w, {"INFO", "memory"});
    if (reply == nullptr || reply->type != REDIS_REPLY_STRING) return;
    const int64_t used = RedisUsedMemory(std::string_view(reply->str, reply->len));
    if (used >= 0) metrics_->SetSizeBytes(static_cast<size_t>(used));
  }

  int64_t RetryMs() const { return std::max<int64_t>(options_.retry_interval.count(), 1); }

  void MarkUp() {
    std::lock_guard lock(state_mutex_);
    if (up_.exchange(true)) return;
    info_at_ms_.store(0);  // read the size at once
    if (metrics_ != nullptr) metrics_->SetRedisUp(true);
  }

  // Every worker's connection opened before now is stale (generation); no attempt before
  // retry_interval from now.
  void MarkDown() {
    std::lock_guard lock(state_mutex_);
    generation_.fetch_add(1);
    retry_at_ms_.store(clock_.NowMillis() + RetryMs());
    if (!up_.exchange(false)) return;
    if (metrics_ != nullptr) metrics_->SetRedisUp(false);
  }

  RedisCacheOptions options_;
  const RedisUrl url_;
  const Clock& clock_;
  CacheMetrics* const metrics_;
  std::vector<std::unique_ptr<Worker>> workers_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> up_{false};
  std::atomic<uint64_t> generation_{0};  // bumped by every MarkDown
  std::atomic<int64_t> retry_at_ms_{0};  // no reconnection attempt before (clock time)
  std::atomic<int64_t> info_at_ms_{0};   // the next INFO memory read (clock time)
  std::mutex state_mutex_;               // orders up_ transitions with the gauge
  std::mutex start_mutex_;
  std::condition_variable start_cv_;
  bool first_attempt_done_ = false;  // under start_mutex_
};

Result<std::unique_ptr<RedisCache>> RedisCache::Create(RedisCacheOptions options,
                                                       CacheMetrics* metrics) {
  assert(options.clock != nullptr);
  Result<RedisUrl> url = ParseRedisUrl(options.url);
  if (!url.has_value()) {
    return InvalidArgument("proxy.cache.redis_url: " + url.error().message());
  }
  auto impl = std::make_unique<Impl>(std::move(options), std::move(url).value(), metrics);
  impl->Start();
  return std::unique_ptr<RedisCache>(new RedisCache(std::move(impl)));
}

RedisCache::RedisCache(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

RedisCache::~RedisCache() { impl_->Stop(); }

bool RedisCache::up() const { return impl_->up(); }

std::string RedisCache::RedisKey(uint64_t hash) {
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(hash));
  return "mw:cache:" + std::string(hex, 16);
}

void RedisCache::Lookup(const CacheKey& key, LookupDone done) {
  RedisCacheJob job;
  job.kind = RedisCacheJob::Kind::kLookup;
  job.done = std::move(done);
  if (!impl_->up()) return impl_->Bypass(job, kBypassRedisDown);
  job.key = key;
  if (!impl_->Enqueue(job)) impl_->Bypass(job, kBypassRedisBusy);
}

void RedisCache::Store(const CacheKey& key, CachedResponse response,
                       std::chrono::milliseconds ttl) {
  if (ttl.count() <= 0) return;
  RedisCacheJob job;
  job.kind = RedisCacheJob::Kind::kStore;
  if (!impl_->up()) return impl_->Bypass(job, kBypassRedisDown);
  response.headers = StorableHeaders(std::move(response.headers));
  if (detail::RedisValueSize(response) > impl_->options().max_entry_bytes) {
    return impl_->Bypass(job, kBypassBodyTooLarge);
  }
  job.key = key;
  job.response = std::move(response);
  job.ttl_ms = ttl.count();
  if (!impl_->Enqueue(job)) impl_->Bypass(job, kBypassRedisBusy);
}

}  // namespace mw::proxy
