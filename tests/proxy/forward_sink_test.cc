// ForwardSink against a recording HTTP server standing in for the central modelwatch: the exact
// request, outcomes by answer, back-off and Retry-After (FakeClock), item-by-item after a refused
// batch, the buffer's cap, an unreachable central, Stop.
#include "proxy/capture/forward_sink.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "telemetry/metrics.h"
#include "telemetry/test_util.h"
#include "testing/loopback_server.h"

namespace mw::proxy {
namespace {

using namespace std::chrono_literals;
using Kind = DeliveryOutcome::Kind;
using mw::testing::LoopbackServer;

CaptureItem ForwardItem(std::vector<std::string> events) {
  CaptureItem item;
  item.events = events.size();
  item.events_json = "{\"events\":[";
  for (size_t i = 0; i < events.size(); ++i) {
    if (i > 0) item.events_json += ',';
    item.events_json += events[i];
  }
  item.events_json += "]}";
  item.route = "/predict/{id}";
  return item;
}

std::string ForwardEvent(const std::string& id) {
  return R"({"id":")" + id + R"(","model":"m","prediction":1})";
}

std::vector<DeliveryOutcome> ForwardDeliver(ForwardSink& sink, std::vector<CaptureItem> items) {
  auto promise = std::make_shared<std::promise<std::vector<DeliveryOutcome>>>();
  auto future = promise->get_future();
  sink.Deliver(std::move(items),
               [promise](std::vector<DeliveryOutcome> outcomes) { promise->set_value(outcomes); });
  if (future.wait_for(10s) != std::future_status::ready) {
    ADD_FAILURE() << "no answer within 10 s";
    return {};
  }
  return future.get();
}

template <typename Predicate>
bool ForwardEventually(Predicate predicate, std::chrono::milliseconds limit = 5000ms) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (predicate()) return true;
    std::this_thread::sleep_for(2ms);
  }
  return predicate();
}

telemetry::MetricsOptions ForwardMetricsOptions() {
  telemetry::MetricsOptions options;
  options.prefix = "ml";
  options.system_metrics = false;
  return options;
}

class ForwardSinkTest : public ::testing::Test {
 protected:
  ForwardSinkOptions Options(const std::string& base_url, std::string token = "tok-1") {
    ForwardSinkOptions options;
    options.base_url = base_url;
    options.token = std::move(token);
    options.timeout = 2000ms;
    return options;
  }
  double Requests(const std::string& result) {
    return telemetry_test::Sample(
               telemetry_.Serialize(),
               "modelwatch_proxy_forward_requests_total{result=\"" + result + "\"}")
        .value_or(-1);
  }
  double BufferGauge() {
    return telemetry_test::Sample(telemetry_.Serialize(), "modelwatch_proxy_forward_buffer_events")
        .value_or(-1);
  }

  FakeClock clock_;
  telemetry::Metrics telemetry_{ForwardMetricsOptions()};
  ForwardMetrics metrics_{telemetry_};
};

TEST_F(ForwardSinkTest, PostsTheItemsEventsAsOneBodyWithTheToken) {
  LoopbackServer central([](const LoopbackServer::Received&) {
    return LoopbackServer::Reply{202, R"({"accepted":3})", {}};
  });
  ForwardSink sink(Options(central.url() + "/"), &metrics_, clock_);
  const auto outcomes = ForwardDeliver(sink, {ForwardItem({ForwardEvent("a"), ForwardEvent("b")}),
                                              ForwardItem({ForwardEvent("c")})});
  ASSERT_EQ(outcomes.size(), 2u);
  EXPECT_EQ(outcomes[0].kind, Kind::kStored);
  EXPECT_EQ(outcomes[1].kind, Kind::kStored);
  const auto requests = central.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].request_line, "POST /v1/predictions HTTP/1.1");
  EXPECT_EQ(requests[0].body, "{\"events\":[" + ForwardEvent("a") + "," + ForwardEvent("b") + "," +
                                  ForwardEvent("c") + "]}");
  EXPECT_EQ(requests[0].headers.at("authorization"), "Bearer tok-1");
  EXPECT_EQ(requests[0].headers.at("content-type"), "application/json");
  EXPECT_EQ(requests[0].headers.count("expect"), 0u);
  EXPECT_EQ(Requests("stored"), 1);
  EXPECT_EQ(Requests("rejected"), 0);  // every result from 0
  EXPECT_EQ(BufferGauge(), 0);
}

