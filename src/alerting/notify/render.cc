#include "alerting/notify/render.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "common/time_format.h"

namespace mw::alerting {
namespace {

using Json = nlohmann::ordered_json;
using Labels = std::map<std::string, std::string>;

constexpr std::string_view kResolvedColor = "#36a64f";
constexpr size_t kPagerDutySummaryLimit = 1024;

std::string Annotation(const AlertEvent& a, const std::string& name) {
  auto it = a.annotations.find(name);
  return it == a.annotations.end() ? std::string() : it->second;
}

// Values as people read them: 0.41, 1.5e+06, NaN.
std::string FormatValue(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

// Cuts `s` to at most `limit` bytes without splitting a UTF-8 sequence.
std::string TruncateUtf8(std::string s, size_t limit) {
  if (s.size() <= limit) return s;
  size_t cut = limit;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
  s.resize(cut);
  return s;
}

// "model" -> "Model", "segment_id" -> "Segment id".
std::string FieldTitle(std::string_view label) {
  std::string title(label);
  std::replace(title.begin(), title.end(), '_', ' ');
  if (!title.empty() && title[0] >= 'a' && title[0] <= 'z') title[0] = char(title[0] - 'a' + 'A');
  return title;
}

// The labels (or annotations) that every alert has with the same value.
Labels Common(const std::vector<AlertEvent>& alerts, Labels AlertEvent::*member) {
  if (alerts.empty()) return {};
  Labels common = alerts.front().*member;
  for (const AlertEvent& a : alerts) {
    for (auto it = common.begin(); it != common.end();) {
      auto found = (a.*member).find(it->first);
      if (found == (a.*member).end() || found->second != it->second) {
        it = common.erase(it);
      } else {
        ++it;
      }
    }
  }
  return common;
}

Json StringMap(const Labels& m) {
  Json j = Json::object();
  for (const auto& [k, v] : m) j[k] = v;
  return j;
}

// Slack's message formatting: '&', '<' and '>' are control characters of its markup ("<url|text>"
// is a link, "<!channel>" a mention), so text that came from outside (label values such as a
// model name sent by an ingest client, annotations expanded from them) is escaped as &amp;,
// &lt; and &gt; in every text field, or it could inject links and mentions.
std::string SlackEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// Every string that came from outside may hold invalid UTF-8 (label values stored by an older
// version): replaced, so rendering never throws.
std::string DumpReplacing(const Json& body) {
  return body.dump(-1, ' ', false, Json::error_handler_t::replace);
}

// Go's zero time, which Alertmanager writes as the endsAt of a firing alert in webhooks.
constexpr std::string_view kZeroTime = "0001-01-01T00:00:00Z";

Json SlackAttachment(const AlertEvent& a) {
  Json att;
  att["color"] = a.firing() ? SeverityColor(a.severity()) : kResolvedColor;
  att["title"] = SlackEscape(a.firing() ? a.alertname : "[RESOLVED] " + a.alertname);
  if (!a.generator_url.empty()) att["title_link"] = a.generator_url;
  const std::string summary = Annotation(a, "summary");
  const std::string description = Annotation(a, "description");
  if (!summary.empty()) {
    att["text"] = SlackEscape(summary);
  } else if (!description.empty()) {
    att["text"] = SlackEscape(description);
  } else {
    att["text"] = SlackEscape(a.alertname + (a.firing() ? " is firing" : " resolved") + " (value " +
                              FormatValue(a.value) + ")");
  }
  Json fields = Json::array();
  for (const auto& [name, value] : a.labels) {
    if (name == "alertname") continue;
    fields.push_back(
        {{"title", SlackEscape(FieldTitle(name))}, {"value", SlackEscape(value)}, {"short", true}});
  }
  fields.push_back({{"title", "Value"}, {"value", FormatValue(a.value)}, {"short", true}});
  if (!summary.empty() && !description.empty()) {
    fields.push_back(
        {{"title", "Description"}, {"value", SlackEscape(description)}, {"short", false}});
  }
  const std::string runbook = Annotation(a, "runbook");
  if (!runbook.empty()) {
    fields.push_back({{"title", "Runbook"}, {"value", SlackEscape(runbook)}, {"short", false}});
  }
  att["fields"] = std::move(fields);
  att["footer"] = "modelwatch";
  att["ts"] = (a.firing() ? a.starts_at_ms : a.ends_at_ms) / 1000;
  return att;
}

// RFC 5322 date: "Wed, 01 Jan 2025 10:00:00 +0000".
std::string EmailDate(int64_t epoch_ms) {
  using namespace std::chrono;
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const sys_time<milliseconds> tp{milliseconds{epoch_ms}};
  const auto day = floor<days>(tp);
  const year_month_day ymd{day};
  const weekday wd{day};
  const hh_mm_ss<seconds> tod{floor<seconds>(tp - day)};
  char buf[48];
  std::snprintf(buf, sizeof buf, "%s, %02u %s %04d %02ld:%02ld:%02ld +0000", kDays[wd.c_encoding()],
                unsigned(ymd.day()), kMonths[unsigned(ymd.month()) - 1], int(ymd.year()),
                long(tod.hours().count()), long(tod.minutes().count()),
                long(tod.seconds().count()));
  return buf;
}

// CR and LF (and other control characters) in a header value become spaces.
std::string HeaderSafe(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
  }
  return out;
}

std::string Base64(std::string_view in) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    const uint32_t n = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8) | uint8_t(in[i + 2]);
    for (int shift : {18, 12, 6, 0}) out += kAlphabet[(n >> shift) & 63];
  }
  if (i + 1 == in.size()) {
    const uint32_t n = uint8_t(in[i]) << 16;
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += "==";
  } else if (i + 2 == in.size()) {
    const uint32_t n = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += kAlphabet[(n >> 6) & 63];
    out += '=';
  }
  return out;
}

