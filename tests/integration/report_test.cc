// Issue 21's report check: a weekly report of simulated traffic with injected drift (a shifted
// feature and concept drift on restaurant_2), rendered by modelwatch on demand and by
// `modelwatch report`, listed and served by the API, then rendered by Debian's headless Chromium
// (started here, killed by its process group) to a PNG without console messages, with every chart
// of the page present in the DOM Chromium built.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <ctime>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "integration/harness.h"

namespace mw::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::string ReadFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

size_t CountOf(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

// Tomorrow (UTC) as YYYY-MM-DD: a weekly period ending there covers the last 6 days and today.
std::string TomorrowUtc() {
  const std::time_t t = std::time(nullptr) + 86400;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[16];
  std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
  return buf;
}

// Runs Chromium with stdout and stderr in files, in a process group of its own; after `limit`
// the whole group is killed. Returns the exit code (128 + signal when killed).
int RunChromium(const std::vector<std::string>& args, const fs::path& out, const fs::path& err,
                std::chrono::seconds limit) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::setpgid(0, 0);
    const int o = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int e = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(o, 1);
    ::dup2(e, 2);
    std::vector<char*> argv;
    for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  if (pid < 0) return -1;
  ::setpgid(pid, pid);
  const auto deadline = std::chrono::steady_clock::now() + limit;
  int status = 0;
  while (::waitpid(pid, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(-pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ::kill(-pid, SIGKILL);  // helpers (zygote, GPU process) still alive in the group
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// A PNG whose IHDR says width x height, larger than a blank page compresses to, and whose
// compressed bytes take most of the 256 values (a single-colour image does not).
void ExpectNonTrivialPng(const std::string& png, uint32_t width, uint32_t height) {
  ASSERT_GT(png.size(), 24u);
  EXPECT_EQ(png.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
  EXPECT_EQ(png.substr(12, 4), "IHDR");
  auto be32 = [&](size_t at) {
    return (static_cast<uint32_t>(static_cast<unsigned char>(png[at])) << 24) |
           (static_cast<uint32_t>(static_cast<unsigned char>(png[at + 1])) << 16) |
           (static_cast<uint32_t>(static_cast<unsigned char>(png[at + 2])) << 8) |
           static_cast<uint32_t>(static_cast<unsigned char>(png[at + 3]));
  };
  EXPECT_EQ(be32(16), width);
  EXPECT_EQ(be32(20), height);
  EXPECT_GT(png.size(), 40'000u);
  std::set<unsigned char> values(png.begin(), png.end());
  EXPECT_GT(values.size(), 200u);
}

TEST(ReportTest, AWeeklyReportOfDriftedTrafficRendersInChromiumWithEveryChart) {
  ModelwatchProcess server;
  ASSERT_TRUE(server.Start()) << server.output();
  const std::string url = "http://127.0.0.1:" + std::to_string(server.port());
  const auto sim = RunCommand({ModelwatchBinary(), "simulate",
                               "--target",         url,
                               "--events",         "6000",
                               "--restaurants",    "3",
                               "--seed",           "5",
                               "--start",          "-6d",
                               "--span",           "6d",
                               "--actual-delay",   "0",
                               "--drift",          "feature_shift,concept",
                               "--drift-at",       "0.5",
                               "--drift-models",   "demand_forecast",
                               "--drift-segments", "restaurant_2",
                               "--quiet"});
  ASSERT_EQ(sim.exit_code, 0) << sim.output;

  auto client = server.Client();
  const std::string end = TomorrowUtc();
  const auto html = client.Get("/v1/models/demand_forecast/report?period=weekly&end=" + end);
  ASSERT_EQ(html.status, 200) << html.body;
  EXPECT_EQ(html.headers.at("content-type"), "text/html; charset=utf-8");
  // The drifted segment comes first, with performance drift and its shifted feature.
  const size_t first_segment = html.body.find("<h2>Segment ");
  ASSERT_NE(first_segment, std::string::npos);
  EXPECT_EQ(html.body.substr(first_segment, 25), "<h2>Segment restaurant_2<");
  EXPECT_NE(html.body.find("data-chart=\"drift:restaurant_2/temperature\""), std::string::npos);
  EXPECT_EQ(html.body.find("data-chart=\"drift:restaurant_1/temperature\""), std::string::npos);
  // 1 volume chart + 4 metrics (mae rmse mape r2: the simulated training metrics) x 3 segments.
  EXPECT_EQ(CountOf(html.body, "data-chart=\"volume:"), 1u);
  EXPECT_EQ(CountOf(html.body, "data-chart=\"metric:"), 12u);
  const size_t charts = CountOf(html.body, "<svg class=\"chart\"");
  EXPECT_GE(charts, 14u);

  const auto md =
      client.Get("/v1/models/demand_forecast/report?period=weekly&format=md&end=" + end);
  ASSERT_EQ(md.status, 200) << md.body;
  EXPECT_EQ(md.headers.at("content-type"), "text/markdown; charset=utf-8");
  EXPECT_EQ(md.body.substr(0, 33), "# Weekly report: demand\\_forecast");
  EXPECT_EQ(client.Get("/v1/models/demand_forecast/report?period=daily").status, 400);
  EXPECT_EQ(client.Get("/v1/models/nope/report").status, 404);

  // `modelwatch report` asks the server; its file is then listed and served by the API.
  const std::string week_start = [&] {
    const auto answer = json::parse(client.Get("/v1/reports").body);
    EXPECT_TRUE(answer["reports"].empty()) << answer.dump();
    // The period's first day, as the report names it.
    const size_t at = md.body.find("\n\n") + 2;
    return md.body.substr(at, 10);
  }();
  const fs::path model_dir = fs::path(server.data_dir()) / "reports" / "demand_forecast";
  fs::create_directories(model_dir);
  const fs::path file = model_dir / ("weekly-" + week_start + ".html");
  const auto cli =
      RunCommand({ModelwatchBinary(), "report", "--model", "demand_forecast", "--period", "weekly",
                  "--end", end, "--out", file.string(), "--server", url});
  ASSERT_EQ(cli.exit_code, 0) << cli.output;
  const auto listing = json::parse(client.Get("/v1/reports").body);
  ASSERT_EQ(listing["reports"].size(), 1u) << listing.dump();
  EXPECT_EQ(listing["reports"][0]["model"], "demand_forecast");
  EXPECT_EQ(listing["reports"][0]["period"], "weekly");
  EXPECT_EQ(listing["reports"][0]["formats"], json::array({"html"}));
  EXPECT_EQ(listing["reports"][0]["size_bytes"], fs::file_size(file));
  const auto served = client.Get(listing["reports"][0]["url"].get<std::string>());
  ASSERT_EQ(served.status, 200);
  EXPECT_EQ(served.body, ReadFile(file));
  // Nothing outside the reports directory can be named.
  EXPECT_EQ(client.Get("/v1/reports/demand_forecast/..%2F..%2Fmodelwatch.db").status, 404);
  EXPECT_EQ(client.Get("/v1/reports/..%2F..%2F/weekly-" + week_start + ".html").status, 404);

  // Headless Chromium: a screenshot and the DOM it built, from the file, with no network use
  // (the page references nothing outside itself).
  TempDir tmp;
  const fs::path png = tmp.path() / "report.png";
  const int rc = RunChromium(
      {"/usr/bin/chromium", "--headless=new", "--no-sandbox", "--disable-gpu",
       "--user-data-dir=" + (tmp.path() / "profile").string(), "--enable-logging=stderr", "--v=0",
       "--hide-scrollbars", "--window-size=1280,2000", "--screenshot=" + png.string(), "--dump-dom",
       "file://" + file.string()},
      tmp.path() / "dom.html", tmp.path() / "chromium.log", std::chrono::seconds(60));
  const std::string log = ReadFile(tmp.path() / "chromium.log");
  ASSERT_EQ(rc, 0) << log;
  ExpectNonTrivialPng(ReadFile(png), 1280, 2000);
  // Page messages (console.*, uncaught errors, refused loads) are logged as "CONSOLE" lines.
  EXPECT_EQ(log.find("CONSOLE"), std::string::npos) << log;
  EXPECT_EQ(log.find("Uncaught"), std::string::npos) << log;
  const std::string dom = ReadFile(tmp.path() / "dom.html");
  EXPECT_EQ(CountOf(dom, "<svg class=\"chart\""), charts) << dom.substr(0, 2000);
  EXPECT_EQ(CountOf(dom, "<polyline"), CountOf(ReadFile(file), "<polyline"));
}

}  // namespace
}  // namespace mw::testing
