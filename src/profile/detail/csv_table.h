// CSV tables on top of CsvReader (internal to src/profile): the header, the checks every data
// record must pass, and filing records into a ColumnAccumulator by column role.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "profile/detail/column_accumulator.h"
#include "profile/detail/csv_reader.h"

namespace mw::profile::detail {

// What a column of the input is for.
struct ColumnRole {
  enum class Kind { kIgnored, kFeature, kPrediction, kActual, kUnknown };
  Kind kind = Kind::kIgnored;
  size_t feature = 0;  // kFeature: the feature index
};

// kInvalidArgument naming the first line that is not valid UTF-8: categories and column names end
// up in JSON responses, and a file saved in a legacy encoding (Latin-1 from a spreadsheet) is
// better refused with a reason than turned into garbled names.
Status CheckUtf8(std::string_view text);

// Reads the header record into `names` and makes the reader name columns by it in errors.
// kInvalidArgument for empty input, an empty column name or a name used twice.
Status ReadCsvHeader(CsvReader* reader, std::vector<std::string>* names);

// `value` quoted for an error message, cut to a readable length.
std::string QuoteValue(std::string_view value);

// Reads the data records after the header, checking that each has exactly names.size() fields
// and that there are at most `max_rows` of them, and calls on_record(fields) for each;
// on_record returns a Status, and the first error stops the walk. kInvalidArgument when the
// header is followed by no record at all.
template <typename OnRecord>
Status ForEachCsvRecord(CsvReader* reader, const std::vector<std::string>& names, int64_t max_rows,
                        OnRecord&& on_record) {
  std::vector<std::string_view> fields;
  int64_t rows = 0;
  for (;;) {
    Result<bool> next = reader->Next(&fields);
    if (!next.has_value()) return next.error();
    if (!*next) break;
    const auto line = [&] { return "line " + std::to_string(reader->line()) + ": "; };
    if (fields.size() != names.size()) {
      return InvalidArgument(line() + reader->DescribeField(std::min(fields.size(), names.size())) +
                             ": expected " + std::to_string(names.size()) + " fields, got " +
                             std::to_string(fields.size()));
    }
    if (++rows > max_rows) {
      return InvalidArgument(line() + "too many rows (at most " + std::to_string(max_rows) + ")");
    }
    if (Status status = on_record(fields); !status.ok()) return status;
  }
  if (rows == 0) return InvalidArgument("no data rows after the header");
  return Status::Ok();
}

// Files every data record into `columns` by `roles` (one per header column). A prediction or
// actual value that is not a number is an error; so is a feature value of the wrong type when
// `mismatch_is_error` (building a reference), which otherwise is counted as a type mismatch.
Status FillColumnsFromCsv(CsvReader* reader, const std::vector<std::string>& names,
                          const std::vector<ColumnRole>& roles, int64_t max_rows,
                          bool mismatch_is_error, ColumnAccumulator* columns);

}  // namespace mw::profile::detail
