// CaptureQueue: bounds, batching, retries, drops, Drain and Stop, the in-flight limit and
// concurrent Offers, against a fake sink that records batches and answers as scripted.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "proxy/capture/capture_metrics.h"
#include "proxy/capture/queue.h"
#include "proxy/capture/sink.h"
#include "telemetry/metrics.h"
#include "telemetry/test_util.h"

namespace mw::proxy {
namespace {

using Kind = DeliveryOutcome::Kind;

// Records every batch; answers each item with decide(item, attempt) (stored by default),
// synchronously, from its own thread (`async`), or never (`hold`: kept until Release).
class CaptureQueueFakeSink : public CaptureSink {
 public:
  std::function<DeliveryOutcome(const CaptureItem&, int attempt)> decide;
  bool async = false;
  bool hold = false;
  int throws = 0;  // the first `throws` Deliver calls throw without answering

  ~CaptureQueueFakeSink() override {
    for (std::thread& t : threads_) t.join();
  }

  void Deliver(std::vector<CaptureItem> items,
               std::function<void(std::vector<DeliveryOutcome>)> done) override {
    std::vector<DeliveryOutcome> outcomes;
    {
      std::lock_guard lock(mutex_);
      if (throws > 0) {
        --throws;
        throw std::runtime_error("sink failed");
      }
      batches_.push_back(items.size());
      for (const CaptureItem& item : items) {
        const int attempt = attempts_[item.events_json]++;
        delivered_.push_back(item.events_json);
        outcomes.push_back(decide ? decide(item, attempt) : DeliveryOutcome{Kind::kStored, {}});
      }
      if (hold) {
        held_.push_back([done, n = items.size()] {
          done(std::vector<DeliveryOutcome>(n, DeliveryOutcome{Kind::kStored, {}}));
        });
        return;
      }
      if (async) {
        threads_.emplace_back([done, outcomes] { done(outcomes); });
        return;
      }
    }
    done(std::move(outcomes));
  }

  // Answers every held batch "stored"; returns how many there were.
  size_t Release() {
    std::vector<std::function<void()>> held;
    {
      std::lock_guard lock(mutex_);
      held.swap(held_);
    }
    for (auto& answer : held) answer();
    return held.size();
  }

  size_t Held() {
    std::lock_guard lock(mutex_);
    return held_.size();
  }
  std::vector<size_t> Batches() {
    std::lock_guard lock(mutex_);
    return batches_;
  }
  std::vector<std::string> Delivered() {
    std::lock_guard lock(mutex_);
    return delivered_;
  }

 private:
  std::mutex mutex_;
  std::vector<size_t> batches_;
  std::vector<std::string> delivered_;
  std::map<std::string, int> attempts_;
  std::vector<std::function<void()>> held_;
  std::vector<std::thread> threads_;
};

std::shared_ptr<const CaptureSpec> CaptureQueueSpec() {
  auto spec = std::make_shared<CaptureSpec>();
  spec->model = Source{Source::Kind::kConstant, "m"};
  spec->features = Source{Source::Kind::kRequest, "/features"};
  spec->prediction = Source{Source::Kind::kResponse, "/prediction"};
  return spec;
}

Exchange CaptureQueueExchange(int i, std::string response = R"({"prediction":0.5})") {
  Exchange e;
  e.endpoint = "/predict";
  e.request_body = R"({"features":{"a":1}})";
  e.response_body = std::move(response);
  e.request_id = "req-" + std::to_string(i);
  e.received_at_ms = 1'735'725'600'123;
  return e;
}

telemetry::MetricsOptions CaptureQueueMetricsOptions() {
  telemetry::MetricsOptions options;
  options.prefix = "ml";
  options.system_metrics = false;
  return options;
}

// Polls `condition` until it holds. The deadline is only reached when a test fails: it is long
// because a loaded 2-core machine running the ASan suite in parallel once took over 2 s to
// schedule the capture thread.
bool CaptureQueueWaitFor(const std::function<bool()>& condition, int timeout_ms = 10000) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

class CaptureQueueTest : public ::testing::Test {
 protected:
  double Count(const std::string& series) {
    return telemetry_test::Sample(metrics_.Serialize(), series).value_or(-1);
  }
  double Events(const std::string& result) {
    return Count("modelwatch_proxy_capture_events_total{result=\"" + result + "\"}");
  }
  double Dropped(const std::string& reason) {
    return Count("modelwatch_proxy_capture_dropped_total{reason=\"" + reason + "\"}");
  }

