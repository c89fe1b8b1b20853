#include "maintenance/report/svg_chart.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace mw::maintenance {
namespace {

// Every chart has the same frame: the plot area inside fixed margins.
constexpr double kWidth = 500, kHeight = 230;
constexpr double kLeft = 58, kRight = 16, kTop = 30, kBottom = 44;
constexpr double kPlotW = kWidth - kLeft - kRight, kPlotH = kHeight - kTop - kBottom;
constexpr const char* kReferenceColour = "#7f9cc0";
constexpr const char* kCurrentColour = "#e8772e";
constexpr const char* kLineColour = "#2360a5";

std::string Num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

std::string OpenSvg(std::string_view chart_id, std::string_view title) {
  return "<svg class=\"chart\" data-chart=\"" + EscapeXml(chart_id) + "\" width=\"" + Num(kWidth) +
         "\" height=\"" + Num(kHeight) + "\" viewBox=\"0 0 " + Num(kWidth) + " " + Num(kHeight) +
         "\" role=\"img\"><title>" + EscapeXml(title) +
         "</title><rect class=\"bg\" x=\"0\" y=\"0\" width=\"" + Num(kWidth) + "\" height=\"" +
         Num(kHeight) + "\"/><text class=\"ctitle\" x=\"" + Num(kLeft) + "\" y=\"18\">" +
         EscapeXml(title) + "</text>";
}

std::string Text(double x, double y, std::string_view anchor, std::string_view text,
                 std::string_view cls = "tick") {
  return "<text class=\"" + std::string(cls) + "\" x=\"" + Num(x) + "\" y=\"" + Num(y) +
         "\" text-anchor=\"" + std::string(anchor) + "\">" + EscapeXml(text) + "</text>";
}

std::string Line(double x1, double y1, double x2, double y2, std::string_view cls) {
  return "<line class=\"" + std::string(cls) + "\" x1=\"" + Num(x1) + "\" y1=\"" + Num(y1) +
         "\" x2=\"" + Num(x2) + "\" y2=\"" + Num(y2) + "\"/>";
}

std::string Rect(double x, double y, double w, double h, std::string_view fill) {
  return "<rect x=\"" + Num(x) + "\" y=\"" + Num(y) + "\" width=\"" + Num(std::max(w, 0.0)) +
         "\" height=\"" + Num(std::max(h, 0.0)) + "\" fill=\"" + std::string(fill) + "\"/>";
}

// A "nice" y range around [lo, hi]: steps of 1, 2 or 5 times a power of ten, 4 or 5 of them.
struct YRange {
  double lo = 0, hi = 1, step = 0.25;
};
YRange NiceRange(double lo, double hi) {
  if (!(hi > lo)) hi = lo + 1;
  const double raw = (hi - lo) / 4;
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  double step = magnitude * 10;
  for (const double f : {1.0, 2.0, 5.0}) {
    if (magnitude * f >= raw) {
      step = magnitude * f;
      break;
    }
  }
  return {std::floor(lo / step) * step, std::ceil(hi / step) * step, step};
}

// Grid lines with their values at every step of `r`, the lowest one drawn as the axis.
std::string YAxis(const YRange& r) {
  std::string out;
  const int steps = static_cast<int>(std::lround((r.hi - r.lo) / r.step));
  for (int i = 0; i <= steps; ++i) {
    const double v = r.lo + r.step * i;
    const double y = kTop + kPlotH - kPlotH * i / std::max(steps, 1);
    out += Line(kLeft, y, kLeft + kPlotW, y, i == 0 ? "axis" : "grid");
    // Rounded to the step's precision, so 0.30000000000000004 prints as 0.3.
    out += Text(kLeft - 6, y + 4, "end", FormatNumber(std::round(v / r.step * 1e6) / 1e6 * r.step));
  }
  return out;
}

// Short day labels ("12-07") under the x axis, at most about 8 of them.
std::string DayTicks(int64_t from_ms, int64_t to_ms) {
  constexpr int64_t kDay = 86'400'000;
  const int64_t days = std::max<int64_t>(1, (to_ms - from_ms) / kDay);
  const int64_t step = std::max<int64_t>(1, (days + 7) / 8);
  std::string out;
  for (int64_t d = 0; d <= days; d += step) {
    const int64_t t = from_ms + d * kDay;
    if (t > to_ms) break;
    const double x = kLeft + kPlotW * static_cast<double>(t - from_ms) /
                                 static_cast<double>(std::max<int64_t>(1, to_ms - from_ms));
    out += Line(x, kTop + kPlotH, x, kTop + kPlotH + 4, "axis");
    out += Text(x, kTop + kPlotH + 16, "middle", FormatDay(t).substr(5));
  }
  return out;
}

std::string Legend(std::string_view first, std::string_view first_colour, std::string_view second,
                   std::string_view second_colour, bool second_dashed) {
  const double y = kHeight - 10;
  std::string out =
      Rect(kLeft, y - 8, 10, 10, first_colour) + Text(kLeft + 14, y + 1, "start", first, "legend");
  const double x = kLeft + 150;
  if (second_dashed) {
    out += "<line class=\"training\" x1=\"" + Num(x) + "\" y1=\"" + Num(y - 3) + "\" x2=\"" +
           Num(x + 18) + "\" y2=\"" + Num(y - 3) + "\"/>";
  } else {
    out += Rect(x, y - 8, 10, 10, second_colour);
  }
  return out + Text(x + 22, y + 1, "start", second, "legend");
}

}  // namespace

