#include "alerting/notify/channels.h"

#include <nlohmann/json.hpp>

namespace mw::alerting {

Channels::Channels(std::vector<config::Config::AlertChannel> channels, const Clock& clock)
    : channels_(std::move(channels)), clock_(clock) {}

const config::Config::AlertChannel* Channels::Find(std::string_view name) const {
  for (const config::Config::AlertChannel& c : channels_) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

std::string AlertmanagerAlertsUrl(std::string_view base_url) {
  while (base_url.ends_with('/')) base_url.remove_suffix(1);
  return std::string(base_url) + "/api/v2/alerts";
}

DeliveryResult Channels::Deliver(std::string_view channel, std::string_view payload) {
  const config::Config::AlertChannel* c = Find(channel);
  if (c == nullptr) {
    return DeliveryResult::Permanent("unknown_channel",
                                     "no channel named \"" + std::string(channel) + "\"");
  }
  if (c->type == "email") {
    SmtpMessage mail;
    mail.url = c->smtp_url;
    mail.starttls = c->starttls;
    mail.username = c->username;
    mail.password = c->password;
    mail.from = c->from;
    mail.to = c->to;
    mail.message = std::string(payload);
    mail.timeout_ms = c->timeout_ms;
    return SendMail(mail);
  }
  HttpPost post;
  post.url = c->type == "alertmanager" ? AlertmanagerAlertsUrl(c->url) : c->url;
  post.timeout_ms = c->timeout_ms;
  if (c->type == "pagerduty") {
    const auto parsed = nlohmann::ordered_json::parse(payload, nullptr, /*allow_exceptions=*/false);
    if (!parsed.is_object()) {
      return DeliveryResult::Permanent("invalid_payload", "the queued PagerDuty event is not JSON");
    }
    nlohmann::ordered_json event;
    event["routing_key"] = c->routing_key;
    for (const auto& [key, value] : parsed.items()) event[key] = value;
    post.body = event.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
  } else {
    post.body = std::string(payload);
  }
  return PostJson(post, clock_.NowMillis());
}

}  // namespace mw::alerting
