// The roles file: what it accepts, what it refuses, and who may send what.

#include "server/roles.h"

#include <gtest/gtest.h>

#include "tests/testing/status_testing.h"

namespace server {
namespace {

constexpr char kFingerprint[] =
    "3A:80:D6:2E:EB:F6:3C:74:5C:23:61:F5:DC:81:D3:FC:88:1A:67:E5:DF:84:44:C5:E5:16:D9:7D:10:2C:62:"
    "13";

TEST(RolesTest, FindsByFingerprintOrSubject) {
  auto roles = Roles::Parse(std::string(R"({"clients": [
      {"name": "alice", "subject": "CN=alice,O=Venue", "role": "trader", "accounts": [2, 1]},
      {"sha256": ")") + kFingerprint +
                            R"(", "role": "auditor"}]})");
  ASSERT_OK(roles);
  const ClientEntry* alice = roles->Find("CN=alice,O=Venue", "00");
  ASSERT_NE(alice, nullptr);
  EXPECT_EQ(alice->role, Role::kTrader);
  EXPECT_EQ(alice->accounts,
            (std::vector<engine::AccountId>{engine::AccountId{1}, engine::AccountId{2}}));
  const ClientEntry* auditor =
      roles->Find("CN=whoever", "3a80d62eebf63c745c2361f5dc81d3fc881a67e5df8444c5e516d97d102c6213");
  ASSERT_NE(auditor, nullptr);
  EXPECT_EQ(auditor->role, Role::kAuditor);
  EXPECT_EQ(roles->Find("CN=alice", ""), nullptr);
}

TEST(RolesTest, RefusesWhatItDoesNotUnderstand) {
  EXPECT_FALSE(Roles::Parse("[]").ok());
  EXPECT_FALSE(Roles::Parse(R"({"clients": [{"subject": "CN=a", "role": "king"}]})").ok());
  EXPECT_FALSE(Roles::Parse(R"({"clients": [{"role": "trader"}]})").ok());
  EXPECT_FALSE(Roles::Parse(R"({"clients": [{"subject": "CN=a"}]})").ok());
  EXPECT_FALSE(Roles::Parse(R"({"clients": [{"sha256": "abc", "role": "auditor"}]})").ok());
  EXPECT_FALSE(
      Roles::Parse(R"({"clients": [{"subject": "CN=a", "role": "auditor", "colour": 1}]})").ok());
  EXPECT_FALSE(Roles::Parse(R"({"clients": [{"subject": "CN=a", "role": "auditor"},
                                            {"subject": "CN=a", "role": "trader"}]})")
                   .ok());
  EXPECT_FALSE(Roles::Parse(R"({"clients": [{"subject": "CN=a", "role": "trader",
                                             "accounts": [-1]}]})")
                   .ok());
}

TEST(RolesTest, AuthorizeFollowsTheRoles) {
  ClientEntry trader{"t", Role::kTrader, "CN=t", "", {engine::AccountId{5}}};
  ClientEntry operator_entry{"o", Role::kOperator, "CN=o", "", {}};
  ClientEntry auditor{"a", Role::kAuditor, "CN=a", "", {}};
  bool account = false;
  EXPECT_EQ(
      Authorize(trader, engine::Deposit{engine::AccountId{5}, engine::AssetId{1}, engine::Money{1}},
                &account),
      "");
  EXPECT_NE(
      Authorize(trader, engine::Deposit{engine::AccountId{6}, engine::AssetId{1}, engine::Money{1}},
                &account),
      "");
  EXPECT_TRUE(account);
  EXPECT_NE(Authorize(trader, engine::FundingTick{engine::MarketId{1}, 1}, &account), "");
  EXPECT_FALSE(account);
  EXPECT_EQ(Authorize(operator_entry, engine::FundingTick{engine::MarketId{1}, 1}, &account), "");
  EXPECT_NE(Authorize(operator_entry, engine::CancelOrder{engine::AccountId{5}, engine::OrderId{1}},
                      &account),
            "");
  EXPECT_NE(
      Authorize(auditor, engine::SetMark{engine::MarketId{1}, engine::Price{1}, engine::Price{1}},
                &account),
      "");
}

}  // namespace
}  // namespace server
