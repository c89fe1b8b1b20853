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

// The two shapes of an NDJSON line. Flat: every key is a column. Event: the line of a logged
// prediction, {"features": {...}, "prediction": x, "actual": y, "id": ...}; the keys of the
// "features" object are the features, the prediction and actual columns keep their roles, and
// every other key outside "features" is ignored. The first line decides; the others must agree.
enum class Shape { kFlat, kEvent };
constexpr std::string_view kFeaturesKey = "features";

// The columns met in the rows: each key gets an id the first time it is seen, so repeated keys
// within a row are found with one stamp per id instead of a set per row. Keys inside the event
// shape's "features" object have ids of their own (a feature may share a name with a key outside).
class JsonColumns {
 public:
  JsonColumns(const ProfileOptions& options, Keys keys, detail::FeatureSet* features)
      : options_(options), keys_(keys), features_(features) {}

  void SetShape(Shape shape, std::string where) {
    shape_ = shape;
    shape_where_ = std::move(where);
  }
  Shape shape() const { return shape_; }
  const std::string& shape_where() const { return shape_where_; }  // the line that decided

  void StartRow() { ++row_stamp_; }

  // The role of `key` (`inner`: a key of the "features" object), registering it on first sight;
  // false when the row already had it. `*outside` is set for a key of an event-shape line that
  // is ignored only because it lies outside "features" (not because the options ignore it).
  bool Visit(std::string_view key, bool inner, ColumnRole* role, bool* outside) {
    Scope& scope = scopes_[inner ? 1 : 0];
    auto it = scope.ids.find(key);
    if (it == scope.ids.end()) {
      Known added;
      added.role.kind = RoleOf(key, inner);
      if (shape_ == Shape::kEvent && !inner && added.role.kind == ColumnRole::Kind::kFeature) {
        added.role.kind = ColumnRole::Kind::kIgnored;
        added.outside = true;
      }
      if (added.role.kind == ColumnRole::Kind::kFeature) added.role.feature = features_->Add(key);
      has_prediction_ |= added.role.kind == ColumnRole::Kind::kPrediction;
      has_actual_ |= added.role.kind == ColumnRole::Kind::kActual;
      it = scope.ids.emplace(std::string(key), scope.known.size()).first;
      scope.known.push_back(added);
    }
    Known& known = scope.known[it->second];
    if (known.last_row == row_stamp_) return false;
    known.last_row = row_stamp_;
    *role = known.role;
    *outside = known.outside;
    return true;
  }
  void SawPrediction() { has_prediction_ = true; }
  void SawActual() { has_actual_ = true; }
  bool has_prediction() const { return has_prediction_; }
  bool has_actual() const { return has_actual_; }

 private:
  struct Known {
    ColumnRole role;
    bool outside = false;
    int64_t last_row = 0;  // the stamp of the last row that had the key
  };
  struct Scope {
    detail::StringMap<size_t> ids;
    std::vector<Known> known;
  };

  ColumnRole::Kind RoleOf(std::string_view key, bool inner) const {
    if (inner || keys_ == Keys::kFeaturesOnly) return ColumnRole::Kind::kFeature;
    return detail::ReferenceRoleOf(key, options_);
  }

  const ProfileOptions& options_;
  const Keys keys_;
  detail::FeatureSet* features_;
  Shape shape_ = Shape::kFlat;
  std::string shape_where_;
  Scope scopes_[2];  // keys outside "features" (or of a flat line), keys inside it
  int64_t row_stamp_ = 0;
  bool has_prediction_ = false, has_actual_ = false;
};

Status RowError(const JsonRow& row, std::string_view what) {
  return InvalidArgument(row.where + ": " + std::string(what));
}

// How errors name a column: "column \"x\"", or for a key of the "features" object
// "column \"features.x\"".
std::string ColumnName(std::string_view key, bool inner) {
  return "column \"" + (inner ? std::string(kFeaturesKey) + "." : std::string()) +
         std::string(key) + "\"";
}

Status ExpectedNumber(const JsonRow& row, std::string_view key, bool inner, const Cell& cell) {
  const char* got = cell.kind == CellKind::kString ? "a string"
                    : cell.kind == CellKind::kBool ? "a boolean"
                                                   : "a number that is not finite";
  return RowError(row, ColumnName(key, inner) + ": expected a number, got " + got);
}

// A line whose shape is not the one the first line set.
Status MixedShapes(const JsonRow& row, const JsonColumns& columns) {
  const std::string first = columns.shape_where();
  if (columns.shape() == Shape::kEvent) {
    return RowError(row, "no \"features\" object, but " + first +
                             " has the event shape ({\"features\": {...}, \"prediction\": "
                             "..., \"actual\": ...}); every line must have the same shape");
  }
  return RowError(row, "\"features\" holds an object (the event shape), but " + first +
                           " is a flat row of columns; every line must have the same shape");
}

