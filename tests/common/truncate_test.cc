#include "common/truncate.h"

#include <gtest/gtest.h>

#include <string>

namespace mw {
namespace {

TEST(TruncateForEchoTest, ShortTextIsUnchanged) {
  EXPECT_EQ(TruncateForEcho("unknown_key"), "unknown_key");
  EXPECT_EQ(TruncateForEcho(std::string(kMaxEchoBytes, 'k')), std::string(kMaxEchoBytes, 'k'));
  EXPECT_EQ(TruncateForEcho(""), "");
}

TEST(TruncateForEchoTest, LongTextIsCutAndMarkedWithItsLength) {
  const std::string key(10 * 1024 * 1024, 'k');
  const std::string out = TruncateForEcho(key);
  EXPECT_EQ(out, std::string(kMaxEchoBytes, 'k') + "...[truncated, 10485760 bytes]");
}

TEST(TruncateForEchoTest, NeverSplitsAUtf8Sequence) {
  // "é" is 2 bytes, "€" 3, "𝄞" 4: place each so that the limit falls inside it.
  for (const std::string seq : {"\xC3\xA9", "\xE2\x82\xAC", "\xF0\x9D\x84\x9E"}) {
    for (size_t inside = 1; inside < seq.size(); ++inside) {
      const std::string text = std::string(10 - inside, 'a') + seq + "tail";
      const std::string out = TruncateForEcho(text, 10);
      EXPECT_EQ(out, std::string(10 - inside, 'a') + "...[truncated, " +
                         std::to_string(text.size()) + " bytes]")
          << seq.size() << "-byte sequence, limit " << inside << " bytes into it";
    }
  }
  // A sequence that ends exactly at the limit is kept.
  EXPECT_EQ(TruncateForEcho("aaaaaaa\xE2\x82\xACzz", 10),
            "aaaaaaa\xE2\x82\xAC...[truncated, 12 bytes]");
}

TEST(TruncateForEchoTest, InvalidUtf8IsCutAtTheLimit) {
  const std::string continuations(20, '\x80');
  EXPECT_EQ(TruncateForEcho(continuations, 10),
            std::string(10, '\x80') + "...[truncated, 20 bytes]");
}

}  // namespace
}  // namespace mw
