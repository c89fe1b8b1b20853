// Data generators, Monte Carlo counters and Markdown helpers of the calibration benchmark.
#include <algorithm>
#include <boost/math/distributions/students_t.hpp>
#include <cmath>
#include <cstdio>
#include <numeric>

#include "calibration/calibration.h"

namespace mw::bench {

Rng MakeRng(uint64_t seed, std::initializer_list<uint64_t> keys) {
  std::vector<uint32_t> words = {static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32)};
  for (uint64_t k : keys) {
    words.push_back(static_cast<uint32_t>(k));
    words.push_back(static_cast<uint32_t>(k >> 32));
  }
  std::seed_seq seq(words.begin(), words.end());
  return Rng(seq);
}

Spec Equiprobable(std::string name, int k) {
  Spec s{std::move(name), Family::kCategorical, 0, {}};
  s.probabilities.assign(static_cast<size_t>(k), 1.0 / k);
  return s;
}

Spec Zipf(std::string name, int k) {
  Spec s{std::move(name), Family::kCategorical, 0, {}};
  double total = 0;
  for (int i = 1; i <= k; ++i) total += 1.0 / i;
  for (int i = 1; i <= k; ++i) s.probabilities.push_back(1.0 / i / total);
  return s;
}

Spec BoostedLevel(std::string name, int k, double points) {
  Spec s = Equiprobable(std::move(name), k);
  const double base = 1.0 / k, rest = (1.0 - base - points) / (1.0 - base);
  for (double& p : s.probabilities) p *= rest;
  s.probabilities[0] = base + points;
  return s;
}

Spec TwoLevel(std::string name, double p) {
  Spec s{std::move(name), Family::kCategorical, 0, {p, 1.0 - p}};
  return s;
}

const std::string& CategoryName(int i) {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> v;
    char buf[16];
    for (int j = 0; j < 100; ++j) {
      std::snprintf(buf, sizeof buf, "c%02d", j);
      v.emplace_back(buf);
    }
    return v;
  }();
  return names.at(static_cast<size_t>(i));
}

std::vector<double> DrawRaw(const Spec& spec, int64_t n, Rng& rng) {
  std::vector<double> v(static_cast<size_t>(n));
  switch (spec.family) {
    case Family::kNormal: {
      std::normal_distribution<double> d(spec.param, 1.0);
      for (double& x : v) x = d(rng);
      break;
    }
    case Family::kLognormal: {
      std::lognormal_distribution<double> d(0.0, 1.0);
      for (double& x : v) x = d(rng);
      break;
    }
    case Family::kStudentT2: {
      std::student_t_distribution<double> d(2.0);
      for (double& x : v) x = d(rng);
      break;
    }
    case Family::kPoisson: {
      std::poisson_distribution<int> d(spec.param);
      for (double& x : v) x = d(rng);
      break;
    }
    case Family::kFlag: {
      std::bernoulli_distribution d(spec.param);
      for (double& x : v) x = d(rng) ? 1.0 : 0.0;
      break;
    }
    case Family::kConstant:
      std::fill(v.begin(), v.end(), spec.param);
      break;
    case Family::kCategorical: {
      std::discrete_distribution<int> d(spec.probabilities.begin(), spec.probabilities.end());
      for (double& x : v) x = d(rng);
      break;
    }
  }
  return v;
}

namespace {

// Multinomial counts of n rows over the probabilities, by conditional binomials.
std::vector<int64_t> MultinomialCounts(const std::vector<double>& p, int64_t n, Rng& rng) {
  std::vector<int64_t> counts(p.size(), 0);
  double left = 1.0;
  int64_t remaining = n;
  for (size_t i = 0; i + 1 < p.size() && remaining > 0; ++i) {
    const double q = std::clamp(p[i] / left, 0.0, 1.0);
    std::binomial_distribution<int64_t> d(remaining, q);
    counts[i] = d(rng);
    remaining -= counts[i];
    left -= p[i];
  }
  counts.back() += remaining;
  return counts;
}

}  // namespace

Sample DrawSample(const Spec& spec, int64_t n, Rng& rng) {
  Sample s;
  if (spec.family == Family::kCategorical) {
    const std::vector<int64_t> counts = MultinomialCounts(spec.probabilities, n, rng);
    for (size_t i = 0; i < counts.size(); ++i) {
      if (counts[i] > 0) s.counts.emplace(CategoryName(static_cast<int>(i)), counts[i]);
    }
    return s;
  }
  if (spec.family == Family::kFlag) {
    std::binomial_distribution<int64_t> d(n, spec.param);
    const int64_t ones = d(rng);
    s.sorted.assign(static_cast<size_t>(n - ones), 0.0);
    s.sorted.resize(static_cast<size_t>(n), 1.0);
    return s;
  }
  s.sorted = DrawRaw(spec, n, rng);
  if (spec.family != Family::kConstant) stats::SortValues(s.sorted);
  return s;
}

