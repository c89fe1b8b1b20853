// Performance report routes:
//   GET /v1/reports[?model=M]                    the reports the report tasks wrote
//   GET /v1/reports/{model}/{name}               one file: <period>-<YYYY-MM-DD>.html | .md
//   GET /v1/models/{model}/report?period=weekly|monthly[&end=YYYY-MM-DD][&format=html|md]
//                                                rendered now, not stored
// Files are only ever found as <reports_dir>/<ReportDirName(model)>/<name> with `name` of the one
// accepted shape (maintenance::IsReportFileName), so no request reaches outside the reports
// directory. Reading and rendering run on the worker pool.
#include <sys/stat.h>

#include <boost/asio/post.hpp>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "api/handlers.h"
#include "common/names.h"
#include "common/time_format.h"
#include "maintenance/report/report.h"
#include "maintenance/report/report_loader.h"
#include "maintenance/report_task.h"

namespace mw::api {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::ordered_json;

constexpr const char* kHtmlType = "text/html; charset=utf-8";
constexpr const char* kMarkdownType = "text/markdown; charset=utf-8";

// The last modification of a file in epoch ms (0 when unknown).
int64_t ModifiedMillis(const fs::path& p) {
  struct stat st {};
  if (::stat(p.c_str(), &st) != 0) return 0;
  return static_cast<int64_t>(st.st_mtim.tv_sec) * 1000 + st.st_mtim.tv_nsec / 1'000'000;
}

// One listed report: the files of one (model, period, first day).
struct ListedReport {
  std::string model, base;
  maintenance::ReportPeriod period = maintenance::ReportPeriod::kWeekly;
  int64_t from_ms = 0;
  std::vector<std::string> formats;
  int64_t size_bytes = 0, created_at_ms = 0;
};

void ScanModelDir(const fs::path& dir, const std::string& model,
                  std::map<std::pair<std::string, std::string>, ListedReport>& out) {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (!maintenance::IsReportFileName(name) || !entry.is_regular_file(ec)) continue;
    const size_t dot = name.rfind('.');
    const std::string base = name.substr(0, dot);
    const size_t dash = base.find('-');
    ListedReport& r = out[{model, base}];
    r.model = model;
    r.base = base;
    r.period = *maintenance::ParseReportPeriod(base.substr(0, dash));
    r.from_ms = *maintenance::ParseDay(base.substr(dash + 1));
    r.formats.push_back(name.substr(dot + 1));
    r.size_bytes += static_cast<int64_t>(entry.file_size(ec));
    r.created_at_ms = std::max(r.created_at_ms, ModifiedMillis(entry.path()));
  }
}

Json ListingJson(const std::string& reports_dir, const std::string* only_model) {
  std::map<std::pair<std::string, std::string>, ListedReport> found;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(reports_dir, ec)) {
    auto model = maintenance::ModelOfReportDir(entry.path().filename().string());
    if (!model || !entry.is_directory(ec)) continue;
    if (only_model != nullptr && *model != *only_model) continue;
    ScanModelDir(entry.path(), *model, found);
  }
  std::vector<ListedReport> reports;
  for (auto& [key, r] : found) reports.push_back(std::move(r));
  // By model, newest period first.
  std::stable_sort(reports.begin(), reports.end(), [](const auto& a, const auto& b) {
    return a.model != b.model ? a.model < b.model : a.from_ms > b.from_ms;
  });
  Json list = Json::array();
  for (ListedReport& r : reports) {
    std::sort(r.formats.begin(), r.formats.end());  // "html" before "md"
    const maintenance::ReportWindow w = maintenance::PeriodStartingAt(r.period, r.from_ms);
    list.push_back({{"model", r.model},
                    {"period", std::string(maintenance::ReportPeriodName(r.period))},
                    {"from", FormatRfc3339Seconds(w.from_ms)},
                    {"to", FormatRfc3339Seconds(w.to_ms)},
                    {"formats", r.formats},
                    {"size_bytes", r.size_bytes},
                    {"created_at", FormatRfc3339Seconds(r.created_at_ms)},
                    {"url", "/v1/reports/" + maintenance::ReportDirName(r.model) + "/" + r.base +
                                "." + r.formats.front()}});
  }
  return Json{{"reports", std::move(list)}};
}

