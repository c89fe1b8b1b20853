// JSON depth, BOM, echoed-input and error-count limits on every JSON route, and how
// `registry import` reads its files, against the real binary.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "integration/harness.h"

namespace mw::testing {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;
namespace fs = std::filesystem;

std::string DeepArray(int depth) { return std::string(depth, '[') + std::string(depth, ']'); }

class JsonLimitsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    server_ = new ModelwatchProcess();
    ASSERT_TRUE(server_->Start()) << server_->output();
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  static json Problem(const HttpResult& r) {
    EXPECT_EQ(r.headers.count("content-type") ? r.headers.at("content-type") : "",
              "application/problem+json")
        << r.body;
    return json::parse(r.body, nullptr, false);
  }
  void ExpectAlive() {
    const auto health = client_.Get("/livez");
    EXPECT_EQ(health.status, 200) << health.error << "\n" << server_->output();
  }
  HttpClient client_{"127.0.0.1", server_->port()};
  static ModelwatchProcess* server_;
};
ModelwatchProcess* JsonLimitsTest::server_ = nullptr;

TEST_F(JsonLimitsTest, DeepVersionMetadataIs400AndTheServerStaysUp) {
  // The report's body: 200 KB of nested arrays in version metadata killed the server.
  const std::string body = R"({"extra":)" + DeepArray(100'000) + "}";
  const auto r = client_.Send("PUT", "/v1/models/deep/versions/v1", body);
  ASSERT_EQ(r.status, 400) << r.error << r.body << "\n" << server_->output();
  EXPECT_THAT(Problem(r).value("detail", ""), HasSubstr("deeper than 64 levels"));
  ExpectAlive();
  EXPECT_EQ(client_.Get("/v1/models/deep").status, 404);  // nothing was stored
}

TEST_F(JsonLimitsTest, DeepModelDocumentIs400) {
  const auto r = client_.Send("PUT", "/v1/models/deep2",
                              R"({"task":"regression","description":)" + DeepArray(100'000) + "}");
  ASSERT_EQ(r.status, 400) << r.error << r.body;
  EXPECT_THAT(Problem(r).value("detail", ""), HasSubstr("deeper than 64 levels"));
  ExpectAlive();
}

TEST_F(JsonLimitsTest, DeepAdminBodiesAre400) {
  const std::string deep = R"({"model":)" + DeepArray(100'000) + "}";
  auto r = client_.Send("POST", "/v1/admin/profiles/unload", deep);
  ASSERT_EQ(r.status, 400) << r.error << r.body;
  EXPECT_THAT(Problem(r).value("detail", ""), HasSubstr("deeper than 64 levels"));
  ASSERT_EQ(client_.Send("PUT", "/v1/models/ref", R"({"task":"regression"})").status, 201);
  r = client_.Send("POST", "/v1/models/ref/versions/v1/reference", deep);
  ASSERT_EQ(r.status, 400) << r.error << r.body;
  EXPECT_THAT(Problem(r).value("detail", ""), HasSubstr("deeper than 64 levels"));
  ExpectAlive();
}

TEST_F(JsonLimitsTest, DeepIngestBodyIs400NamingTheLimit) {
  const auto r = client_.PostJson(
      "/v1/predictions", R"({"model":"m","prediction":1,"extra":)" + DeepArray(100'000) + "}");
  ASSERT_EQ(r.status, 400) << r.error << r.body;
  EXPECT_THAT(Problem(r).value("detail", ""), HasSubstr("deeper than 64 levels"));
  ExpectAlive();
}

TEST_F(JsonLimitsTest, BodiesWithAUtf8BomAreAccepted) {
  const std::string bom = "\xEF\xBB\xBF";
  auto r =
      client_.PostJson("/v1/predictions", bom + R"({"id":"bom-1","model":"bom","prediction":1})");
  EXPECT_EQ(r.status, 202) << r.body;
  r = client_.Send("POST", "/v1/predictions",
                   bom + "{\"id\":\"bom-2\",\"model\":\"bom\",\"prediction\":2}\n",
                   "application/x-ndjson");
  EXPECT_EQ(r.status, 202) << r.body;
  r = client_.PostJson("/v1/actuals", bom + R"({"id":"bom-1","actual":1})");
  EXPECT_EQ(r.status, 202) << r.body;
  r = client_.Send("PUT", "/v1/models/bom_registered", bom + R"({"task":"regression"})");
  EXPECT_EQ(r.status, 201) << r.body;
  r = client_.Send("POST", "/v1/models/bom_registered/versions/v1/reference",
                   bom + "{\"temp\":1}\n{\"temp\":2}\n", "application/x-ndjson");
  EXPECT_EQ(r.status, 200) << r.body;
}

TEST_F(JsonLimitsTest, The422DetailCountsEveryErrorNotJustTheListedOnes) {
  std::string body = R"({"events":[)";
  for (int i = 0; i < 5000; ++i) body += std::string(i ? "," : "") + R"({"prediction":1})";
  body += "]}";
  const auto r = client_.PostJson("/v1/predictions", body);
  ASSERT_EQ(r.status, 422) << r.body;
  const json p = Problem(r);
  EXPECT_EQ(p.value("detail", ""),
            "5000 invalid field(s), the first 100 listed; nothing was stored");
  EXPECT_EQ(p["errors"].size(), 100u);
}

TEST_F(JsonLimitsTest, AHugeUnknownKeyIsNotEchoedWhole) {
  const std::string key(10 * 1024 * 1024, 'k');
  const auto r =
      client_.PostJson("/v1/predictions", R"({"model":"m","prediction":1,")" + key + R"(":1})");
  ASSERT_EQ(r.status, 422) << r.error;
  EXPECT_LT(r.body.size(), 4096u);
  const std::string pointer = Problem(r)["errors"][0].value("pointer", "");
  EXPECT_THAT(pointer, HasSubstr("...[truncated, 10485761 bytes]"));
}

// registry import reads only regular files inside the directory, bounded in size and depth.
TEST(RegistryImportFilesTest, SymlinkOutFifoAndDeepFileAreRefusedAndTheRestImported) {
  TempDir dir;
  const fs::path models = dir.path() / "models";
  const auto write = [](const fs::path& file, const std::string& text) {
    fs::create_directories(file.parent_path());
    std::ofstream(file, std::ios::binary) << text;
  };
  write(dir.path() / "secret.txt", R"({"password":"hunter2"})");
  write(models / "good/v1/metadata.json", R"({"task":"regression","metrics":{"mae":1}})");
  fs::create_directories(models / "linked/v1");
  fs::create_symlink(dir.path() / "secret.txt", models / "linked/v1/metadata.json");
  fs::create_directories(models / "piped/v1");
  ASSERT_EQ(::mkfifo((models / "piped/v1/metadata.json").c_str(), 0600), 0);
  write(models / "piped/v2/metadata.json", "{}");  // a sibling: piped/ is a model of versions
  write(models / "deep/v1/metadata.json", R"({"extra":)" + DeepArray(200'000) + "}");
  const std::string data = (dir.path() / "data").string();
  // `timeout` turns a hang on the FIFO into exit 124 instead of a stuck test run.
  const auto imported = RunCommand({"timeout", "60", ModelwatchBinary(), "registry", "import",
                                    models.string(), "--data-dir", data});
  EXPECT_EQ(imported.exit_code, 1) << imported.output;  // some files failed, the rest imported
  EXPECT_THAT(imported.output, HasSubstr("linked/v1/metadata.json: metadata.json resolves to"));
  EXPECT_THAT(imported.output, HasSubstr("outside the import directory"));
  EXPECT_THAT(imported.output, HasSubstr("piped/v1/metadata.json: metadata.json is not a regular"));
  EXPECT_THAT(imported.output, HasSubstr("deep/v1/metadata.json: metadata.json is not usable: "
                                         "JSON nested deeper than 64 levels"));
  EXPECT_THAT(imported.output, HasSubstr("imported 2 model(s), 2 version(s)"));

  ModelwatchProcess server(ServerOptions{{}, {}, data});
  ASSERT_TRUE(server.Start()) << server.output();
  auto client = server.Client();
  EXPECT_EQ(client.Get("/v1/models/good").status, 200);
  const auto linked = client.Get("/v1/models/linked");
  EXPECT_EQ(linked.status, 404) << linked.body;
  EXPECT_EQ(linked.body.find("hunter2"), std::string::npos);
}

// yaml-cpp 0.7 guards its own recursion; the refusal must say so and exit 2 naming the file.
TEST(DeepYamlTest, DeepRulesFileExits2NamingTheFileAndTheReason) {
  TempDir dir;
  const std::string rules = dir.Write("deep-rules.yml", "groups: " + DeepArray(100'000) + "\n");
  const auto r = RunCommand({"timeout", "60", ModelwatchBinary(), "rules", "check", rules});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_THAT(r.output, HasSubstr("deep-rules.yml:1: YAML: nested too deeply")) << r.output;
}

TEST(DeepYamlTest, DeepConfigFileExits2NamingTheFileAndTheReason) {
  TempDir dir;
  std::string nested;
  for (int i = 0; i < 100'000; ++i) nested += "{a: ";
  nested += "1" + std::string(100'000, '}');
  const std::string config = dir.Write("deep.yaml", "server: " + nested + "\n");
  const auto r =
      RunCommand({"timeout", "60", ModelwatchBinary(), "serve", "--config", config, "--data-dir",
                  (dir.path() / "data").string(), "--listen", "127.0.0.1:0"});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_THAT(r.output, HasSubstr("deep.yaml:1:")) << r.output;
  EXPECT_THAT(r.output, HasSubstr("nested too deeply")) << r.output;
}

}  // namespace
}  // namespace mw::testing