std::string EscapeXml(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        // Control characters other than tab and newline are not allowed in XML 1.0.
        if (static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n') {
          out += "\xEF\xBF\xBD";  // U+FFFD
        } else {
          out += c;
        }
    }
  }
  return out;
}

std::string LineChartSvg(std::string_view chart_id, std::string_view title,
                         const std::vector<ReportPoint>& points, std::optional<double> training,
                         int64_t from_ms, int64_t to_ms) {
  double lo = HUGE_VAL, hi = -HUGE_VAL;
  for (const ReportPoint& p : points) {
    if (p.value && std::isfinite(*p.value))
      lo = std::min(lo, *p.value), hi = std::max(hi, *p.value);
  }
  const bool has_training = training && std::isfinite(*training);
  if (has_training) lo = std::min(lo, *training), hi = std::max(hi, *training);
  std::string out = OpenSvg(chart_id, title);
  if (lo > hi) {  // nothing to draw
    out += Text(kWidth / 2, kTop + kPlotH / 2, "middle", "no values in this period", "empty");
    return out + "</svg>";
  }
  const double pad = hi > lo ? (hi - lo) * 0.05 : std::max(std::fabs(hi) * 0.1, 1e-6);
  const YRange range = NiceRange(lo - pad, hi + pad);
  lo = range.lo, hi = range.hi;
  out += YAxis(range) + DayTicks(from_ms, to_ms);
  const double span_ms = static_cast<double>(std::max<int64_t>(1, to_ms - from_ms));
  auto x_of = [&](int64_t t) {
    return kLeft + kPlotW * static_cast<double>(t - from_ms) / span_ms;
  };
  auto y_of = [&](double v) { return kTop + kPlotH - kPlotH * (v - lo) / (hi - lo); };
  if (has_training) {
    const double y = y_of(*training);
    out += Line(kLeft, y, kLeft + kPlotW, y, "training");
  }
  // Buckets are drawn at their middle; a bucket without a value breaks the line.
  const int64_t half = points.size() >= 2 ? (points[1].start_ms - points[0].start_ms) / 2 : 0;
  std::string polyline, dots;
  auto flush = [&] {
    if (!polyline.empty()) {
      out += "<polyline class=\"series\" stroke=\"" + std::string(kLineColour) + "\" points=\"" +
             polyline + "\"/>";
    }
    polyline.clear();
  };
  for (const ReportPoint& p : points) {
    if (!p.value || !std::isfinite(*p.value)) {
      flush();
      continue;
    }
    const std::string xy = Num(x_of(p.start_ms + half)) + "," + Num(y_of(*p.value));
    polyline += (polyline.empty() ? "" : " ") + xy;
    dots += "<circle cx=\"" + Num(x_of(p.start_ms + half)) + "\" cy=\"" + Num(y_of(*p.value)) +
            "\" r=\"2.2\" fill=\"" + kLineColour + "\"/>";
  }
  flush();
  out += dots;
  out +=
      Legend("in production", kLineColour,
             has_training ? "training " + FormatNumber(training) : "no training value", "", true);
  return out + "</svg>";
}

