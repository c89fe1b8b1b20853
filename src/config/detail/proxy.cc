#include "config/detail/proxy.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <string_view>

#include "common/duration.h"
#include "common/json_pointer.h"
#include "config/detail/validate.h"
#include "config/detail/yaml_read.h"

namespace mw::config::detail {
namespace {

using Source = Config::ProxySource;

constexpr int64_t kMinTtlMs = 1000;
constexpr int64_t kMaxTtlMs = int64_t{30} * 86'400'000;

bool IsTokenChar(unsigned char c) {
  return std::isalnum(c) != 0 ||
         std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos;
}

bool IsToken(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), IsTokenChar);
}

bool HasBlankOrControl(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](unsigned char c) { return c <= 0x20 || c == 0x7f; });
}

std::string Quoted(std::string_view s) { return "\"" + std::string(s) + "\""; }

// Problems joined one per line (the keyed form detail/proxy.h describes), or nullopt.
std::optional<std::string> Joined(const Problems& problems) {
  if (problems.empty()) return std::nullopt;
  std::string out;
  for (const std::string& p : problems) out += (out.empty() ? "" : "\n") + p;
  return out;
}

// The list's own problems ("must be a list ...") have no suffix: they become ": reason".
void KeyListProblems(Problems& problems) {
  for (std::string& p : problems) {
    if (!p.starts_with("[")) p = ": " + p;
  }
}

// RFC 6901 (common/json_pointer.h). "*" segments are checked by the proxy.
std::optional<std::string> PointerProblem(std::string_view ptr) {
  auto tokens = ParseJsonPointerTokens(ptr);
  if (!tokens) return tokens.error().message();
  return std::nullopt;
}

std::optional<Source> SourceFromMap(const YAML::Node& v, const std::string& at,
                                    Problems& problems) {
  const auto entry = *v.begin();  // a value: the iterator's -> points into a temporary
  const std::string kind = entry.first.IsScalar() ? entry.first.Scalar() : std::string();
  const YAML::Node arg = entry.second;
  if (!arg.IsScalar() && !arg.IsNull()) return std::nullopt;
  Source s;
  s.value = arg.IsNull() ? "" : arg.Scalar();
  if (kind == "request" || kind == "response") {
    s.kind = kind == "request" ? Source::Kind::kRequest : Source::Kind::kResponse;
    if (auto p = PointerProblem(s.value)) problems.push_back(at + ": " + *p);
  } else if (kind == "path") {
    s.kind = Source::Kind::kPath;
    if (s.value.empty()) problems.push_back(at + ": path: the parameter name is empty");
  } else if (kind == "header") {
    s.kind = Source::Kind::kHeader;
    if (!IsToken(s.value)) {
      problems.push_back(at + ": header: " + Quoted(s.value) +
                         " is not a header name (RFC 9110 token characters only)");
    }
  } else {
    return std::nullopt;
  }
  return s;
}

// A constant (a scalar) or a mapping of one key: {request: /ptr}, {response: /ptr}, {path: name},
// {header: Name}. Null = absent.
std::optional<Source> ReadSource(const YAML::Node& v, const std::string& at, Problems& problems) {
  if (v.IsNull()) return std::nullopt;
  if (v.IsScalar()) return Source{Source::Kind::kConstant, v.Scalar()};
  if (v.IsMap() && v.size() == 1) {
    if (auto s = SourceFromMap(v, at, problems)) return s;
  }
  problems.push_back(at + ": one of request, response, path, header, or a constant");
  return std::nullopt;
}

void ReadSample(const YAML::Node& v, const std::string& at, double& out, Problems& problems) {
  const std::string s = v.IsScalar() ? v.Scalar() : std::string();
  double x = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), x);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size() || !(x > 0 && x <= 1)) {
    problems.push_back(at + ": must be in (0, 1]");
    return;
  }
  out = x;
}

void ReadOutputIndex(const YAML::Node& v, const std::string& at, std::optional<int>& out,
                     Problems& problems) {
  const std::string s = v.IsScalar() ? v.Scalar() : std::string();
  int x = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), x);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size() || x < 0) {
    problems.push_back(at + ": must be an integer >= 0");
    return;
  }
  out = x;
}

