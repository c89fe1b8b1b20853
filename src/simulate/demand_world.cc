// demand_forecast: covers per request for N restaurants (see world.h for the overview).
#include <algorithm>
#include <array>
#include <cmath>
#include <numbers>

#include "simulate/detail/rounding.h"
#include "simulate/world.h"

namespace mw::simulate {
namespace {

using detail::RoundTo;

constexpr std::array<const char*, 7> kWeekdays = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
// Weekly seasonality: covers on each weekday relative to a Thursday.
constexpr std::array<double, 7> kWeekdayFactor = {0.85, 0.88, 0.93, 1.0, 1.2, 1.3, 1.1};
// The unseen "holiday_special" day: busier than any weekday.
constexpr double kNewCategoryFactor = 1.45;
constexpr double kNewCategoryShare = 0.3;
constexpr double kConceptFactor = 1.5;
constexpr double kModelError = 0.07;   // sd of the model's relative error
constexpr double kDemandNoise = 0.10;  // sd of the actual around its expectation (relative)
constexpr int64_t kDayMs = 86'400'000;

enum Feature { kTemperature, kDayOfWeek, kIsHoliday, kPromo, kLag7, kRainMm };

struct Restaurant {
  double level;           // mean covers on a Thursday at 15 °C
  double climate_offset;  // °C relative to the region's mean
  double promo_rate;
};

class DemandWorld final : public World {
 public:
  DemandWorld(uint64_t seed, int restaurants) {
    Random rng(StreamSeed(seed, "demand/restaurants"));
    for (int i = 0; i < restaurants; ++i) {
      segments_.push_back("restaurant_" + std::to_string(i + 1));
      Restaurant r;
      r.level = 40 + 160 * rng.Uniform();
      r.climate_offset = rng.Normal(0, 3);
      r.promo_rate = 0.1 + 0.2 * rng.Uniform();
      restaurants_.push_back(r);
    }
    double sum = 0;
    for (double f : kWeekdayFactor) sum += f;
    mean_weekday_factor_ = sum / kWeekdayFactor.size();
  }

  std::string_view model() const override { return "demand_forecast"; }
  std::string_view task() const override { return "regression"; }
  std::string_view description() const override {
    return "simulated covers per restaurant (modelwatch simulate)";
  }
  const std::vector<FeatureSpec>& features() const override {
    static const std::vector<FeatureSpec> kFeatures = {
        {"temperature", FeatureType::kNumeric, true}, {"day_of_week", FeatureType::kCategorical},
        {"is_holiday", FeatureType::kBoolean},        {"promo", FeatureType::kNumeric},
        {"lag_7", FeatureType::kNumeric, true},       {"rain_mm", FeatureType::kNumeric, true}};
    return kFeatures;
  }
  const std::vector<std::string>& segments() const override { return segments_; }
  const std::vector<std::string>& versions() const override {
    static const std::vector<std::string> kVersions = {"v1"};
    return kVersions;
  }
  std::string_view default_shift_feature() const override { return "temperature"; }
  std::string_view new_category_feature() const override { return "day_of_week"; }
  std::string_view new_category_value() const override { return "holiday_special"; }

  SimulatedRow Draw(Random& rng, int64_t timestamp_ms, size_t segment, size_t /*version*/,
                    const RowDrift& drift) const override {
    const Restaurant& r = restaurants_[segment];
    auto shift = [&drift](Feature f) { return drift.shift.empty() ? 0.0 : drift.shift[f]; };
    // Fixed draw order and count (random.h): every variate below is drawn for every row.
    const double temperature_noise = rng.Normal(0, 3);
    const size_t weekday = rng.Index(kWeekdays.size());
    const bool holiday = rng.Bernoulli(0.04);
    const bool promo = rng.Bernoulli(r.promo_rate);
    const bool raining = rng.Bernoulli(0.3);
    const double rain_amount = rng.Exponential(5);
    const double lag_noise = rng.Normal(0, 0.12);
    const double demand_noise = rng.Normal(0, kDemandNoise);
    const double model_noise = rng.Normal(0, kModelError);
    const double category_draw = rng.Uniform();
    const bool new_category = drift.new_category && category_draw < kNewCategoryShare;

    // Yearly seasonality peaking in mid-July, daily peaking mid-afternoon (UTC).
    const double year_phase = std::fmod(static_cast<double>(timestamp_ms) / (365.2425 * kDayMs), 1);
    const double hour = static_cast<double>(((timestamp_ms % kDayMs) + kDayMs) % kDayMs) / 3.6e6;
    const double seasonal_temperature =
        12 + 9 * std::sin(2 * std::numbers::pi * (year_phase - 0.29)) +
        3 * std::sin(2 * std::numbers::pi * (hour - 9) / 24) + r.climate_offset + temperature_noise;
    const double temperature = RoundTo(seasonal_temperature + shift(kTemperature), 1);
    const double rain_mm = std::max(0.0, RoundTo((raining ? rain_amount : 0) + shift(kRainMm), 1));

    auto expected = [&](double temp, double rain, double day_factor) {
      return r.level * day_factor * (holiday ? 1.25 : 1.0) * (promo ? 1.2 : 1.0) *
             (1 - 0.015 * std::min(rain, 30.0)) * std::clamp(1 + 0.01 * (temp - 15), 0.7, 1.3);
    };
    const double truth_expected =
        expected(temperature, rain_mm, new_category ? kNewCategoryFactor : kWeekdayFactor[weekday]);
    // The model never saw the new day, so it uses the average weekday.
    const double model_expected = expected(
        temperature, rain_mm, new_category ? mean_weekday_factor_ : kWeekdayFactor[weekday]);
    // Last week's covers come from before the drift: no drift reaches lag_7 except its own shift,
    // so drifting one feature leaves every other feature as it was.
    const double last_week =
        expected(RoundTo(seasonal_temperature, 1),
                 std::max(0.0, RoundTo(raining ? rain_amount : 0, 1)), kWeekdayFactor[weekday]);

    SimulatedRow row;
    row.features = {
        temperature,
        new_category ? std::string(new_category_value()) : std::string(kWeekdays[weekday]),
        holiday,
        int64_t{promo ? 1 : 0},
        std::max(0.0, RoundTo(last_week * (1 + lag_noise) + shift(kLag7), 1)),
        rain_mm};
    row.prediction = RoundTo(std::max(0.0, model_expected * (1 + model_noise)), 2);
    row.actual = std::max(0.0, std::round(truth_expected * (1 + demand_noise) *
                                          (drift.concept_drift ? kConceptFactor : 1.0)));
    return row;
  }

  std::map<std::string, double> FeatureImportance(size_t,
                                                  const std::vector<SimulatedRow>&) const override {
    return {};
  }

 private:
  std::vector<std::string> segments_;
  std::vector<Restaurant> restaurants_;
  double mean_weekday_factor_ = 1;
};

}  // namespace

std::unique_ptr<World> MakeDemandWorld(uint64_t seed, int restaurants) {
  return std::make_unique<DemandWorld>(seed, restaurants);
}

}  // namespace mw::simulate
