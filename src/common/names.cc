#include "common/names.h"

#include <cstdint>
#include <cstdio>
#include <optional>

namespace mw {
namespace {

// Decodes the UTF-8 sequence starting at text[i]: its length in bytes and code point, or 0 when
// the bytes there are not a valid sequence (RFC 3629, Table 3-7 of the Unicode standard).
size_t DecodeUtf8(std::string_view text, size_t i, uint32_t* code_point) {
  const auto byte = [&](size_t k) { return static_cast<unsigned char>(text[i + k]); };
  const size_t left = text.size() - i;
  const unsigned char b0 = byte(0);
  if (b0 < 0x80) {
    *code_point = b0;
    return 1;
  }
  size_t length = 0;
  unsigned char low = 0x80, high = 0xBF;  // the allowed range of the second byte
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    length = 2;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    length = 3;
    if (b0 == 0xE0) low = 0xA0;   // no overlong forms
    if (b0 == 0xED) high = 0x9F;  // no surrogates
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    length = 4;
    if (b0 == 0xF0) low = 0x90;   // no overlong forms
    if (b0 == 0xF4) high = 0x8F;  // nothing above U+10FFFF
  } else {
    return 0;
  }
  if (left < length) return 0;
  if (byte(1) < low || byte(1) > high) return 0;
  for (size_t k = 2; k < length; ++k) {
    if ((byte(k) & 0xC0) != 0x80) return 0;
  }
  uint32_t cp = b0 & (length == 2 ? 0x1F : length == 3 ? 0x0F : 0x07);
  for (size_t k = 1; k < length; ++k) cp = (cp << 6) | (byte(k) & 0x3F);
  *code_point = cp;
  return length;
}

bool IsControl(uint32_t cp) { return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F); }

bool Kept(uint32_t cp, std::string_view keep) {
  return cp < 0x80 && keep.find(static_cast<char>(cp)) != std::string_view::npos;
}

std::string CodePointText(uint32_t cp) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "U+%04X", static_cast<unsigned>(cp));
  return buf;
}

// The first place in `text` that is not valid UTF-8 (length 0) or is a control character that
// `keep` does not allow; nullopt when there is none. Printable ASCII is skipped without decoding.
struct UnsafeAt {
  size_t offset = 0;
  size_t length = 0;  // 0: not a valid UTF-8 sequence
  uint32_t code_point = 0;
};
std::optional<UnsafeAt> FindUnsafe(std::string_view text, std::string_view keep) {
  for (size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c < 0x7F) {  // printable ASCII: the common case
      ++i;
      continue;
    }
    uint32_t cp = 0;
    const size_t length = DecodeUtf8(text, i, &cp);
    if (length == 0 || (IsControl(cp) && !Kept(cp, keep))) return UnsafeAt{i, length, cp};
    i += length;
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> NameProblem(std::string_view name, size_t max_bytes) {
  if (name.empty()) return "must not be empty";
  if (name.size() > max_bytes) {
    return "must be at most " + std::to_string(max_bytes) + " bytes (got " +
           std::to_string(name.size()) + ")";
  }
  const std::optional<UnsafeAt> bad = FindUnsafe(name, /*keep=*/"");
  if (!bad) return std::nullopt;
  if (bad->length == 0) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "0x%02x", static_cast<unsigned char>(name[bad->offset]));
    return std::string("must be valid UTF-8 (byte ") + buf + " at offset " +
           std::to_string(bad->offset) + " is not)";
  }
  return "must not contain control characters (" + CodePointText(bad->code_point) + " at offset " +
         std::to_string(bad->offset) + ")";
}

bool IsSafeText(std::string_view text, std::string_view keep) {
  return !FindUnsafe(text, keep).has_value();
}

std::string ReplaceUnsafeText(std::string_view text, std::string_view keep) {
  static constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    uint32_t cp = 0;
    const size_t length = DecodeUtf8(text, i, &cp);
    if (length == 0) {
      out.append(kReplacement);
      ++i;
    } else if (IsControl(cp) && !Kept(cp, keep)) {
      out.append(kReplacement);
      i += length;
    } else {
      out.append(text.substr(i, length));
      i += length;
    }
  }
  return out;
}

}  // namespace mw
