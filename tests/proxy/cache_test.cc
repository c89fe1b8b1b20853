// Cacheable and StorableHeaders: which answers the response cache keeps, and which fields of them.
#include "proxy/cache/cache.h"

#include <gtest/gtest.h>

namespace mw::proxy {
namespace {

TEST(CacheableTest, OnlySuccessfulAnswersAreKept) {
  EXPECT_TRUE(Cacheable(200, {}));
  EXPECT_TRUE(Cacheable(201, {}));
  EXPECT_TRUE(Cacheable(204, {}));
  EXPECT_TRUE(Cacheable(299, {}));
  EXPECT_FALSE(Cacheable(199, {}));
  EXPECT_FALSE(Cacheable(304, {}));
  EXPECT_FALSE(Cacheable(404, {}));
  EXPECT_FALSE(Cacheable(500, {}));
  EXPECT_FALSE(Cacheable(503, {}));
}

TEST(CacheableTest, PartialContentIsNotKept) { EXPECT_FALSE(Cacheable(206, {})); }

TEST(CacheableTest, SetCookieInAnyCaseIsNotKept) {
  EXPECT_FALSE(Cacheable(200, {{"Set-Cookie", "session=1"}}));
  EXPECT_FALSE(Cacheable(200, {{"content-type", "application/json"}, {"set-cookie", ""}}));
  EXPECT_TRUE(Cacheable(200, {{"Cookie", "a=1"}, {"X-Set-Cookie", "no"}}));
}

TEST(CacheableTest, NoStoreAndPrivateDirectivesAreNotKept) {
  EXPECT_FALSE(Cacheable(200, {{"Cache-Control", "no-store"}}));
  EXPECT_FALSE(Cacheable(200, {{"cache-control", "public, No-Store"}}));
  EXPECT_FALSE(Cacheable(200, {{"Cache-Control", "PRIVATE"}}));
  EXPECT_FALSE(Cacheable(200, {{"Cache-Control", "max-age=60 ,\tprivate=\"Set-Cookie\""}}));
  EXPECT_FALSE(Cacheable(200, {{"Cache-Control", "max-age=60"}, {"Cache-Control", "no-store"}}));
}

TEST(CacheableTest, OtherDirectivesDoNotMatter) {
  EXPECT_TRUE(Cacheable(200, {{"Cache-Control", "max-age=0"}}));
  EXPECT_TRUE(Cacheable(200, {{"Cache-Control", "no-cache, must-revalidate"}}));
  EXPECT_TRUE(Cacheable(200, {{"Cache-Control", "public"}}));
  EXPECT_TRUE(Cacheable(200, {{"Cache-Control", "no-storage, privately"}}));
  EXPECT_TRUE(Cacheable(200, {{"Cache-Control", ""}}));
}

TEST(StorableHeadersTest, HopByHopDateAndLengthAreDropped) {
  const CacheHeaders kept = StorableHeaders({{"Content-Type", "application/json"},
                                             {"Connection", "keep-alive"},
                                             {"Keep-Alive", "timeout=5"},
                                             {"Proxy-Connection", "keep-alive"},
                                             {"proxy-authenticate", "Basic"},
                                             {"TE", "trailers"},
                                             {"Trailer", "X-Sum"},
                                             {"Transfer-Encoding", "chunked"},
                                             {"Upgrade", "h2c"},
                                             {"Date", "Wed, 01 Jan 2025 10:00:00 GMT"},
                                             {"content-length", "17"},
                                             {"X-Model-Version", "v1"}});
  EXPECT_EQ(kept, (CacheHeaders{{"Content-Type", "application/json"}, {"X-Model-Version", "v1"}}));
}

TEST(StorableHeadersTest, FieldsNamedInConnectionAreDropped) {
  const CacheHeaders kept = StorableHeaders({{"X-Secret", "s"},
                                             {"Connection", "keep-alive, x-secret"},
                                             {"X-Other", "o"},
                                             {"connection", " X-Other ,,"},
                                             {"X-Kept", "k"}});
  EXPECT_EQ(kept, (CacheHeaders{{"X-Kept", "k"}}));
}

TEST(StorableHeadersTest, OrderAndRepeatsOfOtherFieldsAreKept) {
  const CacheHeaders in = {{"Vary", "Accept"}, {"X-A", "1"}, {"x-a", "2"}, {"ETag", "\"e\""}};
  EXPECT_EQ(StorableHeaders(in), in);
}

}  // namespace
}  // namespace mw::proxy