TEST_F(ForwardSinkTest, NoTokenNoAuthorization) {
  LoopbackServer central([](const LoopbackServer::Received&) {
    return LoopbackServer::Reply{202, "{}", {}};
  });
  ForwardSink sink(Options(central.url(), ""), &metrics_, clock_);
  ForwardDeliver(sink, {ForwardItem({ForwardEvent("a")})});
  ASSERT_EQ(central.requests().size(), 1u);
  EXPECT_EQ(central.requests()[0].headers.count("authorization"), 0u);
}

TEST_F(ForwardSinkTest, UnavailableThenAcceptedIsStoredOnceAfterTheBackOff) {
  std::atomic<int> calls{0};
  LoopbackServer central([&](const LoopbackServer::Received&) {
    return ++calls == 1 ? LoopbackServer::Reply{503, "{}", {}}
                        : LoopbackServer::Reply{202, "{}", {}};
  });
  ForwardSink sink(Options(central.url()), &metrics_, clock_);
  const CaptureItem item = ForwardItem({ForwardEvent("a"), ForwardEvent("b")});
  EXPECT_EQ(ForwardDeliver(sink, {item})[0].kind, Kind::kRetryLater);
  EXPECT_EQ(Requests("server_error"), 1);
  // Awaiting its return from the queue, the item's events stay in the buffer.
  EXPECT_EQ(sink.buffered_events(), 2u);
  EXPECT_EQ(BufferGauge(), 2);

  // The queue sends it again: nothing goes out before the 100 ms back-off has passed.
  auto promise = std::make_shared<std::promise<std::vector<DeliveryOutcome>>>();
  auto future = promise->get_future();
  sink.Deliver({item}, [promise](std::vector<DeliveryOutcome> o) { promise->set_value(o); });
  EXPECT_EQ(future.wait_for(100ms), std::future_status::timeout);
  EXPECT_EQ(calls.load(), 1);
  EXPECT_EQ(sink.buffered_events(), 2u);  // the same item, not counted twice
  clock_.Advance(100);
  ASSERT_EQ(future.wait_for(5s), std::future_status::ready);
  EXPECT_EQ(future.get()[0].kind, Kind::kStored);
  EXPECT_EQ(calls.load(), 2);
  EXPECT_EQ(sink.buffered_events(), 0u);
  EXPECT_EQ(Requests("stored"), 1);
}

TEST_F(ForwardSinkTest, RetryAfterIsHonoured) {
  std::atomic<int> calls{0};
  LoopbackServer central([&](const LoopbackServer::Received&) {
    return ++calls == 1 ? LoopbackServer::Reply{429, "{}", {{"Retry-After", "5"}}}
                        : LoopbackServer::Reply{202, "{}", {}};
  });
  ForwardSink sink(Options(central.url()), &metrics_, clock_);
  const CaptureItem item = ForwardItem({ForwardEvent("a")});
  EXPECT_EQ(ForwardDeliver(sink, {item})[0].kind, Kind::kRetryLater);
  EXPECT_EQ(Requests("throttled"), 1);
  auto promise = std::make_shared<std::promise<std::vector<DeliveryOutcome>>>();
  auto future = promise->get_future();
  sink.Deliver({item}, [promise](std::vector<DeliveryOutcome> o) { promise->set_value(o); });
  clock_.Advance(4999);
  EXPECT_EQ(future.wait_for(100ms), std::future_status::timeout);
  EXPECT_EQ(calls.load(), 1);
  clock_.Advance(1);
  ASSERT_EQ(future.wait_for(5s), std::future_status::ready);
  EXPECT_EQ(future.get()[0].kind, Kind::kStored);
}

TEST_F(ForwardSinkTest, BackOffDoublesWhileFailuresGoOn) {
  std::atomic<int> calls{0};
  LoopbackServer central([&](const LoopbackServer::Received&) {
    ++calls;
    return LoopbackServer::Reply{500, "{}", {}};
  });
  ForwardSink sink(Options(central.url()), &metrics_, clock_);
  const CaptureItem item = ForwardItem({ForwardEvent("a")});
  ForwardDeliver(sink, {item});  // back-off 100 ms
  clock_.Advance(100);
  ForwardDeliver(sink, {item});  // 200 ms
  auto promise = std::make_shared<std::promise<std::vector<DeliveryOutcome>>>();
  auto future = promise->get_future();
  sink.Deliver({item}, [promise](std::vector<DeliveryOutcome> o) { promise->set_value(o); });
  clock_.Advance(199);
  EXPECT_EQ(future.wait_for(100ms), std::future_status::timeout);
  EXPECT_EQ(calls.load(), 2);
  clock_.Advance(1);
  ASSERT_EQ(future.wait_for(5s), std::future_status::ready);
  EXPECT_EQ(calls.load(), 3);
}

