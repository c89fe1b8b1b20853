#include "auth/auth.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace mw {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

const std::string kIngestSecret = "ingest-secret-0123456789";
const std::string kReadSecret = "read-secret-0123456789ab";
const std::string kAdminSecret = "admin-secret-0123456789a";

std::vector<ApiToken> Tokens() {
  return {{"scorer", kIngestSecret, {Role::kIngest}},
          {"grafana", kReadSecret, {Role::kRead}},
          {"ops", kAdminSecret, {Role::kAdmin}}};
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
  ApiToken t{"ops", kAdminSecret, {Role::kAdmin}};
  EXPECT_TRUE(Allows(t, Role::kAdmin));
  EXPECT_TRUE(Allows(t, Role::kRead));
  EXPECT_TRUE(Allows(t, Role::kIngest));
}

TEST(AllowsTest, IngestDoesNotAllowRead) {
  ApiToken t{"scorer", kIngestSecret, {Role::kIngest}};
  EXPECT_TRUE(Allows(t, Role::kIngest));
  EXPECT_FALSE(Allows(t, Role::kRead));
  EXPECT_FALSE(Allows(t, Role::kAdmin));
}

TEST(AllowsTest, ReadDoesNotAllowIngest) {
  ApiToken t{"grafana", kReadSecret, {Role::kRead}};
  EXPECT_TRUE(Allows(t, Role::kRead));
  EXPECT_FALSE(Allows(t, Role::kIngest));
  EXPECT_FALSE(Allows(t, Role::kAdmin));
}

TEST(AllowsTest, SeveralRolesCombine) {
  ApiToken t{"both", kReadSecret, {Role::kIngest, Role::kRead}};
  EXPECT_TRUE(Allows(t, Role::kIngest));
  EXPECT_TRUE(Allows(t, Role::kRead));
  EXPECT_FALSE(Allows(t, Role::kAdmin));
}

TEST(AllowsTest, NoRolesAllowNothing) {
  EXPECT_FALSE(Allows(ApiToken{"none", kReadSecret, {}}, Role::kRead));
}

TEST(AllowsTest, StaticMemberMatchesFreeFunction) {
  ApiToken t{"scorer", kIngestSecret, {Role::kIngest}};
  EXPECT_TRUE(Authenticator::Allows(t, Role::kIngest));
  EXPECT_FALSE(Authenticator::Allows(t, Role::kRead));
}

TEST(AuthorizeTest, DisabledAuthAllowsEverything) {
  EXPECT_TRUE(Authenticator({}).Authorize("", Role::kAdmin).ok());
}

TEST(AuthorizeTest, TokenWithRoleIsAllowed) {
  EXPECT_TRUE(Authenticator(Tokens()).Authorize("Bearer " + kIngestSecret, Role::kIngest).ok());
}

TEST(AuthorizeTest, TokenWithoutRoleIsPermissionDenied) {
  Status s = Authenticator(Tokens()).Authorize("Bearer " + kIngestSecret, Role::kRead);
  EXPECT_EQ(s.code(), StatusCode::kPermissionDenied);
  EXPECT_THAT(s.message(), HasSubstr("scorer"));
  EXPECT_THAT(s.message(), HasSubstr("read"));
}

TEST(AuthorizeTest, MissingHeaderIsUnauthenticated) {
  EXPECT_EQ(Authenticator(Tokens()).Authorize("", Role::kRead).code(),
            StatusCode::kUnauthenticated);
}

TEST(AuthorizeTest, UnknownTokenIsUnauthenticated) {
  EXPECT_EQ(Authenticator(Tokens()).Authorize("Bearer zzzzzzzzzzzzzzzzzzzz", Role::kRead).code(),
            StatusCode::kUnauthenticated);
}

TEST(RoleNameTest, NamesAndParsesRoles) {
  EXPECT_EQ(RoleName(Role::kIngest), "ingest");
  EXPECT_EQ(RoleName(Role::kRead), "read");
  EXPECT_EQ(RoleName(Role::kAdmin), "admin");
  EXPECT_EQ(ParseRole("read"), Role::kRead);
  EXPECT_FALSE(ParseRole("write").has_value());
}

}  // namespace
}  // namespace mw
