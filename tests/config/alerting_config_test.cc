// The alerting section: channels, routes, secrets from the environment, and the errors.
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

class AlertingConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "mw-alerting-config-XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { fs::remove_all(dir_); }

  ConfigLoadResult Load(const std::string& yaml, std::map<std::string, std::string> env = {}) {
    const fs::path path = dir_ / "modelwatch.yaml";
    std::ofstream(path) << yaml;
    ConfigSources sources;
    sources.file = path.string();
    sources.env = std::move(env);
    return LoadConfig(sources);
  }

  fs::path dir_;
};

std::string Errors(const ConfigLoadResult& r) { return FormatConfigErrors(r.errors); }

TEST_F(AlertingConfigTest, DefaultsAreNoChannelsAndNoRoutes) {
  auto r = LoadConfig({});
  ASSERT_TRUE(r.config.has_value()) << Errors(r);
  EXPECT_TRUE(r.config->alerting.channels.empty());
  EXPECT_TRUE(r.config->alerting.routes.empty());
  EXPECT_EQ(r.config->alerting.external_url, "");
  EXPECT_EQ(r.config->alerting.notification_max_age_seconds, 86400);
  const Config::AlertRoute route;
  EXPECT_EQ(route.group_by, std::vector<std::string>{"alertname"});
  EXPECT_EQ(route.repeat_interval_ms, 4 * 3600 * 1000);
}

TEST_F(AlertingConfigTest, ReadsEveryChannelTypeAndRoute) {
  auto r = Load(R"(
alerting:
  external_url: "http://modelwatch.example:8000"
  channels:
    - {name: slack, type: slack, url: "https://hooks.slack.com/services/T/B/X"}
    - {name: hook, type: webhook, url: "http://127.0.0.1:9/hook", timeout: 2s, send_resolved: false}
    - {name: am, type: alertmanager, url: "http://am:9093", resend_interval: 30s}
    - {name: pd, type: pagerduty, routing_key: "0123456789abcdef0123456789abcdef"}
    - name: mail
      type: email
      smtp_url: "smtps://smtp.example.com:465"
      from: "mw@example.com"
      to: [a@example.com, b@example.com]
      username: mw
      password_env: SMTP_SECRET
  routes:
    - severity: critical
      match: {team: ml}
      match_re: {model: "churn|risk"}
      channels: [pd, slack]
      group_by: [alertname, model]
      group_wait: 0s
      group_interval: 1m
      repeat_interval: 2h
      continue: true
    - channels: [mail]
)",
                {{"SMTP_SECRET", "hunter2"}});
  ASSERT_TRUE(r.config.has_value()) << Errors(r);
  const auto& a = r.config->alerting;
  EXPECT_EQ(a.external_url, "http://modelwatch.example:8000");
  ASSERT_EQ(a.channels.size(), 5u);
  EXPECT_EQ(a.channels[0].type, "slack");
  EXPECT_EQ(a.channels[0].url, "https://hooks.slack.com/services/T/B/X");
  EXPECT_EQ(a.channels[0].timeout_ms, 10000);
  EXPECT_EQ(a.channels[1].timeout_ms, 2000);
  EXPECT_FALSE(a.channels[1].send_resolved);
  EXPECT_EQ(a.channels[2].resend_interval_ms, 30000);
  EXPECT_EQ(a.channels[3].url, "https://events.pagerduty.com/v2/enqueue");  // the default
  EXPECT_EQ(a.channels[3].routing_key, "0123456789abcdef0123456789abcdef");
  EXPECT_EQ(a.channels[3].source, "modelwatch");
  EXPECT_EQ(a.channels[4].to, (std::vector<std::string>{"a@example.com", "b@example.com"}));
  EXPECT_EQ(a.channels[4].password, "hunter2");
  ASSERT_EQ(a.routes.size(), 2u);
  const auto& route = a.routes[0];
  EXPECT_EQ(route.severity, std::vector<std::string>{"critical"});
  EXPECT_EQ(route.match.at("team"), "ml");
  EXPECT_EQ(route.match_re.at("model"), "churn|risk");
  EXPECT_EQ(route.channels, (std::vector<std::string>{"pd", "slack"}));
  EXPECT_EQ(route.group_by, (std::vector<std::string>{"alertname", "model"}));
  EXPECT_EQ(route.group_wait_ms, 0);
  EXPECT_EQ(route.group_interval_ms, 60000);
  EXPECT_EQ(route.repeat_interval_ms, 7200000);
  EXPECT_TRUE(route.continue_matching);
  EXPECT_EQ(a.routes[1].group_wait_ms, 30000);  // defaults
  EXPECT_EQ(a.routes[1].group_interval_ms, 300000);
  EXPECT_FALSE(a.routes[1].continue_matching);
}