TEST_F(ForwardSinkTest, RefusedBatchIsSentItemByItemOnce) {
  const std::string bad = R"({"id":"bad","model":"m","prediction":"x"})";
  LoopbackServer central([&](const LoopbackServer::Received& r) {
    if (r.body.find("\"bad\"") != std::string::npos) {
      return LoopbackServer::Reply{422, R"({"title":"Invalid request body"})", {}};
    }
    return LoopbackServer::Reply{202, "{}", {}};
  });
  ForwardSink sink(Options(central.url()), &metrics_, clock_);
  const auto outcomes =
      ForwardDeliver(sink, {ForwardItem({ForwardEvent("a")}), ForwardItem({ForwardEvent("b"), bad}),
                            ForwardItem({ForwardEvent("c")})});
  ASSERT_EQ(outcomes.size(), 3u);
  EXPECT_EQ(outcomes[0].kind, Kind::kStored);
  EXPECT_EQ(outcomes[1].kind, Kind::kDropped);
  EXPECT_EQ(outcomes[1].reason, "rejected");
  EXPECT_EQ(outcomes[2].kind, Kind::kStored);
  const auto requests = central.requests();
  ASSERT_EQ(requests.size(), 4u);  // the batch, then each item alone
  EXPECT_EQ(requests[1].body, "{\"events\":[" + ForwardEvent("a") + "]}");
  EXPECT_EQ(requests[2].body, "{\"events\":[" + ForwardEvent("b") + "," + bad + "]}");
  EXPECT_EQ(requests[3].body, "{\"events\":[" + ForwardEvent("c") + "]}");
  EXPECT_EQ(Requests("rejected"), 2);
  EXPECT_EQ(Requests("stored"), 2);
  EXPECT_EQ(sink.buffered_events(), 0u);
}

TEST_F(ForwardSinkTest, ConflictOnALoneItemDropsIt) {
  LoopbackServer central([](const LoopbackServer::Received&) {
    return LoopbackServer::Reply{409, "{}", {}};
  });
  ForwardSink sink(Options(central.url()), &metrics_, clock_);
  const auto outcomes = ForwardDeliver(sink, {ForwardItem({ForwardEvent("a")})});
  EXPECT_EQ(outcomes[0].kind, Kind::kDropped);
  EXPECT_EQ(outcomes[0].reason, "rejected");
  EXPECT_EQ(central.requests().size(), 1u);
}

TEST_F(ForwardSinkTest, BufferOverflowIsDroppedAsBufferFull) {
  std::atomic<int> status{503};
  LoopbackServer central([&](const LoopbackServer::Received&) {
    return LoopbackServer::Reply{status.load(), "{}", {}};
  });
  ForwardSinkOptions options = Options(central.url());
  options.buffer_events = 5;
  ForwardSink sink(options, &metrics_, clock_);
  const CaptureItem first = ForwardItem({ForwardEvent("a"), ForwardEvent("b"), ForwardEvent("c")});
  const CaptureItem second = ForwardItem({ForwardEvent("d"), ForwardEvent("e"), ForwardEvent("f")});
  // 3 + 3 > 5: the second item does not fit.
  auto outcomes = ForwardDeliver(sink, {first, second});
  EXPECT_EQ(outcomes[0].kind, Kind::kRetryLater);
  EXPECT_EQ(outcomes[1].kind, Kind::kDropped);
  EXPECT_EQ(outcomes[1].reason, "buffer_full");
  EXPECT_EQ(central.requests().back().body.find("\"d\""), std::string::npos);
  // The first item is still awaited: a new item does not fit either, the first's return does.
  clock_.Advance(100);
  outcomes = ForwardDeliver(sink, {second});
  EXPECT_EQ(outcomes[0].kind, Kind::kDropped);
  EXPECT_EQ(outcomes[0].reason, "buffer_full");
  status.store(202);
  outcomes = ForwardDeliver(sink, {first});
  EXPECT_EQ(outcomes[0].kind, Kind::kStored);
  EXPECT_EQ(sink.buffered_events(), 0u);
  EXPECT_EQ(ForwardDeliver(sink, {second})[0].kind, Kind::kStored);
}

