// The report's pure parts: periods, number formatting, histograms, the HTML and Markdown
// renderers (escaping, empty data, the numbers of the data, well-formed SVG).
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>

#include "maintenance/report/report.h"
#include "maintenance/report/report_loader.h"
#include "maintenance/report/svg_chart.h"

namespace mw::maintenance {
namespace {

constexpr int64_t kDay = 86'400'000;
const int64_t kMon2026Nov30 = *ParseDay("2026-11-30");

size_t Count(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

// Parses every <svg>..</svg> of `html` with Python's XML parser (Debian's /usr/bin/python3);
// returns "ok N" with the number of charts, or the parser's error.
std::string CheckSvgWithPython(const std::string& html) {
  const std::string path = std::filesystem::temp_directory_path() /
                           ("mw-report-svg-" + std::to_string(::getpid()) + ".html");
  std::ofstream(path, std::ios::binary) << html;
  const std::string cmd =
      "/usr/bin/python3 -c \"import re,sys,xml.etree.ElementTree as E\n"
      "t=open(sys.argv[1],encoding='utf-8').read()\n"
      "s=re.findall(r'<svg .*?</svg>',t,re.S)\n"
      "[E.fromstring(x) for x in s]\n"
      "print('ok',len(s))\" " +
      path + " 2>&1";
  std::string out;
  if (FILE* p = ::popen(cmd.c_str(), "r")) {
    char buf[512];
    while (std::fgets(buf, sizeof buf, p) != nullptr) out += buf;
    ::pclose(p);
  }
  std::filesystem::remove(path);
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

ReportData Sample() {
  ReportData d;
  d.model = "demand_forecast";
  d.task = "regression";
  d.period = ReportPeriod::kWeekly;
  d.from_ms = kMon2026Nov30;
  d.to_ms = kMon2026Nov30 + 7 * kDay;
  d.generated_at_ms = d.to_ms + 3'600'000;
  d.bucket_ms = kDay;
  for (int i = 0; i < 7; ++i) d.volume.push_back({d.from_ms + i * kDay, 100 + i, 90 + i});
  SegmentReport s;
  s.segment = "restaurant_3";
  s.version = "v1";
  s.predictions = 721;
  s.with_actual = 651;
  MetricSeries mae{"mae", 4.2, 5.6789, 35.21, "drift", {}};
  for (int i = 0; i < 7; ++i) {
    mae.points.push_back(
        {d.from_ms + i * kDay, 90, i == 3 ? std::nullopt : std::optional(4.0 + i)});
  }
  s.metrics.push_back(mae);
  s.metrics.push_back({"rmse", 6.0, 7.5, 25.0, "ok", mae.points});
  s.drift_status = "ok";
  s.drift_share = 0.5;
  s.dataset_drift = true;
  s.features.push_back({"temperature",
                        "numeric",
                        "ks",
                        0.41234,
                        1.5e-9,
                        true,
                        2000,
                        721,
                        {{"10", 0.2, 0.05}, {"15", 0.5, 0.25}, {"20", 0.3, 0.7}}});
  s.features.push_back(
      {"day_of_week", "categorical", "chisquare", 3.2, 0.61, false, 2000, 721, {}});
  d.segments.push_back(s);
  d.alerts.items.push_back(
      {d.from_ms + kDay, "ModelPerformanceDrift", "warning", "restaurant_3", "mae +35%", 35.2});
  d.runs.unavailable = "maintenance runs: not implemented";
  return d;
}

TEST(ReportPeriodTest, WeeklyIsTheLastFullMondayToMondayWeekInUtc) {
  // Wednesday 2026-12-09 10:00 -> Monday 2026-11-30 .. Monday 2026-12-07.
  const ReportWindow w = PeriodWindow(ReportPeriod::kWeekly, *ParseDay("2026-12-09") + 36'000'000);
  EXPECT_EQ(FormatDay(w.from_ms), "2026-11-30");
  EXPECT_EQ(FormatDay(w.to_ms), "2026-12-07");
  // On Monday 00:00 itself the week that just ended is reported.
  const ReportWindow monday = PeriodWindow(ReportPeriod::kWeekly, *ParseDay("2026-12-07"));
  EXPECT_EQ(FormatDay(monday.from_ms), "2026-11-30");
  EXPECT_EQ(monday.to_ms - monday.from_ms, 7 * kDay);
}

TEST(ReportPeriodTest, MonthlyIsTheFirstToTheFirstAndAnEndDayClampsTheMonth) {
  const ReportWindow m = PeriodWindow(ReportPeriod::kMonthly, *ParseDay("2026-03-01") + 1);
  EXPECT_EQ(FormatDay(m.from_ms), "2026-02-01");
  EXPECT_EQ(FormatDay(m.to_ms), "2026-03-01");
  const ReportWindow e = PeriodWindow(ReportPeriod::kMonthly, 0, *ParseDay("2024-03-31"));
  EXPECT_EQ(FormatDay(e.from_ms), "2024-02-29");
  const ReportWindow w = PeriodWindow(ReportPeriod::kWeekly, 0, *ParseDay("2026-12-10"));
  EXPECT_EQ(FormatDay(w.from_ms), "2026-12-03");
}

TEST(ReportPeriodTest, DaysAreParsedStrictly) {
  EXPECT_EQ(ParseDay("1970-01-02"), kDay);
  for (const char* bad : {"2026-02-30", "2026-13-01", "2026-1-01", "2026-01-01x", "20260101",
                          "2026/01/01", "", "1969-12-31"}) {
    EXPECT_FALSE(ParseDay(bad).has_value()) << bad;
  }
  EXPECT_EQ(ParseReportPeriod("monthly"), ReportPeriod::kMonthly);
  EXPECT_FALSE(ParseReportPeriod("daily").has_value());
}

TEST(ReportFormatTest, NumbersHaveFourSignificantDigitsAndNoExponentBelowTheMillions) {
  EXPECT_EQ(FormatNumber(4.2), "4.2");
  EXPECT_EQ(FormatNumber(0.123456), "0.1235");
  EXPECT_EQ(FormatNumber(12345.6), "12346");
  EXPECT_EQ(FormatNumber(-0.0), "0");
  EXPECT_EQ(FormatNumber(1.5e-9), "1.5e-09");
  EXPECT_EQ(FormatNumber(std::nullopt), "n/a");
  EXPECT_EQ(FormatNumber(std::nan("")), "n/a");
  EXPECT_EQ(FormatTime(kMon2026Nov30 + 3'600'000 * 14 + 60'000 * 5), "2026-11-30 14:05 UTC");
}

TEST(ReportHistogramTest, NumericSharesSumToOneAndAShiftMovesTheCurrentMass) {
  std::vector<double> ref, cur;
  for (int i = 0; i < 1000; ++i) ref.push_back(i / 100.0), cur.push_back(5 + i / 100.0);
  const auto bins = NumericHistogram(ref, cur, 10);
  ASSERT_EQ(bins.size(), 10u);
  double rs = 0, cs = 0;
  for (const auto& b : bins) rs += b.reference_share, cs += b.current_share;
  EXPECT_NEAR(rs, 1.0, 1e-9);
  EXPECT_NEAR(cs, 1.0, 1e-9);
  EXPECT_GT(bins.front().reference_share, 0.1);
  EXPECT_EQ(bins.front().current_share, 0.0);
  EXPECT_EQ(bins.back().reference_share, 0.0);
  // A constant column is one bin holding everything.
  const std::vector<double> same(5, 3.0);
  const auto one = NumericHistogram(same, same);
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(one[0].reference_share, 1.0);
  EXPECT_TRUE(NumericHistogram({}, {}).empty());
}

TEST(ReportHistogramTest, CategoriesBeyondTheLimitAreSummedIntoOther) {
  std::map<std::string, int64_t, std::less<>> ref = {{"a", 50}, {"b", 30}, {"c", 15}, {"d", 5}};
  std::map<std::string, int64_t, std::less<>> cur = {{"a", 10}, {"e", 10}};
  const auto bins = CategoricalHistogram(ref, cur, 3);
  ASSERT_EQ(bins.size(), 3u);
  EXPECT_EQ(bins[0].label, "a");
  EXPECT_EQ(bins[0].reference_share, 0.5);
  EXPECT_EQ(bins[0].current_share, 0.5);
  EXPECT_EQ(bins[1].label, "b");
  EXPECT_EQ(bins[2].label, "(other)");
  EXPECT_DOUBLE_EQ(bins[2].reference_share, 0.2);  // c + d
  EXPECT_DOUBLE_EQ(bins[2].current_share, 0.5);    // e, unseen in the reference
}

TEST(ReportHtmlTest, TheNumbersOfTheDataAppearInBothFormats) {
  const ReportData d = Sample();
  const std::string html = RenderReportHtml(d);
  const std::string md = RenderReportMarkdown(d);
  for (const std::string& s : {std::string("5.679"), std::string("35.21"), std::string("721"),
                               std::string("0.4123"), std::string("1.5e-09"), std::string("651")}) {
    EXPECT_NE(html.find(s), std::string::npos) << s;
    EXPECT_NE(md.find(s), std::string::npos) << s;
  }
  EXPECT_NE(html.find("2026-11-30 to 2026-12-07"), std::string::npos);
  EXPECT_NE(
      md.find("| restaurant\\_3 | v1 | 721 | 651 | mae | 4.2 | 5.679 | 35.21 | drift | 1 of 2 |"),
      std::string::npos)
      << md;
  EXPECT_NE(html.find("unavailable: maintenance runs: not implemented"), std::string::npos);
  EXPECT_NE(md.find("unavailable: maintenance runs: not implemented"), std::string::npos);
}

TEST(ReportHtmlTest, ChartsAreFoundByKindAndTheSvgIsWellFormedXml) {
  const std::string html = RenderReportHtml(Sample());
  EXPECT_EQ(Count(html, "<svg class=\"chart\""), 4u);  // volume, mae, rmse, temperature
  EXPECT_EQ(Count(html, "data-chart=\"volume:predictions\""), 1u);
  EXPECT_EQ(Count(html, "data-chart=\"metric:restaurant_3/mae\""), 1u);
  EXPECT_EQ(Count(html, "data-chart=\"drift:restaurant_3/temperature\""), 1u);
  // The dashed training line of each metric chart and its legend sample.
  EXPECT_EQ(Count(html, "class=\"training\""), 4u);
  // The missing bucket splits the mae line in two.
  EXPECT_EQ(Count(html, "<polyline"), 4u);
  EXPECT_EQ(CheckSvgWithPython(html), "ok 4");
}

TEST(ReportHtmlTest, EveryTextFromTheDataIsEscapedAndNothingIsFetched) {
  ReportData d = Sample();
  const std::string evil = "<script>alert('x')</script>&\"";
  d.model = evil;
  d.segments[0].segment = evil;
  d.segments[0].features[0].name = evil;
  d.segments[0].features[0].bins[0].label = evil;
  d.alerts.items[0].summary = evil;
  const std::string html = RenderReportHtml(d);
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("alert('x')"), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;&quot;"),
            std::string::npos);
  for (const char* url : {"http:", "https:", "src=", "href=", "url(", "@import"}) {
    EXPECT_EQ(html.find(url), std::string::npos) << url;
  }
  EXPECT_EQ(CheckSvgWithPython(html), "ok 4");
  const std::string md = RenderReportMarkdown(d);
  EXPECT_EQ(md.find("<script"), std::string::npos);
  EXPECT_NE(md.find("&lt;script&gt;alert('x')&lt;/script&gt;&\""), std::string::npos) << md;
  EXPECT_EQ(md.find("|</"), std::string::npos);
}

TEST(ReportHtmlTest, EmptyDataStillRendersAValidPage) {
  ReportData d;
  d.model = "m";
  d.task = "unknown";
  d.from_ms = kMon2026Nov30;
  d.to_ms = kMon2026Nov30 + 7 * kDay;
  d.bucket_ms = 6 * 3'600'000;
  d.alerts.unavailable = "no alert engine";
  const std::string html = RenderReportHtml(d);
  EXPECT_NE(html.find("no predictions in this period"), std::string::npos);
  EXPECT_NE(html.find("unavailable: no alert engine"), std::string::npos);
  EXPECT_NE(html.find("No maintenance run in this period."), std::string::npos);
  EXPECT_EQ(CheckSvgWithPython(html), "ok 1");
  const std::string md = RenderReportMarkdown(d);
  EXPECT_NE(md.find("No predictions in this period."), std::string::npos);
  // A chart whose values are all missing says so instead of drawing.
  const std::string line =
      LineChartSvg("metric:x", "x", {{0, 0, std::nullopt}}, std::nullopt, 0, kDay);
  EXPECT_NE(line.find("no values in this period"), std::string::npos);
}

}  // namespace
}  // namespace mw::maintenance
