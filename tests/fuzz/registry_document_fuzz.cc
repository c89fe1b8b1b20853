// Registry documents (registry/document.h): the bodies of PUT /v1/models/{model} and
// PUT /v1/models/{model}/versions/{version}, and the metadata.json files `registry import` reads.
//
// The first byte picks the parser: even = ParseModelVersionDocument (model "m", version "v3"),
// odd = ParseModelDocument (model "m"); the seed files start with '0' or '1'. A parsed document is
// answered back as the routes do (ModelToJson / ModelVersionToJson, dumped with invalid UTF-8
// replaced).
//
// Checked besides memory safety: a value exactly when there are no errors, malformed only with an
// error.
#include <nlohmann/json.hpp>

#include "fuzz/fuzz_check.h"
#include "registry/document.h"

namespace {

template <typename T>
void CheckParsed(const mw::registry::ParsedDocument<T>& parsed) {
  FUZZ_CHECK(parsed.value.has_value() == parsed.errors.empty());
  if (parsed.malformed) FUZZ_CHECK(!parsed.errors.empty());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view body = mw::fuzz::AsText(data + 1, size - 1);
  constexpr auto kReplace = nlohmann::json::error_handler_t::replace;
  if (data[0] & 1) {
    const auto parsed = mw::registry::ParseModelDocument("m", body);
    CheckParsed(parsed);
    if (parsed.value) (void)mw::registry::ModelToJson(*parsed.value).dump(-1, ' ', false, kReplace);
  } else {
    const auto parsed = mw::registry::ParseModelVersionDocument("m", "v3", body);
    CheckParsed(parsed);
    if (parsed.value)
      (void)mw::registry::ModelVersionToJson(*parsed.value).dump(-1, ' ', false, kReplace);
  }
  return 0;
}
