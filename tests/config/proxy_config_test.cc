// The proxy section: defaults, a full section, lists from the environment and flags, and one test
// per validation message config gives.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include "config/config.h"

namespace mw::config {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using Kind = Config::ProxySource::Kind;

class ProxyConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "mw-proxy-config-XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { fs::remove_all(dir_); }

  ConfigLoadResult Load(const std::string& yaml, std::map<std::string, std::string> env = {},
                        std::map<std::string, std::string> flags = {}) {
    const fs::path path = dir_ / "modelwatch.yaml";
    std::ofstream(path) << yaml;
    ConfigSources sources;
    sources.file = path.string();
    sources.env = std::move(env);
    sources.flags = std::move(flags);
    return LoadConfig(sources);
  }

  // The errors of a file holding `yaml` (under a proxy that is on), as the CLI prints them.
  std::string ErrorsOf(const std::string& proxy_body) {
    return FormatConfigErrors(
        Load("proxy:\n  upstream: http://127.0.0.1:8080\n  listen: 127.0.0.1:9000\n" + proxy_body)
            .errors);
  }

  fs::path dir_;
};

std::string ProxyErrors(const ConfigLoadResult& r) { return FormatConfigErrors(r.errors); }

TEST_F(ProxyConfigTest, DefaultsMatchThePlan) {
  auto r = LoadConfig({});
  ASSERT_TRUE(r.config.has_value()) << ProxyErrors(r);
  const Config::Proxy& p = r.config->proxy;
  EXPECT_FALSE(p.enabled());
  EXPECT_EQ(p.upstream, "");
  EXPECT_EQ(p.listen, "");
  EXPECT_EQ(p.threads, 0);
  EXPECT_EQ(p.max_connections, 10000);
  EXPECT_EQ(p.max_upstream_connections, 256);
  EXPECT_EQ(p.upstream_idle_timeout_ms, 4000);
  EXPECT_EQ(p.connect_timeout_ms, 1000);
  EXPECT_EQ(p.response_timeout_ms, 30000);
  EXPECT_EQ(p.client_timeout_ms, 30000);
  EXPECT_EQ(p.max_body_bytes, 104857600);
  EXPECT_EQ(p.max_capture_bytes, 1048576);
  EXPECT_FALSE(p.preserve_host);
  EXPECT_FALSE(p.trust_forwarded_headers);
  EXPECT_EQ(p.request_id_header, "X-Request-Id");
  EXPECT_TRUE(p.access_log);
  EXPECT_EQ(p.health_path, "/health");
  EXPECT_EQ(p.health_db_path, "/health/db");
  EXPECT_EQ(p.health_interval_ms, 10000);
  EXPECT_EQ(p.health_timeout_ms, 2000);
  EXPECT_EQ(p.openapi_path, "/openapi.json");
  EXPECT_EQ(p.openapi_refresh_ms, 300000);
  EXPECT_EQ(p.max_routes, 200);
  EXPECT_EQ(p.capture_queue_events, 100000);
  EXPECT_EQ(p.capture_queue_bytes, 67108864);
  EXPECT_EQ(p.capture_batch_events, 1000);
  EXPECT_EQ(p.capture_flush_interval_ms, 20);
  EXPECT_EQ(p.forward_to, "");
  EXPECT_EQ(p.forward_token_env, "");
  EXPECT_EQ(p.forward_buffer_events, 100000);
  EXPECT_EQ(p.forward_timeout_ms, 5000);
  EXPECT_EQ(p.cache.backend, "memory");
  EXPECT_EQ(p.cache.max_bytes, 67108864);
  EXPECT_EQ(p.cache.redis_url, "");
  EXPECT_EQ(p.cache.redis_pool_size, 2);
  EXPECT_EQ(p.cache.redis_timeout_ms, 50);
  EXPECT_EQ(p.cache.redis_retry_interval_ms, 1000);
  EXPECT_EQ(p.cache.vary_headers, std::vector<std::string>{"Authorization"});
  EXPECT_TRUE(p.cache.capture_hits);
  EXPECT_TRUE(p.routes.empty());
}

