// Reference profiles from NDJSON training rows (profile/reference_builder.h,
// BuildProfileFromNdjson): the reference upload with application/x-ndjson. The whole input is the
// NDJSON text. On success the profile must satisfy its invariant and survive the stored form
// (reference_check.h).
#include "fuzz/fuzz_check.h"
#include "fuzz/reference_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const mw::profile::ProfileOptions options = mw::fuzz::ReferenceFuzzOptions();
  const auto built = mw::profile::BuildProfileFromNdjson(mw::fuzz::AsText(data, size), options);
  if (built.has_value()) mw::fuzz::CheckProfile(*built);
  return 0;
}
