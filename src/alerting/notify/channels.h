// The configured notification channels, by name, and how a queued payload reaches each one:
//   slack, webhook   POST <url> with the payload as it is
//   alertmanager     POST <url>/api/v2/alerts
//   pagerduty        POST <url> with "routing_key" added at the front (it is never queued)
//   email            SMTP to smtp_url: MAIL FROM <from>, RCPT TO each of <to>, the payload as DATA
// Only the configured URLs are contacted (see notify/transport.h).
//
// Thread-safety: immutable after construction; Deliver may run on any thread concurrently.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "alerting/notify/transport.h"
#include "common/clock.h"
#include "config/config.h"

namespace mw::alerting {

class Channels final : public Deliverer {
 public:
  // `channels` as validated by config loading (unique names, URLs checked). `clock` must outlive
  // this object.
  Channels(std::vector<config::Config::AlertChannel> channels, const Clock& clock);

  const std::vector<config::Config::AlertChannel>& all() const { return channels_; }
  // nullptr when no channel has this name.
  const config::Config::AlertChannel* Find(std::string_view name) const;

  // One attempt. Permanent "unknown_channel" when `channel` is not configured (e.g. removed from
  // the configuration while a notification for it was queued); permanent "invalid_payload" when a
  // PagerDuty payload is not a JSON object.
  DeliveryResult Deliver(std::string_view channel, std::string_view payload) override;

 private:
  std::vector<config::Config::AlertChannel> channels_;
  const Clock& clock_;
};

// <base>/api/v2/alerts, without a doubled slash.
std::string AlertmanagerAlertsUrl(std::string_view base_url);

}  // namespace mw::alerting