TEST_F(ProxyConfigTest, ExampleFileValidatesToTheProxyDefaults) {
  ConfigSources s;
  s.file = (fs::path(__FILE__).parent_path().parent_path().parent_path() / "config" /
            "modelwatch.example.yaml")
               .string();
  auto r = LoadConfig(s);
  ASSERT_TRUE(r.config.has_value()) << ProxyErrors(r);
  const Config::Proxy& p = r.config->proxy;
  const Config::Proxy d;
  EXPECT_EQ(p.upstream, d.upstream);
  EXPECT_EQ(p.listen, d.listen);
  EXPECT_EQ(p.upstream_idle_timeout_ms, d.upstream_idle_timeout_ms);
  EXPECT_EQ(p.connect_timeout_ms, d.connect_timeout_ms);
  EXPECT_EQ(p.response_timeout_ms, d.response_timeout_ms);
  EXPECT_EQ(p.max_body_bytes, d.max_body_bytes);
  EXPECT_EQ(p.max_capture_bytes, d.max_capture_bytes);
  EXPECT_EQ(p.request_id_header, d.request_id_header);
  EXPECT_EQ(p.health_interval_ms, d.health_interval_ms);
  EXPECT_EQ(p.openapi_refresh_ms, d.openapi_refresh_ms);
  EXPECT_EQ(p.capture_flush_interval_ms, d.capture_flush_interval_ms);
  EXPECT_EQ(p.forward_timeout_ms, d.forward_timeout_ms);
  EXPECT_EQ(p.cache.backend, d.cache.backend);
  EXPECT_EQ(p.cache.max_bytes, d.cache.max_bytes);
  EXPECT_EQ(p.cache.redis_timeout_ms, d.cache.redis_timeout_ms);
  EXPECT_EQ(p.cache.vary_headers, d.cache.vary_headers);
  EXPECT_EQ(p.cache.capture_hits, d.cache.capture_hits);
  EXPECT_TRUE(p.routes.empty());
}

TEST_F(ProxyConfigTest, KeysAndEnvironmentVariables) {
  const auto keys = ConfigKeyNames();
  for (const char* key : {"proxy.upstream", "proxy.listen", "proxy.health_interval",
                          "proxy.cache.backend", "proxy.cache.vary_headers", "proxy.routes"}) {
    EXPECT_NE(std::find(keys.begin(), keys.end(), key), keys.end()) << key;
  }
  EXPECT_EQ(EnvVarName("proxy.cache.backend"), "MODELWATCH_PROXY_CACHE_BACKEND");
}

TEST_F(ProxyConfigTest, ReadsAFullSection) {
  auto r = Load(R"(
proxy:
  upstream: http://127.0.0.1:8080
  listen: 0.0.0.0:9000
  connect_timeout: 500ms
  health_interval: 5s
  health_timeout: 1s
  forward_to: https://central:8000
  forward_token_env: CENTRAL_TOKEN
  cache:
    backend: redis
    redis_url: redis://127.0.0.1:6379/0
    vary_headers: [Authorization, X-Tenant]
    capture_hits: false
  routes:
    - path: /predict/{restaurant_id}
      methods: [POST]
      capture:
        model: demand_forecast
        segment: {path: restaurant_id}
        version: {response: /model_version}
        features: {request: /features}
        prediction: {response: /prediction}
        id: {header: X-Request-Id}
        sample: 0.25
      cache: {ttl: 10m, key: [/features]}
    - path: /v2/models/{model}/infer
      capture: {model: {path: model}, output: out, output_index: 1, feature_names: [a, b]}
)",
                {{"CENTRAL_TOKEN", "0123456789abcdef"}});
  ASSERT_TRUE(r.config.has_value()) << ProxyErrors(r);
  const Config::Proxy& p = r.config->proxy;
  EXPECT_TRUE(p.enabled());
  EXPECT_EQ(p.listen_host, "0.0.0.0");
  EXPECT_EQ(p.listen_port, 9000);
  EXPECT_EQ(p.connect_timeout_ms, 500);
  EXPECT_EQ(p.forward_token, "0123456789abcdef");
  EXPECT_EQ(p.cache.backend, "redis");
  EXPECT_EQ(p.cache.vary_headers, (std::vector<std::string>{"Authorization", "X-Tenant"}));
  EXPECT_FALSE(p.cache.capture_hits);
  ASSERT_EQ(p.routes.size(), 2u);
  const Config::ProxyRoute& a = p.routes[0];
  EXPECT_EQ(a.path, "/predict/{restaurant_id}");
  EXPECT_EQ(a.methods, std::vector<std::string>{"POST"});
  ASSERT_TRUE(a.capture.has_value());
  EXPECT_EQ(a.capture->model->kind, Kind::kConstant);
  EXPECT_EQ(a.capture->model->value, "demand_forecast");
  EXPECT_EQ(a.capture->segment->kind, Kind::kPath);
  EXPECT_EQ(a.capture->version->kind, Kind::kResponse);
  EXPECT_EQ(a.capture->features->kind, Kind::kRequest);
  EXPECT_EQ(a.capture->features->value, "/features");
  EXPECT_EQ(a.capture->id->kind, Kind::kHeader);
  EXPECT_DOUBLE_EQ(a.capture->sample, 0.25);
  ASSERT_TRUE(a.cache.has_value());
  EXPECT_EQ(a.cache->ttl_ms, 600000);
  EXPECT_EQ(a.cache->key, std::vector<std::string>{"/features"});
  const Config::ProxyRoute& b = p.routes[1];
  EXPECT_TRUE(b.methods.empty());
  EXPECT_FALSE(b.cache.has_value());
  EXPECT_EQ(b.capture->output, "out");
  EXPECT_EQ(b.capture->output_index, 1);
  EXPECT_EQ(b.capture->feature_names, (std::vector<std::string>{"a", "b"}));
}

