#include "simulate/generator.h"

#include <algorithm>
#include <cassert>
#include <climits>
#include <cmath>

#include "common/hash.h"
#include "simulate/training_metrics.h"

namespace mw::simulate {
namespace {

bool Contains(const std::vector<std::string>& list, std::string_view value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

std::string JoinNames(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

// Population standard deviation of a numeric feature over rows.
double FeatureStdDev(const std::vector<SimulatedRow>& rows, size_t feature) {
  double mean = 0;
  for (const auto& r : rows) mean += AsNumber(r.features[feature]);
  mean /= static_cast<double>(rows.size());
  double var = 0;
  for (const auto& r : rows) {
    const double d = AsNumber(r.features[feature]) - mean;
    var += d * d;
  }
  return std::sqrt(var / static_cast<double>(rows.size()));
}

Status ValidateOptions(const GeneratorOptions& o) {
  if (!o.demand && !o.risk) return InvalidArgument("--scenario: nothing to simulate");
  if (o.restaurants < 1 || o.restaurants > 100000) {
    return InvalidArgument("--restaurants: must be between 1 and 100000");
  }
  if (o.risk_versions != 1 && o.risk_versions != 2) {
    return InvalidArgument("--versions: must be 1 or 2");
  }
  if (o.span_ms <= 0) return InvalidArgument("--span: must be positive");
  if (o.actual_delay_ms < 0) return InvalidArgument("--actual-delay: must not be negative");
  if (!(o.actual_fraction >= 0 && o.actual_fraction <= 1)) {
    return InvalidArgument("--actual-fraction: must be between 0 and 1");
  }
  if (o.training_rows < 20) {
    return InvalidArgument("--reference-rows: a training sample needs at least 20 rows");
  }
  const DriftOptions& d = o.drift;
  if (d.kinds.empty()) {
    if (!d.models.empty()) return InvalidArgument("--drift-models: needs --drift");
    if (!d.segments.empty()) return InvalidArgument("--drift-segments: needs --drift");
    if (!d.features.empty()) return InvalidArgument("--drift-features: needs --drift");
    return Status();
  }
  if (!d.at_ms && !(d.at_fraction >= 0 && d.at_fraction <= 1)) {
    return InvalidArgument("--drift-at: a fraction of the span must be between 0 and 1");
  }
  if (!std::isfinite(d.magnitude)) {
    return InvalidArgument("--drift-magnitude: must be a finite number");
  }
  const bool shift =
      std::find(d.kinds.begin(), d.kinds.end(), DriftKind::kFeatureShift) != d.kinds.end();
  if (!shift && !d.features.empty()) {
    return InvalidArgument("--drift-features: needs --drift feature_shift");
  }
  return Status();
}

bool Listed(const DriftOptions& d, const World& w) {
  return d.models.empty() || Contains(d.models, std::string(w.model()));
}

// Naming segments without naming models targets the models that have those segments; a model
// without segments drifts then only when --drift-models lists it.
bool Drifted(const DriftOptions& d, const World& w) {
  if (!d.models.empty()) return Listed(d, w);
  if (d.segments.empty()) return true;
  for (const auto& s : w.segments()) {
    if (Contains(d.segments, s)) return true;
  }
  return false;
}

// Every model, segment and feature named in the drift options must exist where it is used.
Status CheckDriftNames(const DriftOptions& d, const std::vector<const World*>& worlds) {
  std::vector<std::string> simulated;
  for (const World* w : worlds) simulated.emplace_back(w->model());
  for (const auto& name : d.models) {
    if (!Contains(simulated, name)) {
      return InvalidArgument("--drift-models: " + name + " is not a simulated model (" +
                             JoinNames(simulated) + ")");
    }
  }
  // Every named segment must belong to a listed model that has segments.
  std::vector<std::string> known_segments;
  for (const World* w : worlds) {
    if (!Listed(d, *w)) continue;
    for (const auto& s : w->segments()) {
      if (!s.empty()) known_segments.push_back(s);
    }
  }
  for (const auto& name : d.segments) {
    if (known_segments.empty()) {
      return InvalidArgument("--drift-segments: no drifted model has segments");
    }
    if (!Contains(known_segments, name)) {
      return InvalidArgument("--drift-segments: " + name + " is not a simulated segment (" +
                             known_segments.front() + ".." + known_segments.back() + ")");
    }
  }
  // Every named feature must be a continuous feature of a drifted model.
  for (const auto& name : d.features) {
    bool found = false;
    std::vector<std::string> all;
    for (const World* w : worlds) {
      if (!Drifted(d, *w)) continue;
      for (const auto& f : w->features()) {
        all.push_back(f.name);
        if (f.name != name) continue;
        if (!f.shiftable) {
          return InvalidArgument("--drift-features: " + name +
                                 " is not a continuous numeric feature of " +
                                 std::string(w->model()) + "; feature_shift moves numeric values");
        }
        found = true;
      }
    }
    if (!found) {
      return InvalidArgument("--drift-features: " + name +
                             " is not a feature of the drifted models (" + JoinNames(all) + ")");
    }
  }
  return Status();
}

}  // namespace

std::string_view DriftKindName(DriftKind kind) {
  switch (kind) {
    case DriftKind::kFeatureShift:
      return "feature_shift";
    case DriftKind::kNewCategory:
      return "new_category";
    case DriftKind::kConcept:
      return "concept";
  }
  return "unknown";
}

std::optional<DriftKind> ParseDriftKind(std::string_view name) {
  for (DriftKind k : {DriftKind::kFeatureShift, DriftKind::kNewCategory, DriftKind::kConcept}) {
    if (DriftKindName(k) == name) return k;
  }
  return std::nullopt;
}

TrafficGenerator::TrafficGenerator(GeneratorOptions options, Random traffic)
    : options_(std::move(options)), traffic_(traffic) {}

Result<TrafficGenerator> TrafficGenerator::Create(const GeneratorOptions& options) {
  if (Status s = ValidateOptions(options); !s.ok()) return s;
  TrafficGenerator g(options, Random(StreamSeed(options.seed, "traffic")));
  if (options.demand) {
    g.worlds_.push_back({MakeDemandWorld(options.seed, options.restaurants), {}});
  }
  if (options.risk) g.worlds_.push_back({MakeRiskWorld(options.risk_versions), {}});

  for (auto& m : g.worlds_) {
    const World& w = *m.world;
    ModelSetup setup{std::string(w.model()),
                     std::string(w.task()),
                     std::string(w.description()),
                     w.features(),
                     {}};
    for (size_t s = 0; s < w.segments().size(); ++s) {
      for (size_t v = 0; v < w.versions().size(); ++v) {
        VersionSetup version{w.versions()[v], w.segments()[s], {}, {}, {}};
        Random rng(StreamSeed(options.seed, "training/" + setup.model + "/" + version.segment +
                                                "/" + version.version));
        const RowDrift none;
        std::vector<double> predicted, actual;
        for (int i = 0; i < options.training_rows; ++i) {
          const auto offset =
              static_cast<int64_t>(rng.Uniform() * static_cast<double>(options.span_ms));
          version.training.push_back(w.Draw(rng, options.start_ms + offset, s, v, none));
          predicted.push_back(version.training.back().prediction);
          actual.push_back(version.training.back().actual);
        }
        if (w.task() == "regression") {
          const RegressionMetrics r = ComputeRegressionMetrics(predicted, actual);
          version.metrics = {{"mae", r.mae}, {"rmse", r.rmse}, {"r2", r.r2}};
          if (std::isfinite(r.mape)) version.metrics["mape"] = r.mape;
        } else {
          const BinaryMetrics b = ComputeBinaryMetrics(predicted, actual);
          version.metrics = {{"log_loss", b.log_loss}, {"brier", b.brier}};
          if (std::isfinite(b.auc)) version.metrics["auc"] = b.auc;
        }
        version.feature_importance = w.FeatureImportance(v, version.training);
        setup.versions.push_back(std::move(version));
      }
    }
    m.drift.assign(w.segments().size(), std::nullopt);
    g.setups_.push_back(std::move(setup));
  }
  if (Status s = g.ResolveDrift(); !s.ok()) return s;
  return g;
}

Status TrafficGenerator::ResolveDrift() {
  const DriftOptions& d = options_.drift;
  if (d.kinds.empty()) return Status();
  auto has = [&d](DriftKind k) {
    return std::find(d.kinds.begin(), d.kinds.end(), k) != d.kinds.end();
  };
  std::vector<const World*> worlds;
  for (const auto& m : worlds_) worlds.push_back(m.world.get());
  if (Status s = CheckDriftNames(d, worlds); !s.ok()) return s;

  DriftPlan plan;
  plan.kinds = d.kinds;
  plan.magnitude = d.magnitude;
  plan.start_ms =
      d.at_ms ? *d.at_ms
              : options_.start_ms + static_cast<int64_t>(std::llround(
                                        d.at_fraction * static_cast<double>(options_.span_ms)));
  for (size_t mi = 0; mi < worlds_.size(); ++mi) {
    Model& m = worlds_[mi];
    const World& w = *m.world;
    if (!Drifted(d, w)) continue;
    std::vector<std::string> shifted;
    if (has(DriftKind::kFeatureShift)) {
      if (d.features.empty()) {
        shifted.emplace_back(w.default_shift_feature());
      } else {
        for (const auto& f : d.features) {
          if (w.FeatureIndex(f) >= 0) shifted.push_back(f);
        }
      }
    }
    ModelDriftPlan mp;
    mp.model = std::string(w.model());
    mp.concept_drift = has(DriftKind::kConcept);
    if (has(DriftKind::kNewCategory)) {
      mp.new_category_feature = std::string(w.new_category_feature());
      mp.new_category_value = std::string(w.new_category_value());
    }
    mp.shifted_features = shifted;
    if (!mp.concept_drift && mp.new_category_feature.empty() && shifted.empty()) continue;
    for (size_t s = 0; s < w.segments().size(); ++s) {
      const std::string& segment = w.segments()[s];
      if (!segment.empty() && !d.segments.empty() && !Contains(d.segments, segment)) continue;
      RowDrift rd;
      rd.concept_drift = mp.concept_drift;
      rd.new_category = !mp.new_category_feature.empty();
      if (!shifted.empty()) {
        rd.shift.assign(w.features().size(), 0.0);
        // The reference standard deviation: the segment's first version's training sample.
        const auto& training = setups_[mi].versions[s * w.versions().size()].training;
        for (const auto& f : shifted) {
          const auto index = static_cast<size_t>(w.FeatureIndex(f));
          const double amount = d.magnitude * FeatureStdDev(training, index);
          rd.shift[index] = amount;
          mp.shifts[segment][f] = amount;
        }
      }
      m.drift[s] = std::move(rd);
      if (!segment.empty()) mp.segments.push_back(segment);
    }
    plan.models.push_back(std::move(mp));
  }
  drift_ = std::move(plan);
  return Status();
}

const FeatureValue& Prediction::feature(std::string_view name) const {
  assert(feature_specs != nullptr);
  size_t i = 0;
  while (i + 1 < feature_specs->size() && (*feature_specs)[i].name != name) ++i;
  assert((*feature_specs)[i].name == name && "no such feature");
  return features[i];
}

const World* TrafficGenerator::world(std::string_view model) const {
  for (const auto& m : worlds_) {
    if (m.world->model() == model) return m.world.get();
  }
  return nullptr;
}

Prediction TrafficGenerator::Next(int64_t timestamp_ms) {
  assert(timestamp_ms >= last_timestamp_ms_ && "timestamps must be non-decreasing");
  last_timestamp_ms_ = timestamp_ms;
  // Fixed draws per event (random.h): model, segment, version, whether an actual follows.
  const double model_draw = traffic_.Uniform();
  const size_t model_index = std::min(
      static_cast<size_t>(model_draw * static_cast<double>(worlds_.size())), worlds_.size() - 1);
  Model& m = worlds_[model_index];
  const World& w = *m.world;
  const size_t segment = traffic_.Index(w.segments().size());
  const size_t version = traffic_.Index(w.versions().size());
  const double actual_draw = traffic_.Uniform();

  const bool drifted = drift_ && timestamp_ms >= drift_->start_ms && m.drift[segment].has_value();
  static const RowDrift kNoDrift;
  SimulatedRow row =
      w.Draw(traffic_, timestamp_ms, segment, version, drifted ? *m.drift[segment] : kNoDrift);

  Prediction p;
  p.id = options_.id_prefix + "-" + std::to_string(++generated_);
  p.model = std::string(w.model());
  p.version = w.versions()[version];
  p.segment = w.segments()[segment];
  p.timestamp_ms = timestamp_ms;
  p.features = std::move(row.features);
  p.feature_specs = &w.features();
  p.prediction = row.prediction;
  p.latency_ms = 5.0 + static_cast<double>(Fnv1a64(p.id) % 2001) / 100.0;
  p.truth = row.actual;
  p.actual_scheduled = actual_draw < options_.actual_fraction;
  p.drifted = drifted;
  if (p.actual_scheduled) {
    pending_.push_back({p.id, p.truth, timestamp_ms + options_.actual_delay_ms});
  }
  return p;
}

std::vector<Actual> TrafficGenerator::TakeDue(int64_t simulated_now_ms) {
  std::vector<Actual> due;
  while (!pending_.empty() && pending_.front().timestamp_ms <= simulated_now_ms) {
    due.push_back(std::move(pending_.front()));
    pending_.pop_front();
  }
  return due;
}

std::vector<Actual> TrafficGenerator::TakeAll(int64_t latest_ms) {
  std::vector<Actual> all(std::make_move_iterator(pending_.begin()),
                          std::make_move_iterator(pending_.end()));
  pending_.clear();
  for (auto& a : all) a.timestamp_ms = std::min(a.timestamp_ms, latest_ms);
  return all;
}

}  // namespace mw::simulate