http::Response NotFoundProblem(const std::string& detail, const std::string& instance) {
  return http::Problem(404, "Not Found", detail, instance);
}

}  // namespace

http::Handler ListReports(const ReportContext& ctx) {
  return [&ctx](http::Request& req, const http::PathParams&, http::Responder respond) {
    std::optional<std::string> model;
    if (const std::string* m = req.query_param("model")) {
      if (auto problem = NameProblem(*m, kMaxModelNameBytes)) {
        return respond(http::Problem(400, "Invalid query parameters", "the model " + *problem,
                                     req.path, {{"/query/model", *problem}}));
      }
      model = *m;
    }
    boost::asio::post(*ctx.workers, [&ctx, model, respond = std::move(respond)] {
      respond(JsonResponse(200, ListingJson(ctx.reports_dir, model ? &*model : nullptr)));
    });
  };
}

http::Handler GetReportFile(const ReportContext& ctx) {
  return [&ctx](http::Request& req, const http::PathParams& params, http::Responder respond) {
    const std::string& name = params.at("name");
    if (!maintenance::IsReportFileName(name)) {
      return respond(NotFoundProblem(
          "no such report: names are <weekly|monthly>-<YYYY-MM-DD>.<html|md>", req.path));
    }
    const fs::path file =
        fs::path(ctx.reports_dir) / maintenance::ReportDirName(params.at("model")) / name;
    boost::asio::post(*ctx.workers, [file, path = req.path, respond = std::move(respond)] {
      std::ifstream in(file, std::ios::binary);
      if (!in) return respond(NotFoundProblem("no such report", path));
      std::ostringstream body;
      body << in.rdbuf();
      http::Response r;
      r.content_type = file.extension() == ".html" ? kHtmlType : kMarkdownType;
      r.body = std::move(body).str();
      respond(std::move(r));
    });
  };
}

http::Handler GetModelReport(const ReportContext& ctx) {
  return [&ctx](http::Request& req, const http::PathParams& params, http::Responder respond) {
    std::vector<http::ProblemField> errors;
    auto period = maintenance::ParseReportPeriod("weekly");
    if (const std::string* p = req.query_param("period")) {
      period = maintenance::ParseReportPeriod(*p);
      if (!period) errors.push_back({"/query/period", "must be weekly or monthly"});
    }
    std::optional<int64_t> end;
    if (const std::string* e = req.query_param("end")) {
      end = maintenance::ParseDay(*e);
      if (!end) errors.push_back({"/query/end", "must be a day YYYY-MM-DD (UTC), from 1970"});
    }
    bool markdown = false;
    if (const std::string* f = req.query_param("format")) {
      markdown = *f == "md";
      if (*f != "md" && *f != "html") errors.push_back({"/query/format", "must be html or md"});
    }
    if (!errors.empty()) {
      return respond(http::Problem(400, "Invalid query parameters",
                                   std::to_string(errors.size()) + " invalid parameter(s)",
                                   req.path, errors));
    }
    const int64_t now = ctx.clock->NowMillis();
    maintenance::ReportRequest request{params.at("model"), *period,
                                       maintenance::PeriodWindow(*period, now, end), now};
    boost::asio::post(*ctx.workers, [&ctx, request = std::move(request), markdown, path = req.path,
                                     respond = std::move(respond)] {
      maintenance::ReportSources sources{*ctx.store, *ctx.quality, ctx.alerts};
      if (ctx.alerts == nullptr) sources.alerts_unavailable = "alerting is disabled";
      sources.segment_label = ctx.segment_label;
      auto data = maintenance::LoadReport(sources, request);
      if (!data.has_value()) return respond(StoreProblem(data.error(), path));
      http::Response r;
      r.content_type = markdown ? kMarkdownType : kHtmlType;
      r.body = markdown ? maintenance::RenderReportMarkdown(*data)
                        : maintenance::RenderReportHtml(*data);
      respond(std::move(r));
    });
  };
}

}  // namespace mw::api
