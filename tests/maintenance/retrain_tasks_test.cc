// check-drift-and-retrain and retrain-all over a real store: which (model, segment)s are
// triggered, the command's environment, failures and timeouts recorded, the webhook's exact body,
// the cooldown and dry runs.
#include "maintenance/retrain_tasks.h"

#include <gtest/gtest.h>

#include <chrono>
#include <nlohmann/json.hpp>

#include "common/time_format.h"
#include "maintenance/model_fixture.h"
#include "profile/reference_builder.h"
#include "profile/serialize.h"
#include "testing/loopback_server.h"

namespace mw::maintenance::testing {
namespace {

class RetrainTasksTest : public ModelTaskTest {
 protected:
  void SetUp() override {
    ModelTaskTest::SetUp();
    Register("demand", "r1", "v1");
    Register("demand", "r2", "v7");
    Traffic("demand", "r1", 200, 3.0);  // mae ~3 against 1 in training: drifted
    Traffic("demand", "r2", 200, 1.0);  // as in training
  }

  CheckDriftOptions Options(std::string command, std::string webhook = "") {
    CheckDriftOptions o;
    o.target.command = std::move(command);
    o.target.webhook_url = std::move(webhook);
    o.target.cooldown_ms = 2 * kHour;
    o.target.timeout_ms = 10'000;
    return o;
  }
};

TEST_F(RetrainTasksTest, RefusedWithoutACommandOrWebhook) {
  CheckDriftAndRetrainTask task(*store_, *service_, Options(""));
  auto ctx = Context();
  auto r = task.Run(ctx);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(r.error().message().find("maintenance.retrain.command"), std::string::npos);
  RetrainAllTask all(*store_, Options("").target);
  EXPECT_EQ(all.Run(ctx).error().code(), StatusCode::kFailedPrecondition);
  EXPECT_TRUE(Requests().empty());
}

TEST_F(RetrainTasksTest, TriggersTheDriftedSegmentWithItsEnvironmentAndHonoursTheCooldown) {
  const std::string out = Path("env.txt");
  CheckDriftAndRetrainTask task(
      *store_, *service_,
      Options("printf '%s|%s|%s|%s|%s' \"$MODEL\" \"$SEGMENT\" \"$VERSION\" "
              "\"$RETRAIN_REQUEST_ID\" \"$REASON\" >> " +
              out + "; echo done"));
  auto ctx = Context();
  auto first = task.Run(ctx);
  ASSERT_TRUE(first.has_value()) << first.error().ToString();
  EXPECT_EQ(first->items, 1);
  auto requests = Requests();
  ASSERT_EQ(requests.size(), 1u);
  const store::RetrainRequest& r = requests[0];
  EXPECT_EQ(r.model, "demand");
  EXPECT_EQ(r.segment, "r1");
  EXPECT_EQ(r.version, "v1");
  EXPECT_EQ(r.task, "check-drift-and-retrain");
  EXPECT_EQ(r.status, "succeeded");
  EXPECT_EQ(r.outcome, "exit 0");
  EXPECT_EQ(r.requested_at_ms, kNow);
  EXPECT_EQ(r.reason.rfind("performance drift: mae +", 0), 0u) << r.reason;
  EXPECT_EQ(ReadFile(out), "demand|r1|v1|" + std::to_string(r.id) + "|" + r.reason);

  // Within the cooldown: nothing runs, nothing is recorded.
  clock_.Advance(kHour);
  auto second = task.Run(ctx);
  ASSERT_TRUE(second.has_value()) << second.error().ToString();
  EXPECT_EQ(second->items, 0);
  EXPECT_NE(second->message.find("1 skipped (cooldown)"), std::string::npos) << second->message;
  EXPECT_EQ(Requests().size(), 1u);
  EXPECT_EQ(ReadFile(out), "demand|r1|v1|" + std::to_string(r.id) + "|" + r.reason);

  // After it: triggered again.
  clock_.Advance(kHour + 1);
  auto third = task.Run(ctx);
  ASSERT_TRUE(third.has_value()) << third.error().ToString();
  EXPECT_EQ(third->items, 1);
  requests = Requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].requested_at_ms, kNow + 2 * kHour + 1);
}

TEST_F(RetrainTasksTest, DataDriftAloneTriggersToo) {
  // r2 performs as in training, but its reference saw x in 50..56 where traffic has 0..6.
  std::string csv = "x,prediction,actual\n";
  for (int i = 0; i < 300; ++i) {
    csv += std::to_string(50 + i % 7) + "," + std::to_string(10 + i % 5) + "," +
           std::to_string(10 + i % 5) + "\n";
  }
  auto profile = profile::BuildProfileFromCsv(csv);
  ASSERT_TRUE(profile.has_value()) << profile.error().ToString();
  store::ReferenceProfileRecord record;
  record.model = "demand";
  record.version = "v7";
  record.segment = "r2";
  record.rows = 300;
  record.profile = profile::SerializeProfile(*profile);
  ASSERT_TRUE(store_->PutReferenceProfile(record).ok());

  CheckDriftAndRetrainTask task(*store_, *service_, Options("true"));
  auto ctx = Context();
  auto r = task.Run(ctx);
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(r->items, 2);
  auto requests = Requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].segment, "r2");
  EXPECT_EQ(requests[0].version, "v7");
  EXPECT_EQ(requests[0].reason.rfind("data drift: ", 0), 0u) << requests[0].reason;
  EXPECT_NE(requests[0].reason.find("features drifted"), std::string::npos) << requests[0].reason;
  EXPECT_EQ(requests[1].segment, "r1");
}

