#include "alerting/rules/sampler.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <optional>

namespace mw::alerting {
namespace {

std::string Key(const Labels& labels) {
  std::string key;
  for (const auto& [k, v] : labels) {
    key += k;
    key += '\x1f';
    key += v;
    key += '\x1e';
  }
  return key;
}

// Parses one sample line: name{a="b",...} value. False for anything else.
bool ParseLine(std::string_view line, std::string& name, Labels& labels, double& value) {
  size_t i = 0;
  while (i < line.size() && line[i] != '{' && line[i] != ' ') ++i;
  name.assign(line.substr(0, i));
  if (name.empty()) return false;
  labels.clear();
  if (i < line.size() && line[i] == '{') {
    ++i;
    while (i < line.size() && line[i] != '}') {
      const size_t eq = line.find('=', i);
      if (eq == std::string_view::npos || eq + 1 >= line.size() || line[eq + 1] != '"')
        return false;
      std::string key(line.substr(i, eq - i));
      std::string val;
      size_t j = eq + 2;
      for (; j < line.size() && line[j] != '"'; ++j) {
        if (line[j] == '\\' && j + 1 < line.size()) {
          ++j;
          val += line[j] == 'n' ? '\n' : line[j];
        } else {
          val += line[j];
        }
      }
      if (j >= line.size()) return false;
      labels.emplace(std::move(key), std::move(val));
      i = j + 1;
      if (i < line.size() && line[i] == ',') ++i;
    }
    if (i >= line.size()) return false;
    ++i;  // '}'
  }
  while (i < line.size() && line[i] == ' ') ++i;
  std::string_view rest = line.substr(i);
  const size_t space = rest.find(' ');  // an optional timestamp follows
  if (space != std::string_view::npos) rest = rest.substr(0, space);
  if (rest == "+Inf") {
    value = std::numeric_limits<double>::infinity();
  } else if (rest == "-Inf") {
    value = -std::numeric_limits<double>::infinity();
  } else if (rest == "NaN") {
    value = std::numeric_limits<double>::quiet_NaN();
  } else {
    auto [end, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), value);
    if (ec != std::errc() || end != rest.data() + rest.size()) return false;
  }
  return true;
}

}  // namespace

MetricSampler::MetricSampler(int64_t retention_ms) : retention_ms_(retention_ms) {}

Status MetricSampler::Sample(std::string_view exposition, int64_t now_ms) {
  struct Parsed {
    std::string name;
    Labels labels;
    double value;
  };
  std::vector<Parsed> parsed;
  size_t pos = 0, line_no = 0;
  while (pos < exposition.size()) {
    size_t end = exposition.find('\n', pos);
    if (end == std::string_view::npos) end = exposition.size();
    const std::string_view line = exposition.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    if (line.empty() || line.front() == '#') continue;
    Parsed p;
    if (!ParseLine(line, p.name, p.labels, p.value)) {
      return InvalidArgument("metrics line " + std::to_string(line_no) + " is not a sample");
    }
    parsed.push_back(std::move(p));
  }
  std::lock_guard lock(mu_);
  for (Parsed& p : parsed) {
    auto& by_labels = series_[p.name];
    Series& s = by_labels[Key(p.labels)];
    if (s.points.empty()) s.labels = std::move(p.labels);
    s.points.push_back({now_ms, p.value});
  }
  last_sample_ms_ = now_ms;
  const int64_t cutoff = now_ms - retention_ms_;
  for (auto name = series_.begin(); name != series_.end();) {
    for (auto it = name->second.begin(); it != name->second.end();) {
      auto& points = it->second.points;
      while (!points.empty() && points.front().t < cutoff) points.pop_front();
      it = points.empty() ? name->second.erase(it) : std::next(it);
    }
    name = name->second.empty() ? series_.erase(name) : std::next(name);
  }
  return Status::Ok();
}

template <typename ValueOf>
std::vector<SeriesValue> MetricSampler::EachSeries(std::string_view name, ValueOf value_of) const {
  std::lock_guard lock(mu_);
  std::vector<SeriesValue> out;
  auto it = series_.find(name);
  if (it == series_.end()) return out;
  for (const auto& [key, s] : it->second) {
    if (const std::optional<double> v = value_of(s)) out.push_back({s.labels, *v});
  }
  return out;
}

std::vector<SeriesValue> MetricSampler::Latest(std::string_view name, int64_t now_ms,
                                               int64_t staleness_ms) const {
  return EachSeries(name, [&](const Series& s) -> std::optional<double> {
    // Absent from the newest sample: stale at once, as Prometheus marks a series that
    // disappears from its target's scrape.
    if (s.points.empty() || s.points.back().t != last_sample_ms_ ||
        now_ms - s.points.back().t > staleness_ms) {
      return std::nullopt;
    }
    return s.points.back().v;
  });
}

