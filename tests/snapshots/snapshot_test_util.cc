// Helpers of the snapshot tests: state built by a real engine, file I/O, the fixture.

#include "snapshot_test_util.h"

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>

#include "engine/events.h"
#include "engine/risk_engine.h"

namespace snapshots::testing {
namespace {

std::optional<ledger::PrivateKey>& KeyA() {
  static std::optional<ledger::PrivateKey> key;
  return key;
}
std::optional<ledger::PrivateKey>& KeyB() {
  static std::optional<ledger::PrivateKey> key;
  return key;
}

engine::MarketSpec Spec(engine::MarketId market, std::string symbol) {
  engine::MarketSpec spec;
  spec.market_id = market;
  spec.symbol = std::move(symbol);
  spec.quote_asset = engine::AssetId{1};
  spec.tick_size = engine::Price{5};
  spec.lot_decimals = 3;
  spec.quote_decimals = 6;
  spec.maker_fee_e8 = 20'000;  // 0.02%
  spec.taker_fee_e8 = 50'000;  // 0.05%
  spec.tiers = {{engine::Money{0}, 400'000, 100},
                {engine::Money{50'000'000}, 1'000'000, 50},
                {engine::Money{500'000'000}, 2'500'000, 20}};
  spec.funding_interval_ns = 8 * 3600 * int64_t{1'000'000'000};
  spec.adl_policy = engine::AdlPolicy::kBinanceLeveragePnl;
  spec.max_slippage_e8 = 5'000'000;
  return spec;
}

engine::PlaceOrder Limit(engine::AccountId account, engine::OrderId id, engine::Side side,
                         engine::Price price, engine::Quantity quantity,
                         engine::MarketId market = engine::MarketId{1}) {
  return engine::PlaceOrder{
      account, market, id,      side, engine::OrderType::kLimit, engine::TimeInForce::kGtc,
      false,   price,  quantity};
}

}  // namespace

std::string StatusText(const base::Status& status) { return status.ToString(); }

engine::EngineState MakeEngineState(int step) {
  engine::RiskEngine engine;
  std::vector<engine::Effect> effects;
  engine::TimeNs time_ns = 1'700'000'000'000'000'000;
  auto apply = [&](const engine::Input& input) {
    effects.clear();
    engine.Apply(input, ++time_ns, &effects);
    for (const engine::Effect& effect : effects) {
      EXPECT_FALSE(std::holds_alternative<engine::OrderRejected>(effect)) << "order refused";
      EXPECT_FALSE(std::holds_alternative<engine::InputRejected>(effect)) << "input refused";
    }
  };
  apply(engine::ListMarket{Spec(engine::MarketId{1}, "BTCUSDT")});
  apply(engine::ListMarket{Spec(engine::MarketId{2}, "ETHUSDT")});
  for (uint64_t n = 1; n <= 4; ++n) {
    const engine::AccountId account{n};
    apply(engine::OpenAccount{account});
    apply(engine::Deposit{account, engine::AssetId{1}, engine::Money{10'000'000'000}});
  }
  apply(engine::TopUpInsurance{engine::AssetId{1}, engine::Money{123'456}});
  apply(engine::SetMark{engine::MarketId{1}, engine::Price{20'000}, engine::Price{19'995}});
  apply(engine::SetMark{engine::MarketId{2}, engine::Price{1'500}, engine::Price{1'501}});
  apply(Limit(engine::AccountId{1}, engine::OrderId{11}, engine::Side::kBuy, engine::Price{20'000},
              engine::Quantity{10}));  // Rests.
  apply(Limit(engine::AccountId{1}, engine::OrderId{12}, engine::Side::kBuy, engine::Price{19'990},
              engine::Quantity{7}));  // Rests behind.
  apply(Limit(engine::AccountId{2}, engine::OrderId{21}, engine::Side::kSell, engine::Price{20'000},
              engine::Quantity{4}));  // Fills 4 against order 11.
  apply(Limit(engine::AccountId{3}, engine::OrderId{31}, engine::Side::kSell, engine::Price{20'050},
              engine::Quantity{5}));  // Rests (ask).
  apply(Limit(engine::AccountId{4}, engine::OrderId{41}, engine::Side::kSell, engine::Price{20'050},
              engine::Quantity{3}));  // Rests behind 31 (time priority).
  apply(Limit(engine::AccountId{2}, engine::OrderId{22}, engine::Side::kBuy, engine::Price{1'500},
              engine::Quantity{9}, engine::MarketId{2}));  // Market 2 bid.
  apply(Limit(engine::AccountId{3}, engine::OrderId{32}, engine::Side::kSell, engine::Price{1'500},
              engine::Quantity{2 + step}, engine::MarketId{2}));  // Crosses it.
  return engine.Export();
}

std::vector<uint8_t> ReadBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << path;
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}

void WriteBytes(const std::string& path, const std::vector<uint8_t>& bytes) {
  // A fresh inode each time: truncating a file in place makes ext4 flush it on close
  // (auto_da_alloc), which would turn thousands of rewrites into thousands of disk writes.
  std::error_code ec;
  std::filesystem::remove(path, ec);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
  EXPECT_TRUE(out.good()) << path;
}

void SnapshotTest::SetUpTestSuite() {
  if (!KeyA().has_value()) {
    auto a = ledger::PrivateKey::Generate();
    auto b = ledger::PrivateKey::Generate();
    ASSERT_TRUE(a.ok() && b.ok());
    KeyA() = *a;
    KeyB() = *b;
  }
}

const ledger::PrivateKey& SnapshotTest::key_a() { return *KeyA(); }
const ledger::PrivateKey& SnapshotTest::key_b() { return *KeyB(); }

void SnapshotTest::SetUp() {
  std::string pattern = (std::filesystem::temp_directory_path() / "snapshots_test.XXXXXX").string();
  ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
  dir_ = pattern;
  for (size_t i = 0; i < chain_.size(); ++i) chain_[i] = static_cast<uint8_t>(0xC0 + i);
  auto store = SnapshotStore::Open(dir_, SnapshotStoreOptions{});
  ASSERT_OK(store);
  store_ = std::move(store).value();
}

void SnapshotTest::TearDown() {
  store_.reset();
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

SnapshotMeta SnapshotTest::MetaAt(ledger::SequenceNumber seq) const {
  SnapshotMeta meta;
  meta.seq = seq;
  for (size_t i = 0; i < meta.log_head_hash.size(); ++i) {
    meta.log_head_hash[i] = static_cast<uint8_t>(seq.value() * 7 + i);
  }
  meta.time_ns = 1'700'000'000'000'000'000 + static_cast<int64_t>(seq.value());
  meta.chain_id = chain_;
  return meta;
}

SnapshotInfo SnapshotTest::WriteAt(ledger::SequenceNumber seq, int step) {
  auto info = store_->Write(MakeEngineState(step), MetaAt(seq), key_a());
  EXPECT_TRUE(info.ok()) << info.status().ToString();
  return info.ok() ? *info : SnapshotInfo{};
}

ledger::Keyring SnapshotTest::TrustA() const {
  ledger::Keyring keyring;
  keyring.Add(key_a().public_key());
  return keyring;
}

}  // namespace snapshots::testing