// The members of one row that a builder sees, after the checks every row goes through.
// on_member(key, cell, role, inner) -> Status is called for each member that is not ignored.
template <typename OnMember>
bool VisitMember(JsonColumns* columns, const JsonRow& row, std::string_view key, const Cell& cell,
                 bool inner, OnMember& on_member, int* null_features, Status* failure) {
  const bool event = columns->shape() == Shape::kEvent;
  if (inner && !event) {
    *failure = MixedShapes(row, *columns);
    return false;
  }
  if (event && !inner && key == kFeaturesKey) {
    // "features": null is an event without features; any other value that is not an object
    // is not the event shape.
    if (cell.kind == CellKind::kMissing) {
      ++*null_features;
      return true;
    }
    *failure = RowError(row, "column \"features\": expected an object (the event shape of " +
                                 columns->shape_where() + ")");
    return false;
  }
  ColumnRole role;
  bool outside = false;
  if (!columns->Visit(key, inner, &role, &outside)) {
    *failure = RowError(row, ColumnName(key, inner) + " appears twice");
    return false;
  }
  if (role.kind == ColumnRole::Kind::kIgnored && !outside) return true;  // ignore_columns
  if (cell.kind == CellKind::kNested) {
    *failure =
        RowError(row, ColumnName(key, inner) +
                          (event && !inner ? ": nested objects and arrays are not supported "
                                             "(only \"features\" may hold an object)"
                                           : ": nested objects and arrays are not supported"));
    return false;
  }
  if (role.kind == ColumnRole::Kind::kIgnored) return true;  // a scalar outside "features"
  *failure = on_member(key, cell, role, inner);
  return failure->ok();
}

// Reads one row's object, calling on_member(key, cell, role, inner) -> Status for each member
// that is not ignored, and turns every failure into an error that names the row.
template <typename OnMember>
Status ReadRow(detail::JsonObjectReader* reader, JsonColumns* columns, Keys keys,
               const JsonRow& row, OnMember&& on_member) {
  Status failure;
  int null_features = 0;
  columns->StartRow();
  const auto visit = [&](std::string_view key, const Cell& cell, bool inner) {
    return VisitMember(columns, row, key, cell, inner, on_member, &null_features, &failure);
  };
  // Uploads open "features" to tell the shapes apart; a logged row's object is its features.
  const detail::JsonObjectResult result =
      keys == Keys::kColumns
          ? reader->ReadWithInner(row.object, kFeaturesKey, visit)
          : reader->Read(row.object, [&](std::string_view key, const Cell& cell) {
              return visit(key, cell, false);
            });
  switch (result.outcome) {
    case detail::JsonObjectOutcome::kOk:
      break;
    case detail::JsonObjectOutcome::kNotObject:
      return RowError(row, "expected a JSON object");
    case detail::JsonObjectOutcome::kMalformed:
      return RowError(row, result.message);
    case detail::JsonObjectOutcome::kStopped:
      return failure;
  }
  if (keys == Keys::kFeaturesOnly) return Status::Ok();
  const int features_members = result.inner_objects + null_features;
  if ((columns->shape() == Shape::kEvent) != (features_members > 0)) {
    // Only an empty "features" object of a flat file reaches here (members stop the read).
    return MixedShapes(row, *columns);
  }
  if (features_members > 1) return RowError(row, "column \"features\" appears twice");
  return Status::Ok();
}

// The shape of an upload, from its first line (a line that cannot be read is read as flat: the
// first pass then reports what is wrong with it).
Shape ShapeOf(detail::JsonObjectReader* reader, const JsonRow& row) {
  const detail::JsonObjectResult probe = reader->ReadWithInner(
      row.object, kFeaturesKey, [](std::string_view, const Cell&, bool inner) { return !inner; });
  return probe.inner_objects > 0 ? Shape::kEvent : Shape::kFlat;
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
    if (rows == 1 && keys == Keys::kColumns) columns.SetShape(ShapeOf(&reader, row), row.where);
    return ReadRow(
        &reader, &columns, keys, row,
        [&](std::string_view key, const Cell& cell, const ColumnRole& role, bool inner) -> Status {
          const bool number = cell.kind == CellKind::kNumber;
          if (cell.kind == CellKind::kMissing || number) return Status::Ok();
          if (role.kind != ColumnRole::Kind::kFeature) {  // prediction or actual
            return ExpectedNumber(row, key, inner, cell);
          }
          if (features.type(role.feature) == FeatureType::kNumeric) {
            if (!features.inferring(role.feature)) {
              return ExpectedNumber(row, key, inner, cell);
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
    Status status = ReadRow(
        &reader, &columns, keys, row,
        [&](std::string_view key, const Cell& cell, const ColumnRole& role, bool inner) -> Status {
          bool fits = true;
          if (role.kind == ColumnRole::Kind::kFeature) {
            fits = accumulator.AddFeature(role.feature, cell);
          } else if (role.kind == ColumnRole::Kind::kPrediction) {
            fits = accumulator.AddPrediction(cell);
          } else {
            fits = accumulator.AddActual(cell);
          }
          return fits ? Status::Ok() : ExpectedNumber(row, key, inner, cell);
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
