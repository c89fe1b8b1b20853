#include "simulate/http_sender.h"

#include <gtest/gtest.h>

#include <atomic>

#include "testing/loopback_server.h"

namespace mw::simulate {
namespace {

using mw::testing::LoopbackServer;

// Records the waits instead of sleeping.
struct RecordedSleeps {
  std::vector<int64_t> waits;
  std::function<void(int64_t)> Fn() {
    return [this](int64_t ms) { waits.push_back(ms); };
  }
};

std::unique_ptr<HttpSender> MakeSender(const LoopbackServer& server, RecordedSleeps& sleeps,
                                       std::string token = "") {
  SenderOptions o;
  o.target = server.url() + "/";
  o.token = std::move(token);
  o.max_retries = 3;
  o.initial_backoff_ms = 100;
  o.max_backoff_ms = 250;
  o.sleep = sleeps.Fn();
  auto sender = HttpSender::Create(std::move(o));
  EXPECT_TRUE(sender.has_value());
  return std::move(*sender);
}

TEST(HttpSenderTest, SendsTheExactRequestWithBearerToken) {
  LoopbackServer server([](const LoopbackServer::Received&) {
    return LoopbackServer::Reply{202, R"({"accepted":1})", {{"Content-Type", "application/json"}}};
  });
  RecordedSleeps sleeps;
  auto sender = MakeSender(server, sleeps, "s3cret");
  const std::string body =
      std::string(R"({"events":[{"id":"a","model":"m","prediction":1}],"pad":")") +
      std::string(3000, 'x') + "\"}";
  auto reply = sender->Send({"POST", "/v1/predictions", "application/json", body});
  ASSERT_TRUE(reply.has_value()) << reply.error().message();
  EXPECT_EQ(reply->status, 202);
  EXPECT_EQ(reply->body, R"({"accepted":1})");
  EXPECT_EQ(reply->content_type, "application/json");

  const auto got = server.requests();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].request_line, "POST /v1/predictions HTTP/1.1");
  EXPECT_EQ(got[0].headers.at("authorization"), "Bearer s3cret");
  EXPECT_EQ(got[0].headers.at("content-type"), "application/json");
  EXPECT_EQ(got[0].headers.at("host"), "127.0.0.1:" + std::to_string(server.port()));
  // A body over 1 KiB is sent at once, without waiting for "100 Continue".
  EXPECT_EQ(got[0].headers.count("expect"), 0u);
  EXPECT_EQ(got[0].body, body);
  EXPECT_EQ(sender->requests(), 1);
  EXPECT_EQ(sender->retries(), 0);
  EXPECT_TRUE(sleeps.waits.empty());
}

TEST(HttpSenderTest, SendsNoAuthorizationWithoutToken) {
  LoopbackServer server([](const auto&) { return LoopbackServer::Reply{200, "{}", {}}; });
  RecordedSleeps sleeps;
  auto sender = MakeSender(server, sleeps);
  ASSERT_TRUE(sender->Send({"GET", "/health", "", ""}).has_value());
  const auto got = server.requests();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].request_line, "GET /health HTTP/1.1");
  EXPECT_EQ(got[0].headers.count("authorization"), 0u);
  EXPECT_EQ(got[0].headers.count("content-type"), 0u);
}

TEST(HttpSenderTest, PutUsesTheMethodAndKeepsTheConnection) {
  LoopbackServer server([](const auto&) { return LoopbackServer::Reply{201, "{}", {}}; });
  RecordedSleeps sleeps;
  auto sender = MakeSender(server, sleeps);
  for (int i = 0; i < 3; ++i) {
    auto reply = sender->Send({"PUT", "/v1/models/m" + std::to_string(i), "application/json",
                               R"({"task":"regression"})"});
    ASSERT_TRUE(reply.has_value());
    EXPECT_EQ(reply->status, 201);
  }
  const auto got = server.requests();
  ASSERT_EQ(got.size(), 3u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(got[i].request_line, "PUT /v1/models/m" + std::to_string(i) + " HTTP/1.1");
    EXPECT_EQ(got[i].body, R"({"task":"regression"})");
    EXPECT_EQ(got[i].connection, 1) << "request " << i << " opened a new connection";
  }
  EXPECT_EQ(server.connections(), 1);
}

TEST(HttpSenderTest, RetriesA503WithTheSameBodyThenSucceeds) {
  std::atomic<int> calls{0};
  LoopbackServer server([&calls](const auto&) {
    return ++calls <= 2 ? LoopbackServer::Reply{503, "busy", {}}
                        : LoopbackServer::Reply{202, R"({"accepted":2})", {}};
  });
  RecordedSleeps sleeps;
  auto sender = MakeSender(server, sleeps);
  const std::string body = R"({"events":[{"id":"sim-1"},{"id":"sim-2"}]})";
  auto reply = sender->Send({"POST", "/v1/predictions", "application/json", body});
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->status, 202);
  const auto got = server.requests();
  ASSERT_EQ(got.size(), 3u);
  for (const auto& r : got) EXPECT_EQ(r.body, body);  // same ids on every attempt
  EXPECT_EQ(sleeps.waits, (std::vector<int64_t>{100, 200}));
  EXPECT_EQ(sender->requests(), 3);
  EXPECT_EQ(sender->retries(), 2);
}

