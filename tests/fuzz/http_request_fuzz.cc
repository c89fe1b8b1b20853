// libFuzzer target: HTTP/1.x request framing exactly as the server's sessions do it
// (http::detail::ParseRequestBytes: Beast's parser with the server's limits, then the server's
// own header checks), and routing of every accepted request over the API's route templates.
// Seeds: corpus/http_request/, dictionary: http_request.dict.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "http/detail/request_framing.h"
#include "http/http.h"

namespace {

// The route templates of api::RegisterRoutes (src/api/api.cc), without handlers: the fuzz target
// links only the HTTP library. Keep in step when routes change.
const mw::http::Router& FuzzRouter() {
  static const mw::http::Router router = [] {
    mw::http::Router r;
    const auto noop = [](mw::http::Request&, const mw::http::PathParams&, mw::http::Responder) {};
    for (const auto& [method, path] : std::initializer_list<std::pair<const char*, const char*>>{
             {"POST", "/v1/predictions"},
             {"POST", "/v1/actuals"},
             {"GET", "/v1/models"},
             {"GET", "/v1/models/{model}"},
             {"PUT", "/v1/models/{model}"},
             {"PUT", "/v1/models/{model}/versions/{version}"},
             {"GET", "/v1/predictions/{id}"},
             {"GET", "/v1/models/{model}/performance"},
             {"GET", "/v1/models/{model}/drift"},
             {"GET", "/v1/models/{model}/quality"},
             {"GET", "/v1/models/{model}/history"},
             {"POST", "/v1/models/{model}/versions/{version}/reference"},
             {"GET", "/v1/models/{model}/references"},
             {"GET", "/v1/admin/profiles"},
             {"POST", "/v1/admin/profiles/unload"},
             {"GET", "/v1/admin/evaluator"},
             {"GET", "/v1/models/{model}/importance-change"},
             {"GET", "/v1/alerts"},
             {"GET", "/v1/alerts/history"},
             {"GET", "/v1/rules"},
             {"GET", "/metrics"},
             {"GET", "/health"},
             {"GET", "/health/db"},
             {"GET", "/livez"},
             {"GET", "/readyz"},
         }) {
      r.Add(method, path, noop);
    }
    return r;
  }();
  return router;
}

// Small enough that the fuzzer reaches the 413 paths; the server's default is 16 MiB.
constexpr int64_t kFuzzMaxBodyBytes = 4096;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  const mw::http::detail::FramedRequest framed =
      mw::http::detail::ParseRequestBytes(bytes, kFuzzMaxBodyBytes);
  // Exactly one outcome.
  const int outcomes =
      (framed.request ? 1 : 0) + (framed.error ? 1 : 0) + (framed.need_more ? 1 : 0);
  if (outcomes != 1) __builtin_trap();
  if (framed.error) {
    const int status = framed.error->status;
    if (status < 400 || status > 599 || framed.error->body.empty()) __builtin_trap();
  }
  if (framed.request) {
    const mw::http::Request& request = *framed.request;
    if (static_cast<int64_t>(request.body.size()) > kFuzzMaxBodyBytes) __builtin_trap();
    const auto match = FuzzRouter().Find(request.method, request.raw_path);
    if (match.route != nullptr) {
      // Every parameter of the template was filled, none empty.
      for (const auto& [name, value] : match.params) {
        if (value.empty()) __builtin_trap();
      }
    }
    (void)request.media_type();
  }
  return 0;
}