Config::ProxyCapture ReadCapture(const YAML::Node& node, const std::string& path,
                                 Problems& problems) {
  Config::ProxyCapture c;
  if (!node.IsMap()) {
    problems.push_back(path + ": must be a mapping (model, segment, features, prediction, ...)");
    return c;
  }
  for (const auto& kv : node) {
    const std::string key = kv.first.IsScalar() ? kv.first.Scalar() : std::string("?");
    const std::string at = path + "." + key;
    const YAML::Node& v = kv.second;
    if (key == "model") {
      c.model = ReadSource(v, at, problems);
    } else if (key == "segment") {
      c.segment = ReadSource(v, at, problems);
    } else if (key == "version") {
      c.version = ReadSource(v, at, problems);
    } else if (key == "features") {
      c.features = ReadSource(v, at, problems);
    } else if (key == "prediction") {
      c.prediction = ReadSource(v, at, problems);
    } else if (key == "id") {
      c.id = ReadSource(v, at, problems);
    } else if (key == "feature_names") {
      c.feature_names = StringList(v, at, problems);
    } else if (key == "output") {
      c.output = String(v, at, problems).value_or("");
    } else if (key == "output_index") {
      ReadOutputIndex(v, at, c.output_index, problems);
    } else if (key == "sample") {
      ReadSample(v, at, c.sample, problems);
    } else {
      problems.push_back(at + ": unknown key");
    }
  }
  if (!c.model) problems.push_back(path + ".model: required (a constant or a source)");
  return c;
}

Config::ProxyCache ReadCache(const YAML::Node& node, const std::string& path, Problems& problems) {
  Config::ProxyCache c;
  if (!node.IsMap()) {
    problems.push_back(path + ": must be a mapping, e.g. {ttl: 300s}");
    return c;
  }
  for (const auto& kv : node) {
    const std::string key = kv.first.IsScalar() ? kv.first.Scalar() : std::string("?");
    const std::string at = path + "." + key;
    if (key == "ttl") {
      const std::string text = kv.second.IsScalar() ? kv.second.Scalar() : std::string();
      const std::optional<int64_t> ms = ParseDurationMillis(text);
      if (!ms) {
        problems.push_back(at + ": bad duration " + Quoted(text) +
                           " (one number and a unit: 500ms, 1s, 5m)");
      } else if (*ms < kMinTtlMs || *ms > kMaxTtlMs) {
        problems.push_back(at + ": must be between 1s and 30d");
      } else {
        c.ttl_ms = *ms;
      }
    } else if (key == "key") {
      c.key = StringList(kv.second, at, problems);
      for (size_t i = 0; i < c.key.size(); ++i) {
        if (auto p = PointerProblem(c.key[i])) {
          problems.push_back(at + "[" + std::to_string(i) + "]: " + *p);
        }
      }
    } else {
      problems.push_back(at + ": unknown key");
    }
  }
  return c;
}

bool IsHttpMethod(std::string_view m) {
  static constexpr std::array<std::string_view, 9> kMethods = {
      "GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"};
  return std::find(kMethods.begin(), kMethods.end(), m) != kMethods.end();
}

Config::ProxyRoute ReadProxyRoute(const YAML::Node& entry, const std::string& path,
                                  Problems& problems) {
  Config::ProxyRoute r;
  if (!entry.IsMap()) {
    problems.push_back(path + ": must be a mapping with path and optional methods, capture, cache");
    return r;
  }
  for (const auto& kv : entry) {
    const std::string key = kv.first.IsScalar() ? kv.first.Scalar() : std::string("?");
    const std::string at = path + "." + key;
    if (key == "path") {
      r.path = String(kv.second, at, problems).value_or("");
    } else if (key == "methods") {
      r.methods = StringList(kv.second, at, problems);
      for (size_t i = 0; i < r.methods.size(); ++i) {
        if (!IsHttpMethod(r.methods[i])) {
          problems.push_back(at + "[" + std::to_string(i) + "]: " + Quoted(r.methods[i]) +
                             " is not an HTTP method");
        }
      }
    } else if (key == "capture") {
      r.capture = ReadCapture(kv.second, at, problems);
    } else if (key == "cache") {
      r.cache = ReadCache(kv.second, at, problems);
    } else {
      problems.push_back(at + ": unknown key");
    }
  }
  if (!entry["path"]) {
    problems.push_back(path + ".path: required (a route template such as /predict/{id})");
  } else if (!r.path.starts_with("/")) {
    problems.push_back(path + ".path: must start with /");
  }
  return r;
}