TEST_F(ForwardSinkTest, UnreachableCentralIsRetryLater) {
  int port;
  {
    LoopbackServer closed([](const LoopbackServer::Received&) { return LoopbackServer::Reply{}; });
    port = closed.port();
  }  // nothing listens there any more
  ForwardSink sink(Options("http://127.0.0.1:" + std::to_string(port)), &metrics_, clock_);
  const auto outcomes = ForwardDeliver(sink, {ForwardItem({ForwardEvent("a")})});
  EXPECT_EQ(outcomes[0].kind, Kind::kRetryLater);
  EXPECT_EQ(Requests("unreachable"), 1);
}

TEST_F(ForwardSinkTest, RefusedTokenIsRetriedNotDropped) {
  LoopbackServer central([](const LoopbackServer::Received&) {
    return LoopbackServer::Reply{401, "{}", {}};
  });
  ForwardSink sink(Options(central.url()), &metrics_, clock_);
  EXPECT_EQ(ForwardDeliver(sink, {ForwardItem({ForwardEvent("a")})})[0].kind, Kind::kRetryLater);
  EXPECT_EQ(Requests("unauthorized"), 1);
}

TEST_F(ForwardSinkTest, ItemNotAnEventsObjectIsDroppedUnsent) {
  LoopbackServer central([](const LoopbackServer::Received&) {
    return LoopbackServer::Reply{202, "{}", {}};
  });
  ForwardSink sink(Options(central.url()), &metrics_, clock_);
  CaptureItem odd;
  odd.events = 1;
  odd.events_json = R"({"id":"a"})";
  const auto outcomes = ForwardDeliver(sink, {odd, ForwardItem({ForwardEvent("b")})});
  EXPECT_EQ(outcomes[0].kind, Kind::kDropped);
  EXPECT_EQ(outcomes[0].reason, "invalid");
  EXPECT_EQ(outcomes[1].kind, Kind::kStored);
  ASSERT_EQ(central.requests().size(), 1u);
  EXPECT_EQ(central.requests()[0].body, "{\"events\":[" + ForwardEvent("b") + "]}");
}

TEST_F(ForwardSinkTest, DeliverReturnsBeforeTheRequestAndBatchesGoOneAtATime) {
  std::atomic<int> in_flight{0}, most{0};
  LoopbackServer central([&](const LoopbackServer::Received&) {
    most.store(std::max(most.load(), ++in_flight));
    std::this_thread::sleep_for(200ms);
    --in_flight;
    return LoopbackServer::Reply{202, "{}", {}};
  });
  ForwardSink sink(Options(central.url()), &metrics_, clock_);
  std::atomic<int> answered{0};
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 3; ++i) {
    sink.Deliver({ForwardItem({ForwardEvent(std::to_string(i))})},
                 [&](std::vector<DeliveryOutcome>) { ++answered; });
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, 100ms);
  EXPECT_EQ(answered.load(), 0);
  ASSERT_TRUE(ForwardEventually([&] { return answered.load() == 3; }));
  EXPECT_EQ(most.load(), 1);
  const auto requests = central.requests();
  ASSERT_EQ(requests.size(), 3u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(requests[i].body, "{\"events\":[" + ForwardEvent(std::to_string(i)) + "]}");
  }
}

TEST_F(ForwardSinkTest, StopAnswersWhatIsHeldAsRetryLater) {
  LoopbackServer central([](const LoopbackServer::Received&) {
    return LoopbackServer::Reply{503, "{}", {}};
  });
  ForwardSink sink(Options(central.url()), &metrics_, clock_);
  ForwardDeliver(sink, {ForwardItem({ForwardEvent("a")})});  // now backing off (FakeClock)
  std::atomic<int> retry{0};
  sink.Deliver({ForwardItem({ForwardEvent("b")}), ForwardItem({ForwardEvent("c")})},
               [&](std::vector<DeliveryOutcome> outcomes) {
                 for (const auto& o : outcomes) retry += o.kind == Kind::kRetryLater;
               });
  sink.Stop();
  EXPECT_EQ(retry.load(), 2);
  EXPECT_EQ(central.requests().size(), 1u);
  // After Stop every batch is answered at once.
  EXPECT_EQ(ForwardDeliver(sink, {ForwardItem({ForwardEvent("d")})})[0].kind, Kind::kRetryLater);
}

}  // namespace
}  // namespace mw::proxy