TEST(HttpSenderTest, BackoffIsCappedAndRetriesEnd) {
  LoopbackServer server([](const auto&) { return LoopbackServer::Reply{500, "boom", {}}; });
  RecordedSleeps sleeps;
  auto sender = MakeSender(server, sleeps);
  auto reply = sender->Send({"POST", "/v1/actuals", "application/json", "{}"});
  ASSERT_TRUE(reply.has_value());  // the final reply is returned for the caller to judge
  EXPECT_EQ(reply->status, 500);
  EXPECT_EQ(reply->body, "boom");
  EXPECT_EQ(server.requests().size(), 4u);  // 1 + max_retries
  EXPECT_EQ(sleeps.waits, (std::vector<int64_t>{100, 200, 250}));
}

TEST(HttpSenderTest, A429WaitsForRetryAfter) {
  std::atomic<int> calls{0};
  LoopbackServer server([&calls](const auto&) {
    return ++calls == 1 ? LoopbackServer::Reply{429, "", {{"Retry-After", "2"}}}
                        : LoopbackServer::Reply{202, "{}", {}};
  });
  RecordedSleeps sleeps;
  auto sender = MakeSender(server, sleeps);
  auto reply = sender->Send({"POST", "/v1/predictions", "application/json", "{}"});
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->status, 202);
  EXPECT_EQ(sleeps.waits, (std::vector<int64_t>{2000}));
}

TEST(HttpSenderTest, A422IsReturnedWithoutRetry) {
  const std::string problem =
      R"({"type":"about:blank","title":"Invalid request body","status":422})";
  LoopbackServer server([&problem](const auto&) {
    return LoopbackServer::Reply{422, problem, {{"Content-Type", "application/problem+json"}}};
  });
  RecordedSleeps sleeps;
  auto sender = MakeSender(server, sleeps);
  auto reply = sender->Send({"POST", "/v1/predictions", "application/json", "{}"});
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->status, 422);
  EXPECT_EQ(reply->body, problem);
  EXPECT_EQ(reply->content_type, "application/problem+json");
  EXPECT_EQ(server.requests().size(), 1u);
  EXPECT_TRUE(sleeps.waits.empty());
}

TEST(HttpSenderTest, RetriesAHangUpOnAFreshConnection) {
  std::atomic<int> calls{0};
  LoopbackServer server([&calls](const auto&) {
    return ++calls == 1 ? LoopbackServer::Reply{0, "", {}} : LoopbackServer::Reply{202, "{}", {}};
  });
  RecordedSleeps sleeps;
  auto sender = MakeSender(server, sleeps);
  auto reply = sender->Send({"POST", "/v1/predictions", "application/json", R"({"id":"x"})"});
  ASSERT_TRUE(reply.has_value()) << reply.error().message();
  EXPECT_EQ(reply->status, 202);
  const auto got = server.requests();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[1].body, R"({"id":"x"})");
  EXPECT_EQ(got[1].connection, 2);
  EXPECT_EQ(sender->retries(), 1);
}

TEST(HttpSenderTest, NoServerIsUnavailableAfterRetries) {
  uint16_t port;
  {
    LoopbackServer closed([](const auto&) { return LoopbackServer::Reply{}; });
    port = closed.port();
  }  // nothing listens there any more
  RecordedSleeps sleeps;
  SenderOptions o;
  o.target = "http://127.0.0.1:" + std::to_string(port);
  o.max_retries = 2;
  o.initial_backoff_ms = 10;
  o.sleep = sleeps.Fn();
  auto sender = HttpSender::Create(o);
  ASSERT_TRUE(sender.has_value());
  auto reply = (*sender)->Send({"POST", "/v1/predictions", "application/json", "{}"});
  ASSERT_FALSE(reply.has_value());
  EXPECT_EQ(reply.error().code(), StatusCode::kUnavailable);
  EXPECT_NE(reply.error().message().find(o.target + "/v1/predictions"), std::string::npos)
      << reply.error().message();
  EXPECT_EQ((*sender)->requests(), 3);
  EXPECT_EQ(sleeps.waits, (std::vector<int64_t>{10, 20}));
}

TEST(HttpSenderTest, RejectsATargetThatIsNotHttp) {
  for (const char* bad : {"127.0.0.1:8000", "ftp://host", "", "http://a b"}) {
    SenderOptions o;
    o.target = bad;
    auto sender = HttpSender::Create(o);
    ASSERT_FALSE(sender.has_value()) << bad;
    EXPECT_EQ(sender.error().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(sender.error().message().rfind("--target: ", 0), 0u) << sender.error().message();
  }
}

}  // namespace
}  // namespace mw::simulate
