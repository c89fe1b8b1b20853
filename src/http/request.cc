// Request's accessors.
#include <cctype>
#include <string>
#include <string_view>

#include "http/http.h"

namespace mw::http {

std::string_view Request::header(const std::string& name) const {
  const auto it = headers.find(name);
  return it == headers.end() ? std::string_view() : std::string_view(it->second);
}

const std::string* Request::query_param(const std::string& name) const {
  const auto it = query.find(name);
  return it == query.end() ? nullptr : &it->second;
}

std::string Request::media_type() const {
  std::string_view ct = header("content-type");
  const size_t semi = ct.find(';');
  if (semi != std::string_view::npos) ct = ct.substr(0, semi);
  while (!ct.empty() && (ct.back() == ' ' || ct.back() == '\t')) ct.remove_suffix(1);
  while (!ct.empty() && (ct.front() == ' ' || ct.front() == '\t')) ct.remove_prefix(1);
  std::string out(ct);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace mw::http
