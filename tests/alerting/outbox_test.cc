// The durable outbox: retries with backoff, permanent failures, order, superseding, expiry,
// metrics, and delivery across a restart.
#include "alerting/outbox/outbox.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <prometheus/registry.h>
#include <stdlib.h>

#include <cmath>
#include <deque>
#include <filesystem>

#include "alerting/notify/channels.h"
#include "alerting/notify_test_listener.h"

namespace mw::alerting {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

// Answers from a script per channel (default: delivered) and records every attempt.
class ScriptedDeliverer final : public Deliverer {
 public:
  struct Attempt {
    std::string channel, payload;
  };
  DeliveryResult Deliver(std::string_view channel, std::string_view payload) override {
    std::lock_guard lock(mutex_);
    attempts_.push_back({std::string(channel), std::string(payload)});
    auto& script = scripts_[std::string(channel)];
    if (script.empty()) return DeliveryResult::Delivered(200);
    DeliveryResult r = script.front();
    script.pop_front();
    return r;
  }
  void Script(const std::string& channel, std::vector<DeliveryResult> results) {
    std::lock_guard lock(mutex_);
    scripts_[channel].assign(results.begin(), results.end());
  }
  std::vector<Attempt> attempts() const {
    std::lock_guard lock(mutex_);
    return attempts_;
  }

 private:
  mutable std::mutex mutex_;
  std::map<std::string, std::deque<DeliveryResult>> scripts_;
  std::vector<Attempt> attempts_;
};

DeliveryResult Status503() { return ClassifyHttpStatus(503, "down", -1); }

double Metric(prometheus::Registry& registry, const std::string& name,
              const std::map<std::string, std::string>& labels) {
  for (const auto& family : registry.Collect()) {
    if (family.name != name) continue;
    for (const auto& m : family.metric) {
      std::map<std::string, std::string> got;
      for (const auto& l : m.label) got[l.name] = l.value;
      if (got != labels) continue;
      return family.type == prometheus::MetricType::Counter ? m.counter.value : m.gauge.value;
    }
  }
  return NAN;
}

class OutboxTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "mw-outbox-XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    options_.path = (dir_ / "outbox.db").string();
    options_.registry = &registry_;
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::unique_ptr<Outbox> Open(Deliverer& deliverer) {
    auto outbox = Outbox::Open(options_, clock_, deliverer);
    EXPECT_TRUE(outbox.has_value()) << outbox.error().ToString();
    return outbox.has_value() ? std::move(*outbox) : nullptr;
  }

  std::vector<OutboxEntry> Rows(const Outbox& outbox, std::string_view state) {
    auto rows = outbox.List(state);
    EXPECT_TRUE(rows.has_value());
    return rows.has_value() ? *rows : std::vector<OutboxEntry>{};
  }

  fs::path dir_;
  FakeClock clock_;
  prometheus::Registry registry_;
  OutboxOptions options_;
  ScriptedDeliverer deliverer_;
};

TEST_F(OutboxTest, BackoffDoublesFromOneSecondToFiveMinutesAndHonoursRetryAfter) {
  const OutboxOptions o;
  std::vector<int64_t> waits;
  for (int n = 1; n <= 11; ++n) waits.push_back(BackoffMs(o, n, -1));
  EXPECT_EQ(waits, (std::vector<int64_t>{1000, 2000, 4000, 8000, 16000, 32000, 64000, 128000,
                                         256000, 300000, 300000}));
  EXPECT_EQ(BackoffMs(o, 60, -1), 300000);
  EXPECT_EQ(BackoffMs(o, 1, 30000), 30000);  // Retry-After longer than the backoff
  EXPECT_EQ(BackoffMs(o, 5, 2000), 16000);   // shorter: the backoff stands
  EXPECT_EQ(BackoffMs(o, 1, 86400000), o.max_retry_after_ms);  // capped
}

