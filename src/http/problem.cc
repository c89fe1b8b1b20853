#include <nlohmann/json.hpp>

#include "http/http.h"

namespace mw::http {

std::string JsonPointerToken(std::string_view token) {
  std::string out;
  out.reserve(token.size());
  for (const char c : token) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out += c;
    }
  }
  return out;
}

Response Problem(int status, std::string_view title, std::string_view detail,
                 std::string_view instance, const std::vector<ProblemField>& errors,
                 std::string_view type) {
  nlohmann::ordered_json doc;
  doc["type"] = type;
  doc["title"] = title;
  doc["status"] = status;
  if (!detail.empty()) doc["detail"] = detail;
  if (!instance.empty()) doc["instance"] = instance;
  if (!errors.empty()) {
    auto& list = doc["errors"] = nlohmann::ordered_json::array();
    for (const auto& e : errors) list.push_back({{"pointer", e.pointer}, {"detail", e.detail}});
  }
  Response r;
  r.status = status;
  r.content_type = "application/problem+json";
  // Invalid UTF-8 from a client (e.g. in an echoed id) must not make the error path throw.
  r.body = doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return r;
}

}  // namespace mw::http
