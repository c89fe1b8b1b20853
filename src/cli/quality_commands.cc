// Quality commands:
//   modelwatch performance --model M [--segment S] [--version V] [--window 7d] [--json]
//   modelwatch check-drift --model M [...]       exit 0 no drift, 1 drift, 3 could not check
//   modelwatch drift-report --reference R.csv --current C.csv [--json]   (offline, no server)
// performance and check-drift ask a running server (--server, default http://127.0.0.1:8000;
// --token or MODELWATCH_TOKEN for a bearer token): the embedded store belongs to the server
// process, so the CLI never opens the database itself.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cli/commands.h"
#include "http/client.h"
#include "profile/current_columns.h"
#include "profile/profile.h"
#include "profile/reference_builder.h"
#include "stats/drift_report.h"

namespace mw::cli {
namespace {

using Json = nlohmann::ordered_json;

struct HttpAnswer {
  long status = 0;
  std::string body;
  std::string error;  // transport failure
};

HttpAnswer Get(const QualityCommandOptions& o, const std::string& route) {
  auto client = http::Client::Create();
  if (!client) return {0, "", client.error().message()};
  http::ClientRequest get;
  std::string& url = get.url;
  url = o.server;
  while (!url.empty() && url.back() == '/') url.pop_back();
  url += "/v1/models/" + http::UrlEscape(o.model) + "/" + route + "?";
  if (!o.segment.empty()) url += "segment=" + http::UrlEscape(o.segment) + "&";
  if (!o.version.empty()) url += "version=" + http::UrlEscape(o.version) + "&";
  if (!o.window.empty()) url += "window=" + http::UrlEscape(o.window) + "&";
  url.pop_back();
  std::string token = o.token;
  if (token.empty()) {
    if (const char* env = std::getenv("MODELWATCH_TOKEN")) token = env;
  }
  if (!token.empty()) get.headers.push_back("Authorization: Bearer " + token);
  get.headers.push_back("Accept: application/json");
  get.timeout_ms = 300'000;
  get.connect_timeout_ms = 0;  // libcurl's own (within the 300 s)
  http::ClientResponse response = (*client)->Send(get);
  if (!response.answered()) return {0, "", url + ": " + response.error_summary};
  return {response.status, std::move(response.body), ""};
}

// The JSON body of a 200, or prints why not and returns nullopt.
std::optional<Json> Fetch(const QualityCommandOptions& o, const std::string& route) {
  const HttpAnswer a = Get(o, route);
  if (!a.error.empty()) {
    std::cerr << "modelwatch: cannot reach the server: " << a.error << "\n";
    return std::nullopt;
  }
  Json body = Json::parse(a.body, nullptr, false);
  if (a.status != 200 || body.is_discarded()) {
    std::string detail = a.body;
    if (body.is_object() && body.contains("detail")) detail = body["detail"].dump();
    std::cerr << "modelwatch: " << route << " answered " << a.status << ": " << detail << "\n";
    return std::nullopt;
  }
  return body;
}

std::string Num(const Json& v) {
  if (!v.is_number()) return "-";
  std::ostringstream out;
  out << std::setprecision(4) << v.get<double>();
  return out.str();
}

void PrintPerformanceLine(const Json& item, const std::string& label) {
  const Json& m = item["metrics"];
  std::cout << std::left << std::setw(22) << label << std::setw(18) << item.value("status", "")
            << std::right << std::setw(8) << item.value("sample_size", int64_t{0});
  for (const char* key : {"mae", "rmse", "mape", "r2", "auc", "f1"}) {
    if (m.contains(key)) std::cout << "  " << key << "=" << Num(m[key]);
  }
  for (const Json& d : item["performance_drift"]) {
    if (d.value("metric", "") != item.value("primary_metric", "")) continue;
    std::cout << "  training_" << d.value("metric", "") << "=" << Num(d["training_value"])
              << "  degradation=" << Num(d["degradation_pct"]) << "%";
  }
  if (item.value("drift_detected", false)) std::cout << "  DRIFT";
  std::cout << "\n";
}

}  // namespace

int RunPerformance(const QualityCommandOptions& o) {
  auto body = Fetch(o, "performance");
  if (!body) return 1;
  if (o.json) {
    std::cout << body->dump(2) << "\n";
    return 0;
  }
  std::cout << "model " << o.model << "  window " << (*body)["window"]["from"].get<std::string>()
            << " .. " << (*body)["window"]["to"].get<std::string>() << "\n";
  PrintPerformanceLine(*body, o.segment.empty() ? "(all)" : o.segment);
  if (body->contains("segments")) {
    const Json& segments = (*body)["segments"];
    // A model without segments has one unnamed segment: the same numbers as the line above.
    const bool only_unnamed = segments.size() == 1 && segments[0].value("segment", "").empty();
    for (const Json& s : segments) {
      const std::string segment = s.value("segment", "");
      if (!only_unnamed) PrintPerformanceLine(s, segment.empty() ? "(no segment)" : segment);
    }
  }
  return 0;
}

int RunCheckDrift(const QualityCommandOptions& o) {
  auto drift = Fetch(o, "drift");
  if (!drift) return 3;
  auto performance = Fetch(o, "performance");
  if (!performance) return 3;
  // Findings: dataset drift per segment, and the primary metric's degradation per segment.
  Json findings = Json::array();
  for (const Json& s : (*drift)["segments"]) {
    if (s.value("dataset_drift", false)) {
      Json drifted = Json::array();
      for (const Json& f : s["features"]) {
        if (f.value("drift_detected_bh", false)) drifted.push_back(f["feature"]);
      }
      findings.push_back({{"kind", "data_drift"},
                          {"segment", s["segment"]},
                          {"drift_share", s["drift_share"]},
                          {"drift_share_bh", s.value("drift_share_bh", Json(nullptr))},
                          {"dataset_pvalue", s.value("dataset_pvalue", Json(nullptr))},
                          {"features", std::move(drifted)}});
    }
  }
  Json per_segment =
      performance->contains("segments") ? (*performance)["segments"] : Json::array({*performance});
  for (const Json& s : per_segment) {
    if (!s.value("drift_detected", false)) continue;
    for (const Json& d : s["performance_drift"]) {
      if (d.value("metric", "") != s.value("primary_metric", "")) continue;
      findings.push_back(
          {{"kind", "performance_drift"},
           {"segment", s.contains("segment") ? s["segment"] : Json(o.segment)},
           {"metric", d["metric"]},
           {"training_value", d["training_value"]},
           {"recent_value", d["recent_value"]},
           {"degradation_pct", d["degradation_pct"]},
           {"degradation_interval_pct", d.value("degradation_interval_pct", Json(nullptr))},
           {"pvalue", d.value("pvalue", Json(nullptr))},
           {"threshold_pct", d["threshold_pct"]}});
    }
  }
  const bool drifted = !findings.empty();
  if (o.json) {
    std::cout << Json{{"model", o.model}, {"drift_detected", drifted}, {"findings", findings}}.dump(
                     2)
              << "\n";
  } else if (!drifted) {
    std::cout << "no drift: model " << o.model << "\n";
  } else {
    for (const Json& f : findings) {
      std::cout << "DRIFT " << f["kind"].get<std::string>() << " segment=" << f["segment"].dump();
      if (f.contains("features")) std::cout << " features=" << f["features"].dump();
      if (f.contains("metric")) {
        std::cout << " " << f["metric"].get<std::string>() << " " << Num(f["recent_value"])
                  << " vs training " << Num(f["training_value"]) << " ("
                  << Num(f["degradation_pct"]) << "% > " << Num(f["threshold_pct"]) << "%)";
      }
      std::cout << "\n";
    }
  }
  return drifted ? 1 : 0;
}

namespace {

bool ReadWholeFile(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream text;
  text << in.rdbuf();
  *out = text.str();
  return true;
}

// The report on stdout: every statistic of every feature as JSON, or one line per feature and
// the dataset verdict.
void PrintDriftReport(const stats::DriftReport& report, bool json) {
  if (json) {
    Json out = Json::object();
    for (const stats::FeatureDrift& f : report.features) {
      Json item = Json::object();
      for (const auto& [k, v] : f.statistics) item[k] = v;
      out[f.name] = std::move(item);
    }
    std::cout << out.dump(1) << "\n";
    return;
  }
  for (const stats::FeatureDrift& f : report.features) {
    std::cout << std::left << std::setw(10) << f.name << std::setw(14)
              << stats::DriftTestName(f.test) << " score=" << f.score;
    if (f.pvalue) std::cout << " p=" << *f.pvalue << " (" << f.pvalue_method << ")";
    std::cout << (f.drift_detected ? "  DRIFT" : "") << "\n";
  }
  std::cout << "dataset_drift=" << (report.dataset_drift ? "true" : "false")
            << " drift_share=" << report.drift_share << " drift_share_bh=" << report.drift_share_bh
            << " dataset_pvalue=";
  if (report.dataset_pvalue) {
    std::cout << *report.dataset_pvalue;
  } else {
    std::cout << "none";
  }
  std::cout << "\n";
}

}  // namespace

int RunDriftReport(const DriftReportOptions& o) {
  std::string reference_text, current_text;
  if (!ReadWholeFile(o.reference, &reference_text)) {
    std::cerr << "modelwatch: cannot read --reference " << o.reference << "\n";
    return 2;
  }
  if (!ReadWholeFile(o.current, &current_text)) {
    std::cerr << "modelwatch: cannot read --current " << o.current << "\n";
    return 2;
  }
  const auto load_start = std::chrono::steady_clock::now();
  auto reference = profile::BuildProfileFromCsv(reference_text);
  if (!reference.has_value()) {
    std::cerr << "modelwatch: --reference: " << reference.error().message() << "\n";
    return 1;
  }
  auto current = profile::ColumnsFromCsv(current_text, *reference);
  if (!current.has_value()) {
    std::cerr << "modelwatch: --current: " << current.error().message() << "\n";
    return 1;
  }
  reference_text.clear();
  current_text.clear();
  const double load_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - load_start).count();