TEST_F(OutboxTest, RetriesAfterBackoffAndDeliversOnce) {
  auto outbox = Open(deliverer_);
  ASSERT_TRUE(outbox);
  deliverer_.Script("slack", {Status503(), Status503()});
  ASSERT_TRUE(outbox->Enqueue("slack", "{\"text\":\"x\"}", "").ok());
  EXPECT_EQ(Metric(registry_, "modelwatch_notifications_queued", {{"channel", "slack"}}), 1);

  EXPECT_EQ(outbox->DeliverDue(), 1);  // 503
  auto pending = Rows(*outbox, "pending");
  ASSERT_EQ(pending.size(), 1u);
  EXPECT_EQ(pending[0].attempts, 1);
  EXPECT_EQ(pending[0].next_attempt_at_ms, clock_.NowMillis() + 1000);
  EXPECT_THAT(pending[0].last_error, HasSubstr("http_503"));

  clock_.Advance(999);
  EXPECT_EQ(outbox->DeliverDue(), 0);  // not yet
  clock_.Advance(1);
  EXPECT_EQ(outbox->DeliverDue(), 1);  // 503 again: now wait 2 s
  clock_.Advance(1999);
  EXPECT_EQ(outbox->DeliverDue(), 0);
  clock_.Advance(1);
  EXPECT_EQ(outbox->DeliverDue(), 1);  // delivered
  EXPECT_EQ(outbox->DeliverDue(), 0);  // and gone
  EXPECT_EQ(deliverer_.attempts().size(), 3u);
  EXPECT_TRUE(Rows(*outbox, "pending").empty());
  EXPECT_EQ(Metric(registry_, "modelwatch_notifications_sent_total", {{"channel", "slack"}}), 1);
  EXPECT_EQ(Metric(registry_, "modelwatch_notification_retries_total",
                   {{"channel", "slack"}, {"reason", "http_503"}}),
            2);
  EXPECT_EQ(Metric(registry_, "modelwatch_notifications_queued", {{"channel", "slack"}}), 0);
}

TEST_F(OutboxTest, RetryAfterOnTooManyRequestsIsHonoured) {
  auto outbox = Open(deliverer_);
  ASSERT_TRUE(outbox);
  deliverer_.Script("slack", {ClassifyHttpStatus(429, "rate limited", 30000)});
  ASSERT_TRUE(outbox->Enqueue("slack", "p", "").ok());
  EXPECT_EQ(outbox->DeliverDue(), 1);
  clock_.Advance(29999);
  EXPECT_EQ(outbox->DeliverDue(), 0);
  clock_.Advance(1);
  EXPECT_EQ(outbox->DeliverDue(), 1);
  EXPECT_TRUE(Rows(*outbox, "pending").empty());
}

TEST_F(OutboxTest, RetentionDeletesGivenUpRowsBeforeTheCutoffAndNeverPendingOnes) {
  auto outbox = Open(deliverer_);
  ASSERT_TRUE(outbox);
  deliverer_.Script("old", {ClassifyHttpStatus(400, "bad", -1)});
  deliverer_.Script("new", {ClassifyHttpStatus(400, "bad", -1)});
  deliverer_.Script("slow", {Status503()});
  ASSERT_TRUE(outbox->Enqueue("old", "a", "").ok());
  EXPECT_EQ(outbox->DeliverDue(), 1);  // given up at t0
  const int64_t t0 = clock_.NowMillis();
  clock_.Advance(1);
  ASSERT_TRUE(outbox->Enqueue("new", "b", "").ok());
  ASSERT_TRUE(outbox->Enqueue("slow", "c", "").ok());
  EXPECT_EQ(outbox->DeliverDue(), 2);  // "b" given up at t0 + 1, "c" waits for a retry
  clock_.Advance(1);
  auto counted = outbox->DeleteFailedBefore(t0 + 1, /*dry_run=*/true);
  ASSERT_TRUE(counted.has_value()) << counted.error().ToString();
  EXPECT_EQ(*counted, 1);
  EXPECT_EQ(Rows(*outbox, "failed").size(), 2u);  // the dry run deleted nothing
  auto deleted = outbox->DeleteFailedBefore(t0 + 1, false);
  ASSERT_TRUE(deleted.has_value());
  EXPECT_EQ(*deleted, 1);
  const auto failed = Rows(*outbox, "failed");
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed[0].payload, "b");  // at the cutoff: kept
  auto all = outbox->DeleteFailedBefore(clock_.NowMillis() + 1000, false);
  ASSERT_TRUE(all.has_value());
  EXPECT_EQ(*all, 1);
  EXPECT_EQ(Rows(*outbox, "pending").size(), 1u);  // pending rows are never removed
}

