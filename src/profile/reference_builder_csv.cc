// A CSV reference is read twice: the first pass infers each feature's type, the second files the
// values. Holding every value until the type is known would need the text of every number (a
// numeric-looking column may still turn out categorical on its last row), which for a few million
// rows costs far more memory than reading the text twice costs time. The JSON builders
// (reference_builder_json.cc) do the same.
#include <string>
#include <utility>
#include <vector>

#include "profile/detail/cells.h"
#include "profile/detail/column_accumulator.h"
#include "profile/detail/csv_reader.h"
#include "profile/detail/csv_table.h"
#include "profile/detail/feature_set.h"
#include "profile/reference_builder.h"

namespace mw::profile {

using detail::ColumnRole;

Result<ReferenceProfile> BuildProfileFromCsv(std::string_view text, const ProfileOptions& options) {
  if (Status status = detail::CheckUtf8(text); !status.ok()) return status;
  detail::CsvReader reader(text);
  std::vector<std::string> names;
  if (Status status = detail::ReadCsvHeader(&reader, &names); !status.ok()) return status;
  detail::FeatureSet features(options);
  std::vector<ColumnRole> roles(names.size());
  std::vector<size_t> inferring;  // columns of features whose type is still being inferred
  bool has_prediction = false, has_actual = false;
  for (size_t i = 0; i < names.size(); ++i) {
    roles[i].kind = detail::ReferenceRoleOf(names[i], options);
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

}  // namespace mw::profile
