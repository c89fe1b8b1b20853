// References from JSON rows: NDJSON uploads, and windows of logged predictions. Both read their
// rows twice, like the CSV builder (see reference_builder_csv.cc for why).
#include <simdjson.h>

#include <cmath>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "common/json_limits.h"
#include "profile/detail/cells.h"
#include "profile/detail/column_accumulator.h"
#include "profile/detail/feature_set.h"
#include "profile/detail/json_object_reader.h"
#include "profile/detail/string_index.h"
#include "profile/reference_builder.h"

namespace mw::profile {
namespace {

using detail::Cell;
using detail::CellKind;
using detail::ColumnRole;

// One row: its JSON object, how errors name it ("line 3", "row 3"), and for logged rows the
// prediction and actual that come beside the object.
struct JsonRow {
  simdjson::padded_string_view object;
  std::string where;
  const Cell* prediction = nullptr;  // logged rows only
  const Cell* actual = nullptr;      // logged rows only
};

// Whether object keys are columns named by the options (NDJSON uploads) or all features (the
// features object of a logged prediction, whose prediction and actual live outside it).
enum class Keys { kColumns, kFeaturesOnly };

// The columns met in the rows: each key gets an id the first time it is seen, so repeated keys
// within a row are found with one stamp per id instead of a set per row.
class JsonColumns {
 public:
  JsonColumns(const ProfileOptions& options, Keys keys, detail::FeatureSet* features)
      : options_(options), keys_(keys), features_(features) {}

  void StartRow() { ++row_stamp_; }

  // The role of `key`, registering it on first sight; false when the row already had it.
  bool Visit(std::string_view key, ColumnRole* role) {
    auto it = ids_.find(key);
    if (it == ids_.end()) {
      ColumnRole added;
      added.kind = keys_ == Keys::kColumns ? detail::ReferenceRoleOf(key, options_)
                                           : ColumnRole::Kind::kFeature;
      if (added.kind == ColumnRole::Kind::kFeature) added.feature = features_->Add(key);
      has_prediction_ |= added.kind == ColumnRole::Kind::kPrediction;
      has_actual_ |= added.kind == ColumnRole::Kind::kActual;
      it = ids_.emplace(std::string(key), roles_.size()).first;
      roles_.push_back(added);
      last_row_.push_back(0);
    }
    if (last_row_[it->second] == row_stamp_) return false;
    last_row_[it->second] = row_stamp_;
    *role = roles_[it->second];
    return true;
  }
  void SawPrediction() { has_prediction_ = true; }
  void SawActual() { has_actual_ = true; }
  bool has_prediction() const { return has_prediction_; }
  bool has_actual() const { return has_actual_; }

