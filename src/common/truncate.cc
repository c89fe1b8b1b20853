#include "common/truncate.h"

namespace mw {

std::string TruncateForEcho(std::string_view text, size_t max_bytes) {
  if (text.size() <= max_bytes) return std::string(text);
  size_t cut = max_bytes;
  // text[cut] is the first byte left out: when it continues a sequence (10xxxxxx), the sequence
  // started at or before cut - 1 and would be split. A UTF-8 sequence has at most 3 continuations.
  for (int back = 0; back < 3 && cut > 0; ++back) {
    if ((static_cast<unsigned char>(text[cut]) & 0xC0) != 0x80) break;
    --cut;
  }
  if ((static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) cut = max_bytes;  // not UTF-8
  std::string out(text.substr(0, cut));
  out += "...[truncated, " + std::to_string(text.size()) + " bytes]";
  return out;
}

}  // namespace mw
