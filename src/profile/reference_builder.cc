// Both builders make two passes over the text: the first infers each feature's type, the second
// files the values. Holding every value until the type is known would need the text of every
// number (a numeric-looking column may still turn out categorical on its last row), which for a
// few million rows costs far more memory than reading the text twice costs time.
#include "profile/reference_builder.h"

#include <simdjson.h>

#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "profile/detail/cells.h"
#include "profile/detail/column_accumulator.h"
#include "profile/detail/csv_reader.h"
#include "profile/detail/csv_table.h"
#include "profile/detail/json_object_reader.h"
#include "profile/detail/string_index.h"

namespace mw::profile {
namespace {

using detail::Cell;
using detail::CellKind;
using detail::ColumnRole;

// The role of a column named `name` in a reference, before feature indexes are assigned.
ColumnRole::Kind RoleOf(std::string_view name, const ProfileOptions& options) {
  if (name == options.prediction_column) return ColumnRole::Kind::kPrediction;
  if (name == options.actual_column) return ColumnRole::Kind::kActual;
  if (options.ignore_columns.contains(name)) return ColumnRole::Kind::kIgnored;
  return ColumnRole::Kind::kFeature;
}

// The features of a reference as its columns are met, and their types as far as known.
class FeatureSet {
 public:
  explicit FeatureSet(const ProfileOptions& options) : options_(options) {}

  size_t Add(std::string_view name) {
    names_.emplace_back(name);
    const auto forced = options_.types.find(name);
    forced_.push_back(forced != options_.types.end());
    types_.push_back(forced_.back() ? forced->second : FeatureType::kNumeric);
    return names_.size() - 1;
  }
  bool inferring(size_t i) const { return !forced_[i] && types_[i] == FeatureType::kNumeric; }
  void MarkCategorical(size_t i) { types_[i] = FeatureType::kCategorical; }
  FeatureType type(size_t i) const { return types_[i]; }
  const std::string& name(size_t i) const { return names_[i]; }
  const std::vector<FeatureType>& types() const { return types_; }
  std::vector<std::string> TakeNames() { return std::move(names_); }

