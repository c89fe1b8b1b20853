// http::Client against a loopback server: what goes on the wire, what comes back, and how a
// transfer without an answer is reported.
#include "http/client.h"

#include <gtest/gtest.h>

#include <string>

#include "testing/loopback_server.h"

namespace mw::http {
namespace {

using mw::testing::LoopbackServer;

std::unique_ptr<Client> MakeClient() {
  auto client = Client::Create();
  EXPECT_TRUE(client.has_value());
  return std::move(*client);
}

TEST(ClientTest, PostsTheBodyWithTheGivenHeadersOnly) {
  LoopbackServer server([](const LoopbackServer::Received&) {
    return LoopbackServer::Reply{201, R"({"ok":true})", {{"Content-Type", "application/json"}}};
  });
  auto client = MakeClient();
  ClientRequest request;
  request.method = "POST";
  request.url = server.url() + "/hook?x=1";
  request.headers = {"User-Agent: test-agent", "Content-Type: application/json",
                     "Expect:", "X-Extra: yes"};
  request.body = std::string(2000, 'b');  // over 1 KiB: sent at once with "Expect:"
  const ClientResponse response = client->Send(request);
  ASSERT_TRUE(response.answered()) << response.error_detail;
  EXPECT_EQ(response.status, 201);
  EXPECT_EQ(response.body, R"({"ok":true})");
  EXPECT_EQ(response.content_type, "application/json");
  EXPECT_EQ(response.retry_after, "");

  const auto got = server.requests();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].request_line, "POST /hook?x=1 HTTP/1.1");
  EXPECT_EQ(got[0].headers.at("user-agent"), "test-agent");
  EXPECT_EQ(got[0].headers.at("content-type"), "application/json");
  EXPECT_EQ(got[0].headers.at("x-extra"), "yes");
  EXPECT_EQ(got[0].headers.count("expect"), 0u);
  EXPECT_EQ(got[0].body, request.body);
}

TEST(ClientTest, GetSendsNoBodyAndOtherMethodsUseTheirName) {
  LoopbackServer server([](const auto&) { return LoopbackServer::Reply{200, "{}", {}}; });
  auto client = MakeClient();
  ClientRequest get;
  get.url = server.url() + "/a";
  get.body = "ignored";
  EXPECT_EQ(client->Send(get).status, 200);
  ClientRequest put;
  put.method = "PUT";
  put.url = server.url() + "/b";
  put.body = "x";
  EXPECT_EQ(client->Send(put).status, 200);

  const auto got = server.requests();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].request_line, "GET /a HTTP/1.1");
  EXPECT_EQ(got[0].body, "");
  EXPECT_EQ(got[1].request_line, "PUT /b HTTP/1.1");
  EXPECT_EQ(got[1].body, "x");
  // One handle: the second request reused the keep-alive connection.
  EXPECT_EQ(got[1].connection, got[0].connection);
}

TEST(ClientTest, AnyStatusIsAnAnswerAndRetryAfterIsKept) {
  LoopbackServer server([](const auto&) {
    return LoopbackServer::Reply{503, "busy", {{"Retry-After", "  120 "}}};
  });
  auto client = MakeClient();
  ClientRequest request;
  request.url = server.url() + "/";
  const ClientResponse response = client->Send(request);
  ASSERT_TRUE(response.answered());
  EXPECT_EQ(response.status, 503);
  EXPECT_EQ(response.body, "busy");
  EXPECT_EQ(response.retry_after, "120");
}

TEST(ClientTest, RedirectsAreNotFollowed) {
  LoopbackServer server([](const auto&) {
    return LoopbackServer::Reply{302, "", {{"Location", "http://127.0.0.1:1/elsewhere"}}};
  });
  auto client = MakeClient();
  ClientRequest request;
  request.url = server.url() + "/";
  const ClientResponse response = client->Send(request);
  EXPECT_EQ(response.status, 302);
  EXPECT_EQ(server.requests().size(), 1u);
}

TEST(ClientTest, TheBodyIsCutAtMaxBodyBytes) {
  LoopbackServer server([](const auto&) {
    return LoopbackServer::Reply{200, std::string(10000, 'z'), {}};
  });
  auto client = MakeClient();
  ClientRequest request;
  request.url = server.url() + "/";
  request.max_body_bytes = 100;
  const ClientResponse response = client->Send(request);
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, std::string(100, 'z'));
}

TEST(ClientTest, AHangUpIsANetworkErrorWithoutStatus) {
  LoopbackServer server([](const auto&) { return LoopbackServer::Reply{0, "", {}}; });
  auto client = MakeClient();
  ClientRequest request;
  request.url = server.url() + "/";
  const ClientResponse response = client->Send(request);
  EXPECT_FALSE(response.answered());
  EXPECT_EQ(response.error, TransferError::kNetwork);
  EXPECT_EQ(response.status, 0);
  EXPECT_FALSE(response.error_summary.empty());
  EXPECT_FALSE(response.error_detail.empty());
}

TEST(ClientTest, OtherSchemesAreRefused) {
  auto client = MakeClient();
  ClientRequest request;
  request.url = "file:///etc/passwd";
  const ClientResponse response = client->Send(request);
  EXPECT_EQ(response.error, TransferError::kInvalidUrl);
  EXPECT_EQ(response.body, "");
}

TEST(UrlEscape, KeepsUnreservedAndEncodesTheRest) {
  EXPECT_EQ(UrlEscape("AZaz09-._~"), "AZaz09-._~");
  EXPECT_EQ(UrlEscape("a b/c?d&e=f"), "a%20b%2Fc%3Fd%26e%3Df");
  EXPECT_EQ(UrlEscape("caf\xc3\xa9"), "caf%C3%A9");
  EXPECT_EQ(UrlEscape(""), "");
}

}  // namespace
}  // namespace mw::http
