// The exact bodies modelwatch sends to each kind of receiver, rendered from alerts. Pure
// functions: no I/O, no clock (times come in as arguments), so tests compare them field by field.
// The shapes are those the receivers document (Slack incoming webhooks, PagerDuty Events API v2,
// Alertmanager's webhook and /api/v2/alerts) and docs/notifications.md:
//
//   Slack incoming webhook   {"text", "attachments": [{color, title, title_link?, text, fields,
//                            footer: "modelwatch", ts}]}; colour by severity (info #36a64f,
//                            warning #ff9900, critical #ff0000), #36a64f once resolved.
//   Generic webhook          Alertmanager's webhook message, version "4".
//   Alertmanager API v2      the JSON array of postableAlert for POST /api/v2/alerts.
//   PagerDuty Events API v2  trigger (full payload) / resolve (dedup_key only); the routing_key
//                            is added at delivery (notify/channels.h) so it is never queued.
//   E-mail                   a plain-text RFC 5322 message (CRLF line ends).
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "alerting/notify/alert.h"

namespace mw::alerting {

// One notification about a group of alerts (slack, webhook, email). The notification is
// "firing" when at least one of its alerts fires, "resolved" when all have resolved.
struct GroupNotification {
  std::string receiver;   // the channel name
  std::string group_key;  // identifies the group across notifications, e.g. {}:{alertname="X"}
  std::map<std::string, std::string> group_labels;
  std::vector<AlertEvent> alerts;  // non-empty; firing alerts first

  bool firing() const;
  // "[FIRING] X", "[FIRING:3] X", "[RESOLVED] X": X is the alertname all alerts share, or
  // "N alerts" when they differ.
  std::string Title() const;
};

// Slack attachment colour of a severity ("#ff9900" for an unknown one).
std::string_view SeverityColor(std::string_view severity);

// Go's RFC 3339 rendering of a time, as Alertmanager writes it: "2025-01-01T10:00:00Z", with the
// fraction only when there is one ("2025-01-01T10:00:00.25Z").
std::string FormatAlertTime(int64_t epoch_ms);

// At most this many alerts are shown in one Slack message or e-mail; the rest are counted.
inline constexpr size_t kMaxAlertsShown = 20;

std::string RenderSlack(const GroupNotification& n);

// Alertmanager webhook message v4. externalURL = external_url.
std::string RenderWebhook(const GroupNotification& n, std::string_view external_url);

// POST /api/v2/alerts body. Firing alerts get endsAt = now_ms + firing_valid_ms (so Alertmanager
// expires them if modelwatch stops re-sending), resolved ones their ends_at_ms.
std::string RenderAlertmanager(std::span<const AlertEvent> alerts, int64_t now_ms,
                               int64_t firing_valid_ms);

// "modelwatch/<fingerprint>": stable for a label set, so trigger and resolve meet in PagerDuty.
std::string PagerDutyDedupKey(const AlertEvent& alert);
// Trigger for a firing alert, resolve for a resolved one; without routing_key. payload.component
// is the alert's `model` label, payload.group its segment label (metrics.segment_label).
std::string RenderPagerDuty(const AlertEvent& alert, std::string_view source,
                            std::string_view segment_label = "segment");
// PagerDuty's payload.severity for ours: info, warning, critical (anything else: warning).
std::string_view PagerDutySeverity(std::string_view severity);

struct EmailEnvelope {
  std::string from;
  std::vector<std::string> to;
  int64_t now_ms = 0;        // the Date header
  std::string external_url;  // footer link; may be empty
};
// The whole message: headers (From, To, Subject, Date, Message-ID, MIME-Version, Content-Type,
// Content-Transfer-Encoding) and a plain-text body. The subject is Title(); non-ASCII subjects are
// RFC 2047 encoded; CR/LF inside values are replaced so no header can be injected.
std::string RenderEmail(const GroupNotification& n, const EmailEnvelope& envelope);

}  // namespace mw::alerting