std::vector<SeriesValue> MetricSampler::Increase(std::string_view name, int64_t range_ms,
                                                 int64_t now_ms) const {
  const int64_t from = now_ms - range_ms;
  return EachSeries(name, [&](const Series& s) -> std::optional<double> {
    const Point* previous = nullptr;
    double increase = 0;
    int points = 0;
    for (const Point& p : s.points) {
      if (p.t < from || p.t > now_ms) continue;
      ++points;
      if (previous != nullptr) increase += p.v >= previous->v ? p.v - previous->v : p.v;
      previous = &p;
    }
    if (points < 2) return std::nullopt;
    return increase;
  });
}

std::vector<SeriesValue> MetricSampler::SumBy(const std::vector<SeriesValue>& in,
                                              const std::vector<std::string>& by) {
  std::map<std::string, SeriesValue> groups;
  for (const SeriesValue& s : in) {
    Labels kept;
    for (const std::string& label : by) {
      auto it = s.labels.find(label);
      if (it != s.labels.end()) kept[label] = it->second;
    }
    SeriesValue& g = groups[Key(kept)];
    g.labels = kept;
    g.value += s.value;
  }
  std::vector<SeriesValue> out;
  for (auto& [key, g] : groups) out.push_back(std::move(g));
  return out;
}

double BucketQuantile(double q, const std::vector<std::pair<double, double>>& buckets) {
  // Prometheus promql/quantile.go bucketQuantile.
  if (std::isnan(q)) return std::numeric_limits<double>::quiet_NaN();
  if (q < 0) return -std::numeric_limits<double>::infinity();
  if (q > 1) return std::numeric_limits<double>::infinity();
  if (buckets.size() < 2 || !std::isinf(buckets.back().first)) {
    return std::numeric_limits<double>::quiet_NaN();
  }
  const double observations = buckets.back().second;
  if (observations == 0) return std::numeric_limits<double>::quiet_NaN();
  double rank = q * observations;
  size_t b = 0;
  while (b < buckets.size() - 1 && buckets[b].second < rank) ++b;
  if (b == buckets.size() - 1) return buckets[buckets.size() - 2].first;
  if (b == 0 && buckets[0].first <= 0) return buckets[0].first;
  double bucket_start = 0, bucket_end = buckets[b].first, count = buckets[b].second;
  if (b > 0) {
    bucket_start = buckets[b - 1].first;
    count -= buckets[b - 1].second;
    rank -= buckets[b - 1].second;
  }
  return bucket_start + (bucket_end - bucket_start) * (rank / count);
}

std::vector<SeriesValue> MetricSampler::HistogramQuantile(double q, std::string_view name,
                                                          const std::vector<std::string>& by,
                                                          int64_t range_ms, int64_t now_ms) const {
  std::vector<std::string> by_le = by;
  by_le.push_back("le");
  const std::vector<SeriesValue> increases =
      SumBy(Increase(std::string(name) + "_bucket", range_ms, now_ms), by_le);
  std::map<std::string, std::pair<Labels, std::vector<std::pair<double, double>>>> groups;
  for (const SeriesValue& s : increases) {
    Labels without_le = s.labels;
    auto le = without_le.find("le");
    if (le == without_le.end()) continue;
    double bound = 0;
    if (le->second == "+Inf") {
      bound = std::numeric_limits<double>::infinity();
    } else {
      auto [end, ec] =
          std::from_chars(le->second.data(), le->second.data() + le->second.size(), bound);
      if (ec != std::errc()) continue;
    }
    without_le.erase(le);
    auto& g = groups[Key(without_le)];
    g.first = without_le;
    g.second.emplace_back(bound, s.value);
  }
  std::vector<SeriesValue> out;
  for (auto& [key, g] : groups) {
    std::sort(g.second.begin(), g.second.end());
    const double v = BucketQuantile(q, g.second);
    if (!std::isnan(v)) out.push_back({g.first, v});
  }
  return out;
}

int64_t MetricSampler::last_sample_ms() const {
  std::lock_guard lock(mu_);
  return last_sample_ms_;
}

size_t MetricSampler::series_count() const {
  std::lock_guard lock(mu_);
  size_t n = 0;
  for (const auto& [name, by_labels] : series_) n += by_labels.size();
  return n;
}

}  // namespace mw::alerting
