#include "alerting/notify/router.h"

#include <algorithm>
#include <iterator>

#include "alerting/notify/render.h"
#include "alerting/rules/promql.h"

namespace mw::alerting {
namespace {

using Labels = std::map<std::string, std::string>;

// The supersede key of Alertmanager messages: each carries the channel's whole current state.
constexpr std::string_view kAlertmanagerState = "alertmanager-state";

bool IsGrouped(const std::string& type) {
  return type == "slack" || type == "webhook" || type == "email";
}

std::string RouteKey(const config::Config::AlertRoute& r) {
  std::map<std::string, std::string> matchers;  // label -> rendered matcher, sorted by label
  for (const auto& [label, value] : r.match)
    matchers[label] = label + "=" + QuotePromQLString(value);
  for (const auto& [label, re] : r.match_re) {
    matchers[label + "~"] = label + "=~" + QuotePromQLString(re);
  }
  if (!r.severity.empty()) {
    std::string alternatives;
    for (const std::string& s : r.severity) alternatives += (alternatives.empty() ? "" : "|") + s;
    matchers["severity~"] = "severity=~" + QuotePromQLString(alternatives);
  }
  std::string out = "{}/{";
  bool first = true;
  for (const auto& [_, m] : matchers) {
    out += (first ? "" : ", ") + m;
    first = false;
  }
  return out + "}";
}

// Firing first, then by start time, then by fingerprint: a stable order for messages.
void SortForMessage(std::vector<AlertEvent>& alerts) {
  std::sort(alerts.begin(), alerts.end(), [](const AlertEvent& a, const AlertEvent& b) {
    if (a.firing() != b.firing()) return a.firing();
    if (a.starts_at_ms != b.starts_at_ms) return a.starts_at_ms < b.starts_at_ms;
    return a.Fingerprint() < b.Fingerprint();
  });
}

}  // namespace

std::string FormatLabelSet(const Labels& labels) {
  std::string out = "{";
  bool first = true;
  for (const auto& [k, v] : labels) {
    out += (first ? "" : ", ") + k + "=" + QuotePromQLString(v);
    first = false;
  }
  return out + "}";
}

NotificationRouter::NotificationRouter(const config::Config::Alerting& alerting,
                                       NotificationQueue& queue, const Clock& clock,
                                       RouterOptions options)
    : channels_(alerting.channels), queue_(queue), clock_(clock), options_(std::move(options)) {
  if (alerting.routes.empty()) {
    Route all;
    for (const config::Config::AlertChannel& c : channels_) all.config.channels.push_back(c.name);
    all.key = "{}";
    routes_.push_back(std::move(all));
  }
  for (const config::Config::AlertRoute& r : alerting.routes) {
    Route route;
    route.config = r;
    route.key = RouteKey(r);
    // Config loading has checked every pattern, so construction cannot throw here.
    for (const auto& [label, pattern] : r.match_re) {
      route.match_re.emplace_back(label, std::regex(pattern, std::regex::ECMAScript));
    }
    routes_.push_back(std::move(route));
  }
}

NotificationRouter::~NotificationRouter() { Stop(); }

const config::Config::AlertChannel* NotificationRouter::Channel(const std::string& name) const {
  for (const config::Config::AlertChannel& c : channels_) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

std::vector<size_t> NotificationRouter::MatchingRoutes(const Labels& labels) const {
  std::vector<size_t> out;
  auto label = [&labels](const std::string& name) {
    auto it = labels.find(name);
    return it == labels.end() ? std::string() : it->second;
  };
  for (size_t i = 0; i < routes_.size(); ++i) {
    const Route& r = routes_[i];
    bool match = r.config.severity.empty() ||
                 std::find(r.config.severity.begin(), r.config.severity.end(), label("severity")) !=
                     r.config.severity.end();
    for (const auto& [name, value] : r.config.match) match = match && label(name) == value;
    for (const auto& [name, re] : r.match_re) match = match && std::regex_match(label(name), re);
    if (!match) continue;
    out.push_back(i);
    if (!r.config.continue_matching) break;
  }
  return out;
}

std::vector<std::string> NotificationRouter::ChannelsFor(const Labels& labels) const {
  std::vector<std::string> out;
  for (size_t i : MatchingRoutes(labels)) {
    for (const std::string& c : routes_[i].config.channels) {
      if (std::find(out.begin(), out.end(), c) == out.end()) out.push_back(c);
    }
  }
  return out;
}

void NotificationRouter::Enqueue(const std::string& channel, const std::string& payload,
                                 const std::string& supersede_key) {
  Status s = queue_.Enqueue(channel, payload, supersede_key);
  if (!s.ok() && options_.on_error) options_.on_error(s);
}

void NotificationRouter::OnAlert(const AlertEvent& event) {
  std::lock_guard lock(mutex_);
  const int64_t now = clock_.NowMillis();
  const std::string fingerprint = event.Fingerprint();
  std::set<std::string> per_alert;  // alertmanager and pagerduty channels, each once
  for (size_t r : MatchingRoutes(event.labels)) {
    const Route& route = routes_[r];
    bool grouped = false;
    for (const std::string& name : route.config.channels) {
      const config::Config::AlertChannel* c = Channel(name);
      if (c == nullptr) continue;
      if (IsGrouped(c->type)) {
        grouped = true;
      } else {
        per_alert.insert(name);
      }
    }
    if (!grouped) continue;
    Labels group_labels;
    for (const std::string& name : route.config.group_by) {
      if (auto it = event.labels.find(name); it != event.labels.end()) {
        group_labels[name] = it->second;
      }
    }
    const auto key = std::make_pair(r, FormatLabelSet(group_labels));
    auto it = groups_.find(key);
    if (it == groups_.end()) {
      if (!event.firing()) continue;  // nothing was said about it: nothing to resolve
      Group group;
      group.route = r;
      group.labels = group_labels;
      group.key = route.key + ":" + key.second;
      group.next_flush_ms = now + route.config.group_wait_ms;
      it = groups_.emplace(key, std::move(group)).first;
    }
    if (event.firing() || it->second.alerts.contains(fingerprint)) {
      it->second.alerts[fingerprint] = event;
    }
  }
  for (const std::string& name : per_alert) {
    const config::Config::AlertChannel& c = *Channel(name);
    if (c.type == "pagerduty") {
      OnPagerDuty(c, event);
      continue;
    }
    AlertmanagerState& state = alertmanager_[name];
    auto it = state.alerts.find(fingerprint);
    const bool known = it != state.alerts.end();
    if (!event.firing() && !known) continue;
    if (!known || it->second.firing() != event.firing()) state.changed = true;
    state.alerts[fingerprint] = event;
  }
}

void NotificationRouter::OnPagerDuty(const config::Config::AlertChannel& channel,
                                     const AlertEvent& event) {
  std::set<std::string>& open = pagerduty_open_[channel.name];
  const std::string fingerprint = event.Fingerprint();
  if (event.firing()) {
    if (open.insert(fingerprint).second) {
      Enqueue(channel.name, RenderPagerDuty(event, channel.source, options_.segment_label), "");
    }
  } else if (open.erase(fingerprint) > 0 && channel.send_resolved) {
    Enqueue(channel.name, RenderPagerDuty(event, channel.source, options_.segment_label), "");
  }
}

void NotificationRouter::Tick() {
  std::lock_guard lock(mutex_);
  const int64_t now = clock_.NowMillis();
  for (auto it = groups_.begin(); it != groups_.end();) {
    bool forget = false;
    FlushGroup(it->second, now, forget);
    it = forget ? groups_.erase(it) : std::next(it);
  }
  for (auto& [name, state] : alertmanager_) {
    const config::Config::AlertChannel* c = Channel(name);
    if (c == nullptr) continue;
    if (state.changed || now - state.last_sent_ms >= c->resend_interval_ms) {
      SendAlertmanager(*c, state, now);
    }
  }
}

void NotificationRouter::FlushGroup(Group& group, int64_t now, bool& forget) {
  if (now < group.next_flush_ms) return;
  const config::Config::AlertRoute& route = routes_[group.route].config;
  group.next_flush_ms = now + route.group_interval_ms;
  std::vector<AlertEvent> firing;
  std::set<std::string> firing_set;
  for (const auto& [fingerprint, alert] : group.alerts) {
    if (!alert.firing()) continue;
    firing.push_back(alert);
    firing_set.insert(fingerprint);
  }
  if (firing.empty()) {
    if (group.notified) {
      std::vector<AlertEvent> resolved;
      for (const auto& [_, alert] : group.alerts) resolved.push_back(alert);
      NotifyGroup(group, std::move(resolved), /*resolved=*/true, now);
    }
    forget = true;
    return;
  }
  const bool joined = !std::includes(group.notified_firing.begin(), group.notified_firing.end(),
                                     firing_set.begin(), firing_set.end());
  const bool repeat = group.notified && now - group.last_notified_ms >= route.repeat_interval_ms;
  if (group.notified && !joined && !repeat) {
    // Forget alerts that resolved since, so one that fires again counts as having joined.
    std::set<std::string> still;
    std::set_intersection(group.notified_firing.begin(), group.notified_firing.end(),
                          firing_set.begin(), firing_set.end(), std::inserter(still, still.end()));
    group.notified_firing = std::move(still);
    return;
  }
  NotifyGroup(group, std::move(firing), /*resolved=*/false, now);
  group.notified = true;
  group.last_notified_ms = now;
  group.notified_firing = std::move(firing_set);
}

void NotificationRouter::NotifyGroup(const Group& group, std::vector<AlertEvent> alerts,
                                     bool resolved, int64_t now) {
  SortForMessage(alerts);
  for (const std::string& name : routes_[group.route].config.channels) {
    const config::Config::AlertChannel* c = Channel(name);
    if (c == nullptr || !IsGrouped(c->type)) continue;
    if (resolved && !c->send_resolved) continue;
    GroupNotification n;
    n.receiver = c->name;
    n.group_key = group.key;
    n.group_labels = group.labels;
    n.alerts = alerts;
    if (c->type == "slack") {
      Enqueue(c->name, RenderSlack(n), "");
    } else if (c->type == "webhook") {
      Enqueue(c->name, RenderWebhook(n, options_.external_url), "");
    } else {
      Enqueue(c->name, RenderEmail(n, {c->from, c->to, now, options_.external_url}), "");
    }
  }
}

void NotificationRouter::SendAlertmanager(const config::Config::AlertChannel& channel,
                                          AlertmanagerState& state, int64_t now) {
  std::vector<AlertEvent> alerts;
  for (auto it = state.alerts.begin(); it != state.alerts.end();) {
    const AlertEvent& a = it->second;
    if (!a.firing() && now - a.ends_at_ms > options_.resolved_resend_ms) {
      it = state.alerts.erase(it);
      continue;
    }
    alerts.push_back(a);
    ++it;
  }
  state.changed = false;
  if (alerts.empty()) return;
  SortForMessage(alerts);
  const int64_t valid = 4 * std::max(options_.evaluation_interval_ms, channel.resend_interval_ms);
  Enqueue(channel.name, RenderAlertmanager(alerts, now, valid), std::string(kAlertmanagerState));
  state.last_sent_ms = now;
}

void NotificationRouter::Start() {
  std::lock_guard lock(ticker_mutex_);
  if (ticker_.joinable()) return;
  stop_ = false;
  ticker_ = std::thread([this] {
    std::unique_lock lock(ticker_mutex_);
    while (!stop_) {
      lock.unlock();
      RunBackgroundPass(options_.errors, "notification_router", [this] { Tick(); });
      lock.lock();
      ticker_wake_.wait_for(lock, std::chrono::milliseconds(options_.tick_interval_ms),
                            [this] { return stop_; });
    }
  });
}

void NotificationRouter::Stop() {
  {
    std::lock_guard lock(ticker_mutex_);
    stop_ = true;
  }
  ticker_wake_.notify_all();
  if (ticker_.joinable()) ticker_.join();
}

}  // namespace mw::alerting
