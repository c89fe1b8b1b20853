// NotificationRouter: turns the rule engine's alert events into notifications — which channels
// (routes), batched how (groups), and how often (group_wait, group_interval, repeat_interval) —
// and puts them in the durable queue (queue.h, the outbox). Alertmanager's semantics, simplified:
//
// Routing. Routes are tried in order; an alert takes the first route whose matchers all hold
// (match: label == value; match_re: the whole label value matches the regex; severity: one of
// the listed), and also later matching routes while the route it took says continue. With no
// routes configured, every alert goes to every channel with the default timers.
//
// Grouping (slack, webhook, email). Per route, alerts with the same values of the route's
// group_by labels form a group. A new group is notified group_wait after its first alert fires,
// with every firing alert of the group in one message. After that the group is looked at every
// group_interval: it is notified again when an alert joined the firing set, or when
// repeat_interval passed since its last notification while it still fires. When every alert of
// the group has resolved, one resolved message (to channels with send_resolved) lists them and
// the group is forgotten. A group whose alerts all resolve before its first notification sends
// nothing. Alerts that resolve while others of the group still fire are only listed in that
// final resolved message.
//
// Per-alert channels. Alertmanager: every alert routed to the channel is POSTed to
// /api/v2/alerts at once when it starts firing or resolves, and all of the channel's alerts are
// re-sent every resend_interval — firing ones with endsAt = now + 4 × max(evaluation interval,
// resend_interval), resolved ones with their endsAt for 15 minutes after resolving (as
// Prometheus does). Each message carries the full current set, so an undelivered one is
// replaced by the next (outbox supersede). PagerDuty: a trigger when an alert starts firing and a
// resolve (send_resolved) when it resolves, with dedup_key "modelwatch/<fingerprint>".
//
// State is in memory: after a restart the engine's firing alerts start new groups (a repeated
// firing message), while queued notifications survive in the outbox.
//
// Thread-safety: OnAlert, Tick and ChannelsFor may be called from any thread concurrently.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <regex>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "alerting/notify/alert.h"
#include "alerting/notify/queue.h"
#include "common/background.h"
#include "common/clock.h"
#include "common/status.h"
#include "config/config.h"

namespace mw::alerting {

struct RouterOptions {
  std::string external_url;                 // webhook externalURL, e-mail footer
  int64_t evaluation_interval_ms = 60000;   // the rule engine's; sets Alertmanager endsAt
  int64_t resolved_resend_ms = 15 * 60000;  // Alertmanager: resolved alerts re-sent this long
  int64_t tick_interval_ms = 1000;          // the Start()ed thread calls Tick() this often
  std::string segment_label = "segment";    // metrics.segment_label: PagerDuty's payload.group
  // Called (under the router's lock: keep it short) when a notification could not be queued.
  std::function<void(const Status&)> on_error;
  // Where a Tick() of the Start()ed thread that threw is reported (thread
  // "notification_router"); the thread goes on with the next tick. Null: stderr.
  BackgroundErrorReporter* errors = nullptr;
};

class NotificationRouter final : public AlertSink {
 public:
  // `alerting` as validated by config loading (routes name existing channels). `queue` and
  // `clock` must outlive the router.
  NotificationRouter(const config::Config::Alerting& alerting, NotificationQueue& queue,
                     const Clock& clock, RouterOptions options = {});
  ~NotificationRouter() override;  // Stop()s the ticker
  NotificationRouter(const NotificationRouter&) = delete;
  NotificationRouter& operator=(const NotificationRouter&) = delete;

  void OnAlert(const AlertEvent& event) override;

  // Sends what is due at clock.NowMillis(): group notifications and Alertmanager (re)sends.
  void Tick();
  // A thread that calls Tick() every tick_interval_ms; both idempotent.
  void Start();
  void Stop();

  // The channel names an alert with these labels is routed to, in route order, each once.
  std::vector<std::string> ChannelsFor(const std::map<std::string, std::string>& labels) const;

 private:
  struct Route {
    config::Config::AlertRoute config;
    std::vector<std::pair<std::string, std::regex>> match_re;
    std::string key;  // the route's part of a groupKey: {} or {}/{matchers}
  };
  struct Group {
    size_t route = 0;
    std::map<std::string, std::string> labels;
    std::string key;                           // groupKey
    std::map<std::string, AlertEvent> alerts;  // by fingerprint
    bool notified = false;
    int64_t next_flush_ms = 0;
    int64_t last_notified_ms = 0;
    std::set<std::string> notified_firing;  // fingerprints in the last firing message
  };
  struct AlertmanagerState {
    std::map<std::string, AlertEvent> alerts;  // by fingerprint
    bool changed = false;                      // an alert started firing or resolved
    int64_t last_sent_ms = 0;
  };

  std::vector<size_t> MatchingRoutes(const std::map<std::string, std::string>& labels) const;
  const config::Config::AlertChannel* Channel(const std::string& name) const;
  void FlushGroup(Group& group, int64_t now, bool& forget);
  void NotifyGroup(const Group& group, std::vector<AlertEvent> alerts, bool resolved, int64_t now);
  void SendAlertmanager(const config::Config::AlertChannel& channel, AlertmanagerState& state,
                        int64_t now);
  void OnPagerDuty(const config::Config::AlertChannel& channel, const AlertEvent& event);
  void Enqueue(const std::string& channel, const std::string& payload,
               const std::string& supersede_key);

  std::vector<config::Config::AlertChannel> channels_;
  std::vector<Route> routes_;
  NotificationQueue& queue_;
  const Clock& clock_;
  const RouterOptions options_;

  mutable std::mutex mutex_;
  std::map<std::pair<size_t, std::string>, Group> groups_;       // (route, group labels key)
  std::map<std::string, AlertmanagerState> alertmanager_;        // by channel
  std::map<std::string, std::set<std::string>> pagerduty_open_;  // channel -> fingerprints

  std::mutex ticker_mutex_;
  std::condition_variable ticker_wake_;
  bool stop_ = false;
  std::thread ticker_;
};

// {a="1", b="2"}: a label set as Alertmanager prints it in group keys.
std::string FormatLabelSet(const std::map<std::string, std::string>& labels);

}  // namespace mw::alerting
