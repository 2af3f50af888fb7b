// What one history did, tallied from its effects: the engine's own effects (the what-if) or
// the logged records (the log), through the same counters. Private to replay/whatif.cc.
// Thread-compatible.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <vector>

#include "engine/events.h"
#include "engine/state.h"
#include "ledger/record.h"
#include "replay/whatif.h"

namespace replay::internal {

class HistoryTally {
 public:
  // The funds at the window start.
  void Start(const engine::EngineState& state);
  // The asset the minute fund follows and the market whose mark the minutes keep.
  void SetReportMarket(engine::MarketId market, engine::AssetId asset);
  void Mark(int64_t time_ns, engine::MarketId market, engine::Price price);
  void Effect(int64_t time_ns, const engine::Effect& effect);
  // A logged effect record (ignores the kinds the tally does not count).
  void Record(const ledger::LogRecord& record);
  // A deposit (amount > 0) or withdrawal (< 0) of the report asset in the group that starts;
  // it counts unless the group's effects refuse it (InputRejected). Ends the previous group.
  void Transfer(engine::AccountId account, engine::AssetId asset, engine::Money amount);
  // Ends the current group (counts its transfer if it was not refused).
  void EndGroup();
  // The outcome; the per-account counters go to `accounts[side]`.
  HistoryOutcome Finish(std::map<engine::AccountId, AccountOutcome>* accounts, int side);

 private:
  struct PerAccount {
    engine::Money net_transfers = 0;
    uint64_t liquidations = 0;
    uint64_t adl_reductions = 0;
    engine::Quantity adl_quantity = 0;
  };
  void Liquidation(int64_t time_ns, engine::AccountId account, engine::Quantity position,
                   engine::Price mark);
  void Phase(engine::LiquidationPhase phase, engine::Quantity quantity);
  void Fund(int64_t time_ns, engine::AssetId asset, engine::Money balance_after, bool draw);
  void Adl(int64_t time_ns, engine::AccountId counterparty, engine::Quantity quantity,
           engine::Price price);
  MinuteBucket* Bucket(int64_t time_ns);

  HistoryOutcome outcome_;
  std::map<engine::AssetId, FundPath> funds_;
  std::set<engine::AssetId> moved_;  // Funds a credit or draw has moved.
  std::map<engine::AccountId, PerAccount> accounts_;
  std::optional<engine::MarketId> report_market_;
  engine::AssetId report_asset_{0};
  engine::Price mark_ = 0;
  bool keep_minutes_ = false;
  struct PendingTransfer {
    engine::AccountId account{0};
    engine::Money amount = 0;
    bool refused = false;
  };
  std::optional<PendingTransfer> pending_;

 public:
  void KeepMinutes() { keep_minutes_ = true; }
};

}  // namespace replay::internal
