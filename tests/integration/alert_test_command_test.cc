// `modelwatch alert test` against loopback receivers: every channel type gets the marked test
// alert, failures are reported per channel, and the exit code says whether all were accepted.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "alerting/notify_test_listener.h"
#include "integration/harness.h"

namespace mw::testing {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

constexpr const char* kRoutingKey = "0123456789abcdef0123456789abcdef";

class AlertTestCommandTest : public ::testing::Test {
 protected:
  // Writes a configuration with one channel of every type, all pointing at the loopback servers.
  std::string WriteConfig(const std::string& hook_path = "/hook") {
    const std::string path = (dir_.path() / "modelwatch.yaml").string();
    std::ofstream(path) << "storage:\n  data_dir: \"" << dir_.path().string() << "\"\n"
                        << "alerting:\n"
                        << "  external_url: \"http://modelwatch.test:8000\"\n"
                        << "  channels:\n"
                        << "    - {name: team-slack, type: slack, url: \""
                        << http_.url("/services/T/B/X") << "\"}\n"
                        << "    - {name: hook, type: webhook, url: \"" << http_.url(hook_path)
                        << "\"}\n"
                        << "    - {name: am, type: alertmanager, url: \"" << http_.url("/am")
                        << "\"}\n"
                        << "    - {name: oncall, type: pagerduty, url: \""
                        << http_.url("/v2/enqueue")
                        << "\", routing_key_env: MODELWATCH_TEST_PD_KEY}\n"
                        << "    - {name: mail, type: email, smtp_url: \"" << smtp_.url()
                        << "\", from: mw@example.com, to: [ml@example.com]}\n";
    return path;
  }

