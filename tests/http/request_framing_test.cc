#include "http/detail/request_framing.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

namespace mw::http::detail {
namespace {

constexpr int64_t kMaxBody = 1024;

FramedRequest Parse(const std::string& bytes) { return ParseRequestBytes(bytes, kMaxBody); }

// The status of the refusal, or 0 when the request was accepted (or needs more bytes).
int RefusalStatus(const FramedRequest& f) { return f.error ? f.error->status : 0; }

std::string Detail(const FramedRequest& f) {
  if (!f.error) return "";
  return nlohmann::json::parse(f.error->body).value("detail", "");
}

std::string Post(const std::string& framing, const std::string& body) {
  return "POST /v1/actuals HTTP/1.1\r\nHost: x\r\n" + framing + "\r\n\r\n" + body;
}

TEST(RequestFramingTest, ParsesAGetWithQueryAndHeaders) {
  const auto f =
      Parse("GET /v1/models/a%2Fb/drift?window=1h&x=a+b HTTP/1.1\r\nHost: x\r\nX-Thing: 1\r\n\r\n");
  ASSERT_TRUE(f.request) << Detail(f);
  EXPECT_FALSE(f.error);
  EXPECT_FALSE(f.need_more);
  EXPECT_EQ(f.request->method, "GET");
  EXPECT_EQ(f.request->target, "/v1/models/a%2Fb/drift?window=1h&x=a+b");
  EXPECT_EQ(f.request->raw_path, "/v1/models/a%2Fb/drift");
  EXPECT_EQ(f.request->path, "/v1/models/a/b/drift");
  EXPECT_EQ(*f.request->query_param("window"), "1h");
  EXPECT_EQ(*f.request->query_param("x"), "a b");
  EXPECT_EQ(f.request->header("x-thing"), "1");
  EXPECT_TRUE(f.request->body.empty());
}

TEST(RequestFramingTest, ReadsContentLengthAndChunkedBodies) {
  const auto sized = Parse(Post("Content-Length: 5", "hello"));
  ASSERT_TRUE(sized.request) << Detail(sized);
  EXPECT_EQ(sized.request->body, "hello");

  const auto chunked =
      Parse(Post("Transfer-Encoding: chunked", "3\r\nhel\r\n2\r\nlo\r\n0\r\n\r\n"));
  ASSERT_TRUE(chunked.request) << Detail(chunked);
  EXPECT_EQ(chunked.request->body, "hello");

  const auto upper = Parse(Post("Transfer-Encoding: CHUNKED", "0\r\n\r\n"));
  EXPECT_TRUE(upper.request) << Detail(upper);
}

TEST(RequestFramingTest, ReportsNeedMoreForATruncatedRequest) {
  EXPECT_TRUE(Parse("").need_more);
  EXPECT_TRUE(Parse("GET / HTTP/1.1\r\nHost: x\r\n").need_more);
  EXPECT_TRUE(Parse(Post("Content-Length: 5", "hel")).need_more);
  EXPECT_TRUE(Parse(Post("Transfer-Encoding: chunked", "5\r\nhel")).need_more);
  EXPECT_TRUE(Parse(Post("Transfer-Encoding: chunked", "5\r\nhello\r\n")).need_more);
  const auto f = Parse(Post("Content-Length: 5", "hel"));
  EXPECT_FALSE(f.request);
  EXPECT_FALSE(f.error);
}

TEST(RequestFramingTest, IgnoresBytesAfterTheRequest) {
  const auto f = Parse(Post("Content-Length: 2", "{}GET /livez HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_TRUE(f.request) << Detail(f);
  EXPECT_EQ(f.request->body, "{}");
}

TEST(RequestFramingTest, UnknownTransferCodingIs501) {
  for (const std::string te : {"xchunked", "identity", "gzip, chunked", "chunked, gzip", "gzip"}) {
    SCOPED_TRACE(te);
    const auto f = Parse(Post("Transfer-Encoding: " + te, "0\r\n\r\n"));
    EXPECT_EQ(RefusalStatus(f), 501);
    EXPECT_FALSE(f.request);
    EXPECT_NE(Detail(f).find("Transfer-Encoding"), std::string::npos);
    EXPECT_EQ(f.error->content_type, "application/problem+json");
  }
}

TEST(RequestFramingTest, MalformedOrRepeatedCodingListIs400) {
  for (const std::string te : {"chunked, chunked", "chunked,", ",chunked", "", "chunked;a=1",
                               "chu nked", "chunked\r\nTransfer-Encoding: chunked"}) {
    SCOPED_TRACE(te);
    const auto f = Parse(Post("Transfer-Encoding: " + te, "0\r\n\r\n"));
    EXPECT_EQ(RefusalStatus(f), 400);
    EXPECT_NE(Detail(f).find("Transfer-Encoding"), std::string::npos) << Detail(f);
  }
}

TEST(RequestFramingTest, TransferEncodingWithContentLengthIs400InEitherOrder) {
  for (const std::string framing : {"Transfer-Encoding: chunked\r\nContent-Length: 5",
                                    "Content-Length: 5\r\nTransfer-Encoding: chunked",
                                    "Transfer-Encoding: gzip\r\nContent-Length: 5",
                                    "Content-Length: 5\r\nTransfer-Encoding: gzip"}) {
    SCOPED_TRACE(framing);
    EXPECT_EQ(RefusalStatus(Parse(Post(framing, "0\r\n\r\n"))), 400);
  }
}

TEST(RequestFramingTest, TransferEncodingInHttp10Is400) {
  const auto f = Parse("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n");
  EXPECT_EQ(RefusalStatus(f), 400);
}

TEST(RequestFramingTest, Http11NeedsExactlyOneHost) {
  EXPECT_EQ(RefusalStatus(Parse("GET / HTTP/1.1\r\n\r\n")), 400);
  EXPECT_EQ(RefusalStatus(Parse("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n")), 400);
  EXPECT_NE(Detail(Parse("GET / HTTP/1.1\r\n\r\n")).find("Host"), std::string::npos);
  EXPECT_TRUE(Parse("GET / HTTP/1.0\r\n\r\n").request);
  EXPECT_TRUE(Parse("GET / HTTP/1.1\r\nHost:\r\n\r\n").request);
}

TEST(RequestFramingTest, TwoAuthorizationFieldsAre400) {
  const auto f = Parse(
      "GET / HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer a\r\n"
      "authorization: Bearer b\r\n\r\n");
  EXPECT_EQ(RefusalStatus(f), 400);
  EXPECT_NE(Detail(f).find("Authorization"), std::string::npos);
  const auto one = Parse("GET / HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer a\r\n\r\n");
  ASSERT_TRUE(one.request);
  EXPECT_EQ(one.request->header("authorization"), "Bearer a");
}

TEST(RequestFramingTest, OtherRepeatedFieldsKeepTheLastValue) {
  const auto f = Parse("GET / HTTP/1.1\r\nHost: x\r\nX-A: 1\r\nX-A: 2\r\n\r\n");
  ASSERT_TRUE(f.request);
  EXPECT_EQ(f.request->header("x-a"), "2");
}

TEST(RequestFramingTest, OnlyTheContinueExpectationIsMet) {
  const auto f = Parse(Post("Expect: 200-ok\r\nContent-Length: 2", "{}"));
  EXPECT_EQ(RefusalStatus(f), 417);
  EXPECT_TRUE(Parse(Post("Expect: 100-Continue\r\nContent-Length: 2", "{}")).request);
  // RFC 9110 10.1.1: an HTTP/1.0 request's expectation is ignored.
  EXPECT_TRUE(Parse("POST / HTTP/1.0\r\nExpect: 200-ok\r\nContent-Length: 2\r\n\r\n{}").request);
}

TEST(RequestFramingTest, ExpectsContinueOnlyForHttp11) {
  RequestParser parser;
  ConfigureParser(parser, kMaxBody);
  boost::beast::error_code ec;
  const std::string bytes = Post("Expect: 100-continue\r\nContent-Length: 2", "");
  parser.put(boost::asio::buffer(bytes), ec);
  ASSERT_TRUE(parser.is_header_done()) << ec.message();
  EXPECT_TRUE(ExpectsContinue(parser.get().base()));

  RequestParser old;
  const std::string old_bytes =
      "POST / HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n";
  old.put(boost::asio::buffer(old_bytes), ec);
  ASSERT_TRUE(old.is_header_done()) << ec.message();
  EXPECT_FALSE(ExpectsContinue(old.get().base()));
}

TEST(RequestFramingTest, BodyAboveTheLimitIs413) {
  const auto declared = Parse(Post("Content-Length: 1025", ""));
  EXPECT_EQ(RefusalStatus(declared), 413);
  EXPECT_NE(Detail(declared).find("1024"), std::string::npos);
  const std::string big(1100, 'a');
  char size[16];
  std::snprintf(size, sizeof size, "%zx", big.size());
  const auto chunked =
      Parse(Post("Transfer-Encoding: chunked", std::string(size) + "\r\n" + big + "\r\n0\r\n\r\n"));
  EXPECT_EQ(RefusalStatus(chunked), 413);
}

TEST(RequestFramingTest, HeaderAboveTheLimitIs431) {
  const std::string huge(kHeaderLimitBytes + 10, 'a');
  EXPECT_EQ(RefusalStatus(Parse("GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + huge + "\r\n\r\n")), 431);
}

TEST(RequestFramingTest, GarbageIs400) {
  EXPECT_EQ(RefusalStatus(Parse("NOT HTTP\r\n\r\n")), 400);
  EXPECT_EQ(RefusalStatus(Parse(Post("Content-Length: x", ""))), 400);
}

}  // namespace
}  // namespace mw::http::detail