TEST_F(OutboxTest, PermanentFailureIsKeptWithItsErrorAndDoesNotBlockTheChannel) {
  auto outbox = Open(deliverer_);
  ASSERT_TRUE(outbox);
  deliverer_.Script("hook", {ClassifyHttpStatus(400, "invalid_payload", -1)});
  ASSERT_TRUE(outbox->Enqueue("hook", "first", "").ok());
  ASSERT_TRUE(outbox->Enqueue("hook", "second", "").ok());
  EXPECT_EQ(outbox->DeliverDue(), 2);  // the 400, then the next one in the same pass
  const auto failed = Rows(*outbox, "failed");
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed[0].payload, "first");
  EXPECT_EQ(failed[0].attempts, 1);
  EXPECT_THAT(failed[0].last_error, HasSubstr("http_400: HTTP 400: invalid_payload"));
  EXPECT_TRUE(Rows(*outbox, "pending").empty());
  clock_.Advance(3600 * 1000);
  EXPECT_EQ(outbox->DeliverDue(), 0);  // never retried
  EXPECT_EQ(Metric(registry_, "modelwatch_notifications_failed_total",
                   {{"channel", "hook"}, {"reason", "http_400"}}),
            1);
  EXPECT_EQ(Metric(registry_, "modelwatch_notifications_sent_total", {{"channel", "hook"}}), 1);
}

TEST_F(OutboxTest, OrderIsKeptPerChannelAndChannelsDoNotWaitForEachOther) {
  auto outbox = Open(deliverer_);
  ASSERT_TRUE(outbox);
  deliverer_.Script("pd", {Status503()});
  ASSERT_TRUE(outbox->Enqueue("pd", "trigger", "").ok());
  ASSERT_TRUE(outbox->Enqueue("slack", "s1", "").ok());
  ASSERT_TRUE(outbox->Enqueue("pd", "resolve", "").ok());
  EXPECT_EQ(outbox->DeliverDue(), 2);  // pd trigger fails (resolve waits behind it), slack sent
  clock_.Advance(1000);
  EXPECT_EQ(outbox->DeliverDue(), 2);  // trigger, then resolve
  std::vector<std::string> order;
  for (const auto& a : deliverer_.attempts()) order.push_back(a.channel + ":" + a.payload);
  EXPECT_EQ(order,
            (std::vector<std::string>{"pd:trigger", "slack:s1", "pd:trigger", "pd:resolve"}));
}

TEST_F(OutboxTest, SupersedeReplacesAPendingPayloadInPlace) {
  auto outbox = Open(deliverer_);
  ASSERT_TRUE(outbox);
  deliverer_.Script("am", {Status503()});
  ASSERT_TRUE(outbox->Enqueue("am", "state-1", "state").ok());
  EXPECT_EQ(outbox->DeliverDue(), 1);  // fails, waits 1 s
  ASSERT_TRUE(outbox->Enqueue("am", "state-2", "state").ok());
  ASSERT_TRUE(outbox->Enqueue("am", "state-3", "state").ok());
  ASSERT_TRUE(outbox->Enqueue("am", "other", "").ok());
  auto pending = Rows(*outbox, "pending");
  ASSERT_EQ(pending.size(), 2u);
  EXPECT_EQ(pending[0].payload, "state-3");
  EXPECT_EQ(pending[0].attempts, 1);  // its retry schedule is kept
  clock_.Advance(1000);
  EXPECT_EQ(outbox->DeliverDue(), 2);
  const auto attempts = deliverer_.attempts();
  ASSERT_EQ(attempts.size(), 3u);
  EXPECT_EQ(attempts[1].payload, "state-3");
  EXPECT_EQ(attempts[2].payload, "other");
  // Once delivered, the same key starts a new row.
  ASSERT_TRUE(outbox->Enqueue("am", "state-4", "state").ok());
  EXPECT_EQ(Rows(*outbox, "pending").size(), 1u);
}

TEST_F(OutboxTest, APayloadReplacedWhileInFlightIsSentAgain) {
  // The deliverer enqueues a newer state while the older one is on the wire.
  class Racing final : public Deliverer {
   public:
    Outbox* outbox = nullptr;
    std::vector<std::string> sent;
    DeliveryResult Deliver(std::string_view, std::string_view payload) override {
      sent.emplace_back(payload);
      if (sent.size() == 1) {
        EXPECT_TRUE(outbox->Enqueue("am", "newer", "state").ok());
      }
      return DeliveryResult::Delivered(200);
    }
  } racing;
  auto outbox = Open(racing);
  ASSERT_TRUE(outbox);
  racing.outbox = outbox.get();
  ASSERT_TRUE(outbox->Enqueue("am", "older", "state").ok());
  EXPECT_EQ(outbox->DeliverDue(), 2);
  EXPECT_EQ(racing.sent, (std::vector<std::string>{"older", "newer"}));
  EXPECT_TRUE(Rows(*outbox, "pending").empty());
}

