// Determinism and state export: two engines fed the same stream give identical effects and
// state hashes; export -> import -> continue equals never stopping; the canonical encoding is
// stable and Import refuses inconsistent states.

#include "engine_test_util.h"

namespace engine::testing {
namespace {

constexpr int64_t kEvents = 40'000;

std::string HexOf(const std::string& bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex;
  for (unsigned char byte : bytes) {
    hex.push_back(kDigits[byte >> 4]);
    hex.push_back(kDigits[byte & 15]);
  }
  return hex;
}

TEST(DeterminismTest, TwoEnginesOnTheSameStreamAgreeOnEffectsAndHashes) {
  RandomStream first_stream(7), second_stream(7);
  RiskEngine first, second;
  std::vector<Effect> first_effects, second_effects;
  for (int64_t i = 0; i < kEvents; ++i) {
    first_effects.clear();
    second_effects.clear();
    first.Apply(first_stream.Next(), i, &first_effects);
    second.Apply(second_stream.Next(), i, &second_effects);
    ASSERT_EQ(first_effects, second_effects) << "event " << i;
    if (i % 1'000 == 0) {
      ASSERT_EQ(first.StateHash(Fnv1a64), second.StateHash(Fnv1a64));
    }
  }
  EXPECT_EQ(first.CanonicalState(), second.CanonicalState());
}

TEST(DeterminismTest, ExportImportContinueEqualsNeverStopping) {
  RandomStream stream(11);
  RiskEngine live;
  std::optional<RiskEngine> restored;
  std::vector<Effect> live_effects, restored_effects;
  for (int64_t i = 0; i < kEvents; ++i) {
    if (i % 9'973 == 5'000) {
      std::string error;
      restored = RiskEngine::Import(live.Export(), &error);
      ASSERT_TRUE(restored.has_value()) << error;
      ASSERT_EQ(restored->CanonicalState(), live.CanonicalState());
    }
    const Input input = stream.Next();
    live_effects.clear();
    live.Apply(input, i, &live_effects);
    if (restored.has_value()) {
      restored_effects.clear();
      restored->Apply(input, i, &restored_effects);
      ASSERT_EQ(live_effects, restored_effects) << "event " << i;
    }
  }
  ASSERT_TRUE(restored.has_value());
  EXPECT_EQ(live.StateHash(Fnv1a64), restored->StateHash(Fnv1a64));
}

// The empty state's encoding, every byte: the tag and version prefix, then the lists and
// counters in docs/ENGINE.md's order. The encoding of a non-trivial state is pinned by its SHA-256
// in tests/snapshots/state_hash_golden_test.cc and by the Fnv1a64 state goldens of cascade_test.cc;
// this test names a change to the frame itself.
TEST(CanonicalStateTest, EncodingOfTheEmptyStateIsPinnedByteForByte) {
  const std::string bytes = RiskEngine().CanonicalState();
  // u32 length 21, "backstop.engine.state", u32 version 1.
  const std::string prefix = std::string("\x15\x00\x00\x00", 4) + "backstop.engine.state" +
                             std::string("\x01\x00\x00\x00", 4);
  ASSERT_GE(bytes.size(), prefix.size());
  EXPECT_EQ(bytes.substr(0, prefix.size()), prefix);
  EXPECT_EQ(HexOf(bytes.substr(prefix.size())),
            std::string("00000000") +      // 0 markets.
                "01000000" +               // 1 account: the venue's account 0,
                "0000000000000000" +       //   id 0,
                "00000000" + "00000000" +  //   no balances, no positions.
                "00000000" +               // 0 resting orders.
                "00000000" +               // 0 assets.
                "0100000000000000" +       // next internal order id 1.
                "0000000000000000");       // last time 0.
}

TEST(CanonicalStateTest, ImportRefusesAnInconsistentState) {
  RandomStream stream(3);
  RiskEngine engine;
  std::vector<Effect> effects;
  for (int i = 0; i < 5'000; ++i) engine.Apply(stream.Next(), i, &effects);
  EngineState state = engine.Export();
  ASSERT_FALSE(state.assets.empty());
  state.assets[0].deposits += Money{1};  // Breaks conservation.
  std::string error;
  EXPECT_FALSE(RiskEngine::Import(state, &error).has_value());
  EXPECT_NE(error.find("conservation"), std::string::npos) << error;
}

// Found by fuzz_snapshot: a snapshot body whose account sits below maintenance margin (which a
// live engine never exports: it liquidates such a pool at once) made Import abort in the
// liquidation watch instead of refusing the state.
TEST(CanonicalStateTest, ImportRefusesAnAccountBelowMaintenanceMargin) {
  RiskEngine engine;
  std::vector<Effect> effects;
  engine.Apply(ListMarket{PlainSpec()}, 1, &effects);
  engine.Apply(SetMark{kMarket, Price{10'000}, Price{10'000}}, 2, &effects);
  for (const AccountId account : {AccountId{1}, AccountId{2}}) {
    engine.Apply(OpenAccount{account}, 3, &effects);
    engine.Apply(Deposit{account, kUsdt, Money{2'000}}, 4, &effects);
  }
  engine.Apply(PlaceOrder{AccountId{1}, kMarket, OrderId{1}, Side::kSell, OrderType::kLimit,
                          TimeInForce::kGtc, false, Price{10'000}, Quantity{1}},
               5, &effects);
  engine.Apply(PlaceOrder{AccountId{2}, kMarket, OrderId{1}, Side::kBuy, OrderType::kLimit,
                          TimeInForce::kIoc, false, Price{10'000}, Quantity{1}},
               6, &effects);
  ASSERT_EQ(engine.Position(AccountId{2}, kMarket).quantity, 1);
  EngineState state = engine.Export();
  std::string error;
  ASSERT_TRUE(RiskEngine::Import(state, &error).has_value()) << error;
  for (AccountState& account : state.accounts) {
    if (account.account != AccountId{2}) continue;
    account.balances.at(0).wallet_balance = Money{50};  // Equity 50 < maintenance 100 at 10,000.
    state.assets.at(0).deposits -= Money{1'950};        // Conservation still holds.
  }
  EXPECT_FALSE(RiskEngine::Import(state, &error).has_value());
  EXPECT_EQ(error, "account 2 is below maintenance margin");
}

}  // namespace
}  // namespace engine::testing
