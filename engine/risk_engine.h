// RiskEngine: the deterministic state machine of docs/ENGINE.md and RULEBOOK part 1.
// Apply(input) is a pure transition: no clock, I/O, randomness or threads. Thread-compatible:
// one thread owns an engine; const accessors may run concurrently with each other only.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/events.h"
#include "engine/money.h"
#include "engine/rejection.h"
#include "engine/state.h"

namespace engine {

namespace internal {
class Core;
}  // namespace internal

struct EngineOptions {
  // Runs CheckInvariants() after every Apply (O(accounts + orders)).
  // Default: true when compiled with BACKSTOP_VERIFY, else false.
#ifdef BACKSTOP_VERIFY
  bool verify_invariants = true;
#else
  bool verify_invariants = false;
#endif
  // Lists every entry of each ADL ranking in AdlQueue::full (memory and time O(queue length)
  // per ADL; for `adl explain --full`, which re-derives one queue).
  bool list_full_adl_queue = false;
};

class RiskEngine {
 public:
  // A fresh engine: no markets, only the liquidation account 0.
  explicit RiskEngine(EngineOptions options = EngineOptions());
  ~RiskEngine();
  RiskEngine(RiskEngine&&) noexcept;
  RiskEngine& operator=(RiskEngine&&) noexcept;
  RiskEngine(const RiskEngine&) = delete;
  RiskEngine& operator=(const RiskEngine&) = delete;

  // Applies one input stamped `time_ns` and appends the effects it caused to `*effects`
  // (never cleared). Business refusals are effects; engine faults abort (BACKSTOP_ASSERT).
  void Apply(const Input& input, TimeNs time_ns, std::vector<Effect>* effects);

  // Aborts with a message if any invariant is broken: conservation per asset (RULEBOOK rule 9),
  // sum of Q = 0 per market, funds and fee accounts >= 0, account 0 flat with WB 0, no account
  // with equity < MM, book and order index consistency.
  void CheckInvariants() const;

  // ---- State ----
  EngineState Export() const;
  // Rebuilds an engine from `state`; nullopt (with `*error` set) if the state is inconsistent.
  static std::optional<RiskEngine> Import(const EngineState& state, std::string* error,
                                          EngineOptions options = EngineOptions());
  // Canonical bytes of the whole state (EncodeCanonical(Export())).
  std::string CanonicalState() const;
  // hash_fn: any callable taking std::string_view (or const std::string&) returning a digest.
  template <typename HashFn>
  auto StateHash(HashFn&& hash_fn) const {
    const std::string bytes = CanonicalState();
    return hash_fn(bytes);
  }

  // ---- Queries (read-only) ----
  bool HasAccount(AccountId account) const;
  std::vector<AccountId> AccountIds() const;                    // Ascending, without account 0.
  Money WalletBalance(AccountId account, AssetId asset) const;  // 0 if none.
  // Signed Q and C in `market`; Q = C = 0 if flat or unknown.
  PositionState Position(AccountId account, MarketId market) const;
  // The account's cross-margin pool in `asset` (markets quoted in it).
  MarginView Margin(AccountId account, AssetId asset) const;
  Money InsuranceFund(AssetId asset) const;
  Money FeeAccount(AssetId asset) const;
  std::optional<MarketState> Market(MarketId market) const;
  std::vector<OrderState> OpenOrders(AccountId account) const;          // Ascending order id.
  std::vector<LevelView> BookLevels(MarketId market, Side side) const;  // Best first.

 private:
  explicit RiskEngine(std::unique_ptr<internal::Core> core);
  std::unique_ptr<internal::Core> core_;
};

}  // namespace engine