TEST_F(ProxyConfigTest, EnvironmentRoutesReplaceTheFileList) {
  auto r = Load("proxy:\n  routes:\n    - path: /a\n    - path: /b\n",
                {{"MODELWATCH_PROXY_ROUTES",
                  "[{path: \"/predict/{id}\", methods: [POST], cache: {ttl: 30s}}]"},
                 {"MODELWATCH_PROXY_CACHE_VARY_HEADERS", "[X-Tenant]"}});
  ASSERT_TRUE(r.config.has_value()) << ProxyErrors(r);
  ASSERT_EQ(r.config->proxy.routes.size(), 1u);
  EXPECT_EQ(r.config->proxy.routes[0].path, "/predict/{id}");
  EXPECT_EQ(r.config->proxy.routes[0].cache->ttl_ms, 30000);
  EXPECT_EQ(r.config->proxy.cache.vary_headers, std::vector<std::string>{"X-Tenant"});
}

TEST_F(ProxyConfigTest, FlagRoutesReplaceTheEnvironmentList) {
  auto r = Load("", {{"MODELWATCH_PROXY_ROUTES", "[{path: /a}]"}},
                {{"proxy.routes", "[{path: /b, capture: {model: m}}]"},
                 {"proxy.cache.vary_headers", "[]"},
                 {"proxy.cache.backend", "memory"}});
  ASSERT_TRUE(r.config.has_value()) << ProxyErrors(r);
  ASSERT_EQ(r.config->proxy.routes.size(), 1u);
  EXPECT_EQ(r.config->proxy.routes[0].path, "/b");
  EXPECT_TRUE(r.config->proxy.cache.vary_headers.empty());
}

TEST_F(ProxyConfigTest, EnvironmentScalarsAreRead) {
  auto r = LoadConfig({std::nullopt,
                       {{"MODELWATCH_PROXY_UPSTREAM", "http://10.0.0.5:8080"},
                        {"MODELWATCH_PROXY_LISTEN", ":9000"},
                        {"MODELWATCH_PROXY_CACHE_BACKEND", "memory"},
                        {"MODELWATCH_PROXY_HEALTH_INTERVAL", "30s"}},
                       {}});
  ASSERT_TRUE(r.config.has_value()) << ProxyErrors(r);
  EXPECT_EQ(r.config->proxy.upstream, "http://10.0.0.5:8080");
  EXPECT_EQ(r.config->proxy.listen_port, 9000);
  EXPECT_EQ(r.config->proxy.health_interval_ms, 30000);
}

TEST_F(ProxyConfigTest, RouteErrorFromTheEnvironmentNamesTheVariable) {
  auto r = LoadConfig({std::nullopt, {{"MODELWATCH_PROXY_ROUTES", "[{path: x}]"}}, {}});
  EXPECT_THAT(ProxyErrors(r),
              HasSubstr("config error: proxy.routes[0].path: must start with / (from "
                        "MODELWATCH_PROXY_ROUTES)"));
}

