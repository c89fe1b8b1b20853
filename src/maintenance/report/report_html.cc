// RenderReportHtml: the report as one self-contained HTML page (report.h states the contract).
#include <string>

#include "maintenance/report/report.h"
#include "maintenance/report/svg_chart.h"

namespace mw::maintenance {
namespace {

constexpr const char* kStyle = R"(
body{font-family:"DejaVu Sans",Arial,sans-serif;margin:24px;color:#1d2733;background:#fff;max-width:1040px}
h1{font-size:24px;margin:0 0 4px}h2{font-size:19px;margin:28px 0 8px;border-bottom:1px solid #d5dde6;padding-bottom:4px}
h3{font-size:15px;margin:16px 0 6px}p.meta{color:#566576;margin:2px 0}
table{border-collapse:collapse;font-size:13px;margin:6px 0}th,td{border:1px solid #d5dde6;padding:3px 8px;text-align:left}
th{background:#eef2f6}td.num{text-align:right;font-variant-numeric:tabular-nums}
.bad{color:#b3261e;font-weight:bold}.ok{color:#1e7b34}.muted{color:#7a8797}
.charts{display:flex;flex-wrap:wrap;gap:8px}
svg.chart{border:1px solid #e1e7ee;border-radius:4px}
svg.chart .bg{fill:#fff}svg.chart text{font-family:"DejaVu Sans",Arial,sans-serif}
svg.chart .ctitle{font-size:13px;font-weight:bold;fill:#1d2733}
svg.chart .tick{font-size:10px;fill:#566576}svg.chart .legend{font-size:11px;fill:#1d2733}
svg.chart .empty{font-size:13px;fill:#7a8797}
svg.chart .grid{stroke:#e6ebf0;stroke-width:1}svg.chart .axis{stroke:#8a97a6;stroke-width:1}
svg.chart .training{stroke:#b3261e;stroke-width:1.5;stroke-dasharray:6 4}
svg.chart .series{fill:none;stroke-width:2}
)";

std::string Esc(std::string_view s) { return EscapeXml(s); }

std::string SegmentName(const SegmentReport& s) {
  return s.segment.empty() ? "(all traffic)" : s.segment;
}

std::string Cell(const std::string& text, bool numeric = false) {
  return std::string(numeric ? "<td class=\"num\">" : "<td>") + Esc(text) + "</td>";
}

std::string StatusCell(const std::string& status) {
  const bool bad = status == "drift" || status == "drifted";
  return std::string("<td class=\"") +
         (bad              ? "bad"
          : status == "ok" ? "ok"
                           : "muted") +
         "\">" + Esc(status) + "</td>";
}

int64_t DriftedCount(const SegmentReport& s) {
  int64_t n = 0;
  for (const FeatureDriftItem& f : s.features) n += f.drifted ? 1 : 0;
  return n;
}

std::string Summary(const ReportData& d) {
  std::string out =
      "<section id=\"summary\"><h2>Summary</h2><table><tr><th>segment</th><th>version</th>"
      "<th>predictions</th><th>with actual</th><th>metric</th><th>training</th>"
      "<th>this period</th><th>degradation %</th><th>performance</th><th>drifted features</th>"
      "</tr>";
  for (const SegmentReport& s : d.segments) {
    out += "<tr>" + Cell(SegmentName(s)) + Cell(s.version.empty() ? "none" : s.version) +
           Cell(FormatNumber(static_cast<double>(s.predictions)), true) +
           Cell(FormatNumber(static_cast<double>(s.with_actual)), true);
    if (s.metrics.empty()) {
      out += Cell("n/a") + Cell("n/a", true) + Cell("n/a", true) + Cell("n/a", true) +
             StatusCell("no metrics");
    } else {
      const MetricSeries& m = s.metrics.front();
      out += Cell(m.metric) + Cell(FormatNumber(m.training_value), true) +
             Cell(FormatNumber(m.period_value), true) +
             Cell(FormatNumber(m.degradation_pct), true) + StatusCell(m.status);
    }
    const std::string drift = s.drift_status == "ok"
                                  ? FormatNumber(static_cast<double>(DriftedCount(s))) + " of " +
                                        FormatNumber(static_cast<double>(s.features.size()))
                                  : s.drift_status;
    out += std::string(DriftedCount(s) > 0 ? "<td class=\"bad\">" : "<td>") + Esc(drift) +
           "</td></tr>";
  }
  if (d.segments.empty()) out += "<tr><td colspan=\"10\">no predictions in this period</td></tr>";
  return out + "</table></section>";
}

std::string Volume(const ReportData& d) {
  int64_t total = 0, with_actual = 0;
  for (const DayVolume& v : d.volume) total += v.predictions, with_actual += v.with_actual;
  return "<section id=\"volume\"><h2>Prediction volume</h2><p class=\"meta\">" +
         FormatNumber(static_cast<double>(total)) + " predictions, " +
         FormatNumber(static_cast<double>(with_actual)) + " with an actual" +
         (d.truncated ? " (more rows than the report reads: the newest were used)" : "") + "</p>" +
         VolumeSvg("volume:predictions", "Predictions per day (UTC)", d.volume) + "</section>";
}

std::string Alerts(const ReportData& d) {
  std::string out = "<section id=\"alerts\"><h2>Alerts fired</h2>";
  if (!d.alerts.unavailable.empty()) {
    return out + "<p class=\"muted\">unavailable: " + Esc(d.alerts.unavailable) + "</p></section>";
  }
  if (d.alerts.items.empty()) return out + "<p>No alert fired in this period.</p></section>";
  out +=
      "<table><tr><th>fired at</th><th>alert</th><th>severity</th><th>segment</th>"
      "<th>value</th><th>summary</th></tr>";
  for (const ReportAlert& a : d.alerts.items) {
    out += "<tr>" + Cell(FormatTime(a.at_ms)) + Cell(a.alertname) + Cell(a.severity) +
           Cell(a.segment) + Cell(FormatNumber(a.value), true) + Cell(a.summary) + "</tr>";
  }
  return out + "</table></section>";
}

std::string Runs(const ReportData& d) {
  std::string out = "<section id=\"runs\"><h2>Maintenance runs</h2>";
  if (!d.runs.unavailable.empty()) {
    return out + "<p class=\"muted\">unavailable: " + Esc(d.runs.unavailable) + "</p></section>";
  }
  if (d.runs.items.empty()) return out + "<p>No maintenance run in this period.</p></section>";
  out +=
      "<table><tr><th>started</th><th>task</th><th>trigger</th><th>status</th><th>items</th>"
      "<th>bytes</th><th>message</th></tr>";
  for (const ReportRun& r : d.runs.items) {
    out += "<tr>" + Cell(FormatTime(r.started_at_ms)) + Cell(r.task) +
           Cell(r.trigger + (r.dry_run ? " (dry run)" : "")) +
           StatusCell(r.status == "succeeded" ? "ok" : r.status) +
           Cell(FormatNumber(static_cast<double>(r.items)), true) +
           Cell(FormatNumber(static_cast<double>(r.bytes)), true) + Cell(r.message) + "</tr>";
  }
  return out + "</table></section>";
}

std::string Performance(const ReportData& d, const SegmentReport& s) {
  std::string out = "<h3>Performance against training</h3>";
  if (s.metrics.empty()) return out + "<p class=\"muted\">No metric for this segment.</p>";
  out +=
      "<table><tr><th>metric</th><th>training</th><th>this period</th><th>degradation %</th>"
      "<th>status</th></tr>";
  for (const MetricSeries& m : s.metrics) {
    out += "<tr>" + Cell(m.metric) + Cell(FormatNumber(m.training_value), true) +
           Cell(FormatNumber(m.period_value), true) + Cell(FormatNumber(m.degradation_pct), true) +
           StatusCell(m.status) + "</tr>";
  }
  out += "</table><div class=\"charts\">";
  for (const MetricSeries& m : s.metrics) {
    out += LineChartSvg("metric:" + s.segment + "/" + m.metric,
                        m.metric + " over time (" + SegmentName(s) + ")", m.points,
                        m.training_value, d.from_ms, d.to_ms);
  }
  return out + "</div>";
}

std::string Drift(const SegmentReport& s) {
  std::string out = "<h3>Data drift against the reference</h3>";
  if (s.drift_status != "ok") return out + "<p class=\"muted\">" + Esc(s.drift_status) + "</p>";
  out +=
      "<p class=\"meta\">drift share " + Esc(FormatNumber(s.drift_share)) +
      (s.dataset_drift ? ", <span class=\"bad\">dataset drift</span>" : ", no dataset drift") +
      "</p><table><tr><th>feature</th><th>type</th><th>test</th><th>score</th><th>p-value (BH)</th>"
      "<th>reference n</th><th>current n</th><th>drift</th></tr>";
  for (const FeatureDriftItem& f : s.features) {
    out += "<tr>" + Cell(f.name) + Cell(f.type) + Cell(f.test) + Cell(FormatNumber(f.score), true) +
           Cell(FormatNumber(f.pvalue), true) +
           Cell(FormatNumber(static_cast<double>(f.reference_size)), true) +
           Cell(FormatNumber(static_cast<double>(f.current_size)), true) +
           StatusCell(f.drifted ? "drifted" : "ok") + "</tr>";
  }
  out += "</table><div class=\"charts\">";
  for (const FeatureDriftItem& f : s.features) {
    if (f.bins.empty()) continue;
    out +=
        HistogramSvg("drift:" + s.segment + "/" + f.name,
                     f.name + (f.drifted ? " (drifted)" : "") + ": reference vs current", f.bins);
  }
  return out + "</div>";
}

}  // namespace

std::string RenderReportHtml(const ReportData& d) {
  const std::string period(ReportPeriodName(d.period));
  const std::string heading =
      std::string(d.period == ReportPeriod::kWeekly ? "Weekly" : "Monthly") + " report: " + d.model;
  const std::string span =
      FormatDay(d.from_ms) + " to " + FormatDay(d.to_ms) + " (UTC, end excluded)";
  std::string out =
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta name=\"generator\" content=\"modelwatch\"><title>" +
      Esc(heading + ", " + span) + "</title><style>" + kStyle +
      "</style></head><body><header><h1>" + Esc(heading) + "</h1><p class=\"meta\">" + Esc(span) +
      "</p><p class=\"meta\">task " + Esc(d.task) + (d.task_inferred ? " (inferred)" : "") +
      ", metrics in buckets of " +
      Esc(FormatNumber(static_cast<double>(d.bucket_ms) / 3'600'000.0)) + " h, generated " +
      Esc(FormatTime(d.generated_at_ms)) + "</p></header>";
  // Maintenance runs concern the service, not the model: after the segments.
  out += Summary(d) + Volume(d) + Alerts(d);
  for (const SegmentReport& s : d.segments) {
    out += "<section class=\"segment\"><h2>Segment " + Esc(SegmentName(s)) + "</h2>";
    out += "<p class=\"meta\">version " + Esc(s.version.empty() ? "none" : s.version) + ", " +
           FormatNumber(static_cast<double>(s.predictions)) + " predictions, " +
           FormatNumber(static_cast<double>(s.with_actual)) + " with an actual</p>";
    out += Performance(d, s) + Drift(s) + "</section>";
  }
  return out + Runs(d) + "</body></html>\n";
}

}  // namespace mw::maintenance
