#include "auth/auth.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace mw::auth {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

const std::string kIngestSecret = "ingest-secret-0123456789";
const std::string kReadSecret = "read-secret-0123456789ab";
const std::string kAdminSecret = "admin-secret-0123456789a";

std::vector<config::ApiToken> Tokens() {
  return {{"scorer", kIngestSecret, {config::Role::kIngest}},
          {"grafana", kReadSecret, {config::Role::kRead}},
          {"ops", kAdminSecret, {config::Role::kAdmin}}};
}

TEST(AuthenticatorTest, EnabledWithTokens) { EXPECT_TRUE(Authenticator(Tokens()).enabled()); }

TEST(AuthenticatorTest, DisabledWithoutTokens) { EXPECT_FALSE(Authenticator({}).enabled()); }

TEST(AuthenticatorTest, BearerTokenFindsItsToken) {
  Authenticator auth(Tokens());
  auto r = auth.Authenticate("Bearer " + kReadSecret);
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ((*r)->name, "grafana");
}

TEST(AuthenticatorTest, SchemeIsCaseInsensitive) {
  Authenticator auth(Tokens());
  auto r = auth.Authenticate("bEaReR " + kAdminSecret);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ((*r)->name, "ops");
}

TEST(AuthenticatorTest, ExtraSpacesAroundTokenAreAccepted) {
  Authenticator auth(Tokens());
  EXPECT_TRUE(auth.Authenticate("  Bearer   " + kIngestSecret + " ").has_value());
}

TEST(AuthenticatorTest, MissingHeaderIsUnauthenticated) {
  auto r = Authenticator(Tokens()).Authenticate("");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), StatusCode::kUnauthenticated);
  EXPECT_THAT(r.error().message(), HasSubstr("missing"));
}

TEST(AuthenticatorTest, OtherSchemeIsUnauthenticated) {
  auto r = Authenticator(Tokens()).Authenticate("Basic " + kReadSecret);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), StatusCode::kUnauthenticated);
}

TEST(AuthenticatorTest, SchemeWithoutTokenIsUnauthenticated) {
  auto r = Authenticator(Tokens()).Authenticate("Bearer");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), StatusCode::kUnauthenticated);
}

TEST(AuthenticatorTest, BareTokenWithoutSchemeIsUnauthenticated) {
  EXPECT_FALSE(Authenticator(Tokens()).Authenticate(kReadSecret).has_value());
}

TEST(AuthenticatorTest, TwoWordsAfterSchemeAreUnauthenticated) {
  EXPECT_FALSE(Authenticator(Tokens()).Authenticate("Bearer " + kReadSecret + " x").has_value());
}

TEST(AuthenticatorTest, UnknownTokenIsUnauthenticatedAndNotEchoed) {
  auto r = Authenticator(Tokens()).Authenticate("Bearer not-a-configured-token-123");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), StatusCode::kUnauthenticated);
  EXPECT_THAT(r.error().message(), Not(HasSubstr("not-a-configured")));
}

TEST(AuthenticatorTest, PrefixOfATokenDoesNotMatch) {
  EXPECT_FALSE(
      Authenticator(Tokens()).Authenticate("Bearer " + kReadSecret.substr(0, 10)).has_value());
}

TEST(AuthenticatorTest, TokenWithExtraSuffixDoesNotMatch) {
  EXPECT_FALSE(Authenticator(Tokens()).Authenticate("Bearer " + kReadSecret + "x").has_value());
}

TEST(AuthenticatorTest, RepeatedSecretPatternDoesNotMatch) {
  // The comparison wraps around the secret; a presented value that is the secret twice must not
  // match just because every character agrees modulo the secret length.
  EXPECT_FALSE(
      Authenticator(Tokens()).Authenticate("Bearer " + kReadSecret + kReadSecret).has_value());
}

TEST(AuthenticatorTest, TokenIsRejectedWhenAuthIsDisabled) {
  EXPECT_FALSE(Authenticator({}).Authenticate("Bearer " + kReadSecret).has_value());
}