  // The PagerDuty key comes from the environment, as in production.
  CommandResult Run(std::vector<std::string> extra, bool with_key = true) {
    std::vector<std::string> argv = {ModelwatchBinary(), "alert", "test"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    std::map<std::string, std::string> env;
    if (with_key) env["MODELWATCH_TEST_PD_KEY"] = kRoutingKey;
    return RunCommand(argv, env);
  }

  // The requests that reached `target`.
  std::vector<RecordedRequest> At(const std::string& target) {
    std::vector<RecordedRequest> out;
    for (const RecordedRequest& r : http_.requests()) {
      if (r.target == target) out.push_back(r);
    }
    return out;
  }

  TempDir dir_;
  RecordingHttpServer http_;
  FakeSmtpServer smtp_;
};

TEST_F(AlertTestCommandTest, EveryChannelGetsTheMarkedTestAlert) {
  const CommandResult r = Run({"--config", WriteConfig()});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  for (const char* line :
       {"ok team-slack (slack)\n", "ok hook (webhook)\n", "ok am (alertmanager)\n",
        "ok oncall (pagerduty)\n", "ok mail (email)\n"}) {
    EXPECT_THAT(r.output, HasSubstr(line));
  }

  const auto slack = At("/services/T/B/X");
  ASSERT_EQ(slack.size(), 1u);
  EXPECT_EQ(slack[0].method, "POST");
  EXPECT_EQ(slack[0].headers.at("content-type"), "application/json");
  const json s = json::parse(slack[0].body);
  EXPECT_EQ(s["text"], "[FIRING] ModelwatchTest");
  EXPECT_EQ(s["attachments"][0]["color"], "#36a64f");  // severity info
  EXPECT_EQ(s["attachments"][0]["text"], "[TEST] modelwatch test alert");
  EXPECT_EQ(s["attachments"][0]["footer"], "modelwatch");
  EXPECT_THAT(s["attachments"][0]["fields"].dump(),
              HasSubstr(R"({"short":true,"title":"Test","value":"true"})"));

  const auto hook = At("/hook");
  ASSERT_EQ(hook.size(), 1u);
  const json w = json::parse(hook[0].body);
  EXPECT_EQ(w["version"], "4");
  EXPECT_EQ(w["status"], "firing");
  EXPECT_EQ(w["receiver"], "hook");
  EXPECT_EQ(w["externalURL"], "http://modelwatch.test:8000");
  EXPECT_EQ(w["alerts"][0]["labels"],
            json({{"alertname", "ModelwatchTest"}, {"severity", "info"}, {"test", "true"}}));

  const auto am = At("/am/api/v2/alerts");
  ASSERT_EQ(am.size(), 1u);
  const json a = json::parse(am[0].body);
  ASSERT_TRUE(a.is_array());
  EXPECT_EQ(a[0]["labels"]["test"], "true");
  EXPECT_GT(a[0]["endsAt"].get<std::string>(), a[0]["startsAt"].get<std::string>());

  const auto pd = At("/v2/enqueue");
  ASSERT_EQ(pd.size(), 2u);  // a trigger and its resolve: no incident stays open
  const json trigger = json::parse(pd[0].body), resolve = json::parse(pd[1].body);
  EXPECT_EQ(trigger["routing_key"], kRoutingKey);
  EXPECT_EQ(trigger["event_action"], "trigger");
  EXPECT_EQ(trigger["payload"]["severity"], "info");
  EXPECT_EQ(trigger["payload"]["summary"], "[TEST] modelwatch test alert");
  EXPECT_EQ(resolve["event_action"], "resolve");
  EXPECT_EQ(resolve["dedup_key"], trigger["dedup_key"]);

  const auto mail = smtp_.sessions();
  ASSERT_EQ(mail.size(), 1u);
  EXPECT_EQ(mail[0].rcpt_to, std::vector<std::string>{"<ml@example.com>"});
  EXPECT_THAT(mail[0].data, HasSubstr("Subject: [FIRING] ModelwatchTest\r\n"));
  EXPECT_THAT(mail[0].data, HasSubstr("Summary: [TEST] modelwatch test alert\r\n"));
}

TEST_F(AlertTestCommandTest, AFailingChannelIsNamedAndTheExitCodeIsOne) {
  const std::string config = WriteConfig("/missing");
  // Channels are tried in configured order: slack (200), the webhook (404), then the rest (200).
  http_.Script({{200, "ok", {}}, {404, "no_such_hook", {}}});
  const CommandResult r = Run({"--config", config});
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_THAT(r.output, HasSubstr("ok team-slack (slack)\n"));
  EXPECT_THAT(r.output, HasSubstr("FAILED hook (webhook): http_404: HTTP 404: no_such_hook\n"));
  EXPECT_THAT(r.output, HasSubstr("ok mail (email)\n"));  // the others are still tried
}

TEST_F(AlertTestCommandTest, OneChannelByName) {
  const std::string config = WriteConfig();
  const CommandResult r = Run({"--config", config, "--channel", "team-slack"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output, "ok team-slack (slack)\n");
  EXPECT_EQ(http_.count(), 1u);
  EXPECT_TRUE(smtp_.sessions().empty());

  const CommandResult unknown = Run({"--config", config, "--channel", "nope"});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_THAT(unknown.output, HasSubstr("no channel is named \"nope\""));
  EXPECT_EQ(http_.count(), 1u);
}

TEST_F(AlertTestCommandTest, NoChannelsOrBadConfigurationIsAUsageError) {
  const std::string path = (dir_.path() / "empty.yaml").string();
  std::ofstream(path) << "storage:\n  data_dir: \"" << dir_.path().string() << "\"\n";
  const CommandResult none = Run({"--config", path}, /*with_key=*/false);
  EXPECT_EQ(none.exit_code, 2);
  EXPECT_THAT(none.output, HasSubstr("no notification channels are configured"));

  const CommandResult bad =
      Run({"--config", path, "--set", "alerting.channels=[{name: x, type: slack}]"}, false);
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_THAT(bad.output, HasSubstr("config error: alerting.channels[0].url"));
}

}  // namespace
}  // namespace mw::testing
