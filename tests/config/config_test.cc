#include "config/config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace mw::config {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

const std::string kTokenA = "aaaaaaaaaaaaaaaaaaaa";  // 20 chars
const std::string kTokenB = "bbbbbbbbbbbbbbbbbbbb";

class ConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "mw-config-XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Writes `yaml` to a file and returns sources pointing at it.
  ConfigSources File(const std::string& yaml) {
    const fs::path path = dir_ / "modelwatch.yaml";
    std::ofstream(path) << yaml;
    ConfigSources sources;
    sources.file = path.string();
    return sources;
  }

  fs::path dir_;
};

// The one error of a failed load (fails the test if there is not exactly one).
ConfigError OnlyError(const ConfigLoadResult& r) {
  EXPECT_FALSE(r.config.has_value());
  EXPECT_EQ(r.errors.size(), 1u) << FormatConfigErrors(r.errors);
  return r.errors.empty() ? ConfigError{} : r.errors.front();
}

Config Loaded(const ConfigLoadResult& r) {
  EXPECT_TRUE(r.errors.empty()) << FormatConfigErrors(r.errors);
  return r.config.value_or(Config{});
}

ConfigLoadResult FromEnv(std::map<std::string, std::string> env) {
  ConfigSources s;
  s.env = std::move(env);
  return LoadConfig(s);
}

ConfigLoadResult FromFlags(std::map<std::string, std::string> flags) {
  ConfigSources s;
  s.flags = std::move(flags);
  return LoadConfig(s);
}

// --- sources and precedence -------------------------------------------------------------------

TEST_F(ConfigTest, NoSourcesGiveDefaults) {
  Config c = Loaded(LoadConfig({}));
  EXPECT_EQ(c.server.host, "127.0.0.1");
  EXPECT_EQ(c.server.port, 8000);
  EXPECT_EQ(c.storage.backend, "sqlite");
  EXPECT_EQ(c.metrics.prefix, "ml");
  EXPECT_EQ(c.logging.level, "info");
  EXPECT_TRUE(c.auth.tokens.empty());
}

