// Reference profiles from CSV training rows (profile/reference_builder.h, BuildProfileFromCsv):
// POST /v1/models/{model}/versions/{version}/reference with text/csv, and `modelwatch reference`.
// The whole input is the CSV text. On success the profile must satisfy its invariant and survive
// the stored form (reference_check.h).
#include "fuzz/fuzz_check.h"
#include "fuzz/reference_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const mw::profile::ProfileOptions options = mw::fuzz::ReferenceFuzzOptions();
  const auto built = mw::profile::BuildProfileFromCsv(mw::fuzz::AsText(data, size), options);
  if (built.has_value()) mw::fuzz::CheckProfile(*built);
  return 0;
}