TEST_F(ProxyConfigTest, RoutesThatAreNotAListAreAnError) {
  auto r = LoadConfig({std::nullopt, {}, {{"proxy.routes", "{path: /a}"}}});
  EXPECT_THAT(ProxyErrors(r), HasSubstr("config error: proxy.routes: must be a list"));
}

TEST_F(ProxyConfigTest, UnknownKeysAreNamed) {
  const std::string e =
      ErrorsOf("  upstreem: x\n  cache:\n    backnd: redis\n  routes:\n    - {path: /a, x: 1}\n");
  EXPECT_THAT(e, HasSubstr("config error: proxy.upstreem: unknown key"));
  EXPECT_THAT(e, HasSubstr("config error: proxy.cache.backnd: unknown key"));
  EXPECT_THAT(e, HasSubstr("config error: proxy.routes[0].x: unknown key"));
}

// --- one test per message ---------------------------------------------------------------------

TEST_F(ProxyConfigTest, UpstreamMustBeHttpHostPort) {
  for (const char* bad : {"https://api:8080", "http://api:8080/v1", "http://api", "api:8080"}) {
    auto r = Load(std::string("proxy:\n  upstream: \"") + bad + "\"\n  listen: :9000\n");
    EXPECT_THAT(ProxyErrors(r), HasSubstr("config error: proxy.upstream: must be http://HOST:PORT "
                                          "(https and paths are not supported)"))
        << bad;
  }
}

TEST_F(ProxyConfigTest, ListenIsRequiredWithUpstream) {
  auto r = Load("proxy:\n  upstream: http://127.0.0.1:8080\n");
  EXPECT_EQ(ProxyErrors(r), "config error: proxy.listen: required when proxy.upstream is set\n");
}

TEST_F(ProxyConfigTest, UpstreamIsRequiredWithListen) {
  auto r = Load("proxy:\n  listen: 127.0.0.1:9000\n");
  EXPECT_EQ(ProxyErrors(r), "config error: proxy.upstream: required when proxy.listen is set\n");
}

TEST_F(ProxyConfigTest, ListenMustNotBeServerListen) {
  auto r = Load(
      "server:\n  listen: 127.0.0.1:8000\nproxy:\n  upstream: http://127.0.0.1:8080\n"
      "  listen: 0.0.0.0:8000\n");
  EXPECT_EQ(ProxyErrors(r), "config error: proxy.listen: the same address as server.listen\n");
}

TEST_F(ProxyConfigTest, ListenMustBeHostPort) {
  EXPECT_EQ(ProxyErrors(Load("proxy:\n  upstream: http://127.0.0.1:8080\n  listen: nope\n")),
            "config error: proxy.listen: must be HOST:PORT, [IPv6]:PORT or :PORT with PORT "
            "0..65535\n");  // and not also "required when proxy.upstream is set"
}

TEST_F(ProxyConfigTest, BadDurationIsNamed) {
  EXPECT_EQ(ErrorsOf("  connect_timeout: 1 s\n"),
            "config error: proxy.connect_timeout: bad duration \"1 s\" (one number and a unit: "
            "500ms, 1s, 5m)\n");
}

TEST_F(ProxyConfigTest, DurationRanges) {
  EXPECT_EQ(ErrorsOf("  connect_timeout: 2m\n"),
            "config error: proxy.connect_timeout: must be between 10ms and 1m\n");
  EXPECT_EQ(ErrorsOf("  response_timeout: 50ms\n"),
            "config error: proxy.response_timeout: must be between 100ms and 1h\n");
  EXPECT_EQ(ErrorsOf("  health_interval: 500ms\n  health_timeout: 100ms\n"),
            "config error: proxy.health_interval: must be between 1s and 1h\n");
}

TEST_F(ProxyConfigTest, HealthTimeoutMustBeShorterThanTheInterval) {
  EXPECT_EQ(ErrorsOf("  health_interval: 2s\n  health_timeout: 2s\n"),
            "config error: proxy.health_timeout: must be shorter than proxy.health_interval\n");
}

TEST_F(ProxyConfigTest, MaxCaptureBytesMustFitTheBodyLimit) {
  EXPECT_EQ(ErrorsOf("  max_body_bytes: 4096\n  max_capture_bytes: 8192\n"),
            "config error: proxy.max_capture_bytes: must be between 1024 and "
            "proxy.max_body_bytes\n");
}