TEST_F(ConfigTest, FileValuesReplaceDefaults) {
  Config c = Loaded(LoadConfig(File(R"(
server: {host: 0.0.0.0, port: 9100, threads: 3}
storage: {data_dir: /var/lib/mw, sqlite_synchronous: normal, read_connections: 8,
          sqlite_preallocate_wal: false, min_free_bytes: 1048576}
metrics: {prefix: iit, segment_label: restaurant_id, max_segments: 50}
ingest: {max_future_seconds: 0}
logging: {level: debug, stdout: false, app_retention_days: 7}
redis: {url: "redis://localhost:6379/0"}
)")));
  EXPECT_EQ(c.server.host, "0.0.0.0");
  EXPECT_EQ(c.server.port, 9100);
  EXPECT_EQ(c.server.threads, 3);
  EXPECT_EQ(c.storage.data_dir, "/var/lib/mw");
  EXPECT_EQ(c.storage.sqlite_synchronous, "normal");
  EXPECT_FALSE(c.storage.sqlite_preallocate_wal);
  EXPECT_EQ(c.storage.min_free_bytes, 1048576);
  EXPECT_EQ(c.storage.read_connections, 8);
  EXPECT_EQ(c.metrics.prefix, "iit");
  EXPECT_EQ(c.metrics.segment_label, "restaurant_id");
  EXPECT_EQ(c.metrics.max_segments, 50);
  EXPECT_EQ(c.ingest.max_future_seconds, 0);
  EXPECT_EQ(c.logging.level, "debug");
  EXPECT_FALSE(c.logging.stdout_enabled);
  EXPECT_EQ(c.logging.app_retention_days, 7);
  EXPECT_EQ(c.redis.url, "redis://localhost:6379/0");
}

TEST_F(ConfigTest, EmptyFileGivesDefaults) {
  EXPECT_EQ(Loaded(LoadConfig(File(""))).server.port, 8000);
}

TEST_F(ConfigTest, NullSectionIsIgnored) {
  EXPECT_EQ(Loaded(LoadConfig(File("server:\n"))).server.port, 8000);
}

TEST_F(ConfigTest, EnvOverridesFile) {
  ConfigSources s = File("metrics: {prefix: fromfile}\nstorage: {data_dir: /file}\n");
  s.env = {{"MODELWATCH_METRICS_PREFIX", "fromenv"},
           {"MODELWATCH_LOGGING_APP_RETENTION_DAYS", "12"}};
  Config c = Loaded(LoadConfig(s));
  EXPECT_EQ(c.metrics.prefix, "fromenv");
  EXPECT_EQ(c.storage.data_dir, "/file");
  EXPECT_EQ(c.logging.app_retention_days, 12);
}

TEST_F(ConfigTest, FlagsOverrideEnv) {
  ConfigSources s = File("storage: {data_dir: /file}\n");
  s.env = {{"MODELWATCH_STORAGE_DATA_DIR", "/env"}};
  s.flags = {{"storage.data_dir", "/flag"}};
  EXPECT_EQ(Loaded(LoadConfig(s)).storage.data_dir, "/flag");
}

TEST_F(ConfigTest, EnvBooleanIsParsed) {
  EXPECT_FALSE(Loaded(FromEnv({{"MODELWATCH_LOGGING_ACCESS_LOG", "false"}})).logging.access_log);
}

TEST_F(ConfigTest, EnvVarNameUpperCasesAndReplacesDots) {
  EXPECT_EQ(EnvVarName("storage.data_dir"), "MODELWATCH_STORAGE_DATA_DIR");
  EXPECT_EQ(EnvVarName("server.listen"), "MODELWATCH_SERVER_LISTEN");
}

TEST_F(ConfigTest, ProcessEnvironmentReadsVariables) {
  ASSERT_EQ(setenv("MODELWATCH_TEST_PROCESS_ENV", "on", 1), 0);
  auto env = ProcessEnvironment();
  unsetenv("MODELWATCH_TEST_PROCESS_ENV");
  EXPECT_EQ(env["MODELWATCH_TEST_PROCESS_ENV"], "on");
}

// --- server.listen ----------------------------------------------------------------------------

TEST_F(ConfigTest, ListenSetsHostAndPort) {
  Config c = Loaded(FromFlags({{"server.listen", "10.0.0.5:9000"}}));
  EXPECT_EQ(c.server.host, "10.0.0.5");
  EXPECT_EQ(c.server.port, 9000);
}

TEST_F(ConfigTest, ListenAcceptsBracketedIpv6) {
  Config c = Loaded(FromFlags({{"server.listen", "[::1]:8001"}}));
  EXPECT_EQ(c.server.host, "::1");
  EXPECT_EQ(c.server.port, 8001);
}

TEST_F(ConfigTest, ListenWithoutHostMeansAllInterfaces) {
  Config c = Loaded(FromEnv({{"MODELWATCH_SERVER_LISTEN", ":8002"}}));
  EXPECT_EQ(c.server.host, "0.0.0.0");
  EXPECT_EQ(c.server.port, 8002);
}

TEST_F(ConfigTest, ListenPortZeroIsAllowed) {
  EXPECT_EQ(Loaded(FromFlags({{"server.listen", "127.0.0.1:0"}})).server.port, 0);
}

TEST_F(ConfigTest, ListenFromEnvOverridesFilePort) {
  ConfigSources s = File("server: {host: 1.2.3.4, port: 7000}\n");
  s.env = {{"MODELWATCH_SERVER_LISTEN", "5.6.7.8:7001"}};
  Config c = Loaded(LoadConfig(s));
  EXPECT_EQ(c.server.host, "5.6.7.8");
  EXPECT_EQ(c.server.port, 7001);
}

TEST_F(ConfigTest, ListenWithoutPortIsAnError) {
  ConfigError e = OnlyError(FromFlags({{"server.listen", "localhost"}}));
  EXPECT_EQ(e.key, "server.listen");
  EXPECT_THAT(e.reason, HasSubstr("HOST:PORT"));
}

TEST_F(ConfigTest, ListenWithUnbracketedIpv6IsAnError) {
  EXPECT_EQ(OnlyError(FromFlags({{"server.listen", "::1:8000"}})).key, "server.listen");
}

TEST_F(ConfigTest, ListenWithPortOutOfRangeIsAnError) {
  EXPECT_EQ(OnlyError(FromFlags({{"server.listen", "h:65536"}})).key, "server.listen");
}

TEST_F(ConfigTest, ListenAndPortInSameSourceConflict) {
  ConfigError e = OnlyError(LoadConfig(File("server: {listen: 'a:1', port: 2}\n")));
  EXPECT_EQ(e.key, "server.port");
  EXPECT_THAT(e.reason, HasSubstr("conflicts with server.listen"));
}

// --- structure and types ----------------------------------------------------------------------

TEST_F(ConfigTest, UnknownNestedKeyIsNamed) {
  ConfigError e = OnlyError(LoadConfig(File("server:\n  prot: 8000\n")));
  EXPECT_EQ(e.key, "server.prot");
  EXPECT_EQ(e.reason, "unknown key");
}

TEST_F(ConfigTest, UnknownSectionIsNamed) {
  EXPECT_EQ(OnlyError(LoadConfig(File("sever:\n  port: 8000\n"))).key, "sever");
}

// Found by tests/fuzz/config_yaml_fuzz.cc: the error named the empty key, printing as
// "config error: : unknown key".
TEST_F(ConfigTest, EmptySectionNameIsReportedUnderConfig) {
  ConfigError e = OnlyError(LoadConfig(File("\"\": 1\n")));
  EXPECT_EQ(e.key, "config");
  EXPECT_THAT(e.reason, HasSubstr("modelwatch.yaml: a top-level key is empty"));
}

TEST_F(ConfigTest, SectionThatIsNotAMappingIsAnError) {
  ConfigError e = OnlyError(LoadConfig(File("server: 8000\n")));
  EXPECT_EQ(e.key, "server");
  EXPECT_EQ(e.reason, "must be a mapping");
}

TEST_F(ConfigTest, NonIntegerPortIsAnError) {
  ConfigError e = OnlyError(LoadConfig(File("server: {port: eighty}\n")));
  EXPECT_EQ(e.key, "server.port");
  EXPECT_EQ(e.reason, "must be an integer between 0 and 65535");
}

TEST_F(ConfigTest, ListWhereIntegerExpectedIsAnError) {
  EXPECT_EQ(OnlyError(LoadConfig(File("server: {port: [1, 2]}\n"))).key, "server.port");
}

TEST_F(ConfigTest, FractionalIntegerIsAnError) {
  EXPECT_EQ(OnlyError(LoadConfig(File("server: {threads: 1.5}\n"))).key, "server.threads");
}

TEST_F(ConfigTest, LeadingZeroIntegerIsDecimal) {
  EXPECT_EQ(Loaded(FromEnv({{"MODELWATCH_SERVER_PORT", "08080"}})).server.port, 8080);
}

TEST_F(ConfigTest, NonBooleanIsAnError) {
  ConfigError e = OnlyError(LoadConfig(File("logging: {stdout: maybe}\n")));
  EXPECT_EQ(e.key, "logging.stdout");
  EXPECT_THAT(e.reason, HasSubstr("boolean"));
}

TEST_F(ConfigTest, MappingWhereStringExpectedIsAnError) {
  ConfigError e = OnlyError(LoadConfig(File("storage: {data_dir: {a: 1}}\n")));
  EXPECT_EQ(e.key, "storage.data_dir");
  EXPECT_EQ(e.reason, "must be a string");
}

TEST_F(ConfigTest, NullLogDirMeansDefault) {
  EXPECT_EQ(Loaded(LoadConfig(File("logging: {dir: }\n"))).logging.dir, "");
}

TEST_F(ConfigTest, EnvErrorNamesTheVariable) {
  ConfigError e = OnlyError(FromEnv({{"MODELWATCH_SERVER_PORT", "x"}}));
  EXPECT_EQ(e.key, "server.port");
  EXPECT_THAT(e.reason, HasSubstr("MODELWATCH_SERVER_PORT"));
}

TEST_F(ConfigTest, AllErrorsAreCollected) {
  auto r = LoadConfig(File("server: {prot: 1, threads: -1}\nmetrics: {prefix: 'a-b'}\n"));
  EXPECT_FALSE(r.config.has_value());
  ASSERT_EQ(r.errors.size(), 3u) << FormatConfigErrors(r.errors);
  EXPECT_EQ(r.errors[0].key, "server.prot");
  EXPECT_EQ(r.errors[1].key, "server.threads");
  EXPECT_EQ(r.errors[2].key, "metrics.prefix");
}

TEST_F(ConfigTest, FormatConfigErrorsWritesOneLinePerError) {
  EXPECT_EQ(FormatConfigErrors({{"server.port", "bad"}, {"a", "b"}}),
            "config error: server.port: bad\nconfig error: a: b\n");
}

// --- files --------------------------------------------------------------------------------------

TEST_F(ConfigTest, YamlSyntaxErrorReportsFileLineAndColumn) {
  ConfigSources s = File("server:\n  port: 8000\n  - x\n");
  ConfigError e = OnlyError(LoadConfig(s));
  EXPECT_EQ(e.key, "config");
  EXPECT_THAT(e.reason, HasSubstr(*s.file + ":3:3: "));
}

TEST_F(ConfigTest, UnreadableFileIsAnError) {
  ConfigSources s;
  s.file = (dir_ / "missing.yaml").string();
  ConfigError e = OnlyError(LoadConfig(s));
  EXPECT_EQ(e.key, "config");
  EXPECT_THAT(e.reason, HasSubstr("missing.yaml"));
}

TEST_F(ConfigTest, TopLevelListIsAnError) {
  EXPECT_EQ(OnlyError(LoadConfig(File("- a\n- b\n"))).key, "config");
}

// --- ranges and enums -------------------------------------------------------------------------

struct BadValue {
  std::string key;
  std::string value;
  std::string reason_part;
};

class ConfigBadValueTest : public ::testing::TestWithParam<BadValue> {};

TEST_P(ConfigBadValueTest, IsRejectedUnderItsKey) {
  ConfigError e = OnlyError(FromFlags({{GetParam().key, GetParam().value}}));
  EXPECT_EQ(e.key, GetParam().key);
  EXPECT_THAT(e.reason, HasSubstr(GetParam().reason_part));
}

INSTANTIATE_TEST_SUITE_P(
    Ranges, ConfigBadValueTest,
    ::testing::Values(
        BadValue{"server.port", "65536", "between 0 and 65535"},
        BadValue{"server.port", "-1", "between 0 and 65535"},
        BadValue{"server.threads", "-1", "between 0 and 1024"},
        BadValue{"server.max_body_bytes", "1023", "between 1024 and 1073741824"},
        BadValue{"server.max_body_bytes", "1073741825", "between 1024 and 1073741824"},
        BadValue{"server.request_timeout_seconds", "0", "between 1"},
        BadValue{"storage.read_connections", "0", "between 1 and 64"},
        BadValue{"storage.read_connections", "65", "between 1 and 64"},
        BadValue{"storage.max_rows_per_commit", "0", ">= 1"},
        BadValue{"storage.max_queue_requests", "0", ">= 1"},
        BadValue{"storage.min_free_bytes", "-1", ">= 0"},
        BadValue{"metrics.max_segments", "0", ">= 1"},
        BadValue{"ingest.max_future_seconds", "-5", "between 0 and 315360000"},
        BadValue{"ingest.max_future_seconds", "9223372036854775807", "between 0 and 315360000"},
        BadValue{"ingest.max_events_per_request", "0", ">= 1"},
        BadValue{"server.max_connections", "0", "between 1 and 1000000"},
        BadValue{"server.max_connections", "1000001", "between 1 and 1000000"},
        BadValue{"ingest.max_models", "0", "between 1 and 10000000"},
        BadValue{"ingest.max_models", "10000001", "between 1 and 10000000"},
        BadValue{"ingest.require_registered_models", "maybe", "true or false"},
        BadValue{"logging.max_file_bytes", "100", ">= 1024"},
        BadValue{"logging.app_retention_days", "0", ">= 1"},
        BadValue{"logging.audit_retention_days", "0", ">= 1"},
        BadValue{"server.port", "99999999999999999999", "between 0 and 65535"}));

INSTANTIATE_TEST_SUITE_P(
    Enums, ConfigBadValueTest,
    ::testing::Values(BadValue{"storage.sqlite_synchronous", "off", "full, normal"},
                      BadValue{"storage.backend", "postgres", "not supported yet"},
                      BadValue{"storage.backend", "mysql", "must be sqlite"},
                      BadValue{"logging.level", "verbose", "trace, debug, info, warn, error"},
                      BadValue{"storage.data_dir", "", "must not be empty"},
                      BadValue{"server.host", "", "must not be empty"},
                      BadValue{"server.host", "a b", "whitespace"},
                      BadValue{"redis.url", "localhost:6379", "redis://"}));

INSTANTIATE_TEST_SUITE_P(
    MetricNames, ConfigBadValueTest,
    ::testing::Values(BadValue{"metrics.prefix", "9ml", "[a-zA-Z_]"},
                      BadValue{"metrics.prefix", "ml-api", "[a-zA-Z_]"},
                      BadValue{"metrics.prefix", "", "[a-zA-Z_]"},
                      BadValue{"metrics.prefix", "ml_", "must not end with '_'"},
                      BadValue{"metrics.prefix", "modelwatch", "reserved for modelwatch's own"},
                      BadValue{"metrics.segment_label", "restaurant-id", "label name"},
                      BadValue{"metrics.segment_label", "le", "reserved"},
                      BadValue{"metrics.segment_label", "quantile", "reserved"},
                      BadValue{"metrics.segment_label", "method", "reserved"},
                      BadValue{"metrics.segment_label", "endpoint", "reserved"},
                      BadValue{"metrics.segment_label", "status", "reserved"},
                      BadValue{"metrics.segment_label", "model_type", "reserved"},
                      BadValue{"metrics.segment_label", "__name__", "reserved"}));

TEST_F(ConfigTest, ValidPrefixAndLabelAreAccepted) {
  Config c = Loaded(FromFlags({{"metrics.prefix", "iit"}, {"metrics.segment_label", "store_1"}}));
  EXPECT_EQ(c.metrics.prefix, "iit");
  EXPECT_EQ(c.metrics.segment_label, "store_1");
}

// --- auth.tokens --------------------------------------------------------------------------------

TEST_F(ConfigTest, FileTokensAreLoaded) {
  Config c = Loaded(LoadConfig(File("auth:\n  tokens:\n    - {name: svc, token: " + kTokenA +
                                    ", roles: [ingest, read]}\n")));
  ASSERT_EQ(c.auth.tokens.size(), 1u);
  EXPECT_EQ(c.auth.tokens[0].name, "svc");
  EXPECT_EQ(c.auth.tokens[0].token, kTokenA);
  EXPECT_EQ(c.auth.tokens[0].roles, (std::vector<Role>{Role::kIngest, Role::kRead}));
}

TEST_F(ConfigTest, TokenEnvIsResolvedFromTheEnvironment) {
  ConfigSources s =
      File("auth:\n  tokens:\n    - {name: svc, token_env: SVC_TOKEN, roles: admin}\n");
  s.env = {{"SVC_TOKEN", kTokenB}};
  Config c = Loaded(LoadConfig(s));
  ASSERT_EQ(c.auth.tokens.size(), 1u);
  EXPECT_EQ(c.auth.tokens[0].token, kTokenB);
  EXPECT_EQ(c.auth.tokens[0].roles, std::vector<Role>{Role::kAdmin});
}

TEST_F(ConfigTest, TokenEnvMayNameAModelwatchVariable) {
  ConfigSources s =
      File("auth:\n  tokens:\n    - {name: svc, token_env: MODELWATCH_SVC_TOKEN, roles: [read]}\n");
  s.env = {{"MODELWATCH_SVC_TOKEN", kTokenB}};
  EXPECT_EQ(Loaded(LoadConfig(s)).auth.tokens.size(), 1u);
}

TEST_F(ConfigTest, MissingTokenEnvVariableIsAnError) {
  ConfigError e = OnlyError(LoadConfig(
      File("auth:\n  tokens:\n    - {name: svc, token_env: SVC_TOKEN, roles: [read]}\n")));
  EXPECT_EQ(e.key, "auth.tokens[0].token_env");
  EXPECT_THAT(e.reason, HasSubstr("SVC_TOKEN is not set"));
}

TEST_F(ConfigTest, ShortTokenIsAnErrorThatHidesTheSecret) {
  ConfigError e = OnlyError(LoadConfig(
      File("auth:\n  tokens:\n    - {name: svc, token: short-secret, roles: [read]}\n")));
  EXPECT_EQ(e.key, "auth.tokens[0].token");
  EXPECT_THAT(e.reason, HasSubstr("at least 16"));
  EXPECT_THAT(e.reason, ::testing::Not(HasSubstr("short-secret")));
}

TEST_F(ConfigTest, TokenWithSpaceIsAnError) {
  ConfigError e = OnlyError(LoadConfig(
      File("auth:\n  tokens:\n    - {name: svc, token: 'aaaaaaaa bbbbbbbbbb', roles: [read]}\n")));
  EXPECT_EQ(e.key, "auth.tokens[0].token");
}

TEST_F(ConfigTest, DuplicateTokenIsAnError) {
  ConfigError e = OnlyError(LoadConfig(File("auth:\n  tokens:\n    - {name: a, token: " + kTokenA +
                                            ", roles: [read]}\n    - {name: b, token: " + kTokenA +
                                            ", roles: [read]}\n")));
  EXPECT_EQ(e.key, "auth.tokens[1].token");
  EXPECT_THAT(e.reason, HasSubstr("auth.tokens[0]"));
}

TEST_F(ConfigTest, DuplicateNameIsAnError) {
  ConfigError e = OnlyError(LoadConfig(File("auth:\n  tokens:\n    - {name: a, token: " + kTokenA +
                                            ", roles: [read]}\n    - {name: a, token: " + kTokenB +
                                            ", roles: [read]}\n")));
  EXPECT_EQ(e.key, "auth.tokens[1].name");
}

TEST_F(ConfigTest, EmptyTokenNameIsAnError) {
  EXPECT_EQ(OnlyError(LoadConfig(File("auth:\n  tokens:\n    - {token: " + kTokenA +
                                      ", roles: [read]}\n")))
                .key,
            "auth.tokens[0].name");
}

TEST_F(ConfigTest, TokenAndTokenEnvTogetherIsAnError) {
  ConfigSources s = File("auth:\n  tokens:\n    - {name: a, token: " + kTokenA +
                         ", token_env: X, roles: [read]}\n");
  s.env = {{"X", kTokenB}};
  EXPECT_EQ(OnlyError(LoadConfig(s)).key, "auth.tokens[0]");
}

TEST_F(ConfigTest, UnknownRoleIsAnError) {
  ConfigError e = OnlyError(LoadConfig(
      File("auth:\n  tokens:\n    - {name: a, token: " + kTokenA + ", roles: [read, write]}\n")));
  EXPECT_EQ(e.key, "auth.tokens[0].roles[1]");
  EXPECT_THAT(e.reason, HasSubstr("write"));
}

TEST_F(ConfigTest, MissingRolesIsAnError) {
  EXPECT_EQ(
      OnlyError(LoadConfig(File("auth:\n  tokens:\n    - {name: a, token: " + kTokenA + "}\n")))
          .key,
      "auth.tokens[0].roles");
}

TEST_F(ConfigTest, UnknownKeyInTokenIsAnError) {
  EXPECT_EQ(OnlyError(LoadConfig(File("auth:\n  tokens:\n    - {name: a, token: " + kTokenA +
                                      ", roles: [read], rol: x}\n")))
                .key,
            "auth.tokens[0].rol");
}

TEST_F(ConfigTest, TokensThatAreNotAListIsAnError) {
  EXPECT_EQ(OnlyError(LoadConfig(File("auth: {tokens: abc}\n"))).key, "auth.tokens");
}

TEST_F(ConfigTest, CompactTokensFromEnvironment) {
  Config c = Loaded(FromEnv(
      {{"MODELWATCH_AUTH_TOKENS", "svc:" + kTokenA + ":ingest+read, ops:" + kTokenB + ":admin"}}));
  ASSERT_EQ(c.auth.tokens.size(), 2u);
  EXPECT_EQ(c.auth.tokens[0].name, "svc");
  EXPECT_EQ(c.auth.tokens[0].token, kTokenA);
  EXPECT_EQ(c.auth.tokens[0].roles, (std::vector<Role>{Role::kIngest, Role::kRead}));
  EXPECT_EQ(c.auth.tokens[1].name, "ops");
  EXPECT_EQ(c.auth.tokens[1].roles, std::vector<Role>{Role::kAdmin});
}

TEST_F(ConfigTest, CompactTokenMayContainColons) {
  Config c = Loaded(FromEnv({{"MODELWATCH_AUTH_TOKENS", "svc:abc:defghijklmnopqrs:read"}}));
  ASSERT_EQ(c.auth.tokens.size(), 1u);
  EXPECT_EQ(c.auth.tokens[0].token, "abc:defghijklmnopqrs");
}

TEST_F(ConfigTest, EnvTokensReplaceFileTokens) {
  ConfigSources s =
      File("auth:\n  tokens:\n    - {name: file, token: " + kTokenA + ", roles: [read]}\n");
  s.env = {{"MODELWATCH_AUTH_TOKENS", "env:" + kTokenB + ":admin"}};
  Config c = Loaded(LoadConfig(s));
  ASSERT_EQ(c.auth.tokens.size(), 1u);
  EXPECT_EQ(c.auth.tokens[0].name, "env");
}

TEST_F(ConfigTest, EmptyEnvTokensDisableAuth) {
  ConfigSources s =
      File("auth:\n  tokens:\n    - {name: file, token: " + kTokenA + ", roles: [read]}\n");
  s.env = {{"MODELWATCH_AUTH_TOKENS", ""}};
  EXPECT_TRUE(Loaded(LoadConfig(s)).auth.tokens.empty());
}

TEST_F(ConfigTest, MalformedCompactTokenIsAnError) {
  ConfigError e = OnlyError(FromEnv({{"MODELWATCH_AUTH_TOKENS", "svc-" + kTokenA}}));
  EXPECT_EQ(e.key, "auth.tokens[0]");
  EXPECT_THAT(e.reason, HasSubstr("MODELWATCH_AUTH_TOKENS"));
  EXPECT_THAT(e.reason, ::testing::Not(HasSubstr(kTokenA)));
}

TEST_F(ConfigTest, CompactTokenWithBadRoleIsAnError) {
  EXPECT_EQ(OnlyError(FromEnv({{"MODELWATCH_AUTH_TOKENS", "svc:" + kTokenA + ":read+root"}})).key,
            "auth.tokens[0].roles[1]");
}

TEST_F(ConfigTest, CompactTokensFromFlag) {
  EXPECT_EQ(Loaded(FromFlags({{"auth.tokens", "svc:" + kTokenA + ":read"}})).auth.tokens.size(),
            1u);
}

// --- unknown variables and flags -------------------------------------------------------------

TEST_F(ConfigTest, UnknownModelwatchVariableIsAnError) {
  ConfigError e = OnlyError(FromEnv({{"MODELWATCH_SERVER_PROT", "8000"}}));
  EXPECT_EQ(e.key, "MODELWATCH_SERVER_PROT");
  EXPECT_THAT(e.reason, HasSubstr("unknown environment variable"));
}

TEST_F(ConfigTest, ConfigPathVariableIsAllowed) {
  EXPECT_TRUE(FromEnv({{"MODELWATCH_CONFIG", "/etc/mw.yaml"}}).errors.empty());
}

TEST_F(ConfigTest, OtherVariablesAreIgnored) {
  EXPECT_TRUE(FromEnv({{"HOME", "/root"}, {"SERVER_PORT", "x"}}).errors.empty());
}

TEST_F(ConfigTest, UnknownFlagIsAnError) {
  EXPECT_EQ(OnlyError(FromFlags({{"server.prot", "1"}})).key, "server.prot");
}

// --- helpers and the example file ---------------------------------------------------------

TEST_F(ConfigTest, LogDirDefaultsUnderDataDir) {
  Config c;
  c.storage.data_dir = "/var/mw";
  EXPECT_EQ(c.LogDir(), "/var/mw/logs");
}

TEST_F(ConfigTest, LogDirUsesExplicitDir) {
  Config c;
  c.logging.dir = "/var/log/mw";
  EXPECT_EQ(c.LogDir(), "/var/log/mw");
}

TEST_F(ConfigTest, LogDirIsEmptyForStdoutOnly) {
  Config c;
  c.logging.dir = "-";
  EXPECT_EQ(c.LogDir(), "");
}

TEST_F(ConfigTest, RoleNamesRoundTrip) {
  for (Role r : {Role::kIngest, Role::kRead, Role::kAdmin}) EXPECT_EQ(ParseRole(RoleName(r)), r);
  EXPECT_FALSE(ParseRole("Admin").has_value());
}

fs::path ExampleFile() {
  return fs::path(__FILE__).parent_path().parent_path().parent_path() / "config" /
         "modelwatch.example.yaml";
}

TEST_F(ConfigTest, ExampleFileValidatesToTheDefaults) {
  ConfigSources s;
  s.file = ExampleFile().string();
  Config c = Loaded(LoadConfig(s));
  const Config d;
  EXPECT_EQ(c.server.host, d.server.host);
  EXPECT_EQ(c.server.port, d.server.port);
  EXPECT_EQ(c.server.threads, d.server.threads);
  EXPECT_EQ(c.server.max_body_bytes, d.server.max_body_bytes);
  EXPECT_EQ(c.server.request_timeout_seconds, d.server.request_timeout_seconds);
  EXPECT_EQ(c.server.max_connections, d.server.max_connections);
  EXPECT_EQ(c.storage.backend, d.storage.backend);
  EXPECT_EQ(c.storage.data_dir, d.storage.data_dir);
  EXPECT_EQ(c.storage.sqlite_synchronous, d.storage.sqlite_synchronous);
  EXPECT_EQ(c.storage.sqlite_preallocate_wal, d.storage.sqlite_preallocate_wal);
  EXPECT_EQ(c.storage.min_free_bytes, d.storage.min_free_bytes);
  EXPECT_EQ(c.storage.read_connections, d.storage.read_connections);
  EXPECT_EQ(c.storage.max_rows_per_commit, d.storage.max_rows_per_commit);
  EXPECT_EQ(c.storage.max_queue_requests, d.storage.max_queue_requests);
  EXPECT_EQ(c.metrics.prefix, d.metrics.prefix);
  EXPECT_EQ(c.metrics.segment_label, d.metrics.segment_label);
  EXPECT_EQ(c.metrics.max_segments, d.metrics.max_segments);
  EXPECT_EQ(c.ingest.max_future_seconds, d.ingest.max_future_seconds);
  EXPECT_EQ(c.ingest.max_events_per_request, d.ingest.max_events_per_request);
  EXPECT_EQ(c.ingest.max_models, d.ingest.max_models);
  EXPECT_EQ(c.ingest.require_registered_models, d.ingest.require_registered_models);
  EXPECT_EQ(c.logging.level, d.logging.level);
  EXPECT_EQ(c.logging.dir, d.logging.dir);
  EXPECT_EQ(c.logging.stdout_enabled, d.logging.stdout_enabled);
  EXPECT_EQ(c.logging.access_log, d.logging.access_log);
  EXPECT_EQ(c.logging.max_file_bytes, d.logging.max_file_bytes);
  EXPECT_EQ(c.logging.app_retention_days, d.logging.app_retention_days);
  EXPECT_EQ(c.logging.audit_retention_days, d.logging.audit_retention_days);
  EXPECT_TRUE(c.auth.tokens.empty());
  EXPECT_EQ(c.redis.url, d.redis.url);
}

TEST_F(ConfigTest, ExampleFileMentionsEveryKey) {
  std::ifstream in(ExampleFile());
  std::stringstream text;
  text << in.rdbuf();
  for (const auto& key : ConfigKeyNames()) {
    const std::string leaf = key.substr(key.rfind('.') + 1);
    EXPECT_THAT(text.str(), HasSubstr(leaf + ":")) << key;
  }
}

}  // namespace
}  // namespace mw::config
