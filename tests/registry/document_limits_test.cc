// Limits on registry documents shared with every JSON body: nesting depth and a leading BOM.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "common/json_limits.h"
#include "registry/document.h"

namespace mw::registry {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

std::string DeepArray(int depth) { return std::string(depth, '[') + std::string(depth, ']'); }

TEST(DocumentDepthTest, DeepVersionMetadataIsMalformedNamingTheLimitNotACrash) {
  // The report's 200 KB body: before the limit, dump() recursed 100k levels and overflowed.
  const std::string body = R"({"extra":)" + DeepArray(100'000) + "}";
  auto p = ParseModelVersionDocument("m", "v", body);
  EXPECT_TRUE(p.malformed);
  EXPECT_FALSE(p.value.has_value());
  ASSERT_EQ(p.errors.size(), 1u);
  EXPECT_EQ(p.errors[0].pointer, "");
  EXPECT_THAT(p.errors[0].detail, HasSubstr("deeper than 64 levels"));
}

TEST(DocumentDepthTest, VersionMetadataAtTheLimitIsKept) {
  // The root object is level 1, so 63 arrays inside it reach exactly the limit.
  const std::string body = R"({"extra":)" + DeepArray(kMaxJsonDepth - 1) + "}";
  auto p = ParseModelVersionDocument("m", "v", body);
  ASSERT_TRUE(p.value.has_value()) << (p.errors.empty() ? "" : p.errors[0].detail);
  EXPECT_EQ(json::parse(p.value->metadata_json)["extra"].size(), 1u);
}

TEST(DocumentDepthTest, OneLevelPastTheLimitIsMalformed) {
  const std::string body = R"({"extra":)" + DeepArray(kMaxJsonDepth) + "}";
  EXPECT_TRUE(ParseModelVersionDocument("m", "v", body).malformed);
}

TEST(DocumentDepthTest, DeepModelDocumentIsMalformed) {
  auto p =
      ParseModelDocument("m", R"({"task":"regression","description":)" + DeepArray(100'000) + "}");
  EXPECT_TRUE(p.malformed);
  ASSERT_EQ(p.errors.size(), 1u);
  EXPECT_THAT(p.errors[0].detail, HasSubstr("deeper than 64 levels"));
}

TEST(DocumentDepthTest, DeepMetadataStoredByAnOlderVersionIsServedAsEmpty) {
  ModelVersionInfo v;
  v.model = "m";
  v.version = "v";
  v.metadata_json = R"({"extra":)" + DeepArray(100'000) + "}";
  const json j = ModelVersionToJson(v);
  EXPECT_EQ(j["metadata"], json::object());
  EXPECT_FALSE(j.dump().empty());  // serialising the answer must not recurse 100k levels
}

TEST(DocumentBomTest, DocumentsMayStartWithAUtf8Bom) {
  auto model = ParseModelDocument("m", "\xEF\xBB\xBF{\"task\":\"regression\"}");
  EXPECT_TRUE(model.value.has_value());
  auto version = ParseModelVersionDocument("m", "v", "\xEF\xBB\xBF{\"metrics\":{\"mae\":1}}");
  ASSERT_TRUE(version.value.has_value());
  EXPECT_EQ(version.value->training_metrics.at("mae"), 1.0);
}

}  // namespace
}  // namespace mw::registry