Sample SampleOf(const Spec& spec, std::span<const double> raw) {
  Sample s;
  if (spec.family == Family::kCategorical) {
    std::vector<int64_t> counts(spec.probabilities.size(), 0);
    for (double x : raw) ++counts[static_cast<size_t>(x)];
    for (size_t i = 0; i < counts.size(); ++i) {
      if (counts[i] > 0) s.counts.emplace(CategoryName(static_cast<int>(i)), counts[i]);
    }
    return s;
  }
  s.sorted.assign(raw.begin(), raw.end());
  stats::SortValues(s.sorted);
  return s;
}

stats::FeatureInput InputOf(const Spec& spec, const Sample& reference, const Sample& current) {
  stats::FeatureInput in;
  in.name = spec.name;
  in.categorical = spec.categorical();
  if (in.categorical) {
    in.reference_counts = &reference.counts;
    in.current_counts = &current.counts;
  } else {
    in.reference_sorted = reference.sorted;
    in.current_sorted = current.sorted;
  }
  return in;
}

void RegressionRows(int64_t n, double sigma, double scale, Rng& rng,
                    std::vector<monitor::Row>& rows, std::vector<double>& abs_errors) {
  std::normal_distribution<double> actual(50.0, 10.0), error(0.0, sigma);
  rows.resize(static_cast<size_t>(n));
  abs_errors.resize(static_cast<size_t>(n));
  for (size_t i = 0; i < rows.size(); ++i) {
    const double a = actual(rng), e = scale * error(rng);
    rows[i].actual = a;
    rows[i].prediction = a + e;
    abs_errors[i] = std::fabs(rows[i].prediction - a);
  }
}

void ClassificationRows(int64_t n, double separation, double positive_share, Rng& rng,
                        std::vector<monitor::Row>& rows) {
  std::bernoulli_distribution label(positive_share);
  std::normal_distribution<double> score(0.0, 1.0);
  rows.resize(static_cast<size_t>(n));
  for (monitor::Row& row : rows) {
    const bool positive = label(rng);
    const double s = score(rng) + (positive ? separation : 0.0);
    row.actual = positive ? 1.0 : 0.0;
    row.prediction = 1.0 / (1.0 + std::exp(-s));
  }
}

double OneSidedTTestPValue(std::span<const double> x, double mu) {
  const size_t n = x.size();
  if (n < 2) return 1.0;
  const double mean = std::accumulate(x.begin(), x.end(), 0.0) / static_cast<double>(n);
  double ss = 0;
  for (double v : x) ss += (v - mean) * (v - mean);
  const double sd = std::sqrt(ss / static_cast<double>(n - 1));
  if (!(sd > 0)) return mean > mu ? 0.0 : 1.0;
  const double t = (mean - mu) / (sd / std::sqrt(static_cast<double>(n)));
  const boost::math::students_t dist(static_cast<double>(n - 1));
  return boost::math::cdf(boost::math::complement(dist, t));
}

double Count::Se() const {
  if (n == 0) return 0;
  const double p = Rate();
  return std::sqrt(p * (1 - p) / static_cast<double>(n));
}

double Paired::DifferenceSe() const {
  const double n = static_cast<double>(ours.n);
  if (n == 0) return 0;
  const double mean = static_cast<double>(ours_only - classical_only) / n;
  const double second = static_cast<double>(ours_only + classical_only) / n;
  return std::sqrt(std::max(0.0, second - mean * mean) / n);
}

bool Paired::OursBelow() const {
  return ours.n > 0 && ours.Rate() < classical.Rate() - 2 * DifferenceSe();
}

std::string Fixed3(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", v);
  return buf;
}

std::string MarkdownRow(const std::vector<std::string>& cells) {
  std::string s = "|";
  for (const std::string& c : cells) s += " " + c + " |";
  return s + "\n";
}

std::string MarkdownHeader(const std::vector<std::string>& cells) {
  std::string s = MarkdownRow(cells) + "|";
  for (size_t i = 0; i < cells.size(); ++i) s += i == 0 ? " --- |" : " ---: |";
  return s + "\n";
}

}  // namespace mw::bench
