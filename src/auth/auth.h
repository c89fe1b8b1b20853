// API authentication: bearer tokens from the configuration (auth.tokens), each with roles.
//
// Role model: admin implies read and ingest (admin ⊇ read ∪ ingest); ingest and read are separate
// (a scoring service that writes events cannot read them back, a dashboard that reads cannot
// write). With no tokens configured authentication is disabled and every request is allowed.
//
// RoleName() and ParseRole() live in config/config.h (config validation needs them) and are
// available through this header.
#pragma once

#include <string_view>
#include <vector>

#include "common/status.h"
#include "config/config.h"

namespace mw::auth {

// True when a token with `token`'s roles may do what `required` guards.
bool Allows(const config::ApiToken& token, config::Role required);

// Thread-safety: immutable after construction; all methods are const and safe to call
// concurrently.
class Authenticator {
 public:
  // Takes the validated token list (Config::auth.tokens).
  explicit Authenticator(std::vector<config::ApiToken> tokens);

  Authenticator(const Authenticator&) = delete;
  Authenticator& operator=(const Authenticator&) = delete;

  // Same as the free function Allows(); here so call sites can write Authenticator::Allows.
  static bool Allows(const config::ApiToken& token, config::Role required) {
    return auth::Allows(token, required);
  }

  // False when no tokens are configured: callers then allow every request (see Authorize).
  bool enabled() const { return !tokens_.empty(); }

  // Checks an Authorization header value, "Bearer <token>" (scheme case-insensitive, one or more
  // spaces before the token, surrounding whitespace ignored). Returns the matching token, which
  // lives as long as this Authenticator. kUnauthenticated for an empty header, another scheme, a
  // missing token, or a token that matches no configured one (also when auth is disabled). Tokens
  // are compared in constant time with respect to the configured secrets; messages never contain
  // the presented token.
  Result<const config::ApiToken*> Authenticate(std::string_view authorization_header) const;

  // Authenticate + Allows in one step: OK when auth is disabled or the token holds a role that
  // allows `required`; kUnauthenticated as above; kPermissionDenied (naming the token's name and
  // the required role) when the token lacks the role.
  Status Authorize(std::string_view authorization_header, config::Role required) const;

 private:
  std::vector<config::ApiToken> tokens_;
};

}  // namespace mw::auth
