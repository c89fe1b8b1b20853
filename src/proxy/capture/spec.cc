#include "proxy/capture/spec.h"

#include <array>
#include <utility>

#include "common/json.h"
#include "proxy/capture/detail/json_pointer.h"

namespace mw::proxy {
namespace {

struct SourcePrefix {
  std::string_view name;
  Source::Kind kind;
};
constexpr std::array<SourcePrefix, 5> kSourcePrefixes = {{
    {"request", Source::Kind::kRequest},
    {"response", Source::Kind::kResponse},
    {"path", Source::Kind::kPath},
    {"header", Source::Kind::kHeader},
    {"const", Source::Kind::kConstant},
}};

std::string_view TrimSourceText(std::string_view s) {
  while (!s.empty() && IsJsonWhitespace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsJsonWhitespace(s.back())) s.remove_suffix(1);
  return s;
}

// RFC 9110 §5.6.2 tchar.
bool IsHeaderTokenChar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

Result<Source> ParseHeaderSource(std::string_view name) {
  if (name.empty()) return InvalidArgument("header: the header name is empty");
  std::string lower;
  lower.reserve(name.size());
  for (const char c : name) {
    if (!IsHeaderTokenChar(c)) {
      std::string quoted;
      AppendJsonString(&quoted, name);
      return InvalidArgument("header: " + quoted +
                             " is not a header name (RFC 9110 token characters only)");
    }
    lower.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c);
  }
  return Source{Source::Kind::kHeader, std::move(lower)};
}

}  // namespace

Result<Source> ParseSource(std::string_view text) {
  for (const SourcePrefix& prefix : kSourcePrefixes) {
    if (text.size() <= prefix.name.size() || text.substr(0, prefix.name.size()) != prefix.name ||
        text[prefix.name.size()] != ':') {
      continue;
    }
    const std::string_view rest = text.substr(prefix.name.size() + 1);
    switch (prefix.kind) {
      case Source::Kind::kConstant:
        return Source{Source::Kind::kConstant, std::string(TrimSourceText(rest))};
      case Source::Kind::kRequest:
      case Source::Kind::kResponse: {
        const std::string_view pointer = TrimSourceText(rest);
        if (auto parsed = detail::ParseJsonPointer(pointer); !parsed) return parsed.error();
        return Source{prefix.kind, std::string(pointer)};
      }
      case Source::Kind::kPath: {
        const std::string_view name = TrimSourceText(rest);
        if (name.empty()) return InvalidArgument("path: the parameter name is empty");
        return Source{Source::Kind::kPath, std::string(name)};
      }
      case Source::Kind::kHeader:
        return ParseHeaderSource(TrimSourceText(rest));
    }
  }
  return Source{Source::Kind::kConstant, std::string(text)};
}

}  // namespace mw::proxy