TEST_F(AlertingConfigTest, SecretsComeFromNamedVariablesWhichAreNotTypos) {
  // MODELWATCH_* variables that name no key are errors, unless a channel refers to them.
  auto r = Load(R"(
alerting:
  channels:
    - {name: slack, type: slack, url_env: MODELWATCH_SLACK_URL}
    - {name: pd, type: pagerduty, routing_key_env: MODELWATCH_PD_KEY}
)",
                {{"MODELWATCH_SLACK_URL", "https://hooks.slack.com/services/A"},
                 {"MODELWATCH_PD_KEY", "key-from-env"}});
  ASSERT_TRUE(r.config.has_value()) << Errors(r);
  EXPECT_EQ(r.config->alerting.channels[0].url, "https://hooks.slack.com/services/A");
  EXPECT_EQ(r.config->alerting.channels[1].routing_key, "key-from-env");

  auto missing = Load(R"(
alerting:
  channels: [{name: slack, type: slack, url_env: MODELWATCH_SLACK_URL}]
)");
  ASSERT_FALSE(missing.config.has_value());
  ASSERT_EQ(missing.errors.size(), 1u) << Errors(missing);
  EXPECT_EQ(missing.errors[0].key, "alerting.channels[0].url_env");
  EXPECT_THAT(missing.errors[0].reason, HasSubstr("MODELWATCH_SLACK_URL is not set"));
}

TEST_F(AlertingConfigTest, EnvironmentAndFlagsTakeTheListInFlowStyle) {
  ConfigSources s;
  s.env = {
      {"MODELWATCH_ALERTING_CHANNELS", "[{name: ops, type: webhook, url: 'http://127.0.0.1:1/x'}]"},
      {"MODELWATCH_ALERTING_ROUTES", "[{channels: [ops], severity: [warning, critical]}]"}};
  auto r = LoadConfig(s);
  ASSERT_TRUE(r.config.has_value()) << Errors(r);
  ASSERT_EQ(r.config->alerting.channels.size(), 1u);
  EXPECT_EQ(r.config->alerting.channels[0].url, "http://127.0.0.1:1/x");
  {  // a list from the environment may name its secrets' variables too
    ConfigSources e;
    e.env = {{"MODELWATCH_ALERTING_CHANNELS",
              "[{name: pd, type: pagerduty, routing_key_env: MODELWATCH_PD_KEY}]"},
             {"MODELWATCH_PD_KEY", "k"}};
    auto from_env = LoadConfig(e);
    ASSERT_TRUE(from_env.config.has_value()) << Errors(from_env);
    EXPECT_EQ(from_env.config->alerting.channels[0].routing_key, "k");
  }
  ASSERT_EQ(r.config->alerting.routes.size(), 1u);
  EXPECT_EQ(r.config->alerting.routes[0].severity,
            (std::vector<std::string>{"warning", "critical"}));

  // A flag replaces the whole list; "" empties it (and the routes then name a missing channel).
  s.flags = {{"alerting.channels", ""}};
  auto emptied = LoadConfig(s);
  ASSERT_FALSE(emptied.config.has_value());
  ASSERT_EQ(emptied.errors.size(), 1u) << Errors(emptied);
  EXPECT_EQ(emptied.errors[0].key, "alerting.routes[0].channels");
  EXPECT_THAT(emptied.errors[0].reason, HasSubstr("no channel is named \"ops\""));

  s.flags = {{"alerting.routes", "[{channels: [ops]"}};  // unterminated
  auto bad = LoadConfig(s);
  ASSERT_EQ(bad.errors.size(), 1u) << Errors(bad);
  EXPECT_EQ(bad.errors[0].key, "alerting.routes");
  EXPECT_THAT(bad.errors[0].reason, HasSubstr("not a YAML list"));
  EXPECT_THAT(bad.errors[0].reason, HasSubstr("(from the command line)"));
}

