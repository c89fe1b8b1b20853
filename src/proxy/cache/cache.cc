// Cacheable and StorableHeaders (cache.h): which answers may be kept, and which of their fields.
#include "proxy/cache/cache.h"

#include <algorithm>
#include <utility>

namespace mw::proxy {
namespace {

char CacheLowerAscii(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

// True when `text` equals the lower-case `lower`, ASCII case-insensitively.
bool CacheEqualsLower(std::string_view text, std::string_view lower) {
  return text.size() == lower.size() &&
         std::equal(text.begin(), text.end(), lower.begin(),
                    [](char a, char b) { return CacheLowerAscii(a) == b; });
}

bool CacheStartsWithLower(std::string_view text, std::string_view lower) {
  return text.size() >= lower.size() && CacheEqualsLower(text.substr(0, lower.size()), lower);
}

std::string_view CacheTrimOws(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Calls `each` with every element of the comma-separated list `value` (RFC 9110 §5.6.1), trimmed;
// empty elements are skipped.
template <typename Each>
void CacheForEachListElement(std::string_view value, Each each) {
  while (!value.empty()) {
    const size_t comma = value.find(',');
    const std::string_view element = CacheTrimOws(value.substr(0, comma));
    if (!element.empty()) each(element);
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
}

// True for a Cache-Control value with a no-store or private directive. A directive is its name up
// to '=' (private="Set-Cookie" is still private). A quoted argument holding a comma splits
// wrongly, which can only find a directive that is not there: the answer is then not kept.
bool CacheControlForbidsStoring(std::string_view value) {
  bool forbidden = false;
  CacheForEachListElement(value, [&](std::string_view directive) {
    const std::string_view name = CacheTrimOws(directive.substr(0, directive.find('=')));
    if (CacheEqualsLower(name, "no-store") || CacheEqualsLower(name, "private")) forbidden = true;
  });
  return forbidden;
}

// The fields a stored answer never replays, whatever the Connection field names.
bool CacheIsAlwaysDropped(std::string_view name) {
  static constexpr std::string_view kDropped[] = {"connection", "keep-alive",        "te",
                                                  "trailer",    "transfer-encoding", "upgrade",
                                                  "date",       "content-length"};
  for (const std::string_view dropped : kDropped) {
    if (CacheEqualsLower(name, dropped)) return true;
  }
  return CacheStartsWithLower(name, "proxy-");
}

std::string CacheLowerCopy(std::string_view text) {
  std::string lower(text);
  for (char& c : lower) c = CacheLowerAscii(c);
  return lower;
}

}  // namespace

ResponseCache::~ResponseCache() = default;

bool Cacheable(int status, const CacheHeaders& headers) {
  if (status < 200 || status > 299 || status == 206) return false;
  for (const auto& [name, value] : headers) {
    if (CacheEqualsLower(name, "set-cookie")) return false;
    if (CacheEqualsLower(name, "cache-control") && CacheControlForbidsStoring(value)) return false;
  }
  return true;
}

CacheHeaders StorableHeaders(CacheHeaders headers) {
  // The names every Connection field lists (there may be several fields), lower-cased.
  std::vector<std::string> named;
  for (const auto& [name, value] : headers) {
    if (!CacheEqualsLower(name, "connection")) continue;
    CacheForEachListElement(
        value, [&](std::string_view option) { named.push_back(CacheLowerCopy(option)); });
  }
  const auto drop = [&](const std::pair<std::string, std::string>& field) {
    if (CacheIsAlwaysDropped(field.first)) return true;
    return std::any_of(named.begin(), named.end(), [&](const std::string& lower) {
      return CacheEqualsLower(field.first, lower);
    });
  };
  headers.erase(std::remove_if(headers.begin(), headers.end(), drop), headers.end());
  return headers;
}

}  // namespace mw::proxy