TEST_F(ProxyConfigTest, RoutePathMustStartWithSlash) {
  EXPECT_EQ(ErrorsOf("  routes:\n    - path: /a\n    - path: /b\n    - path: predict\n"),
            "config error: proxy.routes[2].path: must start with /\n");
}

TEST_F(ProxyConfigTest, RouteWithoutPathIsAnError) {
  EXPECT_THAT(ErrorsOf("  routes:\n    - methods: [GET]\n"),
              HasSubstr("config error: proxy.routes[0].path: required"));
}

TEST_F(ProxyConfigTest, MethodMustBeAnHttpMethod) {
  EXPECT_EQ(ErrorsOf("  routes:\n    - {path: /a, methods: [POST, FETCH]}\n"),
            "config error: proxy.routes[0].methods[1]: \"FETCH\" is not an HTTP method\n");
}

TEST_F(ProxyConfigTest, CaptureModelIsRequired) {
  EXPECT_EQ(ErrorsOf("  routes:\n    - {path: /a, capture: {features: {request: /x}}}\n"),
            "config error: proxy.routes[0].capture.model: required (a constant or a source)\n");
}

TEST_F(ProxyConfigTest, CaptureSourceMustBeKnown) {
  EXPECT_EQ(ErrorsOf("  routes:\n    - {path: /a, capture: {model: m, features: {body: /x}}}\n"),
            "config error: proxy.routes[0].capture.features: one of request, response, path, "
            "header, or a constant\n");
  EXPECT_THAT(ErrorsOf("  routes:\n    - {path: /a, capture: {model: m, features: [1]}}\n"),
              HasSubstr("proxy.routes[0].capture.features: one of request"));
}

TEST_F(ProxyConfigTest, CapturePointerMustStartWithSlash) {
  EXPECT_EQ(ErrorsOf("  routes:\n    - {path: /a, capture: {model: m, prediction: {response: "
                     "prediction}}}\n"),
            "config error: proxy.routes[0].capture.prediction: \"prediction\": a JSON pointer "
            "must be empty or start with \"/\"\n");
}

TEST_F(ProxyConfigTest, CaptureHeaderMustBeAToken) {
  EXPECT_EQ(ErrorsOf("  routes:\n    - {path: /a, capture: {model: m, id: {header: \"a b\"}}}\n"),
            "config error: proxy.routes[0].capture.id: header: \"a b\" is not a header name "
            "(RFC 9110 token characters only)\n");
}

TEST_F(ProxyConfigTest, CaptureSampleMustBeInRange) {
  for (const char* bad : {"0", "1.5", "-0.1", "half"}) {
    EXPECT_EQ(ErrorsOf(std::string("  routes:\n    - {path: /a, capture: {model: m, sample: ") +
                       bad + "}}\n"),
              "config error: proxy.routes[0].capture.sample: must be in (0, 1]\n")
        << bad;
  }
}

TEST_F(ProxyConfigTest, CacheTtlMustBeInRange) {
  EXPECT_EQ(ErrorsOf("  routes:\n    - {path: /a, cache: {ttl: 31d}}\n"),
            "config error: proxy.routes[0].cache.ttl: must be between 1s and 30d\n");
  EXPECT_EQ(ErrorsOf("  routes:\n    - {path: /a, cache: {ttl: 500ms}}\n"),
            "config error: proxy.routes[0].cache.ttl: must be between 1s and 30d\n");
}

TEST_F(ProxyConfigTest, CacheBackendMustBeMemoryOrRedis) {
  EXPECT_EQ(ErrorsOf("  cache:\n    backend: memcached\n"),
            "config error: proxy.cache.backend: must be memory or redis\n");
}

TEST_F(ProxyConfigTest, RedisUrlIsRequiredWithRedis) {
  EXPECT_EQ(ErrorsOf("  cache:\n    backend: redis\n"),
            "config error: proxy.cache.redis_url: required when proxy.cache.backend is redis\n");
}

TEST_F(ProxyConfigTest, RedissIsRefused) {
  EXPECT_EQ(ErrorsOf("  cache:\n    backend: redis\n    redis_url: rediss://r:6380\n"),
            "config error: proxy.cache.redis_url: rediss:// is not supported (no TLS in Debian's "
            "hiredis 0.14)\n");
}

