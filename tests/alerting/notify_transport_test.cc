// One delivery attempt against loopback receivers: what is sent, and how answers are judged.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "alerting/notify/transport.h"
#include "alerting/notify_test_listener.h"

namespace mw::alerting {
namespace {

using Outcome = DeliveryResult::Outcome;
using testing::FakeSmtpServer;
using ::testing::HasSubstr;
using testing::RecordingHttpServer;
using testing::ScriptedResponse;

constexpr int64_t kNow = 1735725600000;  // 2025-01-01T10:00:00Z

DeliveryResult Post(RecordingHttpServer& server, const std::string& body = "{\"a\":1}") {
  HttpPost post;
  post.url = server.url("/hook/T0/B1");
  post.body = body;
  post.headers = {"X-Test: yes"};
  post.timeout_ms = 5000;
  return PostJson(post, kNow);
}

TEST(PostJsonTest, PostsTheBodyAsJsonToTheUrl) {
  RecordingHttpServer server;
  const DeliveryResult r = Post(server, "{\"text\":\"hi\"}");
  EXPECT_EQ(r.outcome, Outcome::kDelivered);
  EXPECT_EQ(r.status, 200);
  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].method, "POST");
  EXPECT_EQ(requests[0].target, "/hook/T0/B1");
  EXPECT_EQ(requests[0].headers.at("content-type"), "application/json");
  EXPECT_EQ(requests[0].headers.at("x-test"), "yes");
  EXPECT_EQ(requests[0].headers.at("user-agent"), "modelwatch");
  EXPECT_FALSE(requests[0].headers.contains("expect"));
  EXPECT_EQ(requests[0].body, "{\"text\":\"hi\"}");
}

TEST(PostJsonTest, JudgesAnswers) {
  RecordingHttpServer server;
  struct Case {
    ScriptedResponse response;
    Outcome outcome;
    std::string reason;
    int64_t retry_after_ms;
  };
  for (const Case& c : std::vector<Case>{
           {{202, "{\"status\":\"success\"}", {}}, Outcome::kDelivered, "ok", -1},
           {{503, "down", {}}, Outcome::kRetry, "http_503", -1},
           {{500, "", {}}, Outcome::kRetry, "http_500", -1},
           {{408, "", {}}, Outcome::kRetry, "http_408", -1},
           {{429, "slow down", {{"Retry-After", "7"}}}, Outcome::kRetry, "http_429", 7000},
           {{429, "", {{"Retry-After", "Wed, 01 Jan 2025 10:01:00 GMT"}}},
            Outcome::kRetry,
            "http_429",
            60000},
           {{400, "invalid_payload", {}}, Outcome::kPermanent, "http_400", -1},
           {{404, "channel_not_found", {}}, Outcome::kPermanent, "http_404", -1},
           {{410, "channel_is_archived", {}}, Outcome::kPermanent, "http_410", -1},
       }) {
    server.Script({c.response});
    const DeliveryResult r = Post(server);
    EXPECT_EQ(r.outcome, c.outcome) << c.response.status;
    EXPECT_EQ(r.reason, c.reason) << c.response.status;
    EXPECT_EQ(r.status, c.response.status);
    EXPECT_EQ(r.retry_after_ms, c.retry_after_ms) << c.response.status;
    if (!c.response.body.empty() && r.outcome != Outcome::kDelivered) {
      EXPECT_THAT(r.detail, HasSubstr(c.response.body));
    }
  }
}

TEST(PostJsonTest, DoesNotFollowRedirects) {
  RecordingHttpServer server, elsewhere;
  server.Script({{302, "", {{"Location", elsewhere.url("/stolen")}}}});
  const DeliveryResult r = Post(server);
  EXPECT_EQ(r.outcome, Outcome::kPermanent);
  EXPECT_EQ(r.reason, "http_302");
  EXPECT_EQ(elsewhere.count(), 0u);
}

TEST(PostJsonTest, UnreachableReceiverIsRetried) {
  uint16_t port = 0;
  {
    RecordingHttpServer closed;  // a port that was just free; nothing listens there now
    port = closed.port();
  }
  HttpPost post;
  post.url = "http://127.0.0.1:" + std::to_string(port) + "/";
  post.timeout_ms = 2000;
  const DeliveryResult r = PostJson(post, kNow);
  EXPECT_EQ(r.outcome, Outcome::kRetry);
  EXPECT_EQ(r.reason, "network");
  EXPECT_FALSE(r.detail.empty());
}

TEST(PostJsonTest, OtherSchemesAreRefused) {
  HttpPost post;
  post.url = "file:///etc/passwd";
  EXPECT_EQ(PostJson(post, kNow).outcome, Outcome::kPermanent);
}

TEST(RetryAfterTest, SecondsOrHttpDate) {
  EXPECT_EQ(ParseRetryAfter("120", kNow), 120000);
  EXPECT_EQ(ParseRetryAfter("0", kNow), 0);
  EXPECT_EQ(ParseRetryAfter("Wed, 01 Jan 2025 10:00:30 GMT", kNow), 30000);
  EXPECT_EQ(ParseRetryAfter("Wed, 01 Jan 2025 09:00:00 GMT", kNow), 0);  // in the past
  EXPECT_FALSE(ParseRetryAfter("", kNow));
  EXPECT_FALSE(ParseRetryAfter("-5", kNow));
  EXPECT_FALSE(ParseRetryAfter("1.5", kNow));
  EXPECT_FALSE(ParseRetryAfter("Wed, 32 Jan 2025 10:00:30 GMT", kNow));
  EXPECT_FALSE(ParseRetryAfter("tomorrow", kNow));
}

SmtpMessage Mail(const FakeSmtpServer& server) {
  SmtpMessage m;
  m.url = server.url();
  m.from = "mw@example.com";
  m.to = {"a@example.com", "b@example.com"};
  m.message =
      "From: mw@example.com\r\nTo: a@example.com\r\nSubject: [FIRING] X\r\n\r\nbody\r\n.dot "
      "line\r\n";
  m.timeout_ms = 5000;
  return m;
}

TEST(SendMailTest, SpeaksSmtpToTheServer) {
  FakeSmtpServer server;
  SmtpMessage m = Mail(server);
  m.username = "mw";
  m.password = "secret";
  const DeliveryResult r = SendMail(m);
  ASSERT_EQ(r.outcome, Outcome::kDelivered) << r.detail;
  const auto sessions = server.sessions();
  ASSERT_EQ(sessions.size(), 1u);
  EXPECT_EQ(sessions[0].mail_from, "<mw@example.com>");
  EXPECT_EQ(sessions[0].rcpt_to, (std::vector<std::string>{"<a@example.com>", "<b@example.com>"}));
  EXPECT_EQ(sessions[0].data, m.message);                      // dot-stuffing undone by the server
  EXPECT_EQ(sessions[0].auth, "AUTH PLAIN AG13AHNlY3JldA==");  // base64("\0mw\0secret")
}

TEST(SendMailTest, RejectedRecipientIsPermanentTemporaryFailureRetries) {
  {
    FakeSmtpServer server("550 5.1.1 no such user");
    const DeliveryResult r = SendMail(Mail(server));
    EXPECT_EQ(r.outcome, Outcome::kPermanent);
    EXPECT_EQ(r.reason, "smtp_550");
  }
  {
    FakeSmtpServer server("451 4.3.0 try again later");
    const DeliveryResult r = SendMail(Mail(server));
    EXPECT_EQ(r.outcome, Outcome::kRetry);
    EXPECT_EQ(r.reason, "smtp_451");
  }
}

}  // namespace
}  // namespace mw::alerting
