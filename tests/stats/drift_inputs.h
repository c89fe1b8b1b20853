// Builders of the report's borrowed inputs, shared by the drift report tests.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "stats/drift_report.h"

namespace mw::stats::test_inputs {

// A numeric feature over the given (sorted) vectors; they must outlive the input.
inline FeatureInput NumericInput(std::string name, const std::vector<double>& reference,
                                 const std::vector<double>& current) {
  FeatureInput f;
  f.name = std::move(name);
  f.reference_sorted = reference;
  f.current_sorted = current;
  return f;
}

// A categorical feature over the given counts; they must outlive the input.
inline FeatureInput CategoricalInput(std::string name, const CategoryCounts& reference,
                                     const CategoryCounts& current) {
  FeatureInput f;
  f.name = std::move(name);
  f.categorical = true;
  f.reference_counts = &reference;
  f.current_counts = &current;
  return f;
}

}  // namespace mw::stats::test_inputs
