// The traffic generator behind `modelwatch simulate`: predictions of the simulated models over a
// span of simulated time, their actuals released after a delay, and drift injected from a given
// instant. Pure: no I/O and no clock; the caller says which simulated instant each prediction
// is for and when to release actuals (simulate/runner.h drives it over HTTP).
//
// Deterministic: the same options (seed included) and the same sequence of calls give the same
// events. Streams are independent: the restaurants, each version's training sample and the
// traffic each come from their own seed (random.h), and every event consumes the same random
// draws with or without drift, so segments and features that drift does not touch are
// bit-for-bit the events of a run without drift.
// Thread-safety: none (one generator per thread).
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "simulate/random.h"
#include "simulate/world.h"

namespace mw::simulate {

enum class DriftKind { kFeatureShift, kNewCategory, kConcept };

std::string_view DriftKindName(DriftKind kind);  // "feature_shift", "new_category", "concept"
std::optional<DriftKind> ParseDriftKind(std::string_view name);

struct DriftOptions {
  std::vector<DriftKind> kinds;  // empty: no drift
  // When drift starts: `at_ms` when set, else start + at_fraction x span (at_fraction in [0,1]).
  double at_fraction = 0.5;
  std::optional<int64_t> at_ms;
  std::vector<std::string> models;    // empty: every simulated model
  std::vector<std::string> segments;  // restricts segmented models; empty: all their segments
  std::vector<std::string> features;  // feature_shift; empty: each model's default feature
  double magnitude = 2.0;             // feature_shift, in reference standard deviations
};

struct GeneratorOptions {
  uint64_t seed = 1;
  bool demand = true;  // simulate demand_forecast
  bool risk = true;    // simulate patient_risk
  int restaurants = 10;
  int risk_versions = 1;  // 1 or 2
  int64_t start_ms = 0;   // the simulated span [start_ms, start_ms + span_ms)
  int64_t span_ms = 86'400'000;
  int64_t actual_delay_ms = 3'600'000;  // simulated time between a prediction and its actual
  double actual_fraction = 1.0;         // share of predictions that get an actual
  int training_rows = 2000;             // training sample per version (and segment)
  std::string id_prefix = "sim";        // event ids are "<id_prefix>-<n>", n from 1
  DriftOptions drift;
};

// One registered model version with its simulated training sample and the metrics on it.
struct VersionSetup {
  std::string version;
  std::string segment;  // empty for a model without segments
  std::map<std::string, double> metrics;
  std::map<std::string, double> feature_importance;  // empty when the world reports none
  std::vector<SimulatedRow> training;
};

struct ModelSetup {
  std::string model;
  std::string task;
  std::string description;
  std::vector<FeatureSpec> features;  // the order of every row's features
  std::vector<VersionSetup> versions;
};

struct Prediction {
  std::string id;
  std::string model;
  std::string version;
  std::string segment;  // empty: none
  int64_t timestamp_ms = 0;
  std::vector<FeatureValue> features;                       // in `*feature_specs` order
  const std::vector<FeatureSpec>* feature_specs = nullptr;  // the world's; outlives the event
  double prediction = 0;
  // How long the simulated model took (sent as latency_ms): 5 .. 25 ms, a function of the id so
  // that it draws nothing from the traffic's random streams (the data stay as they were).
  double latency_ms = 0;
  double truth = 0;               // the ground truth (what the actual says, when there is one)
  bool actual_scheduled = false;  // an actual will be released for it
  bool drifted = false;           // drift was applied to this event

  // The value of feature `name`, which must exist.
  const FeatureValue& feature(std::string_view name) const;
  double number(std::string_view name) const { return AsNumber(feature(name)); }
};

struct Actual {
  std::string id;
  double value = 0;
  int64_t timestamp_ms = 0;  // when the truth became known: the prediction's time + the delay
};

// What a run injects, per model.
struct ModelDriftPlan {
  std::string model;
  std::vector<std::string> segments;  // drifted segments; empty for a model without segments
  bool concept_drift = false;
  std::string new_category_feature;  // empty unless new_category applies
  std::string new_category_value;
  // feature_shift: per drifted segment ("" without segments), per feature, the value added.
  std::map<std::string, std::map<std::string, double>> shifts;
  std::vector<std::string> shifted_features;
};

struct DriftPlan {
  std::vector<DriftKind> kinds;
  int64_t start_ms = 0;
  double magnitude = 0;
  std::vector<ModelDriftPlan> models;  // the models drift applies to
};

class TrafficGenerator {
 public:
  // Builds the worlds, draws the training samples and resolves the drift. InvalidArgument for
  // inconsistent options; messages start with the CLI flag at fault ("--drift-segments: ...").
  static Result<TrafficGenerator> Create(const GeneratorOptions& options);

  TrafficGenerator(TrafficGenerator&&) = default;
  TrafficGenerator& operator=(TrafficGenerator&&) = default;

  const GeneratorOptions& options() const { return options_; }
  // The simulated models in a fixed order (demand_forecast, then patient_risk).
  const std::vector<ModelSetup>& models() const { return setups_; }
  const World* world(std::string_view model) const;  // nullptr when not simulated
  const std::optional<DriftPlan>& drift() const { return drift_; }

  // The next prediction, at `timestamp_ms`. Timestamps must be non-decreasing across calls.
  // When its actual is scheduled it is queued, due at timestamp + actual delay.
  Prediction Next(int64_t timestamp_ms);
  // Removes and returns the queued actuals due at or before `simulated_now_ms`, in due order.
  std::vector<Actual> TakeDue(int64_t simulated_now_ms);
  // Removes and returns every queued actual; due times later than `latest_ms` are moved back to
  // `latest_ms` (the caller passes the wall-clock now: the server rejects future timestamps).
  std::vector<Actual> TakeAll(int64_t latest_ms);
  size_t pending_actuals() const { return pending_.size(); }
  int64_t generated() const { return generated_; }

 private:
  struct Model {
    std::unique_ptr<World> world;
    // Per segment index: the drift applied once drift starts; nullopt for untouched segments.
    std::vector<std::optional<RowDrift>> drift;
  };

  TrafficGenerator(GeneratorOptions options, Random traffic);
  Status ResolveDrift();

  GeneratorOptions options_;
  Random traffic_;
  std::vector<Model> worlds_;
  std::vector<ModelSetup> setups_;
  std::optional<DriftPlan> drift_;
  std::deque<Actual> pending_;
  int64_t generated_ = 0;
  int64_t last_timestamp_ms_ = INT64_MIN;
};

}  // namespace mw::simulate
