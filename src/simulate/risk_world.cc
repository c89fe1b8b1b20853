// patient_risk: a binary risk classifier (see world.h for the overview).
#include <algorithm>
#include <array>
#include <cmath>

#include "simulate/detail/rounding.h"
#include "simulate/world.h"

namespace mw::simulate {
namespace {

using detail::RoundTo;

constexpr std::array<const char*, 4> kRegions = {"north", "south", "east", "west"};
constexpr std::array<double, 4> kRegionShare = {0.3, 0.25, 0.25, 0.2};
constexpr double kNewRegionShare = 0.3;
constexpr double kNewRegionEffect = 0.9;  // "central": higher risk, unknown to the model
constexpr double kIntercept = -1.6;
constexpr double kModelNoise = 0.3;  // sd of each version's score noise (logit scale)

enum RiskFeature { kAge, kBmi, kSystolicBp, kSmoker, kRegion };

// A linear score on centred features; the truth is one, each version has its own.
struct Score {
  double age, bmi, systolic_bp, smoker;
  std::array<double, 4> region;  // effect per kRegions entry

  double Centred(double age_v, double bmi_v, double sbp_v, bool smoker_v, double region_v) const {
    return age * (age_v - 52) + bmi * (bmi_v - 27.5) + systolic_bp * (sbp_v - 125) +
           (smoker_v ? smoker : 0.0) + region_v;
  }
};

constexpr Score kTruth = {0.05, 0.09, 0.03, 1.0, {0.1, -0.1, 0.25, -0.25}};
// v2 leans on smoking and BMI and under-weights age: a different importance order and a little
// less accuracy than v1.
constexpr Score kVersion2 = {0.02, 0.16, 0.018, 1.7, {0.1, -0.1, 0.25, -0.25}};

double Sigmoid(double x) { return 1 / (1 + std::exp(-x)); }

class RiskWorld final : public World {
 public:
  explicit RiskWorld(int versions) {
    versions_ = {"v1"};
    if (versions >= 2) versions_.push_back("v2");
  }

  std::string_view model() const override { return "patient_risk"; }
  std::string_view task() const override { return "binary_classification"; }
  std::string_view description() const override {
    return "simulated patient risk classifier (modelwatch simulate)";
  }
  const std::vector<FeatureSpec>& features() const override {
    static const std::vector<FeatureSpec> kFeatures = {{"age", FeatureType::kNumeric, true},
                                                       {"bmi", FeatureType::kNumeric, true},
                                                       {"systolic_bp", FeatureType::kNumeric, true},
                                                       {"smoker", FeatureType::kCategorical},
                                                       {"region", FeatureType::kCategorical}};
    return kFeatures;
  }
  const std::vector<std::string>& segments() const override {
    static const std::vector<std::string> kSegments = {""};
    return kSegments;
  }
  const std::vector<std::string>& versions() const override { return versions_; }
  std::string_view default_shift_feature() const override { return "bmi"; }
  std::string_view new_category_feature() const override { return "region"; }
  std::string_view new_category_value() const override { return "central"; }

  SimulatedRow Draw(Random& rng, int64_t /*timestamp_ms*/, size_t /*segment*/, size_t version,
                    const RowDrift& drift) const override {
    auto shift = [&drift](RiskFeature f) { return drift.shift.empty() ? 0.0 : drift.shift[f]; };
    // Fixed draw order and count (random.h).
    const double age_draw = rng.Normal(52, 15);
    const double bmi_draw = rng.Normal(27.5, 5);
    const double sbp_noise = rng.Normal(0, 14);
    const bool smoker = rng.Bernoulli(0.2);
    const double region_draw = rng.Uniform();
    const double category_draw = rng.Uniform();
    const double label_draw = rng.Uniform();
    const double model_noise = rng.Normal(0, kModelNoise);

    const double age = std::clamp(std::round(age_draw + shift(kAge)), 18.0, 95.0);
    const double bmi = std::clamp(RoundTo(bmi_draw + shift(kBmi), 1), 15.0, 55.0);
    // Blood pressure follows the patient's age as drawn, so shifting age leaves it alone.
    const double sbp = std::clamp(
        std::round(125 + 0.4 * (age_draw - 52) + sbp_noise + shift(kSystolicBp)), 85.0, 220.0);
    size_t region = 0;
    double cumulative = kRegionShare[0];
    while (region + 1 < kRegions.size() && region_draw >= cumulative) {
      cumulative += kRegionShare[++region];
    }
    const bool new_category = drift.new_category && category_draw < kNewRegionShare;

    const double truth_region = new_category ? kNewRegionEffect : kTruth.region[region];
    const double truth_centred = kTruth.Centred(age, bmi, sbp, smoker, truth_region);
    // Concept drift: every slope changes sign, the base rate stays.
    const double truth_logit = kIntercept + (drift.concept_drift ? -truth_centred : truth_centred);
    const Score& model = version == 0 ? kTruth : kVersion2;
    // A region the model never saw contributes nothing to its score.
    const double model_region = new_category ? 0.0 : model.region[region];
    const double model_logit =
        kIntercept + model.Centred(age, bmi, sbp, smoker, model_region) + model_noise;

    SimulatedRow row;
    row.features = {
        static_cast<int64_t>(age), bmi, static_cast<int64_t>(sbp),
        std::string(smoker ? "yes" : "no"),
        new_category ? std::string(new_category_value()) : std::string(kRegions[region])};
    row.prediction = std::clamp(RoundTo(Sigmoid(model_logit), 4), 0.0001, 0.9999);
    row.actual = label_draw < Sigmoid(truth_logit) ? 1 : 0;
    return row;
  }

  // |coefficient| x the standard deviation of the feature's contribution on the training rows,
  // normalised to sum 1.
  std::map<std::string, double> FeatureImportance(
      size_t version, const std::vector<SimulatedRow>& training) const override {
    const Score& s = version == 0 ? kTruth : kVersion2;
    std::map<std::string, std::vector<double>> contributions;
    for (const auto& row : training) {
      const auto& f = row.features;
      contributions["age"].push_back(s.age * AsNumber(f[kAge]));
      contributions["bmi"].push_back(s.bmi * AsNumber(f[kBmi]));
      contributions["systolic_bp"].push_back(s.systolic_bp * AsNumber(f[kSystolicBp]));
      contributions["smoker"].push_back(std::get<std::string>(f[kSmoker]) == "yes" ? s.smoker
                                                                                   : 0.0);
      const std::string& region = std::get<std::string>(f[kRegion]);
      double effect = 0;
      for (size_t i = 0; i < kRegions.size(); ++i) {
        if (region == kRegions[i]) effect = s.region[i];
      }
      contributions["region"].push_back(effect);
    }
    std::map<std::string, double> importance;
    double total = 0;
    for (const auto& [name, values] : contributions) {
      double mean = 0;
      for (double v : values) mean += v;
      mean /= static_cast<double>(values.size());
      double var = 0;
      for (double v : values) var += (v - mean) * (v - mean);
      const double sd = std::sqrt(var / static_cast<double>(values.size()));
      importance[name] = sd;
      total += sd;
    }
    for (auto& [name, value] : importance) value = total > 0 ? RoundTo(value / total, 4) : 0;
    return importance;
  }

 private:
  std::vector<std::string> versions_;
};

}  // namespace

std::unique_ptr<World> MakeRiskWorld(int versions) { return std::make_unique<RiskWorld>(versions); }

}  // namespace mw::simulate