TEST_F(AlertingConfigTest, RejectsBadChannelsNamingTheKey) {
  struct Case {
    std::string channels, key, reason;
  };
  for (const Case& c : std::vector<Case>{
           {"[{name: x, type: teams, url: 'http://a'}]", "alerting.channels",
            "[0].type: must be one of slack, webhook"},
           {"[{name: x, type: slack, url: 'http://a', routing_key: k}]", "alerting.channels",
            "[0].routing_key: unknown key for a slack channel"},
           {"[{name: x, type: slack, url: 'ftp://a'}]", "alerting.channels[0].url",
            "must be an http:// or https:// URL"},
           {"[{name: x, type: slack}]", "alerting.channels[0].url",
            "must be an http:// or https:// URL"},
           {"[{type: webhook, url: 'http://a'}]", "alerting.channels[0].name", "must not be empty"},
           {"[{name: x, type: alertmanager, url: 'http://a', resend_interval: soon}]",
            "alerting.channels", "[0].resend_interval: must be a duration"},
           {"[{name: x, type: pagerduty}]", "alerting.channels[0].routing_key", "must be set"},
           {"[{name: x, type: webhook, url: 'http://a', timeout: 10m}]",
            "alerting.channels[0].timeout", "between 100ms and 5m"},
           {"[{name: x, type: email, smtp_url: 'http://a', from: a@b, to: [c@d]}]",
            "alerting.channels[0].smtp_url", "smtp:// or smtps://"},
           {"[{name: x, type: email, smtp_url: 'smtp://a', from: a@b}]", "alerting.channels[0].to",
            "at least one address"},
           {"[{name: x, type: email, smtp_url: 'smtp://a:25', from: a@b, to: c@d, username: u}]",
            "alerting.channels[0].starttls", "clear text"},
           {"[{name: x, type: webhook, url: 'http://a'}, {name: x, type: slack, url: 'http://b'}]",
            "alerting.channels[1].name", "duplicate name \"x\" (also alerting.channels[0])"},
           {"{name: x}", "alerting.channels", "must be a list"},
       }) {
    ConfigSources s;
    s.flags = {{"alerting.channels", c.channels}};
    auto r = LoadConfig(s);
    ASSERT_FALSE(r.config.has_value()) << c.channels;
    ASSERT_EQ(r.errors.size(), 1u) << c.channels << "\n" << Errors(r);
    EXPECT_EQ(r.errors[0].key, c.key) << c.channels;
    EXPECT_THAT(r.errors[0].reason, HasSubstr(c.reason)) << c.channels;
  }
}