  // The timed part, like drift_scipy.py's: the report on columns already in memory (the
  // current columns are sorted here, as part of the report; a stored reference is sorted once).
  const auto start = std::chrono::steady_clock::now();
  for (profile::NumericColumn& column : current->numeric) stats::SortValues(column.sorted);
  std::vector<stats::FeatureInput> inputs;
  for (size_t i = 0; i < reference->features.size(); ++i) {
    const profile::FeatureProfile& f = reference->features[i];
    stats::FeatureInput in;
    in.name = f.name;
    if (f.type == profile::FeatureType::kNumeric) {
      in.reference_sorted = f.numeric.sorted;
      in.current_sorted = current->numeric[i].sorted;
    } else {
      in.categorical = true;
      in.reference_counts = &f.categorical.counts;
      in.current_counts = &current->categorical[i].counts;
    }
    inputs.push_back(std::move(in));
  }
  stats::DriftOptions options;
  options.all_statistics = true;
  options.threads = o.threads;
  auto report = stats::ComputeDriftReport(inputs, options);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!report.has_value()) {
    std::cerr << "modelwatch: " << report.error().message() << "\n";
    return 1;
  }
  PrintDriftReport(*report, o.json);
  // Through clock_gettime-free fields so scripts can grep it, like drift_scipy.py's last line.
  std::cerr << "modelwatch_report_seconds=" << std::fixed << std::setprecision(3) << seconds
            << " load_seconds=" << load_seconds << " reference_rows=" << reference->rows
            << " current_rows=" << current->rows << "\n";
  return 0;
}

}  // namespace mw::cli