TEST_F(OutboxTest, UndeliveredForMaxAgeExpires) {
  options_.max_age_ms = 60000;
  auto outbox = Open(deliverer_);
  ASSERT_TRUE(outbox);
  deliverer_.Script("slack", std::vector<DeliveryResult>(20, Status503()));
  ASSERT_TRUE(outbox->Enqueue("slack", "late", "").ok());
  for (int i = 0; i < 8; ++i) {
    outbox->DeliverDue();
    clock_.Advance(16000);
  }
  EXPECT_TRUE(Rows(*outbox, "pending").empty());
  const auto failed = Rows(*outbox, "failed");
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_THAT(failed[0].last_error, HasSubstr("expired"));
  EXPECT_EQ(Metric(registry_, "modelwatch_notifications_failed_total",
                   {{"channel", "slack"}, {"reason", "expired"}}),
            1);
  // Failed rows are kept for the retention, then deleted.
  clock_.Advance(options_.failed_retention_ms + 1);
  outbox->DeliverDue();
  EXPECT_TRUE(Rows(*outbox, "failed").empty());
}

TEST_F(OutboxTest, PendingNotificationsSurviveARestart) {
  {
    auto outbox = Open(deliverer_);
    ASSERT_TRUE(outbox);
    deliverer_.Script("slack", {Status503()});
    ASSERT_TRUE(outbox->Enqueue("slack", "survives", "").ok());
    ASSERT_TRUE(outbox->Enqueue("pd", "also", "").ok());
    outbox->DeliverDue();  // pd delivered, slack failed once
  }
  prometheus::Registry fresh;  // a new process has a new registry
  options_.registry = &fresh;
  ScriptedDeliverer next;
  auto outbox = Open(next);
  ASSERT_TRUE(outbox);
  EXPECT_EQ(Metric(fresh, "modelwatch_notifications_queued", {{"channel", "slack"}}), 1);
  const auto pending = Rows(*outbox, "pending");
  ASSERT_EQ(pending.size(), 1u);
  EXPECT_EQ(pending[0].attempts, 1);  // the retry schedule survives too
  EXPECT_EQ(outbox->DeliverDue(), 0);
  clock_.Advance(1000);
  EXPECT_EQ(outbox->DeliverDue(), 1);
  ASSERT_EQ(next.attempts().size(), 1u);
  EXPECT_EQ(next.attempts()[0].payload, "survives");
}

TEST_F(OutboxTest, RejectsBadOptions) {
  options_.path = "";
  EXPECT_EQ(Outbox::Open(options_, clock_, deliverer_).error().code(),
            StatusCode::kInvalidArgument);
  options_.path = (dir_ / "missing-dir" / "outbox.db").string();
  EXPECT_EQ(Outbox::Open(options_, clock_, deliverer_).error().code(), StatusCode::kUnavailable);
}

// End to end over HTTP with the sender thread: the receiver answers 503, then 200; the
// notification arrives exactly once, also when the outbox is re-opened in between.
TEST_F(OutboxTest, SenderThreadDeliversToARealReceiverExactlyOnce) {
  testing::RecordingHttpServer receiver;
  receiver.Script({{503, "down", {}}});
  SystemClock clock;
  config::Config::AlertChannel slack;
  slack.name = "slack";
  slack.type = "slack";
  slack.url = receiver.url("/services/T/B/X");
  Channels channels({slack}, clock);
  options_.initial_backoff_ms = 50;
  options_.idle_wait_ms = 20;
  auto opened = Outbox::Open(options_, clock, channels);
  ASSERT_TRUE(opened.has_value());
  auto outbox = std::move(*opened);
  ASSERT_TRUE(outbox->Enqueue("slack", "{\"text\":\"[FIRING] X\"}", "").ok());
  outbox->Start();
  ASSERT_TRUE(receiver.WaitFor(2));
  for (int i = 0; i < 200 && !Rows(*outbox, "pending").empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));  // poll with a deadline
  }
  EXPECT_TRUE(Rows(*outbox, "pending").empty());
  outbox->Stop();
  outbox.reset();
  auto again = Outbox::Open(options_, clock, channels);
  ASSERT_TRUE(again.has_value());
  (*again)->Start();
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // would re-send if it were kept
  (*again)->Stop();
  const auto requests = receiver.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[1].target, "/services/T/B/X");
  EXPECT_EQ(requests[1].body, "{\"text\":\"[FIRING] X\"}");
}

}  // namespace
}  // namespace mw::alerting
