// The checks shared by the reference-reader targets (reference_csv_fuzz.cc,
// reference_ndjson_fuzz.cc): the options they build with and the profile invariant.
#pragma once

#include <cmath>

#include "fuzz/fuzz_check.h"
#include "profile/reference_builder.h"
#include "profile/serialize.h"

namespace mw::fuzz {

// Defaults, plus one forced-numeric and one forced-categorical column (the dictionaries name
// them) and a row limit small enough for the fuzzer to reach.
inline profile::ProfileOptions ReferenceFuzzOptions() {
  profile::ProfileOptions options;
  options.types = {{"num", profile::FeatureType::kNumeric},
                   {"cat", profile::FeatureType::kCategorical}};
  options.max_rows = 200;
  return options;
}

inline void CheckColumn(const profile::NumericColumn& column, int64_t rows) {
  FUZZ_CHECK(static_cast<int64_t>(column.sorted.size()) + column.missing == rows);
  for (size_t i = 0; i < column.sorted.size(); ++i) {
    FUZZ_CHECK(std::isfinite(column.sorted[i]));
    if (i > 0) FUZZ_CHECK(column.sorted[i - 1] <= column.sorted[i]);
  }
}

// ReferenceProfile's invariant (profile.h), and the stored form reads back as the same profile.
inline void CheckProfile(const profile::ReferenceProfile& p) {
  for (const profile::FeatureProfile& f : p.features) {
    if (f.type == profile::FeatureType::kNumeric) {
      CheckColumn(f.numeric, p.rows);
      FUZZ_CHECK(f.categorical.counts.empty());
    } else {
      int64_t total = f.categorical.missing;
      for (const auto& [value, count] : f.categorical.counts) {
        FUZZ_CHECK(count > 0);
        total += count;
      }
      FUZZ_CHECK(total == p.rows);
      FUZZ_CHECK(f.numeric.sorted.empty());
    }
  }
  if (p.prediction) CheckColumn(*p.prediction, p.rows);
  if (p.actual) CheckColumn(*p.actual, p.rows);
  const auto back = profile::DeserializeProfile(profile::SerializeProfile(p));
  FUZZ_CHECK(back.has_value());
  FUZZ_CHECK(*back == p);
}

}  // namespace mw::fuzz
