// Builds a model version's reference profile from its training rows, as uploaded by the ML team.
//
// CSV: RFC 4180 with a header row (see detail/csv_reader.h for the exact syntax). A field that is
// empty or reads NA, NaN, nan or null is missing. NDJSON: one JSON object per line (blank lines
// skipped); values number | string | bool | null, null (and the NaN token) being missing.
//
// NDJSON lines come in two shapes, and the first line decides for all:
//   flat:  {"temp": 21.5, "weekday": "mon", "prediction": 52, "actual": 50}: every key a column;
//   event: {"features": {"temp": 21.5, "weekday": "mon"}, "prediction": 52, "actual": 50,
//           "id": ..., "timestamp": ...}: a line of a prediction log, the line has the event shape
//          when its "features" member holds an object. Every key of that object is a feature (as
//          for logged predictions: options.ignore_columns and the prediction/actual column names
//          do not apply inside it, options.types does); outside it the prediction and actual
//          columns keep their roles, and every other key is ignored (ids, timestamps, model,
//          version, segment, latencies, ...). "features": null is a line without features.
//
// Columns: options.prediction_column and options.actual_column become the profile's prediction and
// actual (numbers only); options.ignore_columns are skipped; every other column is a feature, in
// first-seen order.
//
// Type inference (unless options.types fixes the type): a feature is numeric when every
// non-missing value is a finite number (in CSV: the whole field parses with std::from_chars, so
// " 1", "+1", "inf" and "1e999" are not numbers; in NDJSON: a JSON number, never a string) and
// categorical otherwise, in which case numbers are kept as their text and booleans as
// "true"/"false". A feature with no value at all is numeric.
#pragma once

#include <optional>
#include <span>
#include <string_view>

#include "common/status.h"
#include "profile/profile.h"

namespace mw::profile {

// Returns the profile, or kInvalidArgument naming the line (and the column where there is one):
// text that is not UTF-8, empty input, a header without data rows, an empty or duplicate column
// name, a record with the wrong number of fields (`line 17: column "temp": expected 6 fields, got
// 5`), unterminated quotes, a non-number in the prediction/actual column or in a feature forced
// numeric, or more than options.max_rows data rows.
Result<ReferenceProfile> BuildProfileFromCsv(std::string_view text,
                                             const ProfileOptions& options = {});

// Returns the profile, or kInvalidArgument naming the line: empty input, a line that is not a
// JSON object or not valid JSON (which includes invalid UTF-8), a nested object or array value
// other than the event shape's "features" and columns of options.ignore_columns (`line 4: column
// "features.geo": nested objects and arrays are not supported`; a line nested deeper than
// kMaxJsonDepth, common/json_limits.h, is refused naming that limit), a line whose shape differs
// from the first line's, a key repeated within a line (or within "features": `column
// "features.a" appears twice`), a non-number prediction/actual or forced-numeric value, or more
// than options.max_rows lines. A leading UTF-8 byte order mark is skipped, as in CSV.
Result<ReferenceProfile> BuildProfileFromNdjson(std::string_view text,
                                                const ProfileOptions& options = {});

// One logged prediction, as read back from the store.
struct LoggedRow {
  std::string_view features_json;  // the features object as stored ("{}" when none)
  double prediction = 0;
  std::optional<double> actual;
};

// A reference made of logged predictions (a window of traffic taken as the reference). Every key
// of the features objects is a feature: options.ignore_columns and the prediction/actual column
// names do not apply to them, options.types and options.max_rows do. The profile's prediction
// holds the rows' predictions; its actual holds their actuals and is present when at least one
// row has one. Non-finite predictions and actuals count as missing. Returns kInvalidArgument
// naming the row (1-based, "row 3: ...") as BuildProfileFromNdjson would name the line, or "the
// input is empty" for no rows. `rows` is only read during the call.
Result<ReferenceProfile> BuildProfileFromLogged(std::span<const LoggedRow> rows,
                                                const ProfileOptions& options = {});

}  // namespace mw::profile
