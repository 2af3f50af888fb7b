// The what-if's window, starting state and logged end (whatif_window.h).

#include "replay//internal/whatif_window.h"

#include <fmt/format.h>

#include <utility>

#include "base/strong_type_fmt.h"
#include "snapshots/snapshot_store.h"

namespace replay::internal {

using base::Status;
using ledger::SequenceNumber;

namespace {

base::Result<WindowStart> LoadStart(const ledger::EventLog& log, const DataDir& data,
                                    const ledger::Keyring& keyring, SequenceNumber seq) {
  if (seq == SequenceNumber{0}) return WindowStart{engine::RiskEngine().Export(), ledger::Hash{}};
  snapshots::SnapshotStoreOptions store_options;
  store_options.read_only = true;
  BACKSTOP_ASSIGN_OR_RETURN(auto store,
                            snapshots::SnapshotStore::Open(data.snapshots, store_options));
  BACKSTOP_ASSIGN_OR_RETURN(snapshots::LoadedSnapshot loaded,
                            store->Load(seq, keyring, log.chain_id()));
  BACKSTOP_ASSIGN_OR_RETURN(ledger::LogRecord record, log.Read(seq));
  if (record.hash() != loaded.meta.log_head_hash) {
    return Status::Corruption(
        "what-if", fmt::format("snapshot {}: its log hash differs from record {}", seq, seq));
  }
  return WindowStart{std::move(loaded.state), record.hash()};
}

}  // namespace

base::Result<Window> OpenWindow(const ledger::EventLog& log, const DataDir& data,
                                const ledger::Keyring& keyring, const WhatIfOptions& options) {
  BACKSTOP_RETURN_IF_ERROR(ValidateWhatIfParams(options.params));
  const SequenceNumber head = log.head_seq();
  if (head == SequenceNumber{0}) return Status::NotFound("what-if", "the log is empty");
  Window window;
  BACKSTOP_ASSIGN_OR_RETURN(window.end,
                            GroupEnd(log, options.to == SequenceNumber{0} ? head : options.to));
  if (options.from_snapshot >= window.end) {
    return Status::InvalidArgument(
        "what-if", fmt::format("snapshot {} is not before the end of the window (seq {})",
                               options.from_snapshot, window.end));
  }
  BACKSTOP_ASSIGN_OR_RETURN(window.start, LoadStart(log, data, keyring, options.from_snapshot));
  return window;
}

void FillEquity(const engine::RiskEngine& logged, const engine::RiskEngine& what_if,
                const engine::RiskEngine& start, engine::AssetId asset,
                std::map<engine::AccountId, AccountOutcome>* accounts) {
  for (const engine::RiskEngine* engine : {&logged, &what_if}) {
    for (engine::AccountId id : engine->AccountIds()) (*accounts)[id].account = id;
  }
  for (auto& [id, account] : *accounts) {
    account.start_equity = start.HasAccount(id) ? start.Margin(id, asset).equity : engine::Money{0};
    account.end_equity[0] = logged.Margin(id, asset).equity;
    account.end_equity[1] = what_if.Margin(id, asset).equity;
  }
}

LoggedEnd::LoggedEnd(const ledger::EventLog& log, const DataDir& data,
                     const ledger::Keyring& keyring, SequenceNumber end,
                     const engine::EngineOptions& engine_options) {
  options_.engine_options = engine_options;
  thread_ = std::thread([&log, data, &keyring, end, this] {
    result_.emplace(Recover(log, data, keyring, end, &warnings_, options_));
  });
}

LoggedEnd::~LoggedEnd() {
  if (thread_.joinable()) thread_.join();
}

base::Result<Recovered>& LoggedEnd::Wait() {
  thread_.join();
  return *result_;
}

}  // namespace replay::internal