// RFC 2047 encoded-word when the subject is not plain ASCII.
std::string EncodeSubject(const std::string& subject) {
  const bool ascii =
      std::all_of(subject.begin(), subject.end(), [](unsigned char c) { return c < 0x80; });
  if (ascii) return subject;
  return "=?UTF-8?B?" + Base64(subject) + "?=";
}

// Text for the body of an e-mail: every line break becomes CRLF (SMTP allows no bare LF).
std::string CrLf(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\r') continue;
    if (text[i] == '\n') out += '\r';
    out += text[i];
  }
  return out;
}

std::string LabelList(const Labels& labels) {
  std::string out;
  for (const auto& [k, v] : labels) {
    if (!out.empty()) out += ", ";
    out += k + "=\"" + v + "\"";
  }
  return out;
}

}  // namespace

bool GroupNotification::firing() const {
  return std::any_of(alerts.begin(), alerts.end(), [](const AlertEvent& a) { return a.firing(); });
}

std::string GroupNotification::Title() const {
  const bool is_firing = firing();
  size_t count = 0;
  for (const AlertEvent& a : alerts) count += a.firing() == is_firing ? 1 : 0;
  std::string name = alerts.empty() ? std::string() : alerts.front().alertname;
  for (const AlertEvent& a : alerts) {
    if (a.alertname != name) {
      name = std::to_string(alerts.size()) + " alerts";
      break;
    }
  }
  std::string status = is_firing ? "FIRING" : "RESOLVED";
  if (count > 1) status += ":" + std::to_string(count);
  return "[" + status + "] " + name;
}

std::string_view SeverityColor(std::string_view severity) {
  if (severity == "info") return "#36a64f";
  if (severity == "critical") return "#ff0000";
  return "#ff9900";  // warning, and anything unexpected: visible but not alarming
}

std::string FormatAlertTime(int64_t epoch_ms) {
  if (epoch_ms % 1000 == 0) return FormatRfc3339Seconds(epoch_ms);
  std::string s = FormatRfc3339Millis(epoch_ms);  // "...:00.250Z"
  s.pop_back();                                   // 'Z'
  while (s.back() == '0') s.pop_back();
  return s + "Z";
}

std::string RenderSlack(const GroupNotification& n) {
  Json body;
  body["text"] = SlackEscape(n.Title());
  Json attachments = Json::array();
  const size_t shown = std::min(n.alerts.size(), kMaxAlertsShown);
  for (size_t i = 0; i < shown; ++i) attachments.push_back(SlackAttachment(n.alerts[i]));
  if (n.alerts.size() > shown) {
    attachments.push_back(
        {{"color", "#cccccc"},
         {"text", "and " + std::to_string(n.alerts.size() - shown) + " more alerts not shown"},
         {"footer", "modelwatch"}});
  }
  body["attachments"] = std::move(attachments);
  return DumpReplacing(body);
}

std::string RenderWebhook(const GroupNotification& n, std::string_view external_url) {
  Json body;
  body["version"] = "4";
  body["groupKey"] = n.group_key;
  body["truncatedAlerts"] = 0;
  body["status"] = n.firing() ? "firing" : "resolved";
  body["receiver"] = n.receiver;
  body["groupLabels"] = StringMap(n.group_labels);
  body["commonLabels"] = StringMap(Common(n.alerts, &AlertEvent::labels));
  body["commonAnnotations"] = StringMap(Common(n.alerts, &AlertEvent::annotations));
  body["externalURL"] = external_url;
  Json alerts = Json::array();
  for (const AlertEvent& a : n.alerts) {
    Json j;
    j["status"] = a.firing() ? "firing" : "resolved";
    j["labels"] = StringMap(a.labels);
    j["annotations"] = StringMap(a.annotations);
    j["startsAt"] = FormatAlertTime(a.starts_at_ms);
    j["endsAt"] = a.firing() ? std::string(kZeroTime) : FormatAlertTime(a.ends_at_ms);
    j["generatorURL"] = a.generator_url;
    j["fingerprint"] = a.Fingerprint();
    alerts.push_back(std::move(j));
  }
  body["alerts"] = std::move(alerts);
  return DumpReplacing(body);
}