// Whether the proxy's listener and modelwatch's own would take the same address.
bool SameAddress(const Config& c) {
  if (c.proxy.listen_port == 0 || c.proxy.listen_port != c.server.port) return false;
  const auto wildcard = [](const std::string& h) { return h == "0.0.0.0" || h == "::"; };
  return c.proxy.listen_host == c.server.host || wildcard(c.proxy.listen_host) ||
         wildcard(c.server.host);
}

// Whether a key's value was already refused: a cross-key rule then stays quiet (a refused URL is
// not also "required").
bool Reported(const std::vector<ConfigError>& errors, std::string_view key) {
  return std::any_of(errors.begin(), errors.end(),
                     [key](const ConfigError& e) { return e.key == key; });
}

void CheckCacheRedis(const Config& c, std::vector<ConfigError>& errors) {
  if (c.proxy.cache.backend != "redis") return;
  if (c.proxy.cache.redis_url.empty() && !Reported(errors, "proxy.cache.redis_url")) {
    errors.push_back({"proxy.cache.redis_url", "required when proxy.cache.backend is redis"});
  }
  if (c.proxy.enabled() && !c.redis.url.empty()) {
    errors.push_back({"redis.url",
                      "not used when proxy.cache.backend is redis (/health reports the cache's "
                      "Redis)"});
  }
}

}  // namespace

std::optional<std::string> SetProxyRoutes(const YAML::Node& node, Config& config) {
  Problems problems;
  auto list = ListNode(node, problems, "[{path: \"/predict/{id}\", methods: [POST]}]");
  std::vector<Config::ProxyRoute> routes;
  if (list) {
    for (size_t i = 0; i < list->size(); ++i) {
      routes.push_back(ReadProxyRoute((*list)[i], "[" + std::to_string(i) + "]", problems));
    }
  }
  KeyListProblems(problems);
  if (auto reason = Joined(problems)) return reason;
  config.proxy.routes = std::move(routes);
  return std::nullopt;
}

std::optional<std::string> SetProxyVaryHeaders(const YAML::Node& node, Config& config) {
  Problems problems;
  auto list = ListNode(node, problems, "[Authorization, X-Tenant]");
  std::vector<std::string> names;
  if (list) {
    for (size_t i = 0; i < list->size(); ++i) {
      const std::string at = "[" + std::to_string(i) + "]";
      auto name = String((*list)[i], at, problems);
      if (!name) continue;
      if (!IsToken(*name)) {
        problems.push_back(at + ": " + Quoted(*name) +
                           " is not a header name (RFC 9110 token characters only)");
      }
      names.push_back(*name);
    }
  }
  KeyListProblems(problems);
  if (auto reason = Joined(problems)) return reason;
  config.proxy.cache.vary_headers = std::move(names);
  return std::nullopt;
}

std::optional<std::string> SetProxyListen(const YAML::Node& node, Config& config) {
  if (!node.IsScalar() && !node.IsNull()) return "must be a string HOST:PORT";
  const std::string text = node.IsNull() ? "" : node.Scalar();
  if (text.empty()) {
    config.proxy.listen.clear();
    config.proxy.listen_host.clear();
    config.proxy.listen_port = 0;
    return std::nullopt;
  }
  auto parsed = ParseListen(text);
  if (!parsed.has_value()) return parsed.error().message();
  config.proxy.listen = text;
  config.proxy.listen_host = parsed->first;
  config.proxy.listen_port = parsed->second;
  return std::nullopt;
}

