// modelwatch alert test [--channel NAME]: sends a clearly marked test alert to every configured
// notification channel (or the one named), synchronously and without the outbox, and prints one
// line per channel: "ok <name> (<type>)" or "FAILED <name> (<type>): <reason>: <detail>".
// Exit 0 when every channel accepted it, 1 when one did not, 2 for usage or configuration errors.
#include <iostream>

#include "alerting/notify/alert.h"
#include "alerting/notify/channels.h"
#include "alerting/notify/render.h"
#include "alerting/notify/router.h"
#include "cli/commands.h"
#include "common/clock.h"

namespace mw::cli {
namespace {

using alerting::AlertEvent;
using alerting::DeliveryResult;

// Alertmanager drops the test alert by itself this long after it was sent.
constexpr int64_t kTestAlertLifetimeMs = 5 * 60 * 1000;

AlertEvent TestAlert(int64_t now_ms, const std::string& external_url) {
  AlertEvent a;
  a.alertname = "ModelwatchTest";
  a.labels = {{"alertname", a.alertname}, {"severity", "info"}, {"test", "true"}};
  a.annotations = {
      {"summary", "[TEST] modelwatch test alert"},
      {"description",
       "Sent by `modelwatch alert test` to check this notification channel. No action needed."}};
  a.starts_at_ms = now_ms;
  a.value = 1;
  a.generator_url = external_url;
  return a;
}

// The test alert rendered for `channel` (a PagerDuty test is a trigger followed by its resolve,
// so no incident stays open).
std::vector<std::string> Payloads(const config::Config::AlertChannel& channel,
                                  const AlertEvent& alert, const std::string& external_url,
                                  int64_t now_ms) {
  alerting::GroupNotification n;
  n.receiver = channel.name;
  n.group_labels = {{"alertname", alert.alertname}};
  n.group_key = "{}:" + alerting::FormatLabelSet(n.group_labels);
  n.alerts = {alert};
  if (channel.type == "slack") return {alerting::RenderSlack(n)};
  if (channel.type == "webhook") return {alerting::RenderWebhook(n, external_url)};
  if (channel.type == "email") {
    return {alerting::RenderEmail(n, {channel.from, channel.to, now_ms, external_url})};
  }
  if (channel.type == "alertmanager") {
    return {alerting::RenderAlertmanager(std::vector{alert}, now_ms, kTestAlertLifetimeMs)};
  }
  AlertEvent resolved = alert;
  resolved.state = AlertEvent::State::kResolved;
  resolved.ends_at_ms = now_ms;
  return {alerting::RenderPagerDuty(alert, channel.source),
          alerting::RenderPagerDuty(resolved, channel.source)};
}

}  // namespace

int RunSendTestAlert(const CommonOptions& options, const std::string& only_channel) {
  auto config = LoadConfigOrReport(options);
  if (!config) return 2;
  const auto& configured = config->alerting.channels;
  if (configured.empty()) {
    std::cerr << "modelwatch: no notification channels are configured (alerting.channels)\n";
    return 2;
  }
  SystemClock clock;
  alerting::Channels channels(configured, clock);
  if (!only_channel.empty() && channels.Find(only_channel) == nullptr) {
    std::string names;
    for (const auto& c : configured) names += (names.empty() ? "" : ", ") + c.name;
    std::cerr << "modelwatch: no channel is named \"" << only_channel << "\" (configured: " << names
              << ")\n";
    return 2;
  }
  const std::string& external_url = config->alerting.external_url;
  bool all_ok = true;
  for (const config::Config::AlertChannel& channel : configured) {
    if (!only_channel.empty() && channel.name != only_channel) continue;
    const int64_t now = clock.NowMillis();
    DeliveryResult result = DeliveryResult::Delivered(0);
    for (const std::string& payload :
         Payloads(channel, TestAlert(now, external_url), external_url, now)) {
      result = channels.Deliver(channel.name, payload);
      if (!result.delivered()) break;
    }
    if (result.delivered()) {
      std::cout << "ok " << channel.name << " (" << channel.type << ")\n";
    } else {
      all_ok = false;
      std::cout << "FAILED " << channel.name << " (" << channel.type << "): " << result.reason
                << ": " << result.detail << "\n";
    }
  }
  return all_ok ? 0 : 1;
}

}  // namespace mw::cli