  telemetry::Metrics metrics_{CaptureQueueMetricsOptions()};
  CaptureMetrics capture_metrics_{metrics_};
  SystemClock clock_;
  CaptureQueueFakeSink sink_;
};

TEST_F(CaptureQueueTest, MaxEventsBoundsThePendingExchanges) {
  CaptureQueue queue({.max_events = 3}, sink_, &capture_metrics_, clock_, nullptr);
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(queue.Offer(CaptureQueueSpec(), CaptureQueueExchange(i)));
  EXPECT_FALSE(queue.Offer(CaptureQueueSpec(), CaptureQueueExchange(3)));
  EXPECT_EQ(Dropped("queue_full"), 1);
  EXPECT_EQ(Count("modelwatch_proxy_capture_queue_events"), 3);
  queue.Start();
  EXPECT_TRUE(queue.Drain(2000));
  EXPECT_EQ(Events("stored"), 3);
  EXPECT_EQ(Count("modelwatch_proxy_capture_queue_events"), 0);
}

TEST_F(CaptureQueueTest, ASinkThatKeepsFailingFillsTheQueueInsteadOfGrowingIt) {
  // The store is away: every delivery is retry_later. What was extracted stays in the queue and
  // counts against max_events, so later exchanges are refused instead of piling up.
  sink_.decide = [](const CaptureItem&, int) { return DeliveryOutcome{Kind::kRetryLater, {}}; };
  CaptureQueue queue({.max_events = 5, .flush_interval_ms = 1}, sink_, &capture_metrics_, clock_,
                     nullptr);
  queue.Start();
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(queue.Offer(CaptureQueueSpec(), CaptureQueueExchange(i)));
  ASSERT_TRUE(CaptureQueueWaitFor([&] { return !sink_.Delivered().empty(); }));
  int refused = 0;
  for (int i = 5; i < 50; ++i)
    refused += queue.Offer(CaptureQueueSpec(), CaptureQueueExchange(i)) ? 0 : 1;
  EXPECT_EQ(refused, 45);
  EXPECT_EQ(Dropped("queue_full"), 45);
  EXPECT_LE(Count("modelwatch_proxy_capture_queue_events"), 5);
  queue.Stop();
}

TEST_F(CaptureQueueTest, MaxBytesBoundsThePendingBodies) {
  const size_t one =
      CaptureQueueExchange(0).request_body.size() + CaptureQueueExchange(0).response_body.size();
  CaptureQueue queue({.max_bytes = 2 * one + 1}, sink_, &capture_metrics_, clock_, nullptr);
  EXPECT_TRUE(queue.Offer(CaptureQueueSpec(), CaptureQueueExchange(0)));
  EXPECT_TRUE(queue.Offer(CaptureQueueSpec(), CaptureQueueExchange(1)));
  EXPECT_FALSE(queue.Offer(CaptureQueueSpec(), CaptureQueueExchange(2)));
  EXPECT_EQ(Dropped("queue_full"), 1);
  EXPECT_EQ(Count("modelwatch_proxy_capture_queue_bytes"), 2 * one);
}

TEST_F(CaptureQueueTest, FullBatchesGoAtOnceByCount) {
  // A flush interval far away: only full batches can be sent before the Drain.
  CaptureQueue queue({.batch_events = 2, .flush_interval_ms = 60'000}, sink_, &capture_metrics_,
                     clock_, nullptr);
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(queue.Offer(CaptureQueueSpec(), CaptureQueueExchange(i)));
  queue.Start();
  ASSERT_TRUE(CaptureQueueWaitFor([&] { return sink_.Batches().size() >= 2; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_EQ(sink_.Batches(), (std::vector<size_t>{2, 2}));  // the fifth waits for its deadline
  EXPECT_TRUE(queue.Drain(2000));
  EXPECT_EQ(sink_.Batches(), (std::vector<size_t>{2, 2, 1}));
}

TEST_F(CaptureQueueTest, APartialBatchGoesAfterTheFlushInterval) {
  FakeClock clock;
  CaptureQueue queue({.batch_events = 100, .flush_interval_ms = 20}, sink_, &capture_metrics_,
                     clock, nullptr);
  queue.Start();
  ASSERT_TRUE(queue.Offer(CaptureQueueSpec(), CaptureQueueExchange(0)));
  ASSERT_TRUE(CaptureQueueWaitFor([&] { return Events("queued") == 1; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(40));
  EXPECT_TRUE(sink_.Batches().empty());  // the clock has not moved
  clock.Advance(20);
  ASSERT_TRUE(CaptureQueueWaitFor([&] { return sink_.Batches().size() == 1; }));
  EXPECT_EQ(Events("stored"), 1);
}

TEST_F(CaptureQueueTest, RetryLaterThenStoredLosesNothingAndKeepsOrder) {
  sink_.decide = [](const CaptureItem&, int attempt) {
    return attempt < 2 ? DeliveryOutcome{Kind::kRetryLater, {}}
                       : DeliveryOutcome{Kind::kStored, {}};
  };
  CaptureQueue queue({.batch_events = 2, .flush_interval_ms = 1, .max_in_flight_batches = 1}, sink_,
                     &capture_metrics_, clock_, nullptr);
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(queue.Offer(CaptureQueueSpec(), CaptureQueueExchange(i)));
  queue.Start();
  EXPECT_TRUE(queue.Drain(2000));
  EXPECT_EQ(Events("stored"), 4);
  // Each batch was tried three times (back-offs 10 and 20 ms) before the next one went.
  const std::vector<std::string> delivered = sink_.Delivered();
  ASSERT_EQ(delivered.size(), 12u);
  for (size_t i = 0; i < 12; ++i) {
    const std::string id = "\"req-" + std::to_string((i / 6) * 2 + i % 2) + "\"";
    EXPECT_NE(delivered[i].find(id), std::string::npos) << i << " " << delivered[i];
  }
}

TEST_F(CaptureQueueTest, SinkDropsAreCountedByReason) {
  sink_.decide = [](const CaptureItem& item, int) {
    if (item.events_json.find(R"("req-0")") != std::string::npos)
      return DeliveryOutcome{Kind::kDropped, "conflict"};
    if (item.events_json.find(R"("req-1")") != std::string::npos)
      return DeliveryOutcome{Kind::kDropped, "store_unavailable"};
    return DeliveryOutcome{Kind::kStored, {}};
  };
  sink_.async = true;
  CaptureQueue queue({}, sink_, &capture_metrics_, clock_, nullptr);
  queue.Start();
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(queue.Offer(CaptureQueueSpec(), CaptureQueueExchange(i)));
  EXPECT_TRUE(queue.Drain(2000));
  EXPECT_EQ(Dropped("conflict"), 1);
  EXPECT_EQ(Dropped("store_unavailable"), 1);
  EXPECT_EQ(Events("stored"), 1);
  EXPECT_EQ(Events("queued"), 3);
}

TEST_F(CaptureQueueTest, ExtractionDropsAreCountedByTheirReason) {
  CaptureQueue queue({}, sink_, &capture_metrics_, clock_, nullptr);
  queue.Start();
  ASSERT_TRUE(queue.Offer(CaptureQueueSpec(), CaptureQueueExchange(0, "{}")));
  ASSERT_TRUE(queue.Offer(CaptureQueueSpec(), CaptureQueueExchange(1, R"({"prediction":"x"})")));
  ASSERT_TRUE(queue.Offer(CaptureQueueSpec(), CaptureQueueExchange(2)));
  EXPECT_TRUE(queue.Drain(2000));
  EXPECT_EQ(Dropped("no_prediction"), 1);
  EXPECT_EQ(Dropped("prediction_not_scalar"), 1);
  EXPECT_EQ(Events("queued"), 1);
  EXPECT_EQ(Events("stored"), 1);
  EXPECT_EQ(sink_.Delivered().size(), 1u);
}

TEST_F(CaptureQueueTest, DrainWithASilentSinkTimesOutAndCountsTheRestShutdown) {
  sink_.hold = true;
  CaptureQueue queue({.batch_events = 1, .max_in_flight_batches = 2}, sink_, &capture_metrics_,
                     clock_, nullptr);
  queue.Start();
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(queue.Offer(CaptureQueueSpec(), CaptureQueueExchange(i)));
  EXPECT_FALSE(queue.Drain(100));
  EXPECT_EQ(Dropped("shutdown"), 5);
  EXPECT_EQ(sink_.Release(), 2u);  // late answers are ignored
  EXPECT_EQ(Events("stored"), 0);
  EXPECT_FALSE(queue.Offer(CaptureQueueSpec(), CaptureQueueExchange(9)));
  EXPECT_EQ(Dropped("shutdown"), 6);
}

TEST_F(CaptureQueueTest, OfferAfterDrainIsRefused) {
  CaptureQueue queue({}, sink_, &capture_metrics_, clock_, nullptr);
  queue.Start();
  EXPECT_TRUE(queue.Drain(1000));
  EXPECT_FALSE(queue.Offer(CaptureQueueSpec(), CaptureQueueExchange(0)));
  EXPECT_EQ(Dropped("shutdown"), 1);
  EXPECT_TRUE(sink_.Delivered().empty());
}

TEST_F(CaptureQueueTest, StopWithoutDrainDropsTheRestAsShutdown) {
  CaptureQueue queue({}, sink_, &capture_metrics_, clock_, nullptr);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(queue.Offer(CaptureQueueSpec(), CaptureQueueExchange(i)));
  queue.Stop();
  queue.Stop();
  EXPECT_EQ(Dropped("shutdown"), 3);
  EXPECT_FALSE(queue.Offer(CaptureQueueSpec(), CaptureQueueExchange(3)));
}

TEST_F(CaptureQueueTest, AtMostMaxInFlightBatchesAwaitTheirAnswer) {
  sink_.hold = true;
  CaptureQueue queue({.batch_events = 1, .flush_interval_ms = 0, .max_in_flight_batches = 3}, sink_,
                     &capture_metrics_, clock_, nullptr);
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(queue.Offer(CaptureQueueSpec(), CaptureQueueExchange(i)));
  }
  queue.Start();
  size_t answered = 0;
  while (answered < 10) {
    ASSERT_TRUE(
        CaptureQueueWaitFor([&] { return sink_.Held() == std::min<size_t>(3, 10 - answered); }));
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    ASSERT_LE(sink_.Held(), 3u);
    answered += sink_.Release();
  }
  EXPECT_TRUE(queue.Drain(1000));
  EXPECT_EQ(Events("stored"), 10);
}

TEST_F(CaptureQueueTest, ConcurrentOffersAreCountedExactly) {
  sink_.async = true;
  sink_.decide = [](const CaptureItem& item, int attempt) {
    if (item.events_json.find(R"(7","model")") != std::string::npos)
      return DeliveryOutcome{Kind::kDropped, "conflict"};
    return attempt == 0 && item.events_json.find(R"(3","model")") != std::string::npos
               ? DeliveryOutcome{Kind::kRetryLater, {}}
               : DeliveryOutcome{Kind::kStored, {}};
  };
  CaptureQueue queue({.max_events = 500, .batch_events = 50, .flush_interval_ms = 1}, sink_,
                     &capture_metrics_, clock_, nullptr);
  queue.Start();
  std::atomic<int> accepted = 0;
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 250; ++i) {
        if (queue.Offer(CaptureQueueSpec(), CaptureQueueExchange(t * 1000 + i))) ++accepted;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_TRUE(queue.Drain(2000));
  EXPECT_EQ(accepted + Dropped("queue_full"), 2000);
  EXPECT_EQ(Events("queued"), accepted);
  EXPECT_EQ(Events("stored") + Dropped("conflict"), accepted);
  EXPECT_EQ(Dropped("shutdown"), 0);
}

class CaptureQueueRecordingReporter : public BackgroundErrorReporter {
 public:
  void OnBackgroundError(std::string_view thread, std::string_view what) noexcept override {
    std::lock_guard lock(mutex_);
    errors.push_back(std::string(thread) + ": " + std::string(what));
  }
  std::mutex mutex_;
  std::vector<std::string> errors;
};

TEST_F(CaptureQueueTest, ASinkThatThrowsIsReportedAndItsItemsRetried) {
  CaptureQueueRecordingReporter reporter;
  sink_.throws = 1;
  CaptureQueue queue({}, sink_, &capture_metrics_, clock_, &reporter);
  queue.Start();
  ASSERT_TRUE(queue.Offer(CaptureQueueSpec(), CaptureQueueExchange(0)));
  EXPECT_TRUE(queue.Drain(2000));
  EXPECT_EQ(Events("stored"), 1);
  std::lock_guard lock(reporter.mutex_);
  EXPECT_EQ(reporter.errors, (std::vector<std::string>{"capture_queue: sink failed"}));
}

TEST(CaptureMetricsTest, DistinctReasonsAreCappedAndNonTokensAreOther) {
  telemetry::Metrics metrics(CaptureQueueMetricsOptions());
  CaptureMetrics capture_metrics(metrics);
  for (int i = 0; i < 40; ++i) capture_metrics.Dropped("r" + std::to_string(i), 1);
  capture_metrics.Dropped("Not A Token", 1);
  const std::string text = metrics.Serialize();
  size_t series = 0;
  for (size_t at = 0;
       (at = text.find("modelwatch_proxy_capture_dropped_total{", at)) != std::string::npos; ++at) {
    ++series;
  }
  EXPECT_EQ(series, CaptureMetrics::kMaxReasons);
  // 7 built-in reasons ("other" included) leave 25 for r0..r24; r25..r39 and the non-token
  // fall back to "other".
  EXPECT_EQ(
      telemetry_test::Sample(text, R"(modelwatch_proxy_capture_dropped_total{reason="other"})"),
      16);
  EXPECT_EQ(telemetry_test::Sample(
                text, R"(modelwatch_proxy_capture_events_total{result="sampled_out"})"),
            0);
}

}  // namespace
}  // namespace mw::proxy
