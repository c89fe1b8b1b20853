// Sidecars without stores of their own: a modelwatch proxy with proxy.forward_to sends what it
// captures to a central modelwatch's ingest API. The sidecar still counts its replica's traffic;
// the central one stores every event once, also across its own outage.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "integration/harness.h"

namespace mw::testing {
namespace {

using json = nlohmann::json;

TEST(ProxyForwardTest, ASidecarForwardsItsCapturesToTheCentralModelwatchAcrossItsOutage) {
  PredictionService svc;
  ASSERT_TRUE(svc.Start()) << svc.output();
  TempDir central_dir;
  const uint16_t central_port = FreePort();
  ASSERT_NE(central_port, 0);
  const std::string central_listen = "127.0.0.1:" + std::to_string(central_port);
  auto central = std::make_unique<ModelwatchProcess>(
      ServerOptions{{"--listen", central_listen, "--set",
                     "auth.tokens=sidecar:s3cret-token-for-sidecars:ingest+read"},
                    {},
                    (central_dir.path() / "data").string()});
  ASSERT_TRUE(central->Start()) << central->output();

  ModelwatchProcess sidecar(ServerOptions{
      {"--set", "proxy.upstream=" + svc.url(), "--set", "proxy.listen=127.0.0.1:0", "--set",
       "proxy.forward_to=http://" + central_listen, "--set",
       "proxy.forward_token_env=CENTRAL_TOKEN", "--set",
       "proxy.routes=[{path: \"/predict/{restaurant_id}\", capture: {model: demand_forecast, "
       "segment: {path: restaurant_id}, features: {request: /features}, prediction: {response: "
       "/prediction}}}]"},
      {{"CENTRAL_TOKEN", "s3cret-token-for-sidecars"}},
      ""});
  ASSERT_TRUE(sidecar.Start()) << sidecar.output();
  HttpClient client = sidecar.ProxyClient();
  auto predict = [&](int i) {
    const auto r =
        client.PostJson("/predict/5", R"({"features":{"temp":)" + std::to_string(i) + "}}");
    EXPECT_EQ(r.status, 200) << r.body;
    return r.headers.count("x-request-id") ? r.headers.at("x-request-id") : std::string();
  };
  auto stored_at_central = [&](const std::string& id) {
    HttpClient api("127.0.0.1", central_port);
    return api.Send("GET", "/v1/predictions/" + id, "", "application/json",
                    {{"Authorization", "Bearer s3cret-token-for-sidecars"}})
               .status == 200;
  };

  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) ids.push_back(predict(i));
  for (const auto& id : ids) {
    EXPECT_TRUE(WaitUntil([&] { return stored_at_central(id); }, std::chrono::seconds(5))) << id;
  }
  // The sidecar keeps no store of the events: they are not in its own API.
  EXPECT_EQ(sidecar.Client().Get("/v1/predictions/" + ids[0]).status, 404);
  std::string m = sidecar.Client().Get("/metrics").body;
  EXPECT_EQ(
      ScrapedValue(
          m,
          R"(ml_api_requests_total{endpoint="/predict/{restaurant_id}",method="POST",status="200"})"),
      5);

  // The central modelwatch goes away: clients are still answered, events wait.
  central->Terminate();
  std::vector<std::string> during;
  for (int i = 0; i < 10; ++i) during.push_back(predict(100 + i));
  // Back on the same port and data: every event of the outage arrives, once.
  central = std::make_unique<ModelwatchProcess>(
      ServerOptions{{"--listen", central_listen, "--set",
                     "auth.tokens=sidecar:s3cret-token-for-sidecars:ingest+read"},
                    {},
                    (central_dir.path() / "data").string()});
  ASSERT_TRUE(central->Start()) << central->output();
  for (const auto& id : during) {
    EXPECT_TRUE(WaitUntil([&] { return stored_at_central(id); }, std::chrono::seconds(20))) << id;
  }
  HttpClient central_api("127.0.0.1", central_port);
  const std::string cm = central_api
                             .Send("GET", "/metrics", "", "application/json",
                                   {{"Authorization", "Bearer s3cret-token-for-sidecars"}})
                             .body;
  EXPECT_EQ(ScrapedValue(cm, R"(ml_predictions_total{model_type="demand_forecast",segment="5"})"),
            10)
      << "the restarted central counts only what it stored itself";
  m = sidecar.Client().Get("/metrics").body;
  EXPECT_GE(ScrapedValue(m, R"(modelwatch_proxy_forward_requests_total{result="unreachable"})"), 1);
  EXPECT_EQ(ScrapedValue(m, R"(modelwatch_proxy_capture_events_total{result="stored"})"), 15);
}

}  // namespace
}  // namespace mw::testing
