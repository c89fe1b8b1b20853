#include "profile/detail/csv_table.h"

#include <simdjson.h>

#include <algorithm>
#include <set>

namespace mw::profile::detail {

Status CheckUtf8(std::string_view text) {
  if (simdjson::validate_utf8(text)) return Status::Ok();
  int64_t line = 1;
  size_t start = 0;
  for (;;) {
    const size_t end = std::min(text.find('\n', start), text.size());
    // UTF-8 sequences never contain a '\n' byte, so some line must be the invalid one.
    if (!simdjson::validate_utf8(text.substr(start, end - start)) || end == text.size()) break;
    ++line;
    start = end + 1;
  }
  return InvalidArgument("line " + std::to_string(line) +
                         ": the text is not valid UTF-8 (save the file as UTF-8)");
}

Status ReadCsvHeader(CsvReader* reader, std::vector<std::string>* names) {
  std::vector<std::string_view> fields;
  Result<bool> next = reader->Next(&fields);
  if (!next.has_value()) return next.error();
  if (!*next) return InvalidArgument("the input is empty");
  const std::string line = "line " + std::to_string(reader->line()) + ": ";
  std::set<std::string_view> seen;
  for (size_t i = 0; i < fields.size(); ++i) {
    if (fields[i].empty()) {
      return InvalidArgument(line + "header field " + std::to_string(i + 1) + " has no name");
    }
    if (!seen.insert(fields[i]).second) {
      return InvalidArgument(line + "duplicate column \"" + std::string(fields[i]) + "\"");
    }
  }
  names->assign(fields.begin(), fields.end());
  reader->set_column_names(names);
  return Status::Ok();
}

std::string QuoteValue(std::string_view value) {
  constexpr size_t kMaxShown = 60;
  if (value.size() <= kMaxShown) return "\"" + std::string(value) + "\"";
  return "\"" + std::string(value.substr(0, kMaxShown)) + "...\"";
}

Status FillColumnsFromCsv(CsvReader* reader, const std::vector<std::string>& names,
                          const std::vector<ColumnRole>& roles, int64_t max_rows,
                          bool mismatch_is_error, ColumnAccumulator* columns) {
  using Kind = ColumnRole::Kind;
  const auto expected_number = [&](size_t i, std::string_view field) {
    return InvalidArgument("line " + std::to_string(reader->line()) + ": column \"" + names[i] +
                           "\": expected a number, got " + QuoteValue(field));
  };
  return ForEachCsvRecord(
      reader, names, max_rows, [&](const std::vector<std::string_view>& fields) {
        for (size_t i = 0; i < fields.size(); ++i) {
          const ColumnRole& role = roles[i];
          if (role.kind == Kind::kIgnored) continue;
          Cell cell;
          if (!IsMissingMarker(fields[i])) {
            cell.kind = CellKind::kField;
            cell.text = fields[i];
          }
          switch (role.kind) {
            case Kind::kFeature:
              if (!columns->AddFeature(role.feature, cell) && mismatch_is_error) {
                return expected_number(i, fields[i]);
              }
              break;
            case Kind::kPrediction:
              if (!columns->AddPrediction(cell)) return expected_number(i, fields[i]);
              break;
            case Kind::kActual:
              if (!columns->AddActual(cell)) return expected_number(i, fields[i]);
              break;
            case Kind::kUnknown:
              columns->AddUnknown(names[i], cell);
              break;
            case Kind::kIgnored:
              break;
          }
        }
        columns->EndRow();
        return Status::Ok();
      });
}

}  // namespace mw::profile::detail
