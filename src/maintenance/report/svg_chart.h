// The report's charts as inline SVG text, drawn by hand (no script, no external resource): a
// line chart of a metric with a dashed training line, grouped bars of reference vs current
// shares, and bars of daily volume. Every chart is <svg class="chart" data-chart="...">, with
// its texts escaped, well-formed XML.
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "maintenance/report/report.h"

namespace mw::maintenance {

// & < > " ' as entities (for HTML text, attribute values and SVG text alike).
std::string EscapeXml(std::string_view text);

// `chart_id` goes into data-chart (escaped); `title` is drawn above the plot.
std::string LineChartSvg(std::string_view chart_id, std::string_view title,
                         const std::vector<ReportPoint>& points, std::optional<double> training,
                         int64_t from_ms, int64_t to_ms);
std::string HistogramSvg(std::string_view chart_id, std::string_view title,
                         const std::vector<HistogramBin>& bins);
std::string VolumeSvg(std::string_view chart_id, std::string_view title,
                      const std::vector<DayVolume>& days);

}  // namespace mw::maintenance
