// ForwardSink behind the real CaptureQueue: the queue's retries meet the sink's back-off and
// buffer, and each captured event reaches the central exactly once.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "common/clock.h"
#include "proxy/capture/capture_metrics.h"
#include "proxy/capture/forward_sink.h"
#include "proxy/capture/queue.h"
#include "telemetry/metrics.h"
#include "telemetry/test_util.h"
#include "testing/loopback_server.h"

namespace mw::proxy {
namespace {

using namespace std::chrono_literals;
using mw::testing::LoopbackServer;

std::shared_ptr<const CaptureSpec> ForwardQueueSpec() {
  auto spec = std::make_shared<CaptureSpec>();
  spec->model = Source{Source::Kind::kConstant, "m"};
  spec->features = Source{Source::Kind::kRequest, "/features"};
  spec->prediction = Source{Source::Kind::kResponse, "/prediction"};
  return spec;
}

Exchange ForwardQueueExchange(int i) {
  Exchange e;
  e.endpoint = "/predict";
  e.request_body = R"({"features":{"a":1}})";
  e.response_body = R"({"prediction":0.5})";
  e.request_id = "req-" + std::to_string(i);
  e.received_at_ms = 1'735'725'600'123;
  return e;
}

template <typename Predicate>
bool ForwardQueueEventually(Predicate predicate, std::chrono::milliseconds limit = 10s) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (predicate()) return true;
    std::this_thread::sleep_for(5ms);
  }
  return predicate();
}

telemetry::MetricsOptions ForwardQueueMetricsOptions() {
  telemetry::MetricsOptions options;
  options.prefix = "ml";
  options.system_metrics = false;
  return options;
}

class ForwardSinkQueueTest : public ::testing::Test {
 protected:
  double Sample(const std::string& series) {
    return telemetry_test::Sample(telemetry_.Serialize(), series).value_or(-1);
  }
  ForwardSinkOptions Options(const std::string& url) {
    ForwardSinkOptions options;
    options.base_url = url;
    options.backoff_min = 10ms;
    options.backoff_max = 40ms;
    return options;
  }

  SystemClock clock_;
  telemetry::Metrics telemetry_{ForwardQueueMetricsOptions()};
  CaptureMetrics capture_metrics_{telemetry_};
  ForwardMetrics forward_metrics_{telemetry_};
};

TEST_F(ForwardSinkQueueTest, AnOutageThenEveryEventStoredOnce) {
  std::mutex mutex;
  std::map<std::string, int> stored;  // event id -> times answered 202
  std::atomic<int> calls{0};
  LoopbackServer central([&](const LoopbackServer::Received& r) {
    if (++calls <= 3) return LoopbackServer::Reply{503, "{}", {}};
    std::lock_guard lock(mutex);
    for (size_t at = r.body.find("\"req-"); at != std::string::npos;
         at = r.body.find("\"req-", at + 1)) {
      ++stored[r.body.substr(at + 1, r.body.find('"', at + 1) - at - 1)];
    }
    return LoopbackServer::Reply{202, "{}", {}};
  });
  ForwardSink sink(Options(central.url()), &forward_metrics_, clock_);
  CaptureQueue queue(CaptureQueueOptions{.batch_events = 7}, sink, &capture_metrics_, clock_,
                     nullptr);
  queue.Start();
  for (int i = 0; i < 20; ++i)
    ASSERT_TRUE(queue.Offer(ForwardQueueSpec(), ForwardQueueExchange(i)));
  ASSERT_TRUE(ForwardQueueEventually(
      [&] { return Sample(R"(modelwatch_proxy_capture_events_total{result="stored"})") == 20; }));
  EXPECT_TRUE(queue.Drain(5000));
  std::lock_guard lock(mutex);
  ASSERT_EQ(stored.size(), 20u);
  for (const auto& [id, times] : stored) EXPECT_EQ(times, 1) << id;
  EXPECT_EQ(Sample(R"(modelwatch_proxy_forward_requests_total{result="server_error"})"), 3);
  EXPECT_EQ(sink.buffered_events(), 0u);
  EXPECT_EQ(Sample("modelwatch_proxy_forward_buffer_events"), 0);
}

TEST_F(ForwardSinkQueueTest, ALongOutageKeepsAtMostTheBuffer) {
  LoopbackServer central([](const LoopbackServer::Received&) {
    return LoopbackServer::Reply{503, "{}", {}};
  });
  ForwardSinkOptions options = Options(central.url());
  options.buffer_events = 5;
  ForwardSink sink(options, &forward_metrics_, clock_);
  CaptureQueue queue(CaptureQueueOptions{.batch_events = 3}, sink, &capture_metrics_, clock_,
                     nullptr);
  queue.Start();
  for (int i = 0; i < 20; ++i)
    ASSERT_TRUE(queue.Offer(ForwardQueueSpec(), ForwardQueueExchange(i)));
  // One event per exchange: 5 fit the buffer and circulate between queue and sink; 15 are lost.
  ASSERT_TRUE(ForwardQueueEventually([&] {
    return Sample(R"(modelwatch_proxy_capture_dropped_total{reason="buffer_full"})") == 15;
  }));
  EXPECT_EQ(sink.buffered_events(), 5u);
  EXPECT_EQ(Sample("modelwatch_proxy_forward_buffer_events"), 5);
  queue.Stop();
  EXPECT_EQ(Sample(R"(modelwatch_proxy_capture_dropped_total{reason="shutdown"})"), 5);
}

}  // namespace
}  // namespace mw::proxy