 private:
  const ProfileOptions& options_;
  std::vector<std::string> names_;
  std::vector<bool> forced_;
  std::vector<FeatureType> types_;
};

std::string LinePrefix(int64_t line) { return "line " + std::to_string(line) + ": "; }

}  // namespace

Result<ReferenceProfile> BuildProfileFromCsv(std::string_view text, const ProfileOptions& options) {
  detail::CsvReader reader(text);
  std::vector<std::string> names;
  if (Status status = detail::ReadCsvHeader(&reader, &names); !status.ok()) return status;
  FeatureSet features(options);
  std::vector<ColumnRole> roles(names.size());
  std::vector<size_t> inferring;  // columns of features whose type is still being inferred
  bool has_prediction = false, has_actual = false;
  for (size_t i = 0; i < names.size(); ++i) {
    roles[i].kind = RoleOf(names[i], options);
    has_prediction |= roles[i].kind == ColumnRole::Kind::kPrediction;
    has_actual |= roles[i].kind == ColumnRole::Kind::kActual;
    if (roles[i].kind != ColumnRole::Kind::kFeature) continue;
    roles[i].feature = features.Add(names[i]);
    if (features.inferring(roles[i].feature)) inferring.push_back(i);
  }

  Status inferred = detail::ForEachCsvRecord(
      &reader, names, options.max_rows, [&](const std::vector<std::string_view>& fields) {
        for (size_t k = 0; k < inferring.size();) {
          const std::string_view field = fields[inferring[k]];
          double ignored = 0;
          if (detail::IsMissingMarker(field) || detail::ParseFiniteNumber(field, &ignored)) {
            ++k;
          } else {
            features.MarkCategorical(roles[inferring[k]].feature);
            inferring.erase(inferring.begin() + static_cast<std::ptrdiff_t>(k));
          }
        }
        return Status::Ok();
      });
  if (!inferred.ok()) return inferred;

  detail::CsvReader second(text);
  std::vector<std::string> second_names;
  if (Status status = detail::ReadCsvHeader(&second, &second_names); !status.ok()) return status;
  detail::ColumnAccumulator columns(features.types());
  if (Status status = detail::FillColumnsFromCsv(&second, second_names, roles, options.max_rows,
                                                 /*mismatch_is_error=*/true, &columns);
      !status.ok()) {
    return status;
  }
  return detail::ToReferenceProfile(std::move(columns).Finish(), features.TakeNames(),
                                    features.types(), has_prediction, has_actual);
}

namespace {

// Calls on_line(line, line_number) for each line of `padded` that is not blank; stops at the
// first error on_line returns.
template <typename OnLine>
Status ForEachNdjsonLine(const simdjson::padded_string& padded, OnLine&& on_line) {
  const char* const begin = padded.data();
  const char* const end = begin + padded.size();
  const char* const capacity_end = end + simdjson::SIMDJSON_PADDING;
  int64_t line_number = 0;
  for (const char* line = begin; line < end;) {
    const char* newline = static_cast<const char*>(std::memchr(line, '\n', end - line));
    const char* line_end = newline == nullptr ? end : newline;
    ++line_number;
    std::string_view text(line, line_end - line);
    if (text.ends_with('\r')) text.remove_suffix(1);
    if (text.find_first_not_of(" \t\r") != std::string_view::npos) {
      const simdjson::padded_string_view view(text.data(), text.size(), capacity_end - text.data());
      if (Status status = on_line(view, line_number); !status.ok()) return status;
    }
    line = line_end + 1;
  }
  return Status::Ok();
}

// The columns met in NDJSON lines: each key gets an id the first time it is seen, so repeated
// keys within a line are found with one stamp per id instead of a set per line.
class NdjsonColumns {
 public:
  NdjsonColumns(const ProfileOptions& options, FeatureSet* features)
      : options_(options), features_(features) {}

  // Starts a new line (for the repeated-key check).
  void StartLine() { ++line_stamp_; }

  // The role of `key`, registering it on first sight; false when the line already had it.
  bool Visit(std::string_view key, ColumnRole* role) {
    auto it = ids_.find(key);
    if (it == ids_.end()) {
      ColumnRole added;
      added.kind = RoleOf(key, options_);
      if (added.kind == ColumnRole::Kind::kFeature) added.feature = features_->Add(key);
      has_prediction_ |= added.kind == ColumnRole::Kind::kPrediction;
      has_actual_ |= added.kind == ColumnRole::Kind::kActual;
      it = ids_.emplace(std::string(key), roles_.size()).first;
      roles_.push_back(added);
      last_line_.push_back(0);
    }
    if (last_line_[it->second] == line_stamp_) return false;
    last_line_[it->second] = line_stamp_;
    *role = roles_[it->second];
    return true;
  }
  bool has_prediction() const { return has_prediction_; }
  bool has_actual() const { return has_actual_; }

