#include "simulate/runner.h"

#include <gtest/gtest.h>

#include <map>
#include <set>

#include "common/time_format.h"
#include "simulate/payloads.h"
#include "testing/loopback_server.h"

namespace mw::simulate {
namespace {

constexpr int64_t kHour = 3'600'000;
constexpr int64_t kNow = 1'750'000'000'000;  // the fake wall clock at the start

// A Transport that records requests and answers like modelwatch (or as a test says).
class RecordingTransport final : public Transport {
 public:
  explicit RecordingTransport(FakeClock& clock) : clock_(clock) {}

  std::function<std::optional<HttpReply>(const HttpRequest&)> override_answer;
  std::vector<HttpRequest> sent;
  std::vector<int64_t> sent_at;  // wall clock per request

  Result<HttpReply> Send(const HttpRequest& request) override {
    sent.push_back(request);
    sent_at.push_back(clock_.NowMillis());
    if (override_answer) {
      if (auto reply = override_answer(request)) return *reply;
    }
    if (request.path == "/v1/predictions") {
      const auto n = nlohmann::json::parse(request.body)["events"].size();
      return HttpReply{202, "application/json",
                       nlohmann::json{{"accepted", n}, {"inserted", n}, {"duplicates", 0}}.dump()};
    }
    if (request.path == "/v1/actuals") {
      const auto n = nlohmann::json::parse(request.body)["actuals"].size();
      return HttpReply{202, "application/json",
                       nlohmann::json{{"matched_count", n}, {"unmatched_count", 0}}.dump()};
    }
    return HttpReply{200, "application/json", "{}"};
  }
  std::string Url(std::string_view path) const override {
    return "http://fake:1" + std::string(path);
  }
  int64_t requests() const override { return static_cast<int64_t>(sent.size()); }
  int64_t retries() const override { return 0; }

