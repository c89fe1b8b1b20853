// The simulated worlds behind the two scenarios: how features are distributed, how the truth
// depends on them, and what each model version predicts. The traffic generator draws events from
// them; the training sample registered with each version comes from the same draws without drift.
//
//   demand_forecast  regression, one segment per restaurant ("restaurant_1".."restaurant_N"),
//                    version "v1" per segment. Covers per request: a per-restaurant level times
//                    weekday, holiday, promo, rain and temperature effects; the model predicts
//                    the expected covers with a multiplicative error of about 7%.
//   patient_risk     binary_classification, no segments, versions "v1" (and "v2"). The label is
//                    Bernoulli(sigmoid(true logit)); each version predicts sigmoid of its own
//                    (v1: the true, v2: a misweighted) linear score plus noise.
//
// Drift, applied per row through RowDrift:
//   feature_shift  adds a constant to a continuous feature before anything depends on it, so the
//                  truth and the model both see the moved value: data drift, accuracy unchanged.
//   new_category   replaces the categorical feature by an unseen value in 30% of the rows; the
//                  truth has an effect for it that the model (which never saw it) lacks.
//   concept        demand: the actual is 1.5 times the old truth. risk: the slopes of the true
//                  logit change sign (the intercept stays), so the model ranks patients backwards.
//
// Every Draw consumes the same number of random draws whatever the drift (see random.h), so a
// row's undrifted features are identical with and without drift.
// Thread-safety: worlds are immutable after construction; Draw is const (the Random is not).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "simulate/random.h"

namespace mw::simulate {

enum class FeatureType { kNumeric, kCategorical, kBoolean };

struct FeatureSpec {
  std::string name;
  FeatureType type = FeatureType::kNumeric;
  // A continuous numeric feature: feature_shift may move it (not 0/1 flags such as promo).
  bool shiftable = false;
};

// A feature value as the client logs it: integers (age, promo) stay integers in JSON.
using FeatureValue = std::variant<double, int64_t, bool, std::string>;

// The value as a number: doubles and integers; NaN for bools and strings.
double AsNumber(const FeatureValue& value);
// {"name": value, ...} in the order of `specs`; values[i] belongs to specs[i].
nlohmann::ordered_json FeaturesJson(const std::vector<FeatureSpec>& specs,
                                    const std::vector<FeatureValue>& values);

// One simulated row: the features the model saw (in World::features() order), its prediction
// and the truth (demand: covers; risk: the 0/1 label).
struct SimulatedRow {
  std::vector<FeatureValue> features;
  double prediction = 0;
  double actual = 0;
};

// The drift applied to one row.
struct RowDrift {
  bool concept_drift = false;
  bool new_category = false;
  // Added to each feature, by index in Features() order; empty = no shift.
  std::vector<double> shift;
};

class World {
 public:
  virtual ~World() = default;
  virtual std::string_view model() const = 0;
  virtual std::string_view task() const = 0;  // as PUT /v1/models takes it
  virtual std::string_view description() const = 0;
  virtual const std::vector<FeatureSpec>& features() const = 0;
  // Segment names; one empty name for a model without segments.
  virtual const std::vector<std::string>& segments() const = 0;
  virtual const std::vector<std::string>& versions() const = 0;  // the same for every segment
  // The feature feature_shift moves when the user names none.
  virtual std::string_view default_shift_feature() const = 0;
  // The categorical feature new_category extends, and the unseen value.
  virtual std::string_view new_category_feature() const = 0;
  virtual std::string_view new_category_value() const = 0;

  // One row at `timestamp_ms` (epoch ms; drives seasonality) for segment and version indices.
  virtual SimulatedRow Draw(Random& rng, int64_t timestamp_ms, size_t segment, size_t version,
                            const RowDrift& drift) const = 0;
  // Per feature, the share of the version's score it explains on `training` rows (sums to 1);
  // empty when the world does not report importances.
  virtual std::map<std::string, double> FeatureImportance(
      size_t version, const std::vector<SimulatedRow>& training) const = 0;

  // Index of `name` in features(), or -1.
  int FeatureIndex(std::string_view name) const;
};

// `seed` fixes the restaurants' levels and climates (independent of the traffic stream);
// restaurants >= 1.
std::unique_ptr<World> MakeDemandWorld(uint64_t seed, int restaurants);
// versions is 1 or 2.
std::unique_ptr<World> MakeRiskWorld(int versions);

}  // namespace mw::simulate