TEST_F(ProxyConfigTest, RedisUrlNotUsedWithTheRedisCache) {
  auto r = Load(
      "redis:\n  url: redis://127.0.0.1:6379\nproxy:\n  upstream: http://127.0.0.1:8080\n"
      "  listen: 127.0.0.1:9000\n  cache:\n    backend: redis\n"
      "    redis_url: redis://127.0.0.1:6379\n");
  EXPECT_EQ(ProxyErrors(r),
            "config error: redis.url: not used when proxy.cache.backend is redis (/health reports "
            "the cache's Redis)\n");
}

TEST_F(ProxyConfigTest, ForwardToMustBeAnHttpUrl) {
  EXPECT_EQ(ErrorsOf("  forward_to: central:8000\n"),
            "config error: proxy.forward_to: must be an http:// or https:// URL\n");
}

TEST_F(ProxyConfigTest, ForwardTokenVariableMustBeSet) {
  EXPECT_EQ(ErrorsOf("  forward_token_env: CENTRAL_TOKEN\n"),
            "config error: proxy.forward_token_env: variable CENTRAL_TOKEN is not set\n");
}

TEST_F(ProxyConfigTest, ForwardTokenVariableMayBeAModelwatchVariable) {
  auto r = LoadConfig({std::nullopt,
                       {{"MODELWATCH_PROXY_FORWARD_TOKEN_ENV", "MODELWATCH_CENTRAL_TOKEN"},
                        {"MODELWATCH_CENTRAL_TOKEN", "secret-secret-secret"}},
                       {}});
  ASSERT_TRUE(r.config.has_value()) << ProxyErrors(r);
  EXPECT_EQ(r.config->proxy.forward_token, "secret-secret-secret");
}

TEST_F(ProxyConfigTest, VaryHeadersMustBeHeaderNames) {
  EXPECT_EQ(ErrorsOf("  cache:\n    vary_headers: [Authorization, \"x y\"]\n"),
            "config error: proxy.cache.vary_headers[1]: \"x y\" is not a header name (RFC 9110 "
            "token characters only)\n");
}

TEST_F(ProxyConfigTest, RequestIdHeaderMustBeAHeaderName) {
  EXPECT_EQ(ErrorsOf("  request_id_header: \"\"\n"),
            "config error: proxy.request_id_header: \"\" is not a header name (RFC 9110 token "
            "characters only)\n");
}

TEST_F(ProxyConfigTest, HealthPathMustBeAPath) {
  EXPECT_EQ(ErrorsOf("  health_path: health\n"),
            "config error: proxy.health_path: must be empty or a path starting with / (no "
            "spaces)\n");
}

TEST_F(ProxyConfigTest, UpstreamAcceptsIpv6AndATrailingSlash) {
  auto r = Load("proxy:\n  upstream: \"http://[::1]:8080/\"\n  listen: \"[::1]:9000\"\n");
  ASSERT_TRUE(r.config.has_value()) << ProxyErrors(r);
  EXPECT_EQ(r.config->proxy.listen_host, "::1");
}

TEST_F(ProxyConfigTest, RedisUrlMustBeRedisOrUnix) {
  EXPECT_EQ(ErrorsOf("  cache:\n    backend: redis\n    redis_url: http://r:6379\n"),
            "config error: proxy.cache.redis_url: must be redis://[user:pass@]host[:port][/db] or "
            "unix:///path\n");
}

TEST_F(ProxyConfigTest, CacheKeyMustBePointers) {
  EXPECT_EQ(ErrorsOf("  routes:\n    - {path: /a, cache: {key: [/features, id]}}\n"),
            "config error: proxy.routes[0].cache.key[1]: \"id\": a JSON pointer must be empty or "
            "start with \"/\"\n");
}

TEST_F(ProxyConfigTest, OutputIndexMustNotBeNegative) {
  EXPECT_EQ(ErrorsOf("  routes:\n    - {path: /a, capture: {model: m, output_index: -1}}\n"),
            "config error: proxy.routes[0].capture.output_index: must be an integer >= 0\n");
}

TEST_F(ProxyConfigTest, CaptureMustBeAMapping) {
  EXPECT_THAT(ErrorsOf("  routes:\n    - {path: /a, capture: yes}\n"),
              HasSubstr("config error: proxy.routes[0].capture: must be a mapping"));
}

}  // namespace
}  // namespace mw::config
