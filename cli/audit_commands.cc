// `backstop audit` (re-derive and check everything) and `backstop replay --to` (state as of a
// seq).

#include <fmt/format.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "backup/archive.h"
#include "base/strong_type_fmt.h"
#include "base/strong_type_json.h"
#include "cli/backup_commands.h"
#include "cli/commands.h"
#include "cli/common.h"
#include "cli/event_json.h"
#include "cli/trust.h"
#include "replay/auditor.h"
#include "replay/recovery.h"
#include "text/text.h"

namespace cli {
namespace {

void PrintAuditReport(const replay::AuditReport& report, bool all_signatures, const Trust& trust,
                      bool json) {
  if (json) {
    nlohmann::json findings = nlohmann::json::array();
    for (const auto& f : report.findings) {
      findings.push_back(
          {{"seq", f.seq}, {"what", f.what}, {"expected", f.expected}, {"found", f.found}});
    }
    nlohmann::json out = {{"ok", report.ok()},
                          {"head_seq", report.head_seq},
                          {"start_seq", report.start_seq},
                          {"records_verified", report.records_verified},
                          {"signatures_checked", report.signatures_checked},
                          {"checkpoints_checked", report.checkpoints_checked},
                          {"trust", TrustJson(trust)},
                          {"records_replayed", report.records_replayed},
                          {"inputs_replayed", report.inputs_replayed},
                          {"snapshots_checked", report.snapshots_checked},
                          {"indexes_checked", report.indexes_checked},
                          {"unfinished_group", report.unfinished_group},
                          {"unlogged_effects", report.unlogged_effects},
                          {"findings", findings}};
    fmt::print("{}\n", out.dump());
    return;
  }
  fmt::print("chain      {} records: seqs dense, hashes recomputed, links intact\n",
             report.records_verified);
  fmt::print("signatures {} valid ({})\n", report.signatures_checked,
             all_signatures ? "every signed record, and every checkpoint"
                            : "every checkpoint; in logs that sign records, the last record of "
                              "every group commit and the head");
  if (report.checkpoints_checked > 0) {
    fmt::print("checkpoints {} match the Merkle tree recomputed from the records\n",
               report.checkpoints_checked);
  }
  fmt::print(
      "replay     {} records re-derived from {} ({} inputs re-applied)\n", report.records_replayed,
      report.start_seq == ledger::SequenceNumber{0} ? "genesis"
                                                    : fmt::format("snapshot {}", report.start_seq),
      report.inputs_replayed);
  fmt::print("snapshots  {} state hashes compared with the replay\n", report.snapshots_checked);
  fmt::print("indexes    {}\n", report.indexes_checked ? "every index matches the events"
                                                       : "not confirmed (see findings)");
  if (report.unfinished_group != ledger::SequenceNumber{0}) {
    fmt::print(
        "note       the log ends inside the group of seq {}: {} effect(s) of its input are not "
        "logged yet (a crash between its group commits); the next ingest logs them first\n",
        report.unfinished_group, report.unlogged_effects);
  }
  if (report.ok()) {
    fmt::print(
        "OK  head seq {}: every effect re-derived byte for byte, chain and signatures "
        "valid\n",
        report.head_seq);
    return;
  }
  for (const auto& f : report.findings) {
    fmt::print("FINDING{}  {}\n",
               f.seq != ledger::SequenceNumber{0} ? fmt::format(" at seq {}", f.seq) : "", f.what);
    if (!f.expected.empty()) fmt::print("  expected  {}\n", f.expected);
    if (!f.found.empty()) fmt::print("  found     {}\n", f.found);
  }
}

// The state as JSON: seq, hash, markets, assets and accounts (the arrays always present).
nlohmann::json StateJson(const engine::RiskEngine& engine, const replay::Recovered& state) {
  const engine::EngineState exported = engine.Export();
  nlohmann::json out;
  out["seq"] = state.seq;
  out["hash"] = ledger::ToHex(state.hash);
  // Always present, possibly empty; every opened account has at least one row.
  out["markets"] = nlohmann::json::array();
  out["assets"] = nlohmann::json::array();
  out["accounts"] = nlohmann::json::array();
  for (const auto& market : exported.markets) {
    out["markets"].push_back({{"market", market.spec.market_id},
                              {"symbol", market.spec.symbol},
                              {"mark_price", market.mark_price},
                              {"quote_asset", market.spec.quote_asset}});
  }
  for (const auto& asset : exported.assets) {
    out["assets"].push_back({{"asset", asset.asset},
                             {"insurance_fund", asset.insurance_fund},
                             {"fee_account", asset.fee_account},
                             {"deposits", asset.deposits},
                             {"withdrawals", asset.withdrawals},
                             {"top_ups", asset.top_ups}});
  }
  for (const auto& account : exported.accounts) {
    nlohmann::json positions = nlohmann::json::array();
    for (const auto& p : account.positions) {
      positions.push_back({{"market", p.market}, {"quantity", p.quantity}, {"cost", p.cost}});
    }
    // An account with no wallet yet (opened, nothing deposited): one row without an asset.
    // Account 0 (liquidation) is never opened and shows only while it holds a wallet.
    if (account.balances.empty() && account.account != engine::AccountId{0}) {
      out["accounts"].push_back({{"account", account.account},
                                 {"asset", nullptr},
                                 {"wallet_balance", 0},
                                 {"equity", 0},
                                 {"maintenance_margin", 0},
                                 {"initial_margin", 0},
                                 {"positions", positions}});
    }
    for (const auto& balance : account.balances) {
      const engine::MarginView margin = engine.Margin(account.account, balance.asset);
      out["accounts"].push_back({{"account", account.account},
                                 {"asset", balance.asset},
                                 {"wallet_balance", margin.wallet_balance},
                                 {"equity", margin.equity},
                                 {"maintenance_margin", margin.maintenance_margin},
                                 {"initial_margin", margin.initial_margin},
                                 {"positions", positions}});
    }
  }
  return out;
}

void PrintState(const engine::RiskEngine& engine, const replay::Recovered& state, bool json) {
  const nlohmann::json out = StateJson(engine, state);
  if (json) {
    fmt::print("{}\n", out.dump());
    return;
  }
  fmt::print("state as of seq {} (hash {})\n\n", state.seq, ledger::ToHex(state.hash));
  std::vector<std::vector<std::string>> markets;
  for (const auto& m : out["markets"]) {
    markets.push_back({m["market"].dump(), m["symbol"].get<std::string>(), m["mark_price"].dump()});
  }
  fmt::print("{}",
             text::FormatTable({"market", "symbol", "mark price"}, {false, true, false}, markets));
  std::vector<std::vector<std::string>> assets;
  for (const auto& a : out["assets"]) {
    assets.push_back({a["asset"].dump(), a["insurance_fund"].dump(), a["fee_account"].dump(),
                      a["deposits"].dump()});
  }
  fmt::print("\n{}", text::FormatTable({"asset", "insurance fund", "fee account", "deposits"},
                                       {false, false, false, false}, assets));
  std::vector<std::vector<std::string>> accounts;
  for (const auto& a : out["accounts"]) {
    std::string positions;
    for (const auto& p : a["positions"]) {
      if (!positions.empty()) positions += "  ";
      positions +=
          fmt::format("{}: {} @ {}", p["market"].dump(), p["quantity"].dump(), p["cost"].dump());
    }
    accounts.push_back({a["account"].dump(), a["asset"].is_null() ? "-" : a["asset"].dump(),
                        a["wallet_balance"].dump(), a["equity"].dump(),
                        a["maintenance_margin"].dump(), positions});
  }
  fmt::print("\n{}", text::FormatTable({"account", "asset", "wallet balance", "equity",
                                        "maint. margin", "positions (market: lots @ cost basis)"},
                                       {false, false, false, false, false, true}, accounts));
  fmt::print("\namounts and prices are integers in quote minor units (prices per lot)\n");
}

}  // namespace

int RunAudit(const AuditCommandOptions& given) {
  AuditCommandOptions options = given;
  std::unique_ptr<backup::UnpackedArchive> archive;
  auto data_dir = DataDirOrArchive(given.data_dir, given.archive, &archive);
  if (!data_dir.ok()) return Fail(data_dir.status());
  options.data_dir = *data_dir;
  auto log = OpenReadOnlyChecked(options.data_dir);
  if (!log.ok()) {
    if (log.status().IsNotFound()) return Fail(log.status());
    fmt::print("FINDING  the log does not open: {}\n", log.status().message());
    return kExitFinding;
  }
  const replay::DataDir data = replay::DataDir::At(options.data_dir);
  auto trust = LoadTrust(options.trust, options.data_dir);
  if (!trust.ok()) return Fail(trust.status());
  WarnIfUnpinned(*trust);
  if (std::string finding = CheckChain(*trust, **log); !finding.empty()) {
    replay::AuditReport report;
    report.findings.push_back({ledger::SequenceNumber{1}, finding, "", ""});
    PrintAuditReport(report, options.all_signatures, *trust, options.json);
    return kExitFinding;
  }
  replay::AuditOptions audit_options;
  audit_options.all_signatures = options.all_signatures;
  audit_options.from_snapshot = ledger::SequenceNumber{options.from_snapshot};
  // A range replays from the snapshot at its anchor (the archive holds no record before it).
  if (archive && archive->summary().first_seq > ledger::SequenceNumber{1} &&
      options.from_snapshot == 0) {
    audit_options.from_snapshot = archive->summary().first_seq - 1;
  }
  audit_options.engine_options.verify_invariants = options.check_invariants;
  ProgressLine progress("replayed");
  if (!options.json) {
    audit_options.progress = [&progress](uint64_t done, uint64_t total) {
      progress.Update(done, total);
    };
  }
  auto report = replay::Audit(**log, data, trust->keyring, audit_options);
  if (!report.ok() &&
      audit_options.from_snapshot != ledger::SequenceNumber{options.from_snapshot}) {
    // The snapshot a range starts from is part of the archive: one that does not start the
    // audit (it does not verify, or names another hash than the anchor's) is a finding.
    replay::AuditReport finding;
    finding.findings.push_back({audit_options.from_snapshot, report.status().message(), "", ""});
    PrintAuditReport(finding, options.all_signatures, *trust, options.json);
    return kExitFinding;
  }
  if (!report.ok()) return Fail(report.status());
  PrintAuditReport(*report, options.all_signatures, *trust, options.json);
  return report->ok() ? kExitOk : kExitFinding;
}

int RunReindex(const ReindexOptions& options) {
  if (!std::filesystem::exists(LogDir(options.data_dir))) {
    return Fail("no event log in " + options.data_dir);
  }
  auto log = ledger::EventLog::Open(LogDir(options.data_dir), ledger::LogOptions());
  if (!log.ok()) return Fail(log.status());
  ProgressLine progress("indexed");
  base::Status status = (*log)->RebuildIndexes(
      [&progress](uint64_t done, uint64_t total) { progress.Update(done, total); });
  if (!status.ok()) return Fail(status);
  if ((*log)->has_tree()) {
    ProgressLine tree_progress("hashed");
    status = (*log)->RebuildTree(
        [&tree_progress](uint64_t done, uint64_t total) { tree_progress.Update(done, total); });
    if (!status.ok()) return Fail(status);
  }
  auto check = (*log)->CheckIndexes();
  if (!check.ok()) return Fail(check.status());
  if (!check->empty()) return Fail("indexes still disagree after the rebuild: " + *check);
  fmt::print("rebuilt every index from {} records; they match the events\n", (*log)->head_seq());
  if ((*log)->has_tree()) {
    fmt::print(
        "rebuilt the Merkle tree; run verify to check it against the signed "
        "checkpoints\n");
  }
  return kExitOk;
}

int RunReplay(const ReplayCommandOptions& options) {
  auto log = OpenReadOnly(options.data_dir);
  if (!log.ok()) return Fail(log.status());
  const replay::DataDir data = replay::DataDir::At(options.data_dir);
  auto keyring = replay::LoadKeyring(data);
  if (!keyring.ok()) return Fail(keyring.status());
  const ledger::SequenceNumber to =
      options.to ? ledger::SequenceNumber{*options.to} : (*log)->head_seq();
  if (to == ledger::SequenceNumber{0}) {  // Before seq 1: the engine as it starts.
    const replay::Recovered genesis{engine::RiskEngine()};
    PrintState(genesis.engine, genesis, options.json);
    return kExitOk;
  }
  auto end = replay::GroupEnd(**log, to);
  if (!end.ok()) return Fail(end.status());
  if (*end != to) {
    fmt::print(stderr, "seq {} is inside a group; showing the state after its group (seq {})\n", to,
               *end);
  }
  std::vector<std::string> warnings;
  replay::ReplayOptions replay_options;
  replay_options.engine_options.verify_invariants = false;
  ProgressLine progress("replayed");
  replay_options.progress = [&progress](uint64_t done, uint64_t total) {
    progress.Update(done, total);
  };
  auto state = replay::Recover(**log, data, *keyring, *end, &warnings, replay_options);
  progress.Clear();
  for (const std::string& warning : warnings) fmt::print(stderr, "warning: {}\n", warning);
  if (!state.ok()) return Fail(state.status());
  PrintState(state->engine, *state, options.json);
  return kExitOk;
}

}  // namespace cli