TEST(AllowsTest, AdminAllowsEveryRole) {
  config::ApiToken t{"ops", kAdminSecret, {config::Role::kAdmin}};
  EXPECT_TRUE(Allows(t, config::Role::kAdmin));
  EXPECT_TRUE(Allows(t, config::Role::kRead));
  EXPECT_TRUE(Allows(t, config::Role::kIngest));
}

TEST(AllowsTest, IngestDoesNotAllowRead) {
  config::ApiToken t{"scorer", kIngestSecret, {config::Role::kIngest}};
  EXPECT_TRUE(Allows(t, config::Role::kIngest));
  EXPECT_FALSE(Allows(t, config::Role::kRead));
  EXPECT_FALSE(Allows(t, config::Role::kAdmin));
}

TEST(AllowsTest, ReadDoesNotAllowIngest) {
  config::ApiToken t{"grafana", kReadSecret, {config::Role::kRead}};
  EXPECT_TRUE(Allows(t, config::Role::kRead));
  EXPECT_FALSE(Allows(t, config::Role::kIngest));
  EXPECT_FALSE(Allows(t, config::Role::kAdmin));
}

TEST(AllowsTest, SeveralRolesCombine) {
  config::ApiToken t{"both", kReadSecret, {config::Role::kIngest, config::Role::kRead}};
  EXPECT_TRUE(Allows(t, config::Role::kIngest));
  EXPECT_TRUE(Allows(t, config::Role::kRead));
  EXPECT_FALSE(Allows(t, config::Role::kAdmin));
}

TEST(AllowsTest, NoRolesAllowNothing) {
  EXPECT_FALSE(Allows(config::ApiToken{"none", kReadSecret, {}}, config::Role::kRead));
}

TEST(AllowsTest, StaticMemberMatchesFreeFunction) {
  config::ApiToken t{"scorer", kIngestSecret, {config::Role::kIngest}};
  EXPECT_TRUE(Authenticator::Allows(t, config::Role::kIngest));
  EXPECT_FALSE(Authenticator::Allows(t, config::Role::kRead));
}

TEST(AuthorizeTest, DisabledAuthAllowsEverything) {
  EXPECT_TRUE(Authenticator({}).Authorize("", config::Role::kAdmin).ok());
}

TEST(AuthorizeTest, TokenWithRoleIsAllowed) {
  EXPECT_TRUE(
      Authenticator(Tokens()).Authorize("Bearer " + kIngestSecret, config::Role::kIngest).ok());
}

TEST(AuthorizeTest, TokenWithoutRoleIsPermissionDenied) {
  Status s = Authenticator(Tokens()).Authorize("Bearer " + kIngestSecret, config::Role::kRead);
  EXPECT_EQ(s.code(), StatusCode::kPermissionDenied);
  EXPECT_THAT(s.message(), HasSubstr("scorer"));
  EXPECT_THAT(s.message(), HasSubstr("read"));
}

TEST(AuthorizeTest, MissingHeaderIsUnauthenticated) {
  EXPECT_EQ(Authenticator(Tokens()).Authorize("", config::Role::kRead).code(),
            StatusCode::kUnauthenticated);
}

TEST(AuthorizeTest, UnknownTokenIsUnauthenticated) {
  EXPECT_EQ(
      Authenticator(Tokens()).Authorize("Bearer zzzzzzzzzzzzzzzzzzzz", config::Role::kRead).code(),
      StatusCode::kUnauthenticated);
}

TEST(RoleNameTest, NamesAndParsesRoles) {
  EXPECT_EQ(config::RoleName(config::Role::kIngest), "ingest");
  EXPECT_EQ(config::RoleName(config::Role::kRead), "read");
  EXPECT_EQ(config::RoleName(config::Role::kAdmin), "admin");
  EXPECT_EQ(config::ParseRole("read"), config::Role::kRead);
  EXPECT_FALSE(config::ParseRole("write").has_value());
}

}  // namespace
}  // namespace mw::auth