TEST_F(AlertingConfigTest, RejectsBadRoutesNamingTheKey) {
  struct Case {
    std::string routes, key, reason;
  };
  for (const Case& c : std::vector<Case>{
           {"[{channels: [nope]}]", "alerting.routes[0].channels", "no channel is named \"nope\""},
           {"[{match: {model: a}}]", "alerting.routes[0].channels", "at least one channel"},
           {"[{channels: [ops], match_re: {model: '(unclosed'}}]", "alerting.routes",
            "[0].match_re.model: bad regular expression"},
           // libstdc++ reads a repetition count without an overflow check (UB), found by fuzzing.
           {"[{channels: [ops], match_re: {model: 'a{88888888888888888888}'}}]", "alerting.routes",
            "[0].match_re.model: regular expression repeats more than 1000 times"},
           {"[{channels: [ops], severity: [page]}]", "alerting.routes",
            "\"page\" is not info, warning or critical"},
           {"[{channels: [ops], group_by: ['bad-label']}]", "alerting.routes",
            "\"bad-label\" is not a label name"},
           {"[{channels: [ops], group_wait: 5 min}]", "alerting.routes",
            "[0].group_wait: must be a duration"},
           {"[{channels: [ops], group_interval: 10m, repeat_interval: 5m}]",
            "alerting.routes[0].repeat_interval", "not be shorter than group_interval"},
           {"[{channels: [ops], receiver: x}]", "alerting.routes", "[0].receiver: unknown key"},
       }) {
    ConfigSources s;
    s.flags = {{"alerting.channels", "[{name: ops, type: webhook, url: 'http://a'}]"},
               {"alerting.routes", c.routes}};
    auto r = LoadConfig(s);
    ASSERT_FALSE(r.config.has_value()) << c.routes;
    ASSERT_EQ(r.errors.size(), 1u) << c.routes << "\n" << Errors(r);
    EXPECT_EQ(r.errors[0].key, c.key) << c.routes;
    EXPECT_THAT(r.errors[0].reason, HasSubstr(c.reason)) << c.routes;
  }
}

TEST_F(AlertingConfigTest, ExternalUrlAndMaxAgeAreChecked) {
  ConfigSources s;
  s.flags = {{"alerting.external_url", "modelwatch:8000"}};
  auto r = LoadConfig(s);
  ASSERT_EQ(r.errors.size(), 1u) << Errors(r);
  EXPECT_EQ(r.errors[0].key, "alerting.external_url");
  s.flags = {{"alerting.notification_max_age_seconds", "10"}};
  r = LoadConfig(s);
  ASSERT_EQ(r.errors.size(), 1u) << Errors(r);
  EXPECT_EQ(r.errors[0].key, "alerting.notification_max_age_seconds");
}

TEST_F(AlertingConfigTest, RuleEngineKeysHaveDefaultsAndAreChecked) {
  auto r = LoadConfig({});
  ASSERT_TRUE(r.config.has_value()) << Errors(r);
  EXPECT_TRUE(r.config->alerting.enabled);
  EXPECT_EQ(r.config->alerting.rules_file, "");
  EXPECT_EQ(r.config->alerting.evaluation_interval_seconds, 30);
  EXPECT_EQ(r.config->alerting.history_retention_days, 30);

  r = Load("alerting:\n  enabled: false\n  rules_file: /etc/mw/rules.yml\n",
           {{"MODELWATCH_ALERTING_EVALUATION_INTERVAL_SECONDS", "5"}});
  ASSERT_TRUE(r.config.has_value()) << Errors(r);
  EXPECT_FALSE(r.config->alerting.enabled);
  EXPECT_EQ(r.config->alerting.rules_file, "/etc/mw/rules.yml");
  EXPECT_EQ(r.config->alerting.evaluation_interval_seconds, 5);

  ConfigSources s;
  s.flags = {{"alerting.evaluation_interval_seconds", "0"}};
  r = LoadConfig(s);
  ASSERT_EQ(r.errors.size(), 1u) << Errors(r);
  EXPECT_EQ(r.errors[0].key, "alerting.evaluation_interval_seconds");
  s.flags = {{"alerting.enabled", "sometimes"}};
  r = LoadConfig(s);
  ASSERT_EQ(r.errors.size(), 1u) << Errors(r);
  EXPECT_EQ(r.errors[0].key, "alerting.enabled");
  s.flags = {{"alerting.history_retention_days", "0"}};
  r = LoadConfig(s);
  ASSERT_EQ(r.errors.size(), 1u) << Errors(r);
  EXPECT_EQ(r.errors[0].key, "alerting.history_retention_days");
}

}  // namespace
}  // namespace mw::config
