#include "proxy/headers.h"

#include <gtest/gtest.h>

#include <string>

namespace mw::proxy {
namespace {

std::string Render(const Fields& fields) {
  std::string out;
  AppendFields(out, fields);
  return out;
}

TEST(ProxyHeadersTest, StripsFieldsNamedByConnectionAndTheAlwaysHopByHopOnes) {
  Fields fields{{"Host", "api"},
                {"Connection", "keep-alive, X-Secret"},
                {"X-Secret", "s"},
                {"Keep-Alive", "timeout=5"},
                {"TE", "trailers"},
                {"Upgrade", "websocket"},
                {"Proxy-Connection", "keep-alive"},
                {"Transfer-Encoding", "chunked"},
                {"Content-Length", "12"},
                {"Trailer", "X-T"},
                {"Expect", "100-continue"},
                {"X-Modelwatch-Capture", "off"},
                {"Accept", "application/json"},
                {"x-custom", "1"}};
  StripHopByHop(fields);
  EXPECT_EQ(Render(fields), "Accept: application/json\r\nx-custom: 1\r\n");
}

TEST(ProxyHeadersTest, ReadsEveryConnectionFieldCaseInsensitively) {
  Fields fields{{"connection", "x-a"}, {"X-A", "1"}, {"CONNECTION", " X-B ,, x-c"},
                {"x-b", "2"},          {"X-C", "3"}, {"X-D", "4"},
                {"Cookie", "a=b"}};
  StripHopByHop(fields);
  EXPECT_EQ(Render(fields), "X-D: 4\r\nCookie: a=b\r\n");
}

TEST(ProxyHeadersTest, StripsTheExtraNamesGiven) {
  Fields fields{{"X-Request-Id", "abc"}, {"x-request-id", "def"}, {"X-Other", "1"}};
  StripHopByHop(fields, {"X-Request-Id"});
  EXPECT_EQ(Render(fields), "X-Other: 1\r\n");
}

TEST(ProxyHeadersTest, AppendsTheClientToXForwardedFor) {
  Fields fields{{"X-Forwarded-For", "10.0.0.1"}, {"x-forwarded-for", " 10.0.0.2 "}};
  AddForwarded(fields, "127.0.0.1", "api.example:8080", false);
  EXPECT_EQ(Render(fields),
            "X-Forwarded-For: 10.0.0.1, 10.0.0.2, 127.0.0.1\r\n"
            "X-Forwarded-Proto: http\r\n"
            "X-Forwarded-Host: api.example:8080\r\n");
}

TEST(ProxyHeadersTest, ReplacesIncomingProtoAndHostUnlessTrusted) {
  Fields untrusted{{"X-Forwarded-Proto", "https"}, {"X-Forwarded-Host", "evil"}};
  AddForwarded(untrusted, "1.2.3.4", "h", false);
  EXPECT_EQ(Render(untrusted),
            "X-Forwarded-For: 1.2.3.4\r\nX-Forwarded-Proto: http\r\nX-Forwarded-Host: h\r\n");
  Fields trusted{{"X-Forwarded-Proto", "https"}, {"X-Forwarded-Host", "front"}};
  AddForwarded(trusted, "1.2.3.4", "h", true);
  EXPECT_EQ(Render(trusted),
            "X-Forwarded-Proto: https\r\nX-Forwarded-Host: front\r\nX-Forwarded-For: 1.2.3.4\r\n");
}

TEST(ProxyHeadersTest, RequestIdIsKeptOnlyWhenSafe) {
  EXPECT_TRUE(ValidRequestId("a"));
  EXPECT_TRUE(ValidRequestId("req-1.2_3:4"));
  EXPECT_TRUE(ValidRequestId(std::string(128, 'x')));
  EXPECT_FALSE(ValidRequestId(std::string(129, 'x')));
  EXPECT_FALSE(ValidRequestId(""));
  EXPECT_FALSE(ValidRequestId("a b"));
  EXPECT_FALSE(ValidRequestId("a/b"));
  EXPECT_FALSE(ValidRequestId("caf\xc3\xa9"));
  EXPECT_EQ(RequestIdOrNew("req-42", 1'700'000'000'000), "req-42");
  const std::string made = RequestIdOrNew("bad id", 1'700'000'000'000);
  EXPECT_EQ(made.size(), 26u);  // a ULID
  EXPECT_TRUE(ValidRequestId(made));
  EXPECT_NE(RequestIdOrNew("", 1'700'000'000'000), made);
}

TEST(ProxyHeadersTest, CaptureOptOut) {
  EXPECT_TRUE(CaptureOptedOut({{"x-modelwatch-capture", " OFF "}}));
  EXPECT_FALSE(CaptureOptedOut({{"X-Modelwatch-Capture", "on"}}));
  EXPECT_FALSE(CaptureOptedOut({}));
}

TEST(ProxyHeadersTest, AppendFieldsNeverEndsTheHeadEarly) {
  EXPECT_EQ(Render({{"X-A", "a\r\nInjected: 1"}}), "X-A: a  Injected: 1\r\n");
}

}  // namespace
}  // namespace mw::proxy
