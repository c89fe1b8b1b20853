#include "telemetry/logging.h"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "telemetry/test_util.h"

namespace mw::telemetry {
namespace {

using nlohmann::ordered_json;
using telemetry_test::Lines;
using telemetry_test::ReadFile;
using telemetry_test::TempDir;

constexpr int64_t kT = 1735725600123;  // 2025-01-01T10:00:00.123Z

std::vector<std::string> Keys(const std::string& line) {
  std::vector<std::string> keys;
  const auto doc = ordered_json::parse(line);  // items() must not outlive the document
  for (const auto& [k, v] : doc.items()) keys.push_back(k);
  return keys;
}

TEST(FormatEcsLineTest, StartsWithTimestampLevelMessageAndEcsVersionInOrder) {
  const std::string line =
      FormatEcsLine(kT, LogLevel::kWarn, "disk low", "modelwatch", kDatasetApp, nullptr);
  EXPECT_EQ(
      line,
      R"({"@timestamp":"2025-01-01T10:00:00.123Z","log.level":"warn","message":"disk low",)"
      R"("ecs.version":"1.6.0","service.name":"modelwatch","event.dataset":"modelwatch.app"})");
}

TEST(FormatEcsLineTest, AppendsFieldsInOrderAsDottedKeys) {
  const std::string line = FormatEcsLine(kT, LogLevel::kInfo, "m", "modelwatch", kDatasetApp,
                                         {{"url.path", "/x"},
                                          {"http", {{"response", {{"status_code", 202}}}}},
                                          {"event.duration", 5}});
  const auto keys = Keys(line);
  const std::vector<std::string> want = {
      "@timestamp",    "log.level",     "message",  "ecs.version",
      "service.name",  "event.dataset", "url.path", "http.response.status_code",
      "event.duration"};
  EXPECT_EQ(keys, want);
  EXPECT_EQ(ordered_json::parse(line)["http.response.status_code"], 202);
}

TEST(FormatEcsLineTest, EscapesQuotesNewlinesAndControlCharacters) {
  const std::string line = FormatEcsLine(kT, LogLevel::kError, "say \"hi\"\nnext\tline\x01",
                                         "modelwatch", kDatasetApp, {{"error.message", "a\\b"}});
  EXPECT_EQ(line.find('\n'), std::string::npos);
  EXPECT_NE(line.find(R"("say \"hi\"\nnext\tline\u0001")"), std::string::npos) << line;
  const auto doc = ordered_json::parse(line);
  EXPECT_EQ(doc["message"], "say \"hi\"\nnext\tline\x01");
  EXPECT_EQ(doc["error.message"], "a\\b");
}

TEST(FormatEcsLineTest, ReplacesInvalidUtf8InsteadOfFailing) {
  const std::string line =
      FormatEcsLine(kT, LogLevel::kInfo, "bad \xff byte", "modelwatch", kDatasetApp, nullptr);
  EXPECT_EQ(ordered_json::parse(line)["message"], "bad \xEF\xBF\xBD byte");
}

TEST(FormatEcsLineTest, FieldsCannotOverrideTheLeadingKeys) {
  const std::string line = FormatEcsLine(kT, LogLevel::kInfo, "real", "modelwatch", kDatasetApp,
                                         {{"message", "fake"}, {"log", {{"level", "error"}}}});
  const auto doc = ordered_json::parse(line);
  EXPECT_EQ(doc["message"], "real");
  EXPECT_EQ(doc["log.level"], "info");
  EXPECT_EQ(Keys(line).size(), 6u);
}

TEST(FormatEcsLineTest, KeepsANonObjectFieldsValueUnderFields) {
  const auto doc = ordered_json::parse(FormatEcsLine(kT, LogLevel::kInfo, "m", "modelwatch",
                                                     kDatasetApp, ordered_json::array({1, 2})));
  EXPECT_EQ(doc["fields"], ordered_json::array({1, 2}));
}

TEST(ParseLogLevelTest, AcceptsTheFiveNamesOnly) {
  EXPECT_EQ(*ParseLogLevel("trace"), LogLevel::kTrace);
  EXPECT_EQ(*ParseLogLevel("debug"), LogLevel::kDebug);
  EXPECT_EQ(*ParseLogLevel("info"), LogLevel::kInfo);
  EXPECT_EQ(*ParseLogLevel("warn"), LogLevel::kWarn);
  EXPECT_EQ(*ParseLogLevel("error"), LogLevel::kError);
  const auto bad = ParseLogLevel("warning");
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().code(), StatusCode::kInvalidArgument);
}

LoggerOptions FileOptions(const std::filesystem::path& dir, const Clock* clock) {
  LoggerOptions o;
  o.dir = dir.string();
  o.stdout_enabled = false;
  o.clock = clock;
  return o;
}

TEST(LoggerTest, CreatesTheLogDirectoryAndWritesAppLines) {
  TempDir tmp;
  FakeClock clock(kT);
  const auto dir = tmp.path() / "nested" / "logs";
  auto logger = Logger::Create(FileOptions(dir, &clock));
  ASSERT_TRUE(logger.has_value()) << logger.status().ToString();
  (*logger)->Info("started", {{"server.port", 8000}});
  (*logger)->Flush();
  EXPECT_EQ((*logger)->app_log_path(), (dir / "modelwatch.log").string());
  const auto lines = Lines(ReadFile(dir / "modelwatch.log"));
  ASSERT_EQ(lines.size(), 1u);
  const auto doc = ordered_json::parse(lines[0]);
  EXPECT_EQ(doc["@timestamp"], "2025-01-01T10:00:00.123Z");
  EXPECT_EQ(doc["message"], "started");
  EXPECT_EQ(doc["server.port"], 8000);
  EXPECT_EQ(doc["event.dataset"], "modelwatch.app");
}

TEST(LoggerTest, AuditLinesGoToTheAuditLogOnly) {
  TempDir tmp;
  FakeClock clock(kT);
  auto logger = Logger::Create(FileOptions(tmp.path(), &clock));
  ASSERT_TRUE(logger.has_value());
  (*logger)->Audit("admin-token", "model.create", "churn", {{"event.outcome", "success"}});
  (*logger)->Info("app line");
  (*logger)->Flush();
  const auto audit = Lines(ReadFile(tmp.path() / "audit.log"));
  const auto app = Lines(ReadFile(tmp.path() / "modelwatch.log"));
  ASSERT_EQ(audit.size(), 1u);
  ASSERT_EQ(app.size(), 1u);
  EXPECT_EQ(app[0].find("model.create"), std::string::npos);
  const auto doc = ordered_json::parse(audit[0]);
  EXPECT_EQ(doc["event.dataset"], "modelwatch.audit");
  EXPECT_EQ(doc["user.name"], "admin-token");
  EXPECT_EQ(doc["event.action"], "model.create");
  EXPECT_EQ(doc["modelwatch.target"], "churn");
  EXPECT_EQ(doc["event.outcome"], "success");
  EXPECT_EQ(doc["message"], "admin-token model.create churn");
}

TEST(LoggerTest, AuditLinesAreWrittenWithoutAnExplicitFlush) {
  TempDir tmp;
  FakeClock clock(kT);
  auto logger = Logger::Create(FileOptions(tmp.path(), &clock));
  ASSERT_TRUE(logger.has_value());
  (*logger)->Audit("a", "model.update", "m");
  EXPECT_EQ(Lines(ReadFile(tmp.path() / "audit.log")).size(), 1u);
}

TEST(LoggerTest, WarnAndAboveAreFlushedAtOnce) {
  TempDir tmp;
  FakeClock clock(kT);
  auto logger = Logger::Create(FileOptions(tmp.path(), &clock));
  ASSERT_TRUE(logger.has_value());
  (*logger)->Warn("careful");
  EXPECT_EQ(Lines(ReadFile(tmp.path() / "modelwatch.log")).size(), 1u);
}

TEST(LoggerTest, InfoLinesAreFlushedByTheFlusherWithinTheInterval) {
  TempDir tmp;
  LoggerOptions o = FileOptions(tmp.path(), nullptr);
  o.flush_interval_ms = 10;
  auto logger = Logger::Create(o);
  ASSERT_TRUE(logger.has_value());
  (*logger)->Info("buffered");
  // Poll with a deadline: no explicit Flush(), the flusher thread must write the line.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (Lines(ReadFile(tmp.path() / "modelwatch.log")).empty() &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::yield();
  }
  EXPECT_EQ(Lines(ReadFile(tmp.path() / "modelwatch.log")).size(), 1u);
}

TEST(LoggerTest, LinesBelowTheLevelAreDropped) {
  TempDir tmp;
  FakeClock clock(kT);
  LoggerOptions o = FileOptions(tmp.path(), &clock);
  o.level = LogLevel::kWarn;
  auto logger = Logger::Create(o);
  ASSERT_TRUE(logger.has_value());
  EXPECT_FALSE((*logger)->Enabled(LogLevel::kInfo));
  (*logger)->Debug("d");
  (*logger)->Info("i");
  (*logger)->Error("e");
  (*logger)->SetLevel(LogLevel::kDebug);
  (*logger)->Debug("d2");
  (*logger)->Flush();
  const auto lines = Lines(ReadFile(tmp.path() / "modelwatch.log"));
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(ordered_json::parse(lines[0])["message"], "e");
  EXPECT_EQ(ordered_json::parse(lines[1])["log.level"], "debug");
}

TEST(LoggerTest, AccessLinesCarryTheRequestFieldsAndIgnoreTheLevel) {
  TempDir tmp;
  FakeClock clock(kT);
  LoggerOptions o = FileOptions(tmp.path(), &clock);
  o.level = LogLevel::kError;
  auto logger = Logger::Create(o);
  ASSERT_TRUE(logger.has_value());
  (*logger)->Access(
      {"GET", "/v1/models/{model}", "/v1/models/churn", 200, 1843000, 512, "10.0.0.7"});
  (*logger)->Flush();
  const auto lines = Lines(ReadFile(tmp.path() / "modelwatch.log"));
  ASSERT_EQ(lines.size(), 1u);
  const auto doc = ordered_json::parse(lines[0]);
  EXPECT_EQ(doc["event.dataset"], "modelwatch.access");
  EXPECT_EQ(doc["log.level"], "info");
  EXPECT_EQ(doc["message"], "GET /v1/models/churn 200");
  EXPECT_EQ(doc["http.request.method"], "GET");
  EXPECT_EQ(doc["url.path"], "/v1/models/churn");
  EXPECT_EQ(doc["http.route"], "/v1/models/{model}");
  EXPECT_EQ(doc["http.response.status_code"], 200);
  EXPECT_EQ(doc["http.response.body.bytes"], 512);
  EXPECT_EQ(doc["event.duration"], 1843000);
  EXPECT_TRUE(doc["event.duration"].is_number_integer());
  EXPECT_EQ(doc["client.address"], "10.0.0.7");
}

TEST(LoggerTest, ServerErrorsInTheAccessLogAreAtErrorLevel) {
  TempDir tmp;
  FakeClock clock(kT);
  auto logger = Logger::Create(FileOptions(tmp.path(), &clock));
  ASSERT_TRUE(logger.has_value());
  (*logger)->Access({"POST", "/v1/predictions", "/v1/predictions", 503, 1, 0, "::1"});
  const auto lines = Lines(ReadFile(tmp.path() / "modelwatch.log"));  // error: flushed at once
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(ordered_json::parse(lines[0])["log.level"], "error");
}

TEST(LoggerTest, AccessLogCanBeTurnedOff) {
  TempDir tmp;
  FakeClock clock(kT);
  LoggerOptions o = FileOptions(tmp.path(), &clock);
  o.access_log = false;
  auto logger = Logger::Create(o);
  ASSERT_TRUE(logger.has_value());
  (*logger)->Access({"GET", "/livez", "/livez", 200, 1, 2, "::1"});
  (*logger)->Flush();
  EXPECT_TRUE(Lines(ReadFile(tmp.path() / "modelwatch.log")).empty());
}

TEST(LoggerTest, NoDirectoryMeansNoFiles) {
  LoggerOptions o;
  o.stdout_enabled = false;
  auto logger = Logger::Create(o);
  ASSERT_TRUE(logger.has_value());
  EXPECT_EQ((*logger)->app_log_path(), "");
  EXPECT_EQ((*logger)->audit_log_path(), "");
}

TEST(LoggerTest, CreateFailsWhenTheDirectoryCannotBeMade) {
  TempDir tmp;
  telemetry_test::WriteFile(tmp.path() / "file", "x");
  LoggerOptions o;
  o.dir = (tmp.path() / "file" / "logs").string();
  o.stdout_enabled = false;
  auto logger = Logger::Create(o);
  ASSERT_FALSE(logger.has_value());
  EXPECT_EQ(logger.error().code(), StatusCode::kUnavailable);
  EXPECT_NE(logger.error().message().find("file/logs"), std::string::npos);
}

TEST(LoggerTest, ConstructorDegradesToTheConsoleWhenFilesFail) {
  TempDir tmp;
  telemetry_test::WriteFile(tmp.path() / "file", "x");
  LoggerOptions o;
  o.dir = (tmp.path() / "file" / "logs").string();
  o.stdout_enabled = false;
  testing::internal::CaptureStderr();
  {
    Logger logger(o);
    EXPECT_EQ(logger.status().code(), StatusCode::kUnavailable);
    EXPECT_EQ(logger.app_log_path(), "");
    logger.Info("still here");
  }
  const std::string err = testing::internal::GetCapturedStderr();
  EXPECT_NE(err.find("log files unavailable"), std::string::npos) << err;
  EXPECT_NE(err.find("still here"), std::string::npos) << err;
}

TEST(LoggerTest, CreateRejectsOutOfRangeOptions) {
  LoggerOptions o;
  o.stdout_enabled = false;
  o.max_file_bytes = 0;
  EXPECT_EQ(Logger::Create(o).error().code(), StatusCode::kInvalidArgument);
  o.max_file_bytes = 1024;
  o.app_retention_days = 0;
  EXPECT_NE(Logger::Create(o).error().message().find("app_retention_days"), std::string::npos);
  o.app_retention_days = 1;
  o.audit_retention_days = 0;
  EXPECT_NE(Logger::Create(o).error().message().find("audit_retention_days"), std::string::npos);
  o.audit_retention_days = 1;
  o.flush_interval_ms = 0;
  EXPECT_EQ(Logger::Create(o).error().code(), StatusCode::kInvalidArgument);
}

TEST(LoggerTest, StdoutLinesAreEcsJson) {
  LoggerOptions o;
  o.clock = nullptr;
  testing::internal::CaptureStdout();
  {
    Logger logger(o);
    logger.Info("to stdout", {{"k", "v"}});
  }
  const auto lines = Lines(testing::internal::GetCapturedStdout());
  ASSERT_EQ(lines.size(), 1u);
  const auto keys = Keys(lines[0]);
  ASSERT_GE(keys.size(), 4u);
  EXPECT_EQ(std::vector<std::string>(keys.begin(), keys.begin() + 4),
            (std::vector<std::string>{"@timestamp", "log.level", "message", "ecs.version"}));
}

}  // namespace
}  // namespace mw::telemetry
