// ParseRedisUrl: the accepted forms, what each part becomes, and each refusal's message.
#include "proxy/cache/redis_url.h"

#include <gtest/gtest.h>

#include <string>

namespace mw::proxy {
namespace {

RedisUrl RedisUrlOk(const std::string& text) {
  Result<RedisUrl> url = ParseRedisUrl(text);
  EXPECT_TRUE(url.has_value()) << text << ": " << url.status().ToString();
  return url.has_value() ? url.value() : RedisUrl{};
}

std::string RedisUrlError(const std::string& text) {
  Result<RedisUrl> url = ParseRedisUrl(text);
  if (url.has_value()) return "(accepted)";
  EXPECT_EQ(url.error().code(), StatusCode::kInvalidArgument) << text;
  return url.error().message();
}

TEST(RedisUrlTest, HostAloneTakesTheDefaults) {
  const RedisUrl url = RedisUrlOk("redis://cache.internal");
  EXPECT_EQ(url.kind, RedisUrl::Kind::kTcp);
  EXPECT_EQ(url.host, "cache.internal");
  EXPECT_EQ(url.port, 6379);
  EXPECT_EQ(url.db, 0);
  EXPECT_FALSE(url.has_password);
  EXPECT_EQ(url.user, "");
  EXPECT_EQ(url.Display(), "cache.internal:6379");
}

TEST(RedisUrlTest, EveryPartIsRead) {
  const RedisUrl url = RedisUrlOk("redis://alice:s3cr%40t%3A@10.0.0.7:6380/12");
  EXPECT_EQ(url.host, "10.0.0.7");
  EXPECT_EQ(url.port, 6380);
  EXPECT_EQ(url.db, 12);
  EXPECT_EQ(url.user, "alice");
  EXPECT_EQ(url.password, "s3cr@t:");  // percent-decoded
  EXPECT_TRUE(url.has_password);
  EXPECT_EQ(url.Display(), "10.0.0.7:6380");  // never the credentials
}

TEST(RedisUrlTest, PasswordAloneIsTheDefaultUser) {
  const RedisUrl url = RedisUrlOk("redis://:pw@h/");
  EXPECT_EQ(url.user, "");
  EXPECT_EQ(url.password, "pw");
  EXPECT_TRUE(url.has_password);
  EXPECT_EQ(url.db, 0);
}

TEST(RedisUrlTest, AnAtSignInThePasswordSplitsAtTheLastOne) {
  const RedisUrl url = RedisUrlOk("redis://:p@ss@h:1");
  EXPECT_EQ(url.password, "p@ss");
  EXPECT_EQ(url.host, "h");
  EXPECT_EQ(url.port, 1);
}

TEST(RedisUrlTest, BracketedIpv6) {
  const RedisUrl url = RedisUrlOk("redis://[::1]:7000/2");
  EXPECT_EQ(url.host, "::1");
  EXPECT_EQ(url.port, 7000);
  EXPECT_EQ(url.db, 2);
  EXPECT_EQ(url.Display(), "[::1]:7000");
  EXPECT_EQ(RedisUrlOk("redis://[fe80::1]").port, 6379);
}

TEST(RedisUrlTest, UnixSocket) {
  const RedisUrl url = RedisUrlOk("unix:///run/redis/redis.sock");
  EXPECT_EQ(url.kind, RedisUrl::Kind::kUnix);
  EXPECT_EQ(url.socket_path, "/run/redis/redis.sock");
  EXPECT_EQ(url.Display(), "/run/redis/redis.sock");
}

TEST(RedisUrlTest, EachRefusalSaysWhy) {
  EXPECT_EQ(RedisUrlError("rediss://h:6379"),
            "rediss:// is not supported (no TLS in Debian's hiredis 0.14)");
  for (const char* text : {"", "http://h", "redis:/h", "REDIS://h", "tcp://h:6379"}) {
    EXPECT_EQ(RedisUrlError(text), "must be redis://[user:pass@]host[:port][/db] or unix:///path")
        << text;
  }
  EXPECT_EQ(RedisUrlError("redis://h :1"), "spaces and control characters are not allowed");
  EXPECT_EQ(RedisUrlError("redis://h\n"), "spaces and control characters are not allowed");
  EXPECT_EQ(RedisUrlError("redis://h/0?timeout=1"), "a query or fragment is not supported");
  EXPECT_EQ(RedisUrlError("redis://h#x"), "a query or fragment is not supported");
  EXPECT_EQ(RedisUrlError("redis://"), "the host is empty");
  EXPECT_EQ(RedisUrlError("redis://:6379"), "the host is empty");
  EXPECT_EQ(RedisUrlError("redis://:pw@/0"), "the host is empty");
  EXPECT_EQ(RedisUrlError("redis://[::1"), "bad IPv6 host (a '[' without its ']')");
  EXPECT_EQ(RedisUrlError("redis://::1:6379"), "an IPv6 host must be in brackets ([::1])");
  for (const char* text : {"redis://h:", "redis://h:0", "redis://h:65536", "redis://h:x1",
                           "redis://h:+1", "redis://[::1]x", "redis://[::1]:"}) {
    EXPECT_EQ(RedisUrlError(text), "the port must be a number from 1 to 65535") << text;
  }
  for (const char* text :
       {"redis://h/x", "redis://h/-1", "redis://h/2147483648", "redis://h/1/2"}) {
    EXPECT_EQ(RedisUrlError(text), "the database must be a number from 0 to 2147483647") << text;
  }
  EXPECT_EQ(RedisUrlError("redis://secret@h"),
            "the credentials must be user:password@ or :password@");
  EXPECT_EQ(RedisUrlError("unix://relative/path"),
            "the socket path must be absolute (unix:///path)");
  EXPECT_EQ(RedisUrlError("unix://"), "the socket path must be absolute (unix:///path)");
}

TEST(RedisUrlTest, NoMessageRepeatsThePassword) {
  for (const char* text : {"redis://u:hunter2@h:99999", "redis://u:hunter2@h/x",
                           "redis://u:hunter2@/0", "redis://u:hunter2@h?x"}) {
    EXPECT_EQ(RedisUrlError(text).find("hunter2"), std::string::npos) << text;
  }
}

}  // namespace
}  // namespace mw::proxy
