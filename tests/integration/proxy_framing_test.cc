// Request smuggling and hop-by-hop headers on the proxy listener, with raw bytes: what the proxy
// refuses never reaches the upstream, what it accepts reaches it as exactly one request with the
// proxy's own framing, and hop-by-hop fields cross in neither direction.
#include <gtest/gtest.h>

#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "integration/harness.h"
#include "integration/raw_connection.h"

namespace mw::testing {
namespace {

using json = nlohmann::json;

class ProxyFramingTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    svc_ = new PredictionService();
    ASSERT_TRUE(svc_->Start()) << svc_->output();
    mw_ = new ModelwatchProcess(ServerOptions{
        {"--set", "proxy.upstream=" + svc_->url(), "--set", "proxy.listen=127.0.0.1:0", "--set",
         "proxy.openapi_path=", "--set", "proxy.health_path="},
        {},
        ""});
    ASSERT_TRUE(mw_->Start()) << mw_->output();
  }
  static void TearDownTestSuite() {
    delete mw_;
    delete svc_;
  }
  void SetUp() override { ASSERT_TRUE(svc_->Reset()); }

  // The requests the upstream received since SetUp.
  static json Received() { return json::parse(svc_->Client().Get("/_test/requests").body); }
  static bool HasHeader(const json& request, const std::string& name) {
    for (const auto& h : request["headers"]) {
      if (h[0] == name) return true;
    }
    return false;
  }

  // Sends `bytes` on a fresh connection and reads one answer.
  static RawResponse Exchange(const std::string& bytes) {
    RawConnection raw(mw_->proxy_port());
    raw.Write(bytes);
    return raw.Read();
  }

  static PredictionService* svc_;
  static ModelwatchProcess* mw_;
};
PredictionService* ProxyFramingTest::svc_ = nullptr;
ModelwatchProcess* ProxyFramingTest::mw_ = nullptr;

TEST_F(ProxyFramingTest, RefusedFramingNeverReachesTheUpstream) {
  struct Case {
    const char* name;
    std::string bytes;
    const char* status;
  };
  const std::vector<Case> cases = {
      {"CL.TE",
       "POST /predict/1 HTTP/1.1\r\nHost: x\r\nContent-Length: 6\r\nTransfer-Encoding: "
       "chunked\r\n\r\n0\r\n\r\nG",
       "400"},
      {"TE chunked, identity",
       "POST /predict/1 HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, "
       "identity\r\n\r\n0\r\n\r\n",
       "501"},
      {"TE xchunked",
       "POST /predict/1 HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: xchunked\r\n\r\n0\r\n\r\n",
       "501"},
      {"two Content-Lengths",
       "POST /predict/1 HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}x",
       "400"},
      {"space before colon", "POST /predict/1 HTTP/1.1\r\nHost: x\r\nContent-Length : 2\r\n\r\n{}",
       "400"},
      {"obs-fold", "GET /health HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n  folded\r\n\r\n", "400"},
      {"absolute-form", "GET http://evil.example/health HTTP/1.1\r\nHost: x\r\n\r\n", "400"},
      {"no Host", "GET /health HTTP/1.1\r\n\r\n", "400"},
  };
  for (const auto& c : cases) {
    const RawResponse r = Exchange(c.bytes);
    EXPECT_EQ(r.status_line.substr(9, 3), c.status) << c.name << ": " << r.status_line;
  }
  EXPECT_TRUE(Received().empty()) << Received().dump();
}

TEST_F(ProxyFramingTest, AChunkedBodyThatSpellsARequestIsDeliveredAsBody) {
  // The chunk's data is a whole request; only a proxy that forwarded the client's framing
  // differently from how it read it would let the upstream see it as a second request.
  const std::string inner = "GET /health HTTP/1.1\r\nHost: x\r\n\r\n";
  char size[16];
  std::snprintf(size, sizeof size, "%zx", inner.size());
  const RawResponse r = Exchange(
      "POST /predict/1 HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Transfer-Encoding: chunked\r\n\r\n" +
      std::string(size) + "\r\n" + inner + "\r\n0\r\n\r\n");
  EXPECT_FALSE(r.status_line.empty());  // the upstream's answer to a body that is not JSON
  const json seen = Received();
  ASSERT_EQ(seen.size(), 1u) << seen.dump();
  EXPECT_EQ(seen[0]["target"], "/predict/1");
  const bool has_te = HasHeader(seen[0], "transfer-encoding");
  const bool has_cl = HasHeader(seen[0], "content-length");
  EXPECT_NE(has_te, has_cl) << "exactly one framing header upstream: " << seen[0].dump();
}

TEST_F(ProxyFramingTest, HopByHopHeadersCrossInNeitherDirection) {
  const RawResponse r = Exchange(
      "GET /health HTTP/1.1\r\nHost: x\r\nConnection: keep-alive, X-Secret\r\nX-Secret: s\r\n"
      "Keep-Alive: timeout=5\r\nTE: trailers\r\nUpgrade: websocket\r\nProxy-Connection: "
      "keep-alive\r\nX-Kept: yes\r\n\r\n");
  EXPECT_EQ(r.status_line.substr(9, 3), "200") << r.status_line;
  const json seen = Received();
  ASSERT_EQ(seen.size(), 1u);
  for (const char* name : {"x-secret", "keep-alive", "te", "upgrade", "proxy-connection"}) {
    EXPECT_FALSE(HasHeader(seen[0], name)) << name << " reached the upstream";
  }
  EXPECT_TRUE(HasHeader(seen[0], "x-kept"));
  EXPECT_TRUE(HasHeader(seen[0], "x-forwarded-for"));
  EXPECT_TRUE(HasHeader(seen[0], "x-request-id"));
  for (const auto& [name, value] : r.fields) {
    EXPECT_NE(name, "Keep-Alive");
    EXPECT_NE(name, "Transfer-Encoding");
  }
  EXPECT_EQ(r.fields.count("X-Request-Id") + r.fields.count("x-request-id"), 1u);
}

}  // namespace
}  // namespace mw::testing
