// RenderReportMarkdown: the report's numbers as Markdown tables (the same figures as the HTML,
// printed by FormatNumber; series as one table row per bucket).
#include <string>

#include "maintenance/report/report.h"

namespace mw::maintenance {
namespace {

// Text inside a table cell: | would end the cell and a newline the row; `*_[]#\ could start
// markup, so they are escaped with a backslash; < and > become entities, so no HTML tag passes.
std::string MdCell(std::string_view text) {
  std::string out;
  for (const char c : text) {
    if (c == '\n' || c == '\r') {
      out += ' ';
    } else if (c == '<') {
      out += "&lt;";
    } else if (c == '>') {
      out += "&gt;";
    } else if (std::string_view("|\\`*_[]#").find(c) != std::string_view::npos) {
      out += '\\';
      out += c;
    } else {
      out += c;
    }
  }
  return out;
}

std::string Row(std::initializer_list<std::string> cells) {
  std::string out = "|";
  for (const std::string& c : cells) out += " " + MdCell(c) + " |";
  return out + "\n";
}

std::string Count(int64_t n) { return FormatNumber(static_cast<double>(n)); }

std::string MdSegmentName(const SegmentReport& s) {
  return s.segment.empty() ? "(all traffic)" : s.segment;
}

void MdSummary(const ReportData& d, std::string& out) {
  out += "## Summary\n\n";
  if (d.segments.empty()) {
    out += "No predictions in this period.\n\n";
    return;
  }
  out +=
      "| segment | version | predictions | with actual | metric | training | this period | "
      "degradation % | performance | drifted features |\n"
      "|---|---|---:|---:|---|---:|---:|---:|---|---|\n";
  for (const SegmentReport& s : d.segments) {
    int64_t drifted = 0;
    for (const FeatureDriftItem& f : s.features) drifted += f.drifted ? 1 : 0;
    const std::string drift =
        s.drift_status == "ok"
            ? Count(drifted) + " of " + Count(static_cast<int64_t>(s.features.size()))
            : s.drift_status;
    if (s.metrics.empty()) {
      out += Row({MdSegmentName(s), s.version.empty() ? "none" : s.version, Count(s.predictions),
                  Count(s.with_actual), "n/a", "n/a", "n/a", "n/a", "no metrics", drift});
    } else {
      const MetricSeries& m = s.metrics.front();
      out += Row({MdSegmentName(s), s.version.empty() ? "none" : s.version, Count(s.predictions),
                  Count(s.with_actual), m.metric, FormatNumber(m.training_value),
                  FormatNumber(m.period_value), FormatNumber(m.degradation_pct), m.status, drift});
    }
  }
  out += "\n";
}

void MdVolume(const ReportData& d, std::string& out) {
  out += "## Prediction volume\n\n";
  if (d.truncated) out += "More rows than the report reads: the newest were used.\n\n";
  out += "| day (UTC) | predictions | with actual |\n|---|---:|---:|\n";
  for (const DayVolume& v : d.volume) {
    out += Row({FormatDay(v.day_start_ms), Count(v.predictions), Count(v.with_actual)});
  }
  out += "\n";
}

void MdAlerts(const ReportData& d, std::string& out) {
  out += "## Alerts fired\n\n";
  if (!d.alerts.unavailable.empty()) {
    out += "unavailable: " + MdCell(d.alerts.unavailable) + "\n\n";
  } else if (d.alerts.items.empty()) {
    out += "No alert fired in this period.\n\n";
  } else {
    out +=
        "| fired at | alert | severity | segment | value | summary |\n|---|---|---|---|---:|---|\n";
    for (const ReportAlert& a : d.alerts.items) {
      out += Row({FormatTime(a.at_ms), a.alertname, a.severity, a.segment, FormatNumber(a.value),
                  a.summary});
    }
    out += "\n";
  }
}

void MdRuns(const ReportData& d, std::string& out) {
  out += "## Maintenance runs\n\n";
  if (!d.runs.unavailable.empty()) {
    out += "unavailable: " + MdCell(d.runs.unavailable) + "\n\n";
  } else if (d.runs.items.empty()) {
    out += "No maintenance run in this period.\n\n";
  } else {
    out +=
        "| started | task | trigger | status | items | bytes | message |\n"
        "|---|---|---|---|---:|---:|---|\n";
    for (const ReportRun& r : d.runs.items) {
      out += Row({FormatTime(r.started_at_ms), r.task, r.trigger + (r.dry_run ? " (dry run)" : ""),
                  r.status, Count(r.items), Count(r.bytes), r.message});
    }
    out += "\n";
  }
}

void MdSegment(const SegmentReport& s, std::string& out) {
  out += "## Segment " + MdCell(MdSegmentName(s)) + "\n\nversion " +
         MdCell(s.version.empty() ? "none" : s.version) + ", " + Count(s.predictions) +
         " predictions, " + Count(s.with_actual) + " with an actual\n\n";
  out += "### Performance against training\n\n";
  if (s.metrics.empty()) out += "No metric for this segment.\n\n";
  for (const MetricSeries& m : s.metrics) {
    out += "**" + MdCell(m.metric) + "**: training " + FormatNumber(m.training_value) +
           ", this period " + FormatNumber(m.period_value) + ", degradation " +
           FormatNumber(m.degradation_pct) + " %, " + MdCell(m.status) + "\n\n";
    out +=
        "| bucket start (UTC) | rows with actual | " + MdCell(m.metric) + " |\n|---|---:|---:|\n";
    for (const ReportPoint& p : m.points) {
      out += Row({FormatTime(p.start_ms), Count(p.sample_size), FormatNumber(p.value)});
    }
    out += "\n";
  }
  out += "### Data drift against the reference\n\n";
  if (s.drift_status != "ok") {
    out += MdCell(s.drift_status) + "\n\n";
    return;
  }
  out += "drift share " + FormatNumber(s.drift_share) +
         (s.dataset_drift ? ", dataset drift" : ", no dataset drift") + "\n\n";
  out +=
      "| feature | type | test | score | p-value (BH) | reference n | current n | drift |\n"
      "|---|---|---|---:|---:|---:|---:|---|\n";
  for (const FeatureDriftItem& f : s.features) {
    out += Row({f.name, f.type, f.test, FormatNumber(f.score), FormatNumber(f.pvalue),
                Count(f.reference_size), Count(f.current_size), f.drifted ? "drifted" : "ok"});
  }
  out += "\n";
  for (const FeatureDriftItem& f : s.features) {
    if (f.bins.empty()) continue;
    out += "Histogram of " + MdCell(f.name) +
           " (share of values):\n\n| bin | reference | current |\n"
           "|---|---:|---:|\n";
    for (const HistogramBin& b : f.bins) {
      out += Row({b.label, FormatNumber(b.reference_share), FormatNumber(b.current_share)});
    }
    out += "\n";
  }
}

}  // namespace

std::string RenderReportMarkdown(const ReportData& d) {
  std::string out = std::string("# ") + (d.period == ReportPeriod::kWeekly ? "Weekly" : "Monthly") +
                    " report: " + MdCell(d.model) + "\n\n" + FormatDay(d.from_ms) + " to " +
                    FormatDay(d.to_ms) + " (UTC, end excluded); task " + MdCell(d.task) +
                    (d.task_inferred ? " (inferred)" : "") + ", metrics in buckets of " +
                    FormatNumber(static_cast<double>(d.bucket_ms) / 3'600'000.0) +
                    " h, generated " + FormatTime(d.generated_at_ms) + "\n\n";
  MdSummary(d, out);
  MdVolume(d, out);
  MdAlerts(d, out);
  for (const SegmentReport& s : d.segments) MdSegment(s, out);
  MdRuns(d, out);
  return out;
}

}  // namespace mw::maintenance