std::string HistogramSvg(std::string_view chart_id, std::string_view title,
                         const std::vector<HistogramBin>& bins) {
  std::string out = OpenSvg(chart_id, title);
  double hi = 0;
  for (const HistogramBin& b : bins) hi = std::max({hi, b.reference_share, b.current_share});
  if (bins.empty() || hi <= 0) {
    out += Text(kWidth / 2, kTop + kPlotH / 2, "middle", "no values", "empty");
    return out + "</svg>";
  }
  const YRange range = NiceRange(0, hi);
  hi = range.hi;
  out += YAxis(range);
  const double slot = kPlotW / static_cast<double>(bins.size());
  const double bar = std::max(1.0, slot * 0.4);
  const size_t label_every = (bins.size() + 7) / 8;  // labels of 4 digits need two slots
  for (size_t i = 0; i < bins.size(); ++i) {
    const double x = kLeft + slot * static_cast<double>(i) + slot * 0.1;
    const double hr = kPlotH * bins[i].reference_share / hi;
    const double hc = kPlotH * bins[i].current_share / hi;
    out += Rect(x, kTop + kPlotH - hr, bar, hr, kReferenceColour);
    out += Rect(x + bar, kTop + kPlotH - hc, bar, hc, kCurrentColour);
    if (i % label_every == 0) {
      std::string label = bins[i].label;
      if (label.size() > 10) label = label.substr(0, 9) + "~";
      out += Text(x + bar, kTop + kPlotH + 14, "middle", label);
    }
  }
  out += Legend("reference (training)", kReferenceColour, "current (this period)", kCurrentColour,
                false);
  return out + "</svg>";
}

std::string VolumeSvg(std::string_view chart_id, std::string_view title,
                      const std::vector<DayVolume>& days) {
  std::string out = OpenSvg(chart_id, title);
  int64_t hi = 0;
  for (const DayVolume& d : days) hi = std::max(hi, d.predictions);
  if (days.empty() || hi == 0) {
    out += Text(kWidth / 2, kTop + kPlotH / 2, "middle", "no predictions in this period", "empty");
    return out + "</svg>";
  }
  const YRange range = NiceRange(0, static_cast<double>(hi));
  const double top = range.hi;
  out += YAxis(range);
  const double slot = kPlotW / static_cast<double>(days.size());
  const size_t label_every = (days.size() + 7) / 8;
  for (size_t i = 0; i < days.size(); ++i) {
    const double x = kLeft + slot * static_cast<double>(i) + slot * 0.15;
    const double w = slot * 0.7;
    const double hp = kPlotH * static_cast<double>(days[i].predictions) / top;
    const double ha = kPlotH * static_cast<double>(days[i].with_actual) / top;
    out += Rect(x, kTop + kPlotH - hp, w, hp, kReferenceColour);
    out += Rect(x + w * 0.25, kTop + kPlotH - ha, w * 0.5, ha, kLineColour);
    if (i % label_every == 0) {
      out +=
          Text(x + w / 2, kTop + kPlotH + 14, "middle", FormatDay(days[i].day_start_ms).substr(5));
    }
  }
  out += Legend("predictions", kReferenceColour, "with an actual", kLineColour, false);
  return out + "</svg>";
}

}  // namespace mw::maintenance
