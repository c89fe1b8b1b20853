#include <nlohmann/json.hpp>

#include "common/truncate.h"
#include "http/http.h"

namespace mw::http {

Response Problem(int status, std::string_view title, std::string_view detail,
                 std::string_view instance, const std::vector<ProblemField>& errors,
                 std::string_view type) {
  // Pointers, the instance (a request path) and details may carry client input of any length:
  // each is bounded (common/truncate.h) so that an error never echoes a whole request.
  nlohmann::ordered_json doc;
  doc["type"] = type;
  doc["title"] = title;
  doc["status"] = status;
  if (!detail.empty()) doc["detail"] = TruncateForEcho(detail, kMaxProblemDetailBytes);
  if (!instance.empty()) doc["instance"] = TruncateForEcho(instance);
  if (!errors.empty()) {
    auto& list = doc["errors"] = nlohmann::ordered_json::array();
    for (const auto& e : errors) {
      list.push_back({{"pointer", TruncateForEcho(e.pointer)},
                      {"detail", TruncateForEcho(e.detail, kMaxProblemDetailBytes)}});
    }
  }
  Response r;
  r.status = status;
  r.content_type = "application/problem+json";
  // Invalid UTF-8 from a client (e.g. in an echoed id) must not make the error path throw.
  r.body = doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return r;
}

}  // namespace mw::http
