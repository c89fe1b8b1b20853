#include "common/regex_bounds.h"

#include <algorithm>
#include <cctype>
#include <vector>

namespace mw {
namespace {

// Reads the digits at `pos` (advancing it) as a count, saturated just above kMaxRegexRepeat so a
// long run of digits cannot overflow. -1 when there is no digit.
int64_t ReadCount(std::string_view re, size_t& pos) {
  if (pos >= re.size() || !std::isdigit(static_cast<unsigned char>(re[pos]))) return -1;
  int64_t value = 0;
  while (pos < re.size() && std::isdigit(static_cast<unsigned char>(re[pos]))) {
    value = std::min<int64_t>(value * 10 + (re[pos] - '0'), kMaxRegexRepeat + 1);
    ++pos;
  }
  return value;
}

int64_t SaturatingMul(int64_t a, int64_t b) {
  if (a != 0 && b > (kMaxRegexExpandedSize + 1) / a) return kMaxRegexExpandedSize + 1;
  return std::min(a * b, kMaxRegexExpandedSize + 1);
}

// One open group: the expanded size of what it holds so far, and of its last atom (what a
// following repetition multiplies).
struct Frame {
  int64_t total = 0;
  int64_t last_atom = 0;
};

void AddAtom(Frame& frame, int64_t size) {
  frame.last_atom = size;
  frame.total = std::min(frame.total + size, kMaxRegexExpandedSize + 1);
}

}  // namespace

std::string RegexBoundsProblem(std::string_view re) {
  if (re.size() > kMaxRegexBytes) {
    return "regular expression longer than " + std::to_string(kMaxRegexBytes) + " bytes";
  }
  std::vector<Frame> frames(1);
  bool in_class = false;
  for (size_t i = 0; i < re.size(); ++i) {
    const char c = re[i];
    Frame& frame = frames.back();
    if (c == '\\') {
      if (i + 1 < re.size() && re[i + 1] >= '1' && re[i + 1] <= '9') {
        // A back-reference: libstdc++ reads its number into an int without an overflow check,
        // as it does repetition counts (and RE2, Prometheus' engine, has no back-references).
        size_t pos = i + 1;
        if (ReadCount(re, pos) > kMaxRegexRepeat) {
          return "regular expression back-reference number over " + std::to_string(kMaxRegexRepeat);
        }
        i = pos - 1;
      } else {
        ++i;  // the escaped character
      }
      if (!in_class) AddAtom(frame, 1);
    } else if (in_class) {
      in_class = c != ']';
    } else if (c == '[') {
      in_class = true;
      AddAtom(frame, 1);
    } else if (c == '(') {
      frames.emplace_back();
      if (static_cast<int>(frames.size()) - 1 > kMaxRegexGroupDepth) {
        return "regular expression nests groups more than " + std::to_string(kMaxRegexGroupDepth) +
               " levels deep";
      }
    } else if (c == ')') {
      if (frames.size() == 1) continue;  // unbalanced: std::regex reports it
      const int64_t group = frames.back().total + 1;
      frames.pop_back();
      AddAtom(frames.back(), group);
    } else if (c == '{') {
      size_t pos = i + 1;
      const int64_t low = ReadCount(re, pos);
      int64_t high = low;
      if (low >= 0 && pos < re.size() && re[pos] == ',') {
        ++pos;
        high = ReadCount(re, pos);
        if (high < 0) high = low + 1;  // {m,}: m copies and a loop
      }
      if (std::max(low, high) > kMaxRegexRepeat) {
        return "regular expression repeats more than " + std::to_string(kMaxRegexRepeat) + " times";
      }
      if (low < 0 || pos >= re.size() || re[pos] != '}') {
        AddAtom(frame, 1);  // not a repetition: std::regex decides what it is
        continue;
      }
      const int64_t repeated = SaturatingMul(frame.last_atom, std::max<int64_t>(high, 1));
      frame.total = std::min(frame.total - frame.last_atom + repeated, kMaxRegexExpandedSize + 1);
      frame.last_atom = repeated;
      i = pos;
    } else if (c != '*' && c != '+' && c != '?' && c != '|' && c != '^' && c != '$') {
      AddAtom(frame, 1);
    }
    if (std::any_of(frames.begin(), frames.end(),
                    [](const Frame& f) { return f.total > kMaxRegexExpandedSize; })) {
      return "regular expression expands to more than " + std::to_string(kMaxRegexExpandedSize) +
             " states (counted repetitions multiply)";
    }
  }
  return "";
}

}  // namespace mw
