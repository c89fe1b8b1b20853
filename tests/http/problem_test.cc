#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "common/truncate.h"
#include "http/http.h"

namespace mw::http {
namespace {

using ::testing::EndsWith;
using ::testing::HasSubstr;
using ::testing::StartsWith;

nlohmann::json Body(const Response& r) { return nlohmann::json::parse(r.body); }

TEST(ProblemTest, WritesTheRfc9457Members) {
  const Response r = Problem(422, "Invalid request body", "1 invalid field(s)", "/v1/predictions",
                             {{"/events/0/prediction", "must be a number"}});
  EXPECT_EQ(r.status, 422);
  EXPECT_EQ(r.content_type, "application/problem+json");
  const auto doc = Body(r);
  EXPECT_EQ(doc["type"], "about:blank");
  EXPECT_EQ(doc["status"], 422);
  EXPECT_EQ(doc["detail"], "1 invalid field(s)");
  EXPECT_EQ(doc["instance"], "/v1/predictions");
  EXPECT_EQ(doc["errors"][0]["pointer"], "/events/0/prediction");
  EXPECT_EQ(doc["errors"][0]["detail"], "must be a number");
}

TEST(ProblemTest, AHugeEchoedKeyIsTruncatedInThePointer) {
  const std::string key(10 * 1024 * 1024, 'k');
  const Response r = Problem(422, "Invalid request body", "1 invalid field(s)", "/v1/predictions",
                             {{"/" + key, "unknown field"}});
  EXPECT_LT(r.body.size(), 1024u);
  const std::string pointer = Body(r)["errors"][0]["pointer"];
  EXPECT_THAT(pointer, StartsWith("/kkkk"));
  EXPECT_THAT(pointer, EndsWith("...[truncated, 10485761 bytes]"));
  EXPECT_EQ(pointer.find("...["), kMaxEchoBytes);
}

TEST(ProblemTest, DetailsAndInstanceAreBounded) {
  const std::string value(100'000, 'v');
  const Response r = Problem(415, "Unsupported Media Type", "got '" + value + "'", "/" + value,
                             {{"", "echo " + value}});
  const auto doc = Body(r);
  EXPECT_LE(doc["detail"].get<std::string>().size(), kMaxProblemDetailBytes + 40);
  EXPECT_THAT(doc["detail"].get<std::string>(), HasSubstr("...[truncated, 100006 bytes]"));
  EXPECT_LE(doc["instance"].get<std::string>().size(), kMaxEchoBytes + 40);
  EXPECT_LE(doc["errors"][0]["detail"].get<std::string>().size(), kMaxProblemDetailBytes + 40);
}

TEST(ProblemTest, TruncationKeepsTheBodyValidUtf8) {
  // 255 ASCII bytes then a 2-byte character across the 256-byte limit.
  const std::string pointer = "/" + std::string(254, 'a') + "\xC3\xA9" + std::string(300, 'b');
  const Response r = Problem(422, "Invalid request body", "", "", {{pointer, "unknown field"}});
  EXPECT_EQ(r.body.find("\xEF\xBF\xBD"), std::string::npos);  // no U+FFFD: nothing was split
  const std::string echoed = Body(r)["errors"][0]["pointer"];
  EXPECT_EQ(echoed, "/" + std::string(254, 'a') + "...[truncated, 557 bytes]");
}

}  // namespace
}  // namespace mw::http