 private:
  const ProfileOptions& options_;
  FeatureSet* features_;
  detail::StringMap<size_t> ids_;
  std::vector<ColumnRole> roles_;
  std::vector<int64_t> last_line_;  // per id: the stamp of the last line that had it
  int64_t line_stamp_ = 0;
  bool has_prediction_ = false, has_actual_ = false;
};

// Reads one line's object, calling on_member(key, cell, role) -> Status for each member, and
// turns every failure into an error that names the line.
template <typename OnMember>
Status ReadNdjsonLine(detail::JsonObjectReader* reader, NdjsonColumns* columns,
                      const simdjson::padded_string_view& line, int64_t line_number,
                      OnMember&& on_member) {
  Status failure;
  columns->StartLine();
  const detail::JsonObjectResult result =
      reader->Read(line, [&](std::string_view key, const Cell& cell) {
        ColumnRole role;
        if (!columns->Visit(key, &role)) {
          failure = InvalidArgument(LinePrefix(line_number) + "column \"" + std::string(key) +
                                    "\" appears twice");
          return false;
        }
        if (role.kind == ColumnRole::Kind::kIgnored) return true;
        if (cell.kind == CellKind::kNested) {
          failure = InvalidArgument(LinePrefix(line_number) + "column \"" + std::string(key) +
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
      return InvalidArgument(LinePrefix(line_number) + "expected a JSON object");
    case detail::JsonObjectOutcome::kMalformed:
      return InvalidArgument(LinePrefix(line_number) + result.message);
    case detail::JsonObjectOutcome::kStopped:
      break;
  }
  return failure;
}

Status ExpectedNumber(int64_t line, std::string_view key, const Cell& cell) {
  std::string got;
  switch (cell.kind) {
    case CellKind::kString:
      got = "a string";
      break;
    case CellKind::kBool:
      got = "a boolean";
      break;
    default:
      got = "a number that is not finite";
      break;
  }
  return InvalidArgument(LinePrefix(line) + "column \"" + std::string(key) +
                         "\": expected a number, got " + got);
}

}  // namespace

Result<ReferenceProfile> BuildProfileFromNdjson(std::string_view text,
                                                const ProfileOptions& options) {
  // simdjson reads up to SIMDJSON_PADDING bytes past the end of what it parses.
  const simdjson::padded_string padded(text);
  FeatureSet features(options);
  NdjsonColumns columns(options, &features);
  detail::JsonObjectReader reader;
  int64_t rows = 0;
  Status inferred = ForEachNdjsonLine(padded, [&](const auto& line, int64_t line_number) {
    if (++rows > options.max_rows) {
      return InvalidArgument(LinePrefix(line_number) + "too many rows (at most " +
                             std::to_string(options.max_rows) + ")");
    }
    return ReadNdjsonLine(
        &reader, &columns, line, line_number,
        [&](std::string_view key, const Cell& cell, const ColumnRole& role) -> Status {
          const bool missing = cell.kind == CellKind::kMissing;
          if (role.kind != ColumnRole::Kind::kFeature) {  // prediction or actual
            if (!missing && cell.kind != CellKind::kNumber) {
              return ExpectedNumber(line_number, key, cell);
            }
          } else if (!missing && cell.kind != CellKind::kNumber &&
                     features.type(role.feature) == FeatureType::kNumeric) {
            if (!features.inferring(role.feature)) return ExpectedNumber(line_number, key, cell);
            features.MarkCategorical(role.feature);
          }
          return Status::Ok();
        });
  });
  if (!inferred.ok()) return inferred;
  if (rows == 0) return InvalidArgument("the input is empty");

  // The second pass meets the same keys in the same order, so the ids (and feature indexes)
  // of the first pass are reused as they are.
  detail::ColumnAccumulator accumulator(features.types());
  Status filled = ForEachNdjsonLine(padded, [&](const auto& line, int64_t line_number) {
    Status status = ReadNdjsonLine(
        &reader, &columns, line, line_number,
        [&](std::string_view key, const Cell& cell, const ColumnRole& role) -> Status {
          bool fits = true;
          if (role.kind == ColumnRole::Kind::kFeature) {
            fits = accumulator.AddFeature(role.feature, cell);
          } else if (role.kind == ColumnRole::Kind::kPrediction) {
            fits = accumulator.AddPrediction(cell);
          } else {
            fits = accumulator.AddActual(cell);
          }
          return fits ? Status::Ok() : ExpectedNumber(line_number, key, cell);
        });
    accumulator.EndRow();
    return status;
  });
  if (!filled.ok()) return filled;
  return detail::ToReferenceProfile(std::move(accumulator).Finish(), features.TakeNames(),
                                    features.types(), columns.has_prediction(),
                                    columns.has_actual());
}

}  // namespace mw::profile
