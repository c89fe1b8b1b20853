// Health, registry, metrics, configuration errors and auth, against the real binary.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "integration/harness.h"

namespace mw::testing {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

TEST(HealthTest, ReportsHealthyWithAllFields) {
  ModelwatchProcess server;
  ASSERT_TRUE(server.Start()) << server.output();
  auto client = server.Client();
  const auto r = client.Get("/health");
  ASSERT_EQ(r.status, 200) << r.body;
  const auto h = json::parse(r.body);
  EXPECT_EQ(h["status"], "healthy");
  EXPECT_EQ(h["database_connected"], true);
  EXPECT_TRUE(h["redis_connected"].is_null());
  EXPECT_EQ(h["model_loaded"], false);
  EXPECT_TRUE(h.contains("timestamp"));
  EXPECT_TRUE(h.contains("version"));
  EXPECT_GE(h["uptime_seconds"].get<double>(), 0);
  EXPECT_EQ(client.Get("/livez").status, 200);
  EXPECT_EQ(client.Get("/readyz").status, 200);
  const auto db = client.Get("/health/db");
  ASSERT_EQ(db.status, 200) << db.body;
  const auto d = json::parse(db.body);
  EXPECT_EQ(d["database_status"], "connected");
  EXPECT_TRUE(d["connection_pool"].contains("total"));
  EXPECT_TRUE(d["connection_pool"].contains("active"));
  EXPECT_TRUE(d["connection_pool"].contains("idle"));
  EXPECT_TRUE(d["table_stats"].contains("prediction_logs"));
  EXPECT_GT(d["size_bytes"].get<int64_t>(), 0);
}

TEST(HealthTest, UnreachableRedisIsDegradedNotDown) {
  // Port 1 on loopback: nothing listens there, so the connection is refused.
  ModelwatchProcess server(ServerOptions{{"--set", "redis.url=redis://127.0.0.1:1"}, {}, ""});
  ASSERT_TRUE(server.Start()) << server.output();
  const auto r = server.Client().Get("/health");
  ASSERT_EQ(r.status, 200) << r.body;
  const auto h = json::parse(r.body);
  EXPECT_EQ(h["status"], "degraded");
  EXPECT_EQ(h["redis_connected"], false);
  EXPECT_EQ(h["checks"]["redis"], "down");
}

// What config validation leaves to the proxy's route templates is still refused before anything
// starts: exit 2 naming the key.
TEST(ServeTest, AProxyRouteCaptureNamingNoTemplateParameterIsAConfigError) {
  TempDir dir;
  const CommandResult r =
      RunCommand({ModelwatchBinary(), "serve", "--listen", "127.0.0.1:0", "--data-dir",
                  (dir.path() / "data").string(), "--set", "proxy.upstream=http://127.0.0.1:9",
                  "--set", "proxy.listen=127.0.0.1:0", "--set",
                  "proxy.routes=[{path: \"/predict/{restaurant_id}\", capture: {model: m, segment: "
                  "{path: shop}}}]"});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("config error: proxy.routes[0].capture.segment: {path: shop} names no "
                          "parameter of /predict/{restaurant_id}"),
            std::string::npos)
      << r.output;
}

TEST(RegistryTest, ModelsAndVersionsRoundTrip) {
  ModelwatchProcess server;
  ASSERT_TRUE(server.Start()) << server.output();
  auto client = server.Client();
  // A client cannot name the actor the audit log records.
  auto r = client.Send("PUT", "/v1/models/risk",
                       R"({"task":"binary_classification","description":"patient risk"})",
                       "application/json", {{"X-Modelwatch-Actor", "mallory"}});
  ASSERT_EQ(r.status, 201) << r.body;
  r = client.Send(
      "PUT", "/v1/models/risk/versions/v1",
      R"({"metrics":{"auc":0.91},"training_duration_seconds":120,"model_size_bytes":2048,"feature_importance":{"age":0.6,"bmi":0.4}})");
  ASSERT_EQ(r.status, 200) << r.body;
  r = client.Get("/v1/models/risk");
  ASSERT_EQ(r.status, 200) << r.body;
  const auto m = json::parse(r.body);
  EXPECT_EQ(m["task"], "binary_classification");
  ASSERT_EQ(m["versions"].size(), 1u);
  EXPECT_DOUBLE_EQ(m["versions"][0]["metrics"]["auc"].get<double>(), 0.91);
  EXPECT_EQ(client.Get("/v1/models/nope").status, 404);
  r = client.Get("/v1/models");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(json::parse(r.body)["models"].size(), 1u);
  // A registered classifier's predictions must be probabilities.
  r = client.PostJson("/v1/predictions", R"({"model":"risk","prediction":1.5})");
  ASSERT_EQ(r.status, 422) << r.body;
  EXPECT_EQ(json::parse(r.body)["errors"][0]["pointer"], "/prediction");
  r = client.PostJson("/v1/predictions", R"({"id":"rv","model":"risk","prediction":0.7})");
  ASSERT_EQ(r.status, 202) << r.body;
  EXPECT_EQ(json::parse(client.Get("/v1/predictions/rv").body)["version"], "v1");
  // Invalid documents name the field.
  r = client.Send("PUT", "/v1/models/risk", R"({"task":"clustering"})");
  ASSERT_EQ(r.status, 422) << r.body;
  EXPECT_EQ(json::parse(r.body)["errors"][0]["pointer"], "/task");
  // The change is in the audit log.
  server.Terminate();
  std::ifstream audit(fs::path(server.data_dir()) / "logs" / "audit.log");
  std::stringstream ss;
  ss << audit.rdbuf();
  EXPECT_NE(ss.str().find("model.create"), std::string::npos) << ss.str();
  EXPECT_EQ(ss.str().find("mallory"), std::string::npos) << ss.str();
}