TEST_F(RetrainTasksTest, DryRunRecordsAndRunsNothing) {
  const std::string out = Path("ran.txt");
  CheckDriftAndRetrainTask task(*store_, *service_, Options("touch " + out));
  auto ctx = Context(/*dry_run=*/true);
  auto r = task.Run(ctx);
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(r->items, 1);
  EXPECT_NE(r->message.find("would trigger 1"), std::string::npos) << r->message;
  EXPECT_TRUE(Requests().empty());
  EXPECT_FALSE(std::filesystem::exists(out));
}

TEST_F(RetrainTasksTest, CommandFailureIsRecordedWithItsLastErrorLine) {
  CheckDriftAndRetrainTask task(*store_, *service_,
                                Options("echo starting; echo 'first' >&2; echo 'no GPU left' >&2; "
                                        "exit 3"));
  auto ctx = Context();
  auto r = task.Run(ctx);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), StatusCode::kInternal);
  EXPECT_NE(r.error().message().find("demand/r1 (exit 3: no GPU left)"), std::string::npos)
      << r.error().message();
  auto requests = Requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].status, "failed");
  EXPECT_EQ(requests[0].outcome, "exit 3: no GPU left");
  EXPECT_TRUE(requests[0].finished_at_ms.has_value());
}

TEST_F(RetrainTasksTest, TimeoutKillsTheProcessGroupAndIsRecorded) {
  const std::string late = Path("late.txt");
  CheckDriftOptions o = Options("(sleep 3; touch " + late + ") & sleep 3");
  o.target.timeout_ms = 300;
  CheckDriftAndRetrainTask task(*store_, *service_, o);
  auto ctx = Context();
  const auto start = std::chrono::steady_clock::now();
  auto r = task.Run(ctx);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
  ASSERT_FALSE(r.has_value());
  auto requests = Requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].status, "failed");
  EXPECT_EQ(requests[0].outcome, "timed out after 0.3 s");
  // The background child was in the group: it never gets to write.
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_FALSE(std::filesystem::exists(late));
}

TEST_F(RetrainTasksTest, ABackgroundProcessLeftRunningDoesNotHoldTheRequest) {
  CheckDriftOptions o = Options("sleep 3 & echo started");
  o.target.timeout_ms = 1500;
  CheckDriftAndRetrainTask task(*store_, *service_, o);
  auto ctx = Context();
  const auto start = std::chrono::steady_clock::now();
  auto r = task.Run(ctx);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(1400));
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  auto requests = Requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].outcome, "exit 0");
}

TEST_F(RetrainTasksTest, WebhookGetsTheExactJsonAndItsStatusDecides) {
  std::vector<mw::testing::LoopbackServer::Received> seen;
  std::mutex mu;
  int status = 202;
  mw::testing::LoopbackServer server([&](const mw::testing::LoopbackServer::Received& r) {
    std::lock_guard lock(mu);
    seen.push_back(r);
    return mw::testing::LoopbackServer::Reply{status, "{}", {}};
  });
  const std::string url = "http://127.0.0.1:" + std::to_string(server.port()) + "/retrain";
  CheckDriftAndRetrainTask task(*store_, *service_, Options("", url));
  auto ctx = Context();
  auto r = task.Run(ctx);
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  auto requests = Requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].status, "succeeded");
  EXPECT_EQ(requests[0].outcome, "HTTP 202");
  {
    std::lock_guard lock(mu);
    ASSERT_EQ(seen.size(), 1u);
    EXPECT_EQ(seen[0].method, "POST");
    EXPECT_EQ(seen[0].target, "/retrain");
    EXPECT_EQ(seen[0].headers["content-type"], "application/json");
    const std::string expected = R"({"model":"demand","segment":"r1","version":"v1","reason":)" +
                                 nlohmann::json(requests[0].reason).dump() +
                                 R"(,"requested_at":")" + FormatRfc3339Millis(kNow) +
                                 R"(","request_id":)" + std::to_string(requests[0].id) + "}";
    EXPECT_EQ(seen[0].body, expected);
  }

  status = 500;
  clock_.Advance(3 * kHour);
  auto failed = task.Run(ctx);
  ASSERT_FALSE(failed.has_value());
  requests = Requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].status, "failed");
  EXPECT_EQ(requests[0].outcome, "HTTP 500");
}

TEST_F(RetrainTasksTest, RetrainAllTriggersEverySegmentOnceWithinTheCooldown) {
  Register("churn", "", "2024-01-05");
  const std::string out = Path("all.txt");
  RetrainAllTask task(*store_,
                      Options("echo \"$MODEL/$SEGMENT/$VERSION:$REASON\" >> " + out).target);
  auto ctx = Context();
  auto r = task.Run(ctx);
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(r->items, 3);
  EXPECT_EQ(ReadFile(out),
            "churn//2024-01-05:scheduled full retraining\n"
            "demand/r1/v1:scheduled full retraining\n"
            "demand/r2/v7:scheduled full retraining\n");
  for (const auto& req : Requests()) EXPECT_EQ(req.task, "retrain-all");
  clock_.Advance(kHour);
  auto again = task.Run(ctx);
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->items, 0);
  EXPECT_EQ(Requests().size(), 3u);
}

}  // namespace
}  // namespace mw::maintenance::testing
