#include "profile/current_columns.h"

#include <simdjson.h>

#include <cmath>
#include <cstring>
#include <utility>

#include "profile/detail/column_accumulator.h"
#include "profile/detail/csv_reader.h"
#include "profile/detail/csv_table.h"
#include "profile/detail/json_object_reader.h"
#include "profile/detail/string_index.h"

namespace mw::profile {
namespace {

using detail::Cell;

std::vector<FeatureType> TypesOf(const ReferenceProfile& reference) {
  std::vector<FeatureType> types;
  types.reserve(reference.features.size());
  for (const FeatureProfile& feature : reference.features) types.push_back(feature.type);
  return types;
}

detail::StringMap<size_t> IndexOf(const ReferenceProfile& reference) {
  detail::StringMap<size_t> index;
  for (size_t i = 0; i < reference.features.size(); ++i) {
    index.emplace(reference.features[i].name, i);
  }
  return index;
}

}  // namespace

struct CurrentColumnsBuilder::Impl {
  explicit Impl(const ReferenceProfile& reference)
      : columns(TypesOf(reference)),
        feature_index(IndexOf(reference)),
        last_row(reference.features.size(), 0) {}

  detail::ColumnAccumulator columns;
  detail::StringMap<size_t> feature_index;
  detail::JsonObjectReader reader;
  std::string padded;  // the row, copied so that simdjson's padding follows it

  // One row's values, filed only once the whole object has parsed (the cells' text points into
  // the parser and stays valid until the next row).
  std::vector<std::pair<size_t, Cell>> known;
  std::vector<std::pair<std::string_view, Cell>> unknown;
  std::vector<int64_t> last_row;  // per feature: the stamp of the last row that named it
  int64_t row_stamp = 0;

  NumericColumn prediction, actual;
};

CurrentColumnsBuilder::CurrentColumnsBuilder(const ReferenceProfile& reference)
    : impl_(std::make_unique<Impl>(reference)) {}

CurrentColumnsBuilder::~CurrentColumnsBuilder() = default;

Status CurrentColumnsBuilder::AddFeaturesJson(std::string_view features_json) {
  Impl& impl = *impl_;
  const size_t needed = features_json.size() + simdjson::SIMDJSON_PADDING;
  if (impl.padded.size() < needed) impl.padded.resize(needed);
  if (!features_json.empty()) {
    std::memcpy(impl.padded.data(), features_json.data(), features_json.size());
  }
  const simdjson::padded_string_view view(impl.padded.data(), features_json.size(),
                                          impl.padded.size());
  impl.known.clear();
  impl.unknown.clear();
  ++impl.row_stamp;
  std::string repeated;
  const detail::JsonObjectResult result =
      impl.reader.Read(view, [&](std::string_view key, const Cell& cell) {
        if (auto it = impl.feature_index.find(key); it != impl.feature_index.end()) {
          if (impl.last_row[it->second] == impl.row_stamp) {
            repeated = key;
            return false;
          }
          impl.last_row[it->second] = impl.row_stamp;
          impl.known.emplace_back(it->second, cell);
          return true;
        }
        for (const auto& [name, ignored] : impl.unknown) {
          if (name == key) {
            repeated = key;
            return false;
          }
        }
        impl.unknown.emplace_back(key, cell);
        return true;
      });
  switch (result.outcome) {
    case detail::JsonObjectOutcome::kOk:
      break;
    case detail::JsonObjectOutcome::kNotObject:
      return InvalidArgument("features: expected a JSON object");
    case detail::JsonObjectOutcome::kMalformed:
      return InvalidArgument("features: " + result.message);
    case detail::JsonObjectOutcome::kStopped:
      return InvalidArgument("features: \"" + repeated + "\" appears twice");
  }
  for (const auto& [feature, cell] : impl.known) {
    // A value of the wrong kind is counted by the accumulator; the row itself is fine.
    (void)impl.columns.AddFeature(feature, cell);
  }
  for (const auto& [name, cell] : impl.unknown) impl.columns.AddUnknown(name, cell);
  impl.columns.EndRow();
  return Status::Ok();
}

namespace {
void AddFinite(double value, NumericColumn* column) {
  if (std::isfinite(value)) {
    column->sorted.push_back(value);
  } else {
    ++column->missing;
  }
}
}  // namespace

void CurrentColumnsBuilder::AddPrediction(double value) { AddFinite(value, &impl_->prediction); }
void CurrentColumnsBuilder::AddActual(double value) { AddFinite(value, &impl_->actual); }

CurrentColumns CurrentColumnsBuilder::Finish() && {
  CurrentColumns columns = std::move(impl_->columns).Finish();
  columns.prediction = std::move(impl_->prediction);
  columns.actual = std::move(impl_->actual);
  detail::SortValues(&columns.prediction.sorted);
  detail::SortValues(&columns.actual.sorted);
  return columns;
}

Result<CurrentColumns> ColumnsFromCsv(std::string_view text, const ReferenceProfile& reference,
                                      const ProfileOptions& options) {
  if (Status status = detail::CheckUtf8(text); !status.ok()) return status;
  detail::CsvReader reader(text);
  std::vector<std::string> names;
  if (Status status = detail::ReadCsvHeader(&reader, &names); !status.ok()) return status;
  const detail::StringMap<size_t> feature_index = IndexOf(reference);
  std::vector<detail::ColumnRole> roles(names.size());
  using Kind = detail::ColumnRole::Kind;
  for (size_t i = 0; i < names.size(); ++i) {
    const std::string& name = names[i];
    if (name == options.prediction_column) {
      roles[i].kind = Kind::kPrediction;
    } else if (name == options.actual_column) {
      roles[i].kind = Kind::kActual;
    } else if (options.ignore_columns.contains(name)) {
      roles[i].kind = Kind::kIgnored;
    } else if (auto it = feature_index.find(name); it != feature_index.end()) {
      roles[i] = {Kind::kFeature, it->second};
    } else {
      roles[i].kind = Kind::kUnknown;
    }
  }
  detail::ColumnAccumulator columns(TypesOf(reference));
  if (Status status = detail::FillColumnsFromCsv(&reader, names, roles, options.max_rows,
                                                 /*mismatch_is_error=*/false, &columns);
      !status.ok()) {
    return status;
  }
  return std::move(columns).Finish();
}

}  // namespace mw::profile