 private:
  const ProfileOptions& options_;
  const Keys keys_;
  detail::FeatureSet* features_;
  detail::StringMap<size_t> ids_;
  std::vector<ColumnRole> roles_;
  std::vector<int64_t> last_row_;  // per id: the stamp of the last row that had it
  int64_t row_stamp_ = 0;
  bool has_prediction_ = false, has_actual_ = false;
};

Status RowError(const JsonRow& row, std::string_view what) {
  return InvalidArgument(row.where + ": " + std::string(what));
}

Status ExpectedNumber(const JsonRow& row, std::string_view key, const Cell& cell) {
  const char* got = cell.kind == CellKind::kString ? "a string"
                    : cell.kind == CellKind::kBool ? "a boolean"
                                                   : "a number that is not finite";
  return RowError(row, "column \"" + std::string(key) + "\": expected a number, got " + got);
}

// Reads one row's object, calling on_member(key, cell, role) -> Status for each member that is
// not ignored, and turns every failure into an error that names the row.
template <typename OnMember>
Status ReadRow(detail::JsonObjectReader* reader, JsonColumns* columns, const JsonRow& row,
               OnMember&& on_member) {
  Status failure;
  columns->StartRow();
  const detail::JsonObjectResult result =
      reader->Read(row.object, [&](std::string_view key, const Cell& cell) {
        ColumnRole role;
        if (!columns->Visit(key, &role)) {
          failure = RowError(row, "column \"" + std::string(key) + "\" appears twice");
          return false;
        }
        if (role.kind == ColumnRole::Kind::kIgnored) return true;
        if (cell.kind == CellKind::kNested) {
          failure = RowError(row, "column \"" + std::string(key) +
                                      "\": nested objects and arrays are not supported");
          return false;
        }
        failure = on_member(key, cell, role);
        return failure.ok();
      });
  switch (result.outcome) {
    case detail::JsonObjectOutcome::kOk:
      return Status::Ok();
    case detail::JsonObjectOutcome::kNotObject:
      return RowError(row, "expected a JSON object");
    case detail::JsonObjectOutcome::kMalformed:
      return RowError(row, result.message);
    case detail::JsonObjectOutcome::kStopped:
      break;
  }
  return failure;
}

// The two passes over the rows. for_each_row(on_row) calls on_row(const JsonRow&) -> Status for
// every row in order, stopping at the first error, and must present the same rows both times.
template <typename ForEachRow>
Result<ReferenceProfile> BuildFromJsonRows(ForEachRow&& for_each_row, Keys keys,
                                           const ProfileOptions& options) {
  detail::FeatureSet features(options);
  JsonColumns columns(options, keys, &features);
  detail::JsonObjectReader reader;
  int64_t rows = 0;
  Status inferred = for_each_row([&](const JsonRow& row) -> Status {
    if (++rows > options.max_rows) {
      return RowError(row, "too many rows (at most " + std::to_string(options.max_rows) + ")");
    }
    if (row.prediction != nullptr) columns.SawPrediction();
    if (row.actual != nullptr && row.actual->kind != CellKind::kMissing) columns.SawActual();
    return ReadRow(&reader, &columns, row,
                   [&](std::string_view key, const Cell& cell, const ColumnRole& role) -> Status {
                     const bool number = cell.kind == CellKind::kNumber;
                     if (cell.kind == CellKind::kMissing || number) return Status::Ok();
                     if (role.kind != ColumnRole::Kind::kFeature) {  // prediction or actual
                       return ExpectedNumber(row, key, cell);
                     }
                     if (features.type(role.feature) == FeatureType::kNumeric) {
                       if (!features.inferring(role.feature)) {
                         return ExpectedNumber(row, key, cell);
                       }
                       features.MarkCategorical(role.feature);
                     }
                     return Status::Ok();
                   });
  });
  if (!inferred.ok()) return inferred;
  if (rows == 0) return InvalidArgument("the input is empty");

  // The second pass meets the same keys in the same order, so the ids (and feature indexes) of
  // the first pass are reused as they are, and no value can fail to fit any more.
  detail::ColumnAccumulator accumulator(features.types());
  Status filled = for_each_row([&](const JsonRow& row) -> Status {
    if (row.prediction != nullptr) (void)accumulator.AddPrediction(*row.prediction);
    if (row.actual != nullptr) (void)accumulator.AddActual(*row.actual);
    Status status =
        ReadRow(&reader, &columns, row,
                [&](std::string_view key, const Cell& cell, const ColumnRole& role) -> Status {
                  bool fits = true;
                  if (role.kind == ColumnRole::Kind::kFeature) {
                    fits = accumulator.AddFeature(role.feature, cell);
                  } else if (role.kind == ColumnRole::Kind::kPrediction) {
                    fits = accumulator.AddPrediction(cell);
                  } else {
                    fits = accumulator.AddActual(cell);
                  }
                  return fits ? Status::Ok() : ExpectedNumber(row, key, cell);
                });
    accumulator.EndRow();
    return status;
  });
  if (!filled.ok()) return filled;
  return detail::ToReferenceProfile(std::move(accumulator).Finish(), features.TakeNames(),
                                    features.types(), columns.has_prediction(),
                                    columns.has_actual());
}

Cell NumberCell(double value) {
  Cell cell;
  if (std::isfinite(value)) {
    cell.kind = CellKind::kNumber;
    cell.number = value;
  }
  return cell;
}

}  // namespace

Result<ReferenceProfile> BuildProfileFromNdjson(std::string_view text,
                                                const ProfileOptions& options) {
  // simdjson reads up to SIMDJSON_PADDING bytes past the end of what it parses.
  const simdjson::padded_string padded(StripUtf8Bom(text));
  const auto for_each_line = [&](auto&& on_row) -> Status {
    const char* const begin = padded.data();
    const char* const end = begin + padded.size();
    const char* const capacity_end = end + simdjson::SIMDJSON_PADDING;
    int64_t line_number = 0;
    for (const char* line = begin; line < end;) {
      const char* newline = static_cast<const char*>(std::memchr(line, '\n', end - line));
      const char* line_end = newline == nullptr ? end : newline;
      ++line_number;
      std::string_view object(line, line_end - line);
      if (object.ends_with('\r')) object.remove_suffix(1);
      if (object.find_first_not_of(" \t\r") != std::string_view::npos) {
        const JsonRow row{
            simdjson::padded_string_view(object.data(), object.size(), capacity_end - line),
            "line " + std::to_string(line_number)};
        if (Status status = on_row(row); !status.ok()) return status;
      }
      line = line_end + 1;
    }
    return Status::Ok();
  };
  return BuildFromJsonRows(for_each_line, Keys::kColumns, options);
}

Result<ReferenceProfile> BuildProfileFromLogged(std::span<const LoggedRow> rows,
                                                const ProfileOptions& options) {
  std::string padded;  // each row's object, copied so that simdjson's padding follows it
  const auto for_each_row = [&](auto&& on_row) -> Status {
    for (size_t i = 0; i < rows.size(); ++i) {
      const std::string_view json = rows[i].features_json;
      padded.assign(json);
      padded.resize(json.size() + simdjson::SIMDJSON_PADDING);
      const Cell prediction = NumberCell(rows[i].prediction);
      const Cell actual = rows[i].actual ? NumberCell(*rows[i].actual) : Cell{};
      const JsonRow row{simdjson::padded_string_view(padded.data(), json.size(), padded.size()),
                        "row " + std::to_string(i + 1), &prediction, &actual};
      if (Status status = on_row(row); !status.ok()) return status;
    }
    return Status::Ok();
  };
  return BuildFromJsonRows(for_each_row, Keys::kFeaturesOnly, options);
}

}  // namespace mw::profile