std::string RenderAlertmanager(std::span<const AlertEvent> alerts, int64_t now_ms,
                               int64_t firing_valid_ms) {
  Json body = Json::array();
  for (const AlertEvent& a : alerts) {
    Json j;
    j["labels"] = StringMap(a.labels);
    j["annotations"] = StringMap(a.annotations);
    j["startsAt"] = FormatAlertTime(a.starts_at_ms);
    j["endsAt"] = FormatAlertTime(a.firing() ? now_ms + firing_valid_ms : a.ends_at_ms);
    // Alertmanager validates generatorURL as a URI; an empty string is left out.
    if (!a.generator_url.empty()) j["generatorURL"] = a.generator_url;
    body.push_back(std::move(j));
  }
  return DumpReplacing(body);
}

std::string PagerDutyDedupKey(const AlertEvent& alert) {
  return "modelwatch/" + alert.Fingerprint();
}

std::string_view PagerDutySeverity(std::string_view severity) {
  if (severity == "info" || severity == "critical") return severity;
  return "warning";
}

std::string RenderPagerDuty(const AlertEvent& alert, std::string_view source,
                            std::string_view segment_label) {
  Json body;
  body["event_action"] = alert.firing() ? "trigger" : "resolve";
  body["dedup_key"] = PagerDutyDedupKey(alert);
  if (!alert.firing()) return DumpReplacing(body);
  std::string summary = Annotation(alert, "summary");
  if (summary.empty()) summary = alert.alertname + " (value " + FormatValue(alert.value) + ")";
  std::string timestamp = FormatRfc3339Millis(alert.starts_at_ms);  // "...000Z"
  timestamp.pop_back();
  timestamp += "+0000";
  Json payload;
  payload["summary"] = TruncateUtf8(summary, kPagerDutySummaryLimit);
  payload["source"] = source;
  payload["severity"] = PagerDutySeverity(alert.severity());
  payload["timestamp"] = timestamp;
  if (auto it = alert.labels.find("model"); it != alert.labels.end()) {
    payload["component"] = it->second;
  }
  if (auto it = alert.labels.find(std::string(segment_label)); it != alert.labels.end()) {
    payload["group"] = it->second;
  }
  payload["class"] = alert.alertname;
  Json details;
  details["value"] = alert.value;  // NaN becomes null
  details["labels"] = StringMap(alert.labels);
  details["annotations"] = StringMap(alert.annotations);
  payload["custom_details"] = std::move(details);
  body["payload"] = std::move(payload);
  body["client"] = "modelwatch";
  if (!alert.generator_url.empty()) body["client_url"] = alert.generator_url;
  return DumpReplacing(body);
}

std::string RenderEmail(const GroupNotification& n, const EmailEnvelope& envelope) {
  const std::string title = n.Title();
  std::string to;
  for (const std::string& address : envelope.to) to += (to.empty() ? "" : ", ") + address;
  std::string m;
  m += "From: " + HeaderSafe(envelope.from) + "\r\n";
  m += "To: " + HeaderSafe(to) + "\r\n";
  m += "Subject: " + EncodeSubject(HeaderSafe(title)) + "\r\n";
  m += "Date: " + EmailDate(envelope.now_ms) + "\r\n";
  m += "Message-ID: <" + std::to_string(envelope.now_ms) + "." +
       LabelsFingerprint({{"group", n.group_key}, {"title", title}}) + "@modelwatch>\r\n";
  m += "MIME-Version: 1.0\r\n";
  m += "Content-Type: text/plain; charset=utf-8\r\n";
  m += "Content-Transfer-Encoding: 8bit\r\n";
  m += "\r\n";
  m += CrLf(title) + "\r\n";
  if (!n.group_labels.empty()) m += "Group: " + CrLf(LabelList(n.group_labels)) + "\r\n";
  const size_t shown = std::min(n.alerts.size(), kMaxAlertsShown);
  for (size_t i = 0; i < shown; ++i) {
    const AlertEvent& a = n.alerts[i];
    m += "\r\n";
    m += std::string(a.firing() ? "[FIRING] " : "[RESOLVED] ") + a.alertname + "\r\n";
    for (const char* name : {"summary", "description", "runbook"}) {
      const std::string text = Annotation(a, name);
      if (text.empty()) continue;
      std::string label = FieldTitle(name);
      m += "  " + label + ": " + CrLf(text) + "\r\n";
    }
    m += "  Severity: " + a.severity() + "\r\n";
    m += "  Value: " + FormatValue(a.value) + "\r\n";
    m += "  Labels: " + CrLf(LabelList(a.labels)) + "\r\n";
    m += "  Started: " + FormatAlertTime(a.starts_at_ms) + "\r\n";
    if (!a.firing()) m += "  Resolved: " + FormatAlertTime(a.ends_at_ms) + "\r\n";
    if (!a.generator_url.empty()) m += "  Source: " + a.generator_url + "\r\n";
  }
  if (n.alerts.size() > shown) {
    m += "\r\n... and " + std::to_string(n.alerts.size() - shown) + " more alerts\r\n";
  }
  m += "\r\n-- \r\nmodelwatch";
  if (!envelope.external_url.empty()) m += " " + envelope.external_url;
  m += "\r\n";
  return m;
}

}  // namespace mw::alerting
