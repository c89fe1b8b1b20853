// MakeCacheKey: which requests share a response-cache key, and which never do.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "common/hash.h"
#include "proxy/cache/cache.h"
#include "proxy/cache/detail/canonical_json.h"

namespace mw::proxy {
namespace {

constexpr size_t kCacheTestMaxKey = 1 << 20;

// The key of a POST /predict with no vary values, keyed by the whole body or by `pointers`.
CacheKey CacheBodyKey(std::string_view body, const std::vector<std::string>& pointers = {}) {
  auto key = MakeCacheKey("POST", "/predict", {}, body, pointers, kCacheTestMaxKey);
  EXPECT_TRUE(key.has_value()) << key.status().ToString();
  return key ? *key : CacheKey{};
}

bool CacheSameBodyKey(std::string_view a, std::string_view b,
                      const std::vector<std::string>& pointers = {}) {
  return CacheBodyKey(a, pointers).canonical == CacheBodyKey(b, pointers).canonical;
}

Status CacheKeyError(std::string_view body, const std::vector<std::string>& pointers,
                     size_t max_key_bytes = kCacheTestMaxKey) {
  return MakeCacheKey("POST", "/predict", {}, body, pointers, max_key_bytes).status();
}

std::string CacheNumberText(double value, std::string_view token) {
  std::string out;
  detail::AppendCanonicalNumber(value, token, &out);
  return out;
}

TEST(CacheKeyTest, MemberOrderWhitespaceAndNumberSpellingDoNotMatter) {
  const CacheKey a = CacheBodyKey(R"({"a":1,"b":2})");
  const CacheKey b = CacheBodyKey("{ \"b\": 2.0,\n \"a\": 1 }");
  EXPECT_EQ(a.canonical, b.canonical);
  EXPECT_EQ(a.hash, b.hash);
}

TEST(CacheKeyTest, HashIsFnv1aOfTheCanonicalString) {
  const CacheKey key = CacheBodyKey(R"({"a":1})");
  EXPECT_EQ(key.hash, Fnv1a64(key.canonical));
}

TEST(CacheKeyTest, CanonicalFormIsPinned) {
  // Keys outlive the process in Redis: a change of form must change the version tag.
  const auto key =
      MakeCacheKey("POST", "/p", {"tok"}, R"({"b":[1.50,true,null], "a":"x"})", {}, 1024);
  ASSERT_TRUE(key.has_value());
  EXPECT_EQ(key->canonical,
            R"(14:mw-cache-key-14:POST2:/p1:13:tok30:j{"a":"x","b":[1.5,true,null]})");
}

TEST(CacheKeyTest, NumbersAreTheDoubleTheyDenote) {
  EXPECT_TRUE(CacheSameBodyKey(R"({"x":1})", R"({"x":1.0})"));
  EXPECT_TRUE(CacheSameBodyKey(R"({"x":1})", R"({"x":1e0})"));
  EXPECT_TRUE(CacheSameBodyKey(R"({"x":1})", R"({"x":10e-1})"));
  EXPECT_TRUE(CacheSameBodyKey(R"({"x":0.5})", R"({"x":5E-1})"));
  EXPECT_FALSE(CacheSameBodyKey(R"({"x":1})", R"({"x":2})"));
  EXPECT_FALSE(CacheSameBodyKey(R"({"x":0.1})", R"({"x":0.10000000000000002})"));
}

TEST(CacheKeyTest, IntegersBeyondTwoToThe53AreKeyedByTheirDigits) {
  // Both denote the double 2^53; as 64-bit ids they are two different requests.
  EXPECT_FALSE(CacheSameBodyKey(R"({"id":9007199254740993})", R"({"id":9007199254740992})"));
  EXPECT_FALSE(
      CacheSameBodyKey(R"({"id":12345678901234567891})", R"({"id":12345678901234567890})"));
  EXPECT_TRUE(CacheSameBodyKey(R"({"id":9007199254740993})", R"({"id":9007199254740993})"));
}

TEST(CacheKeyTest, NegativeZeroIsNotZero) {
  EXPECT_FALSE(CacheSameBodyKey(R"([0])", R"([-0.0])"));
  EXPECT_TRUE(CacheSameBodyKey(R"([-0])", R"([-0.0])"));
}

TEST(CacheKeyTest, CanonicalNumberTexts) {
  EXPECT_EQ(CacheNumberText(1, "1.0"), "1");
  EXPECT_EQ(CacheNumberText(-17, "-1.7e1"), "-17");
  EXPECT_EQ(CacheNumberText(-0.0, "-0"), "-0");
  EXPECT_EQ(CacheNumberText(0.5, "0.5"), "0.5");
  EXPECT_EQ(CacheNumberText(1e-7, "1e-7"), "1e-07");
  EXPECT_EQ(CacheNumberText(0x1p53, "9007199254740992"), "9007199254740992");
  EXPECT_EQ(CacheNumberText(0x1p53, "9007199254740993"), "9007199254740993");
  EXPECT_EQ(CacheNumberText(-0x1p53, "-9007199254740993"), "-9007199254740993");
  EXPECT_EQ(CacheNumberText(1e20, "1e20"), "1e+20");
  EXPECT_EQ(CacheNumberText(1e20, "100000000000000000000"), "100000000000000000000");
}

TEST(CacheKeyTest, NonFiniteTokensAreKeyedByTheirText) {
  EXPECT_TRUE(CacheSameBodyKey(R"({"x":NaN})", R"({"x": NaN})"));
  EXPECT_FALSE(CacheSameBodyKey(R"({"x":NaN})", R"({"x":null})"));
  EXPECT_FALSE(CacheSameBodyKey(R"({"x":Infinity})", R"({"x":-Infinity})"));
}

TEST(CacheKeyTest, StringsCompareByContentAfterUnescaping) {
  EXPECT_TRUE(CacheSameBodyKey(R"({"c":"\u00e9\/"})", "{\"c\":\"\xC3\xA9/\"}"));
  EXPECT_TRUE(CacheSameBodyKey(R"({"\u0061":1})", R"({"a":1})"));
  EXPECT_FALSE(CacheSameBodyKey(R"({"c":"a"})", R"({"c":"A"})"));
  EXPECT_FALSE(CacheSameBodyKey(R"({"c":"1"})", R"({"c":1})"));
}

TEST(CacheKeyTest, DifferentValuesAndArrayOrderGiveDifferentKeys) {
  EXPECT_FALSE(CacheSameBodyKey(R"({"a":1,"b":2})", R"({"a":1,"b":3})"));
  EXPECT_FALSE(CacheSameBodyKey(R"({"a":[1,2]})", R"({"a":[2,1]})"));
  EXPECT_FALSE(CacheSameBodyKey(R"({"a":{}})", R"({"a":[]})"));
  EXPECT_FALSE(CacheSameBodyKey(R"({"a":true})", R"({"a":"true"})"));
  EXPECT_FALSE(CacheSameBodyKey(R"({"a":1})", R"({"a":1,"b":null})"));
}

TEST(CacheKeyTest, RepeatedMembersAreAllKeptInDocumentOrder) {
  EXPECT_FALSE(CacheSameBodyKey(R"({"a":1,"a":2})", R"({"a":2,"a":1})"));
  EXPECT_FALSE(CacheSameBodyKey(R"({"a":1,"a":2})", R"({"a":1})"));
  EXPECT_TRUE(CacheSameBodyKey(R"({"a":1,"b":0,"a":2})", R"({"b":0,"a":1,"a":2})"));
}

TEST(CacheKeyTest, MethodTargetAndVaryValuesAreEachPartOfTheKey) {
  const auto key = [](std::string_view method, std::string_view target,
                      const std::vector<std::string>& vary) {
    return MakeCacheKey(method, target, vary, "{}", {}, kCacheTestMaxKey)->canonical;
  };
  const std::string base = key("POST", "/p?a=1", {"Bearer x"});
  EXPECT_EQ(base, key("POST", "/p?a=1", {"Bearer x"}));
  EXPECT_NE(base, key("PUT", "/p?a=1", {"Bearer x"}));
  EXPECT_NE(base, key("post", "/p?a=1", {"Bearer x"}));
  EXPECT_NE(base, key("POST", "/p?a=2", {"Bearer x"}));
  EXPECT_NE(base, key("POST", "/p?a=%31", {"Bearer x"}));
  EXPECT_NE(base, key("POST", "/p?a=1", {"Bearer y"}));
  EXPECT_NE(base, key("POST", "/p?a=1", {}));
}

TEST(CacheKeyTest, LengthPrefixesKeepPartsApart) {
  const auto key = [](std::string_view method, std::string_view target,
                      const std::vector<std::string>& vary, std::string_view body) {
    return MakeCacheKey(method, target, vary, body, {}, kCacheTestMaxKey)->canonical;
  };
  EXPECT_NE(key("PO", "ST/x", {}, ""), key("POST", "/x", {}, ""));
  EXPECT_NE(key("GET", "/x", {"ab", ""}, ""), key("GET", "/x", {"a", "b"}, ""));
  EXPECT_NE(key("GET", "/x", {""}, ""), key("GET", "/x", {}, ""));
  EXPECT_NE(key("GET", "/x", {"1:a"}, ""), key("GET", "/x", {}, "1:a"));
}

TEST(CacheKeyTest, NonJsonBodyIsKeyedByItsBytes) {
  EXPECT_TRUE(CacheSameBodyKey("a=1&b=2", "a=1&b=2"));
  EXPECT_FALSE(CacheSameBodyKey("a=1&b=2", "b=2&a=1"));
  EXPECT_FALSE(CacheSameBodyKey(R"({"a":1)", R"({"a":1 )"));
  EXPECT_FALSE(CacheSameBodyKey("", " "));
  EXPECT_TRUE(CacheSameBodyKey("", ""));
}

TEST(CacheKeyTest, ByteOrderMarkIsIgnored) {
  EXPECT_TRUE(CacheSameBodyKey("\xEF\xBB\xBF{\"a\":1}", R"({"a":1})"));
}

TEST(CacheKeyTest, TooDeepBodyIsKeyedByItsBytes) {
  const std::string deep = std::string(100, '[') + std::string(100, ']');
  const std::string deep_spaced = std::string(100, '[') + " " + std::string(100, ']');
  EXPECT_FALSE(CacheSameBodyKey(deep, deep_spaced));
  EXPECT_EQ(CacheKeyError(deep, {"/0"}).code(), StatusCode::kInvalidArgument);
}

TEST(CacheKeyTest, PointersKeyOnlyTheirValues) {
  const std::vector<std::string> pointers = {"/features"};
  EXPECT_TRUE(CacheSameBodyKey(R"({"features":{"t":20,"w":3},"sent_at":"10:00"})",
                               R"({"sent_at":"10:05","features":{"w":3.0,"t":20}})", pointers));
  EXPECT_FALSE(CacheSameBodyKey(R"({"features":{"t":20}})", R"({"features":{"t":21}})", pointers));
}

TEST(CacheKeyTest, EachPointerAndItsOrderCount) {
  const std::string body = R"({"a":1,"b":2,"items":[10,20],"a/b":3,"m~n":4})";
  EXPECT_NE(CacheBodyKey(body, {"/a"}).canonical, CacheBodyKey(body, {"/b"}).canonical);
  EXPECT_NE(CacheBodyKey(body, {"/a", "/b"}).canonical, CacheBodyKey(body, {"/b", "/a"}).canonical);
  EXPECT_TRUE(CacheSameBodyKey(body, R"({"items":[10,20]})", {"/items/1"}));
  EXPECT_FALSE(CacheSameBodyKey(body, R"({"items":[10,21]})", {"/items/1"}));
  EXPECT_TRUE(CacheSameBodyKey(body, R"({"a/b":3})", {"/a~1b"}));
  EXPECT_TRUE(CacheSameBodyKey(body, R"({"m~n":4})", {"/m~0n"}));
}

TEST(CacheKeyTest, PointerToNothingIsAbsentNotNull) {
  const std::vector<std::string> pointers = {"/x"};
  EXPECT_TRUE(CacheSameBodyKey(R"({})", R"({"y":1})", pointers));
  EXPECT_FALSE(CacheSameBodyKey(R"({})", R"({"x":null})", pointers));
  EXPECT_FALSE(CacheSameBodyKey(R"({})", R"({"x":"-"})", pointers));
  // Past an array's end, a non-canonical index, a step into a scalar: all absent.
  EXPECT_TRUE(CacheSameBodyKey(R"({"a":[1]})", R"({})", {"/a/1"}));
  EXPECT_TRUE(CacheSameBodyKey(R"({"a":[1,2]})", R"({})", {"/a/01"}));
  EXPECT_TRUE(CacheSameBodyKey(R"({"a":[1,2]})", R"({})", {"/a/-"}));
  EXPECT_TRUE(CacheSameBodyKey(R"({"a":5})", R"({})", {"/a/b"}));
}

TEST(CacheKeyTest, EmptyPointerKeysTheWholeBody) {
  EXPECT_TRUE(CacheSameBodyKey(R"({"a":1,"b":2})", R"({"b":2,"a":1.0})", {""}));
  EXPECT_FALSE(CacheSameBodyKey(R"({"a":1})", R"({"a":2})", {""}));
}

TEST(CacheKeyTest, EmptyBodyWithPointersHasEveryPointerAbsent) {
  EXPECT_TRUE(CacheSameBodyKey("", "", {"/features"}));
  // Only the pointers are keyed: no body and a body without them are the same request.
  EXPECT_TRUE(CacheSameBodyKey("", "{}", {"/features"}));
}

TEST(CacheKeyTest, NonJsonBodyWithPointersIsAnError) {
  const Status status = CacheKeyError("a=1", {"/a"});
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("not JSON"), std::string::npos) << status.message();
}

TEST(CacheKeyTest, PointerThroughARepeatedMemberIsAnError) {
  EXPECT_EQ(CacheKeyError(R"({"a":1,"a":2})", {"/a"}).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(CacheKeyError(R"({"f":{"x":1,"x":1}})", {"/f/x"}).code(), StatusCode::kInvalidArgument);
  // A repeated member off the pointer's path does not matter.
  EXPECT_TRUE(CacheSameBodyKey(R"({"a":1,"b":0,"b":1})", R"({"a":1})", {"/a"}));
}

TEST(CacheKeyTest, InvalidPointersAreErrors) {
  const Status no_slash = CacheKeyError("{}", {"features"});
  EXPECT_EQ(no_slash.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(no_slash.message(), R"("features": a JSON pointer must be empty or start with "/")");
  const Status tilde = CacheKeyError("{}", {"/a~2"});
  EXPECT_EQ(tilde.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(tilde.message(), R"("/a~2": "~" must be followed by 0 or 1 (RFC 6901))");
}

TEST(CacheKeyTest, KeyLongerThanTheLimitIsResourceExhausted) {
  const std::string body = R"({"a":"0123456789"})";
  const size_t size = CacheBodyKey(body).canonical.size();
  EXPECT_TRUE(MakeCacheKey("POST", "/predict", {}, body, {}, size).has_value());
  const Status over = CacheKeyError(body, {}, size - 1);
  EXPECT_EQ(over.code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(over.message(), "the cache key is longer than " + std::to_string(size - 1) + " bytes");
  // The vary values alone can exceed it, before the body is read.
  EXPECT_EQ(MakeCacheKey("GET", "/", {std::string(2000, 'x')}, "", {}, 1000).status().code(),
            StatusCode::kResourceExhausted);
  EXPECT_EQ(CacheKeyError(R"({"a":"0123456789"})", {"/a"}, 20).code(),
            StatusCode::kResourceExhausted);
}

}  // namespace
}  // namespace mw::proxy