 private:
  FakeClock& clock_;
};

GeneratorOptions SmallWorld() {
  GeneratorOptions o;
  o.restaurants = 2;
  o.span_ms = 24 * kHour;
  o.start_ms = kNow - o.span_ms;
  o.training_rows = 40;
  return o;
}

TrafficGenerator Make(const GeneratorOptions& o) {
  auto g = TrafficGenerator::Create(o);
  if (!g) ADD_FAILURE() << g.error().message();
  return std::move(*g);
}

struct Fixture {
  FakeClock clock{kNow};
  RecordingTransport transport{clock};
  RunOptions options;
  Fixture() {
    options.events = 1000;
    options.batch = 100;
    options.sleep = [this](int64_t ms) { clock.Advance(ms); };
  }
  std::vector<HttpRequest> To(const std::string& path) const {
    std::vector<HttpRequest> out;
    for (const auto& r : transport.sent) {
      if (r.path == path) out.push_back(r);
    }
    return out;
  }
};

TEST(RunnerTest, RegistersEachVersionAndUploadsItsReferenceBeforeTraffic) {
  Fixture f;
  auto g = Make(SmallWorld());
  auto summary = RunSimulation(f.options, g, f.transport, f.clock);
  ASSERT_TRUE(summary.has_value()) << summary.error().message();
  std::vector<std::string> lines;
  for (const auto& r : f.transport.sent) {
    if (r.path == "/v1/predictions") break;
    lines.push_back(r.method + " " + r.path + " " + r.content_type);
  }
  EXPECT_EQ(lines, (std::vector<std::string>{
                       "PUT /v1/models/demand_forecast application/json",
                       "PUT /v1/models/demand_forecast/versions/v1 application/json",
                       "POST /v1/models/demand_forecast/versions/v1/reference?segment=restaurant_1 "
                       "application/x-ndjson",
                       "PUT /v1/models/demand_forecast/versions/v1 application/json",
                       "POST /v1/models/demand_forecast/versions/v1/reference?segment=restaurant_2 "
                       "application/x-ndjson",
                       "PUT /v1/models/patient_risk application/json",
                       "PUT /v1/models/patient_risk/versions/v1 application/json",
                       "POST /v1/models/patient_risk/versions/v1/reference application/x-ndjson"}));
  const auto& sent = f.transport.sent;
  EXPECT_EQ(sent[0].body, ModelDocument(g.models()[0]));
  EXPECT_EQ(sent[1].body, VersionDocument(g.models()[0].versions[0], 1));
  EXPECT_EQ(sent[2].body, ReferenceNdjson(g.models()[0], g.models()[0].versions[0]));
  EXPECT_EQ(sent[3].body, VersionDocument(g.models()[0].versions[1], 1));
  EXPECT_EQ(summary->versions_registered, 3);
  EXPECT_EQ(summary->references_uploaded, 3);
}

TEST(RunnerTest, SendsEveryPredictionOnceAndEachActualAfterIt) {
  Fixture f;
  auto g = Make(SmallWorld());
  auto summary = RunSimulation(f.options, g, f.transport, f.clock);
  ASSERT_TRUE(summary.has_value()) << summary.error().message();
  std::map<std::string, size_t> predicted_in;  // id -> request index
  std::set<std::string> actual_ids;
  int64_t last_ts = 0;
  for (size_t i = 0; i < f.transport.sent.size(); ++i) {
    const HttpRequest& r = f.transport.sent[i];
    if (r.path == "/v1/predictions") {
      const auto events = nlohmann::json::parse(r.body)["events"];
      EXPECT_LE(events.size(), 100u);
      for (const auto& e : events) {
        EXPECT_TRUE(predicted_in.emplace(e["id"], i).second) << e["id"];
        const int64_t ts = *ParseRfc3339Millis(e["timestamp"].get<std::string>());
        EXPECT_GE(ts, last_ts);
        EXPECT_GE(ts, kNow - 24 * kHour);
        EXPECT_LT(ts, kNow);
        last_ts = ts;
      }
    } else if (r.path == "/v1/actuals") {
      const auto actuals = nlohmann::json::parse(r.body)["actuals"];
      for (const auto& a : actuals) {
        ASSERT_TRUE(predicted_in.count(a["id"])) << "actual before its prediction: " << a["id"];
        EXPECT_LT(predicted_in[a["id"]], i);
        EXPECT_TRUE(actual_ids.insert(a["id"]).second);
        EXPECT_LE(*ParseRfc3339Millis(a["timestamp"].get<std::string>()), f.clock.NowMillis());
      }
    }
  }
  EXPECT_EQ(predicted_in.size(), 1000u);
  EXPECT_EQ(actual_ids.size(), 1000u);
  EXPECT_EQ(summary->predictions_sent, 1000);
  EXPECT_EQ(summary->actuals_sent, 1000);
  EXPECT_EQ(summary->actuals_matched, 1000);
  EXPECT_EQ(summary->requests, static_cast<int64_t>(f.transport.sent.size()));
  // With a 1 h delay over 24 h, about 1/24 of the actuals wait for the end.
  EXPECT_GT(summary->actuals_flushed_at_end, 20);
  EXPECT_LT(summary->actuals_flushed_at_end, 80);
  int64_t per_model = 0;
  for (const auto& m : summary->models) per_model += m.predictions;
  EXPECT_EQ(per_model, 1000);
}

TEST(RunnerTest, RegistrationAndReferenceCanBeTurnedOff) {
  Fixture f;
  f.options.events = 10;
  f.options.upload_reference = false;
  auto g = Make(SmallWorld());
  ASSERT_TRUE(RunSimulation(f.options, g, f.transport, f.clock).has_value());
  for (const auto& r : f.transport.sent) EXPECT_EQ(r.path.find("/reference"), std::string::npos);
  EXPECT_EQ(f.transport.sent[0].method, "PUT");

  Fixture none;
  none.options.events = 10;
  none.options.register_models = false;
  auto g2 = Make(SmallWorld());
  ASSERT_TRUE(RunSimulation(none.options, g2, none.transport, none.clock).has_value());
  EXPECT_EQ(none.transport.sent[0].path, "/v1/predictions");
}

TEST(RunnerTest, AMissingReferenceRouteStopsWithUrlAndStatus) {
  Fixture f;
  f.transport.override_answer = [](const HttpRequest& r) -> std::optional<HttpReply> {
    if (r.path.find("/reference") == std::string::npos) return std::nullopt;
    return HttpReply{404, "application/problem+json", R"({"title":"Not Found","status":404})"};
  };
  auto g = Make(SmallWorld());
  auto summary = RunSimulation(f.options, g, f.transport, f.clock);
  ASSERT_FALSE(summary.has_value());
  EXPECT_EQ(summary.error().code(), StatusCode::kNotFound);
  EXPECT_EQ(summary.error().message(),
            "POST http://fake:1/v1/models/demand_forecast/versions/v1/reference?segment="
            "restaurant_1: HTTP 404: {\"title\":\"Not Found\",\"status\":404}");
  EXPECT_TRUE(f.To("/v1/predictions").empty());
}

TEST(RunnerTest, A422StopsTheRunWithTheProblem) {
  Fixture f;
  int batches = 0;
  f.transport.override_answer = [&batches](const HttpRequest& r) -> std::optional<HttpReply> {
    if (r.path != "/v1/predictions" || ++batches < 2) return std::nullopt;
    return HttpReply{422, "application/problem+json", R"({"title":"Invalid request body"})"};
  };
  auto g = Make(SmallWorld());
  auto summary = RunSimulation(f.options, g, f.transport, f.clock);
  ASSERT_FALSE(summary.has_value());
  EXPECT_EQ(summary.error().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(summary.error().message(),
            "POST http://fake:1/v1/predictions: HTTP 422: {\"title\":\"Invalid request body\"} "
            "(after 100 predictions sent)");
  EXPECT_EQ(f.To("/v1/predictions").size(), 2u);
}

TEST(RunnerTest, RejectsASpanEndingInTheFuture) {
  Fixture f;
  GeneratorOptions o = SmallWorld();
  o.start_ms = kNow - kHour;  // a 24 h span from an hour ago
  auto g = Make(o);
  auto summary = RunSimulation(f.options, g, f.transport, f.clock);
  ASSERT_FALSE(summary.has_value());
  EXPECT_EQ(summary.error().message().rfind("--start: ", 0), 0u) << summary.error().message();
  EXPECT_TRUE(f.transport.sent.empty());
}

TEST(RunnerTest, RatePacesPredictionsOnTheWallClock) {
  Fixture f;
  f.options.register_models = false;
  f.options.events = 300;
  f.options.rate = 100;
  f.options.batch = 50;
  auto g = Make(SmallWorld());
  ASSERT_TRUE(RunSimulation(f.options, g, f.transport, f.clock).has_value());
  // Prediction i leaves no earlier than i / rate: the last one at 2.99 s.
  EXPECT_GE(f.clock.NowMillis() - kNow, 2990);
  EXPECT_LE(f.clock.NowMillis() - kNow, 3010);
  size_t seen = 0;
  for (size_t i = 0; i < f.transport.sent.size(); ++i) {
    if (f.transport.sent[i].path != "/v1/predictions") continue;
    seen += nlohmann::json::parse(f.transport.sent[i].body)["events"].size();
    EXPECT_GE(f.transport.sent_at[i] - kNow, static_cast<int64_t>((seen - 1) * 10)) << i;
  }
  EXPECT_EQ(seen, 300u);
}

TEST(RunnerTest, SlowRatesStillSendAtLeastEverySecond) {
  Fixture f;
  f.options.register_models = false;
  f.options.events = 30;
  f.options.rate = 10;
  f.options.batch = 200;
  auto g = Make(SmallWorld());
  ASSERT_TRUE(RunSimulation(f.options, g, f.transport, f.clock).has_value());
  const auto batches = f.To("/v1/predictions");
  EXPECT_GE(batches.size(), 3u);
  for (const auto& b : batches) EXPECT_LE(nlohmann::json::parse(b.body)["events"].size(), 11u);
}

TEST(RunnerTest, DurationMapsWallTimeOntoTheSpan) {
  Fixture f;
  f.options.register_models = false;
  f.options.duration_ms = 10'000;
  f.options.rate = 50;
  GeneratorOptions o = SmallWorld();
  auto g = Make(o);
  auto summary = RunSimulation(f.options, g, f.transport, f.clock);
  ASSERT_TRUE(summary.has_value());
  EXPECT_NEAR(static_cast<double>(summary->predictions_sent), 500, 2);
  std::vector<int64_t> ts;
  for (const auto& r : f.To("/v1/predictions")) {
    const auto events = nlohmann::json::parse(r.body)["events"];
    for (const auto& e : events) {
      ts.push_back(*ParseRfc3339Millis(e["timestamp"].get<std::string>()));
    }
  }
  ASSERT_FALSE(ts.empty());
  EXPECT_EQ(ts.front(), o.start_ms);  // wall time 0 -> the span's start
  // Prediction i leaves at i / rate = 20 ms x i, i.e. span x (20 i / 10000) into the span.
  EXPECT_EQ(ts[250], o.start_ms + o.span_ms / 2);
  EXPECT_LT(ts.back(), o.start_ms + o.span_ms);
}

TEST(RunnerTest, ReportsProgress) {
  Fixture f;
  f.options.register_models = false;
  f.options.events = 200;
  f.options.rate = 20;  // 10 s of fake wall time
  f.options.progress_interval_ms = 2000;
  std::vector<Progress> seen;
  f.options.progress = [&seen](const Progress& p) { seen.push_back(p); };
  auto g = Make(SmallWorld());
  ASSERT_TRUE(RunSimulation(f.options, g, f.transport, f.clock).has_value());
  ASSERT_GE(seen.size(), 4u);
  for (size_t i = 1; i < seen.size(); ++i) {
    EXPECT_GE(seen[i].predictions_sent, seen[i - 1].predictions_sent);
    EXPECT_GE(seen[i].elapsed_ms, seen[i - 1].elapsed_ms);
  }
  EXPECT_EQ(seen.back().predictions_sent, 200);
  EXPECT_EQ(seen.back().planned, 200);
  EXPECT_EQ(seen.back().pending_actuals, 0);
  EXPECT_NE(ProgressLine(seen.back()).find("200/200 predictions"), std::string::npos)
      << ProgressLine(seen.back());
}

TEST(RunnerTest, SummaryTellsWhatWasInjected) {
  Fixture f;
  f.options.events = 400;
  GeneratorOptions o = SmallWorld();
  o.drift.kinds = {DriftKind::kFeatureShift, DriftKind::kConcept};
  o.drift.segments = {"restaurant_2"};
  auto g = Make(o);
  auto summary = RunSimulation(f.options, g, f.transport, f.clock);
  ASSERT_TRUE(summary.has_value());
  const auto j = SummaryJson(*summary);
  EXPECT_EQ(j["predictions_sent"], 400);
  EXPECT_EQ(j["start"], FormatRfc3339Millis(o.start_ms));
  EXPECT_EQ(j["drift"]["start"], FormatRfc3339Millis(o.start_ms + o.span_ms / 2));
  EXPECT_EQ(j["drift"]["kinds"], (nlohmann::json{"feature_shift", "concept"}));
  ASSERT_EQ(j["drift"]["models"].size(), 1u);
  const auto& m = j["drift"]["models"][0];
  EXPECT_EQ(m["model"], "demand_forecast");
  EXPECT_EQ(m["segments"], (nlohmann::json{"restaurant_2"}));
  EXPECT_EQ(m["concept"], true);
  EXPECT_EQ(m["shifted_features"], (nlohmann::json{"temperature"}));
  EXPECT_GT(m["shifts"]["restaurant_2"]["temperature"].get<double>(), 0);
  int64_t drifted = 0;
  for (const auto& model : j["models"]) drifted += model["drifted_predictions"].get<int64_t>();
  EXPECT_GT(drifted, 0);
  const std::string text = SummaryText(*summary);
  EXPECT_NE(text.find("segments restaurant_2; concept; shifted temperature by 2 reference sd"),
            std::string::npos)
      << text;
  Fixture plain;
  plain.options.events = 10;
  auto g2 = Make(SmallWorld());
  EXPECT_TRUE(SummaryJson(*RunSimulation(plain.options, g2, plain.transport, plain.clock))["drift"]
                  .is_null());
}

// The whole path over real HTTP: the sender retries a 503 with the same batch.
TEST(RunnerTest, OverHttpRetriesA503WithTheSameIds) {
  int predictions = 0;
  mw::testing::LoopbackServer server([&predictions](const auto& r) {
    if (r.target == "/v1/predictions" && ++predictions == 2) {
      return mw::testing::LoopbackServer::Reply{503, "", {{"Retry-After", "0"}}};
    }
    return mw::testing::LoopbackServer::Reply{
        r.target.rfind("/v1/p", 0) == 0 ? 202 : 200, "{}", {}};
  });
  SenderOptions so;
  so.target = server.url();
  so.token = "t0k";
  so.sleep = [](int64_t) {};
  auto sender = HttpSender::Create(so);
  ASSERT_TRUE(sender.has_value());
  FakeClock clock(kNow);
  RunOptions options;
  options.events = 60;
  options.batch = 20;
  options.upload_reference = false;
  GeneratorOptions o = SmallWorld();
  o.risk = false;
  o.restaurants = 1;
  auto g = Make(o);
  auto summary = RunSimulation(options, g, **sender, clock);
  ASSERT_TRUE(summary.has_value()) << summary.error().message();
  EXPECT_EQ(summary->retries, 1);
  EXPECT_EQ(summary->predictions_sent, 60);
  const auto got = server.requests();
  std::vector<std::string> request_lines;
  for (const auto& r : got) {
    EXPECT_EQ(r.headers.at("authorization"), "Bearer t0k");
    if (request_lines.size() < 3) request_lines.push_back(r.request_line);
  }
  EXPECT_EQ(request_lines,
            (std::vector<std::string>{"PUT /v1/models/demand_forecast HTTP/1.1",
                                      "PUT /v1/models/demand_forecast/versions/v1 HTTP/1.1",
                                      "POST /v1/predictions HTTP/1.1"}));
  std::vector<std::string> prediction_bodies;
  for (const auto& r : got) {
    if (r.target == "/v1/predictions") prediction_bodies.push_back(r.body);
  }
  ASSERT_EQ(prediction_bodies.size(), 4u);  // 3 batches, the second sent twice
  EXPECT_EQ(prediction_bodies[1], prediction_bodies[2]);
  EXPECT_NE(prediction_bodies[0], prediction_bodies[1]);
  EXPECT_EQ(server.connections(), 1);
}

}  // namespace
}  // namespace mw::simulate
