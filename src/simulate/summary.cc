// SummaryJson, SummaryText and ProgressLine of runner.h.
#include <cstdio>
#include <sstream>

#include "common/duration.h"
#include "common/time_format.h"
#include "simulate/runner.h"

namespace mw::simulate {

using nlohmann::ordered_json;

nlohmann::ordered_json SummaryJson(const Summary& s) {
  ordered_json j;
  j["seed"] = s.seed;
  j["id_prefix"] = s.id_prefix;
  j["start"] = FormatRfc3339Millis(s.start_ms);
  j["end"] = FormatRfc3339Millis(s.end_ms);
  j["wall_seconds"] = static_cast<double>(s.wall_ms) / 1000.0;
  j["predictions_sent"] = s.predictions_sent;
  j["actuals_sent"] = s.actuals_sent;
  j["actuals_flushed_at_end"] = s.actuals_flushed_at_end;
  j["requests"] = s.requests;
  j["retries"] = s.retries;
  j["duplicates"] = s.duplicates;
  j["actuals_matched"] = s.actuals_matched;
  j["actuals_unmatched"] = s.actuals_unmatched;
  j["versions_registered"] = s.versions_registered;
  j["references_uploaded"] = s.references_uploaded;
  ordered_json models = ordered_json::array();
  for (const auto& m : s.models) {
    models.push_back({{"model", m.model},
                      {"predictions", m.predictions},
                      {"actuals", m.actuals},
                      {"drifted_predictions", m.drifted}});
  }
  j["models"] = std::move(models);
  if (!s.drift) {
    j["drift"] = nullptr;
    return j;
  }
  ordered_json drift;
  drift["start"] = FormatRfc3339Millis(s.drift->start_ms);
  drift["kinds"] = ordered_json::array();
  for (DriftKind k : s.drift->kinds) drift["kinds"].push_back(std::string(DriftKindName(k)));
  drift["magnitude"] = s.drift->magnitude;
  ordered_json list = ordered_json::array();
  for (const auto& m : s.drift->models) {
    ordered_json e;
    e["model"] = m.model;
    e["segments"] = m.segments;
    e["concept"] = m.concept_drift;
    if (m.new_category_feature.empty()) {
      e["new_category"] = nullptr;
    } else {
      e["new_category"] = {{"feature", m.new_category_feature}, {"value", m.new_category_value}};
    }
    e["shifted_features"] = m.shifted_features;
    e["shifts"] = m.shifts;  // {segment: {feature: value added}}
    list.push_back(std::move(e));
  }
  drift["models"] = std::move(list);
  j["drift"] = std::move(drift);
  return j;
}

std::string SummaryText(const Summary& s) {
  std::ostringstream out;
  out << "simulated " << FormatRfc3339Seconds(s.start_ms) << " .. "
      << FormatRfc3339Seconds(s.end_ms) << " (seed " << s.seed << ", ids " << s.id_prefix
      << "-N) in " << static_cast<double>(s.wall_ms) / 1000.0 << " s\n";
  out << "sent " << s.predictions_sent << " predictions and " << s.actuals_sent << " actuals ("
      << s.actuals_flushed_at_end << " flushed at the end) in " << s.requests << " requests, "
      << s.retries << " retries; server: " << s.duplicates << " duplicates, " << s.actuals_matched
      << " actuals matched, " << s.actuals_unmatched << " unmatched\n";
  out << "registered " << s.versions_registered << " versions, uploaded " << s.references_uploaded
      << " references\n";
  for (const auto& m : s.models) {
    out << "  " << m.model << ": " << m.predictions << " predictions, " << m.actuals << " actuals, "
        << m.drifted << " drifted\n";
  }
  if (!s.drift) {
    out << "drift: none\n";
    return out.str();
  }
  out << "drift from " << FormatRfc3339Seconds(s.drift->start_ms) << ":";
  for (DriftKind k : s.drift->kinds) out << " " << DriftKindName(k);
  out << "\n";
  for (const auto& m : s.drift->models) {
    out << "  " << m.model;
    if (!m.segments.empty()) {
      out << " segments";
      for (size_t i = 0; i < m.segments.size(); ++i) out << (i ? "," : " ") << m.segments[i];
    }
    if (m.concept_drift) out << "; concept";
    if (!m.new_category_feature.empty()) {
      out << "; new category " << m.new_category_feature << "=" << m.new_category_value;
    }
    if (!m.shifted_features.empty()) {
      out << "; shifted";
      for (const auto& f : m.shifted_features) out << " " << f;
      out << " by " << s.drift->magnitude << " reference sd";
    }
    out << "\n";
  }
  return out.str();
}

std::string ProgressLine(const Progress& p) {
  std::ostringstream out;
  out << "simulate: " << p.predictions_sent;
  if (p.planned > 0) out << "/" << p.planned;
  out << " predictions, " << p.actuals_sent << " actuals (" << p.pending_actuals << " pending), "
      << p.requests << " requests, " << p.retries << " retries; simulated "
      << FormatRfc3339Seconds(p.simulated_now_ms) << (p.drift_active ? ", drift active" : "")
      << " (" << p.elapsed_ms / 1000 << " s)";
  return out.str();
}

}  // namespace mw::simulate
