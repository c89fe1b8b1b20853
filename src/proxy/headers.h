// The proxy's header work (RFC 9110 §7.6 intermediaries), pure so it is tested byte for byte:
// which fields never cross the proxy (hop-by-hop), the X-Forwarded-* fields it adds, and the
// request id it keeps or makes.
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mw::proxy {

// Header fields in the order received, names as sent (compared case-insensitively).
using Fields = std::vector<std::pair<std::string, std::string>>;

// ASCII case-insensitive equality of field names.
bool FieldNameEquals(std::string_view a, std::string_view b);

// The value of the first field named `name`, or nullptr.
const std::string* FindField(const Fields& fields, std::string_view name);

// Removes every field named `name`.
void RemoveField(Fields& fields, std::string_view name);

// Removes the hop-by-hop fields (RFC 9110 §7.6.1), applied to requests and to responses: every
// field named in any Connection field (comma-separated, OWS trimmed, case-insensitive, repeated
// Connection fields all read), Connection itself, and always Proxy-Connection, Keep-Alive, TE,
// Trailer, Transfer-Encoding and Upgrade; plus the fields the proxy regenerates or consumes:
// Content-Length and Transfer-Encoding (its own framing), Host, Expect (answered by the proxy),
// X-Modelwatch-Capture, and each name in `also` (the request id header, which is re-added). The
// other fields keep their order and spelling.
void StripHopByHop(Fields& fields, const std::vector<std::string_view>& also = {});

// Adds the X-Forwarded-* fields of a request received from `client_ip` with Host `original_host`
// (after StripHopByHop, which removed Host). X-Forwarded-For: the incoming values joined by ", ",
// then ", " + client_ip (nginx's $proxy_add_x_forwarded_for), or client_ip alone; one field.
// X-Forwarded-Proto "http" and X-Forwarded-Host = original_host replace incoming ones unless
// `trust_forwarded` keeps incoming ones (a proxy in front of this one set them); an empty
// original_host adds no X-Forwarded-Host.
void AddForwarded(Fields& fields, std::string_view client_ip, std::string_view original_host,
                  bool trust_forwarded);

// True when `id` is 1-128 characters of [A-Za-z0-9._:-]: safe to echo in a header and to use as
// an event id.
bool ValidRequestId(std::string_view id);

// `incoming` when ValidRequestId, else a new ULID (common/ulid.h) for `now_ms`.
std::string RequestIdOrNew(std::string_view incoming, int64_t now_ms);

// The request header value of X-Modelwatch-Capture that opts a request out of capture ("off",
// any case, OWS trimmed).
inline constexpr std::string_view kCaptureHeader = "X-Modelwatch-Capture";
bool CaptureOptedOut(const Fields& fields);

// Appends "Name: value\r\n" for each field to `out`; CR, LF and NUL in a value become spaces (a
// value never ends the head early; Beast refuses them on input anyway).
void AppendFields(std::string& out, const Fields& fields);

}  // namespace mw::proxy
