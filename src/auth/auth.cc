#include "auth/auth.h"

#include <algorithm>
#include <cctype>
#include <string>

namespace mw::auth {
namespace {

Status Unauthenticated(std::string message) {
  return Status(StatusCode::kUnauthenticated, std::move(message));
}

std::string_view TrimSpaces(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

// Hand-written because no linked dependency offers a constant-time compare (OpenSSL's
// CRYPTO_memcmp is not in the build). The loop always runs over the whole presented value and
// never exits early, so the time depends only on the presented length, not on how many leading
// characters of a secret match.
bool ConstantTimeEquals(std::string_view presented, std::string_view secret) {
  if (secret.empty()) return false;
  volatile unsigned char diff = presented.size() == secret.size() ? 0 : 1;
  for (size_t i = 0; i < presented.size(); ++i) {
    diff = diff | static_cast<unsigned char>(presented[i] ^ secret[i % secret.size()]);
  }
  return diff == 0;
}

}  // namespace

bool Allows(const config::ApiToken& token, config::Role required) {
  return std::any_of(token.roles.begin(), token.roles.end(), [required](config::Role held) {
    return held == config::Role::kAdmin || held == required;
  });
}

Authenticator::Authenticator(std::vector<config::ApiToken> tokens) : tokens_(std::move(tokens)) {}

Result<const config::ApiToken*> Authenticator::Authenticate(std::string_view header) const {
  header = TrimSpaces(header);
  if (header.empty()) return Unauthenticated("missing Authorization header");
  const size_t space = header.find_first_of(" \t");
  if (space == std::string_view::npos || !EqualsIgnoreCase(header.substr(0, space), "bearer")) {
    return Unauthenticated("the Authorization header must be \"Bearer <token>\"");
  }
  const std::string_view presented = TrimSpaces(header.substr(space));
  if (presented.empty() || presented.find_first_of(" \t") != std::string_view::npos) {
    return Unauthenticated("the Authorization header must be \"Bearer <token>\"");
  }
  // Compare against every token without stopping at a match, so timing does not tell which
  // (or whether an earlier) token matched.
  const config::ApiToken* match = nullptr;
  for (const config::ApiToken& t : tokens_) {
    if (ConstantTimeEquals(presented, t.token) && match == nullptr) match = &t;
  }
  if (match == nullptr) return Unauthenticated("unknown bearer token");
  return match;
}

Status Authenticator::Authorize(std::string_view header, config::Role required) const {
  if (!enabled()) return Status::Ok();
  auto token = Authenticate(header);
  if (!token.has_value()) return token.error();
  if (!auth::Allows(**token, required)) {
    return Status(StatusCode::kPermissionDenied, "token \"" + (*token)->name + "\" lacks the " +
                                                     std::string(config::RoleName(required)) +
                                                     " role");
  }
  return Status::Ok();
}

}  // namespace mw::auth
