// The current window (the logged predictions being monitored), column by column, aligned with a
// reference profile so that feature i of the window is compared with feature i of the reference.
//
// Values are read with the reference's feature types: a value of the other kind is not coerced
// but counted as a type mismatch (a data-quality finding) and left out of the column.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "profile/profile.h"

namespace mw::profile {

struct CurrentColumns {
  int64_t rows = 0;
  // Index = feature index in the reference profile. numeric[i] is filled (sorted ascending) when
  // feature i is numeric and left empty otherwise; categorical[i] likewise. Each column's
  // `missing` counts the rows where the feature was absent or null (or a CSV missing marker).
  std::vector<NumericColumn> numeric;
  std::vector<CategoricalColumn> categorical;
  // Per reference feature: rows whose value was of the wrong kind (excluded from the column).
  std::vector<int64_t> type_mismatches;
  // Feature names the reference does not have -> rows carrying a non-missing value for them.
  std::map<std::string, int64_t, std::less<>> unknown_features;
  // Model outputs and ground truth of the window (sorted by Finish / ColumnsFromCsv).
  NumericColumn prediction, actual;
};

// Accumulates the current window one logged prediction at a time.
//
// Thread-safety: none; one builder per thread. The constructor copies what it needs from
// `reference` (feature names and types), so the reference need not outlive the builder.
class CurrentColumnsBuilder {
 public:
  explicit CurrentColumnsBuilder(const ReferenceProfile& reference);
  ~CurrentColumnsBuilder();
  CurrentColumnsBuilder(const CurrentColumnsBuilder&) = delete;
  CurrentColumnsBuilder& operator=(const CurrentColumnsBuilder&) = delete;

  // Adds one row from a prediction's features JSON object (as stored in
  // prediction_logs.features). Numeric feature: number -> value; string or bool -> type mismatch;
  // null or absent -> missing. Categorical feature: string -> category; number -> its token text
  // as sent ("1.50" stays "1.50"); bool -> "true"/"false"; null or absent -> missing. A nested
  // object or array is a type mismatch for either type.
  // Returns kInvalidArgument, and does not count the row at all, when the text is not exactly one
  // well-formed JSON object or names a feature twice.
  Status AddFeaturesJson(std::string_view features_json);

  // The prediction and the ground truth of a row; non-finite values count as missing.
  void AddPrediction(double value);
  void AddActual(double value);

  // The columns, with numeric ones sorted. The builder is spent afterwards.
  CurrentColumns Finish() &&;

 private:
  struct Impl;  // keeps simdjson out of this header
  std::unique_ptr<Impl> impl_;
};

// The current window from CSV text (header row; same syntax and missing markers as
// BuildProfileFromCsv): columns named like reference features fill those features, the
// prediction/actual columns fill `prediction`/`actual`, `ignore_columns` are skipped and any
// other column is an unknown feature. Reference features without a column are missing in every
// row. Numbers are parsed straight from the text.
// Returns kInvalidArgument naming the line for malformed CSV, text that is not UTF-8, an empty
// input or one without data rows, a duplicate header, a non-numeric prediction/actual value or more
// than `options.max_rows` rows.
Result<CurrentColumns> ColumnsFromCsv(std::string_view text, const ReferenceProfile& reference,
                                      const ProfileOptions& options = {});

}  // namespace mw::profile