TEST(RegistryTest, ImportReadsTheOnDiskLayoutAndLatestResolvesPerSegment) {
  TempDir dir;
  const fs::path models = dir.path() / "models";
  for (const auto& [seg, ver, mae] : std::vector<std::tuple<std::string, std::string, double>>{
           {"restaurant_1", "v1", 3.0}, {"restaurant_1", "v2", 2.5}, {"restaurant_2", "v1", 4.0}}) {
    fs::create_directories(models / "demand_forecast" / seg / ver);
    std::ofstream(models / "demand_forecast" / seg / ver / "metadata.json")
        << json{{"task", "regression"}, {"metrics", {{"mae", mae}}}}.dump();
  }
  fs::create_directory_symlink("v2", models / "demand_forecast" / "restaurant_1" / "latest");
  fs::create_directory_symlink("v1", models / "demand_forecast" / "restaurant_2" / "latest");
  const std::string data = (dir.path() / "data").string();
  const auto imported =
      RunCommand({ModelwatchBinary(), "registry", "import", models.string(), "--data-dir", data});
  ASSERT_EQ(imported.exit_code, 0) << imported.output;

  ModelwatchProcess server(ServerOptions{{}, {}, data});
  ASSERT_TRUE(server.Start()) << server.output();
  auto client = server.Client();
  const auto m = json::parse(client.Get("/v1/models/demand_forecast").body);
  EXPECT_EQ(m["task"], "regression");
  EXPECT_EQ(m["versions"].size(), 3u);
  auto r = client.PostJson(
      "/v1/predictions",
      R"({"id":"imp-1","model":"demand_forecast","segment":"restaurant_1","prediction":5})");
  ASSERT_EQ(r.status, 202) << r.body;
  EXPECT_EQ(json::parse(client.Get("/v1/predictions/imp-1").body)["version"], "v2");
  r = client.PostJson(
      "/v1/predictions",
      R"({"id":"imp-2","model":"demand_forecast","segment":"restaurant_2","prediction":5})");
  ASSERT_EQ(r.status, 202) << r.body;
  EXPECT_EQ(json::parse(client.Get("/v1/predictions/imp-2").body)["version"], "v1");
}

TEST(MetricsTest, LiveMetricsPassPromtoolAndUseTheConfiguredNames) {
  ModelwatchProcess server(ServerOptions{
      {"--set", "metrics.prefix=iit", "--set", "metrics.segment_label=restaurant_id"}, {}, ""});
  ASSERT_TRUE(server.Start()) << server.output();
  auto client = server.Client();
  ASSERT_EQ(client
                .PostJson("/v1/predictions",
                          R"({"model":"demand","segment":"restaurant_3","prediction":1})")
                .status,
            202);
  client.Get("/v1/models/missing");
  const auto r = client.Get("/metrics");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.headers.at("content-type"), "text/plain; version=0.0.4; charset=utf-8");
  // modelwatch's own API server is modelwatch_http_*; iit_api_* is the watched API, which only
  // the proxy reports (not running here).
  for (const char* name :
       {"modelwatch_http_requests_total{", "modelwatch_http_request_duration_seconds_bucket{",
        "modelwatch_http_requests_in_flight", "modelwatch_http_errors_total{",
        "iit_predictions_total{", "modelwatch_store_query_duration_seconds",
        "process_cpu_seconds_total", "process_resident_memory_bytes",
        "iit_system_cpu_usage_ratio"}) {
    EXPECT_NE(r.body.find(name), std::string::npos) << name;
  }
  EXPECT_EQ(r.body.find("iit_api_"), std::string::npos);
  EXPECT_NE(r.body.find("restaurant_id=\"restaurant_3\""), std::string::npos);
  // The endpoint label is the route template, never the raw path.
  EXPECT_NE(r.body.find("endpoint=\"/v1/models/{model}\""), std::string::npos);
  EXPECT_EQ(r.body.find("/v1/models/missing"), std::string::npos);
  const auto lint = RunCommand({"promtool", "check", "metrics"}, {}, r.body);
  EXPECT_EQ(lint.exit_code, 0) << lint.output;
  EXPECT_EQ(lint.output, "") << lint.output;
}

TEST(ConfigTest, BadValueExits2NamingTheKey) {
  const auto r = RunCommand({ModelwatchBinary(), "serve", "--set", "server.port=99999"});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("server.port"), std::string::npos) << r.output;
}

