// What one history did, tallied from its effects: the engine's own effects (the what-if) or
// the logged records (the log), through the same counters. Private to replay/whatif.cc and
// replay/logged_history.cc. A tally may also cover a later part of the window only (StartLater)
// and be merged after the tally of the part before it (Append), giving exactly what one tally
// over both parts gives. Thread-compatible.
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
  // Instead of Start: this tally begins after other records of the window, in a group's first
  // record, with the report market already chosen. The fund and mark it begins with are not
  // known until Append hands it the tally of the records before it.
  void StartLater(engine::MarketId market, engine::AssetId asset);
  // Adds `later` (StartLater'd with this tally's report market, over the records right after
  // this tally's, both groups ended) as if its records had been fed to this tally. False (and
  // this tally unchanged) when the two cannot be merged exactly: `later` starts in an earlier
  // minute than this tally's last one (stamps went backwards).
  [[nodiscard]] bool Append(HistoryTally later);
  std::optional<engine::MarketId> report_market() const { return report_market_; }
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
    engine::Money net_transfers{0};
    uint64_t liquidations = 0;
    uint64_t adl_reductions = 0;
    engine::Quantity adl_quantity{0};
  };
  void Liquidation(int64_t time_ns, engine::AccountId account, engine::Quantity position,
                   engine::Price mark);
  void Phase(engine::LiquidationPhase phase, engine::Quantity quantity);
  void Fund(int64_t time_ns, engine::AssetId asset, engine::Money balance_after, bool draw);
  void Adl(int64_t time_ns, engine::AccountId counterparty, engine::Quantity quantity,
           engine::Price price);
  MinuteBucket* Bucket(int64_t time_ns);
  // Gives a StartLater'd tally's first buckets the fund and mark it began with.
  void ResolveCarry(engine::Money fund, engine::Price mark);

  HistoryOutcome outcome_;
  std::map<engine::AssetId, FundPath> funds_;
  std::set<engine::AssetId> moved_;  // Funds a credit or draw has moved.
  std::map<engine::AccountId, PerAccount> accounts_;
  std::optional<engine::MarketId> report_market_;
  engine::AssetId report_asset_{0};
  engine::Price mark_{0};
  bool keep_minutes_ = false;
  struct PendingTransfer {
    engine::AccountId account{0};
    engine::Money amount{0};
    bool refused = false;
  };
  std::optional<PendingTransfer> pending_;
  // StartLater: whether the report fund and the mark are known yet (a credit or draw of the
  // report asset, a mark of the report market), and how many first buckets were opened
  // before they were (their fund low leaves out the unknown start; their end and mark are the
  // unknown one unless the fund moved, or the mark was set, in the last of them).
  bool fund_known_ = true;
  bool mark_known_ = true;
  size_t fund_carry_buckets_ = 0;
  size_t mark_carry_buckets_ = 0;
  bool fund_moved_in_carry_ = false;  // The report fund moved in the last of those buckets.
  bool mark_set_in_carry_ = false;    // The mark was set in the last of those buckets.

 public:
  void KeepMinutes() { keep_minutes_ = true; }
};

}  // namespace replay::internal