std::optional<std::string> ValidateProxyUpstream(const std::string& value) {
  if (value.empty()) return std::nullopt;
  const std::string_view bad = "must be http://HOST:PORT (https and paths are not supported)";
  if (!value.starts_with("http://") || HasBlankOrControl(value)) return std::string(bad);
  std::string_view rest = std::string_view(value).substr(7);
  if (rest.ends_with("/")) rest.remove_suffix(1);
  if (rest.find_first_of("/?#@") != std::string_view::npos) return std::string(bad);
  auto parsed = ParseListen(rest);
  if (!parsed.has_value() || parsed->second == 0 || rest.starts_with(":")) {
    return std::string(bad);
  }
  return std::nullopt;
}

std::optional<std::string> ValidateOptionalPath(const std::string& value) {
  if (value.empty()) return std::nullopt;
  if (!value.starts_with("/") || HasBlankOrControl(value)) {
    return "must be empty or a path starting with / (no spaces)";
  }
  return std::nullopt;
}

std::optional<std::string> ValidateHeaderName(const std::string& value) {
  if (IsToken(value)) return std::nullopt;
  return Quoted(value) + " is not a header name (RFC 9110 token characters only)";
}

std::optional<std::string> ValidateCacheRedisUrl(const std::string& value) {
  if (value.empty()) return std::nullopt;
  if (value.starts_with("rediss://")) {
    return "rediss:// is not supported (no TLS in Debian's hiredis 0.14)";
  }
  for (std::string_view scheme : {"redis://", "unix:///"}) {
    if (value.starts_with(scheme) && value.size() > scheme.size() && !HasBlankOrControl(value)) {
      return std::nullopt;
    }
  }
  return "must be redis://[user:pass@]host[:port][/db] or unix:///path";
}

std::optional<std::string> ValidateCacheBackend(const std::string& value) {
  if (value == "memory" || value == "redis") return std::nullopt;
  return "must be memory or redis";
}

std::optional<std::string> ValidateForwardTo(const std::string& value) {
  if (value.empty()) return std::nullopt;
  for (std::string_view scheme : {"http://", "https://"}) {
    if (value.starts_with(scheme) && value.size() > scheme.size() && !HasBlankOrControl(value)) {
      return std::nullopt;
    }
  }
  return "must be an http:// or https:// URL";
}

void CollectProxyEnvName(const YAML::Node& forward_token_env, std::set<std::string>& names) {
  if (forward_token_env.IsScalar() && !forward_token_env.Scalar().empty()) {
    names.insert(forward_token_env.Scalar());
  }
}

void FinishProxy(Config& config, const std::map<std::string, std::string>& env,
                 std::vector<ConfigError>& errors) {
  Config::Proxy& p = config.proxy;
  const bool listen_refused = Reported(errors, "proxy.listen");
  const bool upstream_refused = Reported(errors, "proxy.upstream");
  if (!p.upstream.empty() && p.listen.empty() && !listen_refused) {
    errors.push_back({"proxy.listen", "required when proxy.upstream is set"});
  }
  if (p.upstream.empty() && !p.listen.empty() && !upstream_refused) {
    errors.push_back({"proxy.upstream", "required when proxy.listen is set"});
  }
  if (!p.listen.empty() && SameAddress(config)) {
    errors.push_back({"proxy.listen", "the same address as server.listen"});
  }
  if ((p.max_capture_bytes < 1024 || p.max_capture_bytes > p.max_body_bytes) &&
      !Reported(errors, "proxy.max_body_bytes")) {
    errors.push_back({"proxy.max_capture_bytes", "must be between 1024 and proxy.max_body_bytes"});
  }
  if (p.health_timeout_ms >= p.health_interval_ms && !Reported(errors, "proxy.health_interval")) {
    errors.push_back({"proxy.health_timeout", "must be shorter than proxy.health_interval"});
  }
  CheckCacheRedis(config, errors);
  p.forward_token.clear();
  if (!p.forward_token_env.empty()) {
    auto it = env.find(p.forward_token_env);
    if (it == env.end() || it->second.empty()) {
      errors.push_back(
          {"proxy.forward_token_env", "variable " + p.forward_token_env + " is not set"});
    } else {
      p.forward_token = it->second;
    }
  }
}

}  // namespace mw::config::detail