TEST(ConfigTest, UnknownKeyInFileExits2) {
  TempDir dir;
  const auto file = dir.path() / "c.yaml";
  std::ofstream(file) << "server:\n  prot: 8000\n";
  const auto r = RunCommand({ModelwatchBinary(), "serve", "--config", file.string()});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("server.prot"), std::string::npos) << r.output;
}

TEST(ConfigTest, BadEnvironmentValueExits2) {
  const auto r = RunCommand({ModelwatchBinary(), "serve"}, {{"MODELWATCH_METRICS_PREFIX", "9bad"}});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("metrics.prefix"), std::string::npos) << r.output;
}

TEST(ConfigTest, ExampleConfigStartsTheServer) {
  ModelwatchProcess server(
      ServerOptions{{"--config", SourceDir() + "/config/modelwatch.example.yaml"}, {}, ""});
  ASSERT_TRUE(server.Start()) << server.output();
  EXPECT_EQ(server.Client().Get("/livez").status, 200);
}

TEST(CliTest, VersionAndHelp) {
  const auto v = RunCommand({ModelwatchBinary(), "version"});
  EXPECT_EQ(v.exit_code, 0);
  EXPECT_NE(v.output.find("modelwatch "), std::string::npos);
  const auto h = RunCommand({ModelwatchBinary(), "serve", "--help"});
  EXPECT_EQ(h.exit_code, 0);
  EXPECT_NE(h.output.find("--listen"), std::string::npos);
  const auto bad = RunCommand({ModelwatchBinary(), "serve", "--no-such-flag"});
  EXPECT_EQ(bad.exit_code, 2);
}

TEST(AuthTest, TokensGateRoutesByRole) {
  const std::string ingest_token = "ingest-token-0123456789";
  const std::string read_token = "read-token-0123456789ab";
  ModelwatchProcess server(
      ServerOptions{{},
                    {{"MODELWATCH_AUTH_TOKENS",
                      "feeder:" + ingest_token + ":ingest,dash:" + read_token + ":read"}},
                    ""});
  ASSERT_TRUE(server.Start()) << server.output();
  auto client = server.Client();
  const std::string event = R"({"model":"m","prediction":1})";
  EXPECT_EQ(client.PostJson("/v1/predictions", event).status, 401);
  EXPECT_EQ(client
                .Send("POST", "/v1/predictions", event, "application/json",
                      {{"Authorization", "Bearer wrong-token-000000000"}})
                .status,
            401);
  EXPECT_EQ(client
                .Send("POST", "/v1/predictions", event, "application/json",
                      {{"Authorization", "Bearer " + read_token}})
                .status,
            403);
  EXPECT_EQ(client
                .Send("POST", "/v1/predictions", event, "application/json",
                      {{"Authorization", "Bearer " + ingest_token}})
                .status,
            202);
  EXPECT_EQ(
      client.Send("GET", "/metrics", "", "", {{"Authorization", "Bearer " + read_token}}).status,
      200);
  EXPECT_EQ(client.Get("/metrics").status, 401);
  EXPECT_EQ(client
                .Send("PUT", "/v1/models/m", R"({"task":"regression"})", "application/json",
                      {{"Authorization", "Bearer " + ingest_token}})
                .status,
            403);
  // Probes stay open.
  EXPECT_EQ(client.Get("/livez").status, 200);
}

TEST(LoggingTest, AccessLogLinesAreEcsJson) {
  ModelwatchProcess server;
  ASSERT_TRUE(server.Start()) << server.output();
  const auto livez = server.Client().Get("/livez");
  ASSERT_EQ(livez.status, 200);
  ASSERT_FALSE(livez.body.empty());
  server.Terminate();
  std::istringstream lines(server.output());
  std::string line;
  bool found_access = false;
  while (std::getline(lines, line)) {
    if (line.empty() || line[0] != '{') continue;
    const auto doc = json::parse(line);
    ASSERT_TRUE(doc.contains("@timestamp")) << line;
    ASSERT_TRUE(doc.contains("log.level")) << line;
    ASSERT_TRUE(doc.contains("ecs.version")) << line;
    if (doc.value("url.path", "") == "/livez") {
      found_access = true;
      EXPECT_EQ(doc.value("http.route", ""), "/livez") << line;
      EXPECT_EQ(doc.value("http.response.status_code", 0), 200) << line;
      EXPECT_EQ(doc.value("client.address", ""), "127.0.0.1") << line;
      // The body's size, as Content-Length says, without the status line and headers.
      EXPECT_EQ(doc.value("http.response.body.bytes", int64_t{-1}),
                static_cast<int64_t>(livez.body.size()))
          << line;
      EXPECT_EQ(livez.headers.at("content-length"), std::to_string(livez.body.size()));
      EXPECT_GT(doc.value("event.duration", int64_t{0}), 0) << line;
    }
  }
  EXPECT_TRUE(found_access) << server.output();
}

}  // namespace
}  // namespace mw::testing
