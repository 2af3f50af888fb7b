// The `backstop` command line: parses arguments with CLI11 and runs one subcommand. CLI11
// stays in this file and network_command_line.cc (it costs seconds per translation unit to
// compile); the commands themselves live in plain .cc files.

#include <CLI/CLI.hpp>
#include <functional>
#include <string>

#include "cli/commands.h"
#include "cli/internal/command_line.h"
#include "cli/query_commands.h"
#include "cli/report_command.h"
#include "cli/simulate_command.h"
#include "cli/snapshot_commands.h"
#include "cli/whatif_command.h"
#include "ledger/event_log.h"

namespace {

using cli::internal::AddTrustOptions;
using cli::internal::kDataHelp;

void AddKeygen(CLI::App& app, std::function<int()>* run) {
  static cli::KeygenOptions options;
  CLI::App* sub = app.add_subcommand(
      "keygen", "Create an Ed25519 signing key pair as PEM files (PREFIX.key.pem, PREFIX.pub.pem)");
  sub->add_option("--out", options.out, "Path prefix of the two files")->required();
  sub->callback([run] { *run = [] { return cli::RunKeygen(options); }; });
}

void AddInit(CLI::App& app, std::function<int()>* run) {
  static cli::InitOptions options;
  CLI::App* sub = app.add_subcommand(
      "init",
      "Create an empty signed event log in DIR/log with a fresh chain id, and put the "
      "key's public half in DIR/keyring");
  sub->add_option("--data", options.data_dir, kDataHelp)->required();
  sub->add_option("--key", options.key_file, "Private key (from keygen) that will sign")
      ->required()
      ->check(CLI::ExistingFile);
  static std::string sign = "checkpoint";
  sub->add_option("--sign", sign,
                  "checkpoint: one signed checkpoint (a C2SP signed note over the Merkle tree "
                  "of every record) per group commit, records unsigned; every: each record "
                  "signed as well. Fixed for the log's life")
      ->check(CLI::IsMember({"checkpoint", "every"}))
      ->capture_default_str();
  sub->callback([run] {
    options.signing =
        sign == "every" ? ledger::SigningMode::kEvery : ledger::SigningMode::kCheckpoint;
    *run = [] { return cli::RunInit(options); };
  });
}

void AddLog(CLI::App& app, std::function<int()>* run) {
  static cli::LogShowOptions show;
  static cli::LogTailOptions tail;
  CLI::App* log = app.add_subcommand("log", "Read the event log");
  log->require_subcommand(1);
  CLI::App* show_cmd = log->add_subcommand(
      "show", "Print records: all, one SEQ, or a range FROM..TO (FROM.. and ..TO work too)");
  show_cmd->add_option("range", show.range, "SEQ or FROM..TO");
  show_cmd->add_option("--data", show.data_dir, kDataHelp)->required();
  show_cmd->add_flag("--json", show.json, "One JSON object per line (for jq and programs)");
  show_cmd->callback([run] { *run = [] { return cli::RunLogShow(show); }; });
  CLI::App* tail_cmd = log->add_subcommand("tail", "Print the newest records");
  tail_cmd->add_option("--data", tail.data_dir, kDataHelp)->required();
  tail_cmd->add_option("-n,--count", tail.count, "How many records from the head")
      ->capture_default_str();
  tail_cmd->add_flag("-f,--follow", tail.follow,
                     "Keep printing records as they are appended (Ctrl-C to stop)");
  tail_cmd->add_flag("--json", tail.json, "One JSON object per line");
  tail_cmd->callback([run] { *run = [] { return cli::RunLogTail(tail); }; });
}

void AddVerify(CLI::App& app, std::function<int()>* run) {
  static cli::VerifyCommandOptions options;
  CLI::App* sub = app.add_subcommand(
      "verify",
      "Check the whole log: dense seqs, canonical records, the hash chain, key ids, every "
      "stored Merkle tree node, every signed checkpoint (its root against the tree recomputed "
      "from the records) and record signatures where the log has them (by default the last "
      "record of every group commit, which authenticates the rest through the chain). Exit 0 "
      "clean, 1 on any problem (naming the first bad seq or tree size), 2 on usage errors");
  CLI::Option* data = sub->add_option("--data", options.data_dir, kDataHelp);
  sub->add_option("--archive", options.archive,
                  "Instead of --data: an archive file (backstop archive create), checked alone; "
                  "a range (--from) from its first record, after its anchor")
      ->check(CLI::ExistingFile)
      ->excludes(data);
  sub->add_flag("--all-signatures", options.all_signatures,
                "In a log that signs every record: verify every record's signature, in "
                "parallel on all cores");
  AddTrustOptions(sub, &options.trust);
  sub->add_flag("--json", options.json, "Print the report as JSON");
  sub->callback([run] { *run = [] { return cli::RunVerify(options); }; });
}

void AddIngest(CLI::App& app, std::function<int()>* run) {
  static cli::IngestOptions options;
  static std::string on_error = "stop";
  CLI::App* sub = app.add_subcommand(
      "ingest",
      "Feed input commands (JSON Lines, docs/INPUT.md) through the sequencer: each command is "
      "applied to the engine and appended with its effects as one signed group; commands are "
      "acknowledged once synced. Opening the log recovers the engine first (newest valid "
      "snapshot + replay of the tail). A command the engine refuses is logged and named on "
      "stderr (line, reason name and code). Exit 0, or 1 if any line was refused as "
      "malformed");
  sub->add_option("input", options.input, "JSONL file, or - for stdin")->required();
  sub->add_option("--data", options.data_dir, kDataHelp)->required();
  sub->add_option("--key", options.key_file, "Private key that signs (the log's current key)")
      ->required()
      ->check(CLI::ExistingFile);
  sub->add_option("--on-error", on_error,
                  "A malformed line: stop there (everything before it stays applied) or skip it "
                  "and go on")
      ->check(CLI::IsMember({"stop", "skip"}))
      ->capture_default_str();
  sub->add_flag("--acks", options.acks,
                "Print 'ack LINE FIRST_SEQ LAST_SEQ' as each command becomes durable");
  sub->add_option("--snapshot-every", options.snapshot_every,
                  "Write a signed snapshot every N records (0: never)")
      ->capture_default_str();
  sub->add_option("--keep-snapshots", options.keep_snapshots, "Snapshots to keep (newest)")
      ->capture_default_str();
  sub->add_option("--checkpoint-file", options.checkpoint_file,
                  "Keep the newest signed checkpoint in this file too (best outside the data "
                  "directory; rewritten atomically after every group commit). Opening a log "
                  "whose head is behind it, or whose tree differs, is refused");
  sub->add_flag("--json", options.json, "Print the summary as JSON");
  sub->callback([run] {
    options.skip_bad_lines = on_error == "skip";
    *run = [] { return cli::RunIngest(options); };
  });
}

void AddSnapshot(CLI::App& app, std::function<int()>* run) {
  static cli::SnapshotCreateOptions create;
  CLI::App* snapshot = app.add_subcommand("snapshot", "Signed engine-state snapshots");
  snapshot->require_subcommand(1);
  CLI::App* create_cmd = snapshot->add_subcommand(
      "create", "Recover the engine at the head of the log and write a signed snapshot of it");
  create_cmd->add_option("--data", create.data_dir, kDataHelp)->required();
  create_cmd->add_option("--key", create.key_file, "Private key that signs")
      ->required()
      ->check(CLI::ExistingFile);
  create_cmd->add_option("--keep", create.keep_snapshots, "Snapshots to keep (newest)")
      ->capture_default_str();
  create_cmd->callback([run] { *run = [] { return cli::RunSnapshotCreate(create); }; });

  static cli::SnapshotListOptions list;
  CLI::App* list_cmd = snapshot->add_subcommand(
      "list", "List snapshot files, newest first (listing verifies nothing: see verify)");
  list_cmd->add_option("--data", list.data_dir, kDataHelp)->required();
  list_cmd->add_flag("--json", list.json, "Print the list as JSON");
  list_cmd->callback([run] { *run = [] { return cli::RunSnapshotList(list); }; });

  static cli::SnapshotVerifyOptions verify;
  CLI::App* verify_cmd = snapshot->add_subcommand(
      "verify",
      "Verify snapshots: CRCs, canonical form, chain id, signature, state hash, and that each "
      "names a record of the log with the same hash. Exit 0 all good, 1 any bad");
  verify_cmd->add_option("--data", verify.data_dir, kDataHelp)->required();
  verify_cmd->add_option("--seq", verify.seq, "Only the snapshot of this seq");
  verify_cmd->add_option("--key", verify.keys, "Extra trusted public-key PEM file (repeatable)")
      ->check(CLI::ExistingFile);
  verify_cmd
      ->add_option("--keyring", verify.keyring_dir,
                   "Folder of trusted public-key PEM files, instead of DIR/keyring")
      ->check(CLI::ExistingDirectory);
  verify_cmd->add_flag("--json", verify.json, "Print the report as JSON");
  verify_cmd->callback([run] { *run = [] { return cli::RunSnapshotVerify(verify); }; });
}

void AddAudit(CLI::App& app, std::function<int()>* run) {
  static cli::AuditCommandOptions options;
  CLI::App* sub = app.add_subcommand(
      "audit",
      "Re-derive the whole history: re-apply every input to a fresh engine and compare every "
      "effect with the logged one byte for byte; check the chain and signatures as verify "
      "does; check each snapshot's state hash against the replayed state; check the indexes. "
      "Segments between verified snapshots run in parallel, each record read once "
      "(docs/AUDIT.md). Exit 0 clean, 1 on any finding (the first divergence is named with "
      "its seq, expected and found)");
  CLI::Option* data = sub->add_option("--data", options.data_dir, kDataHelp);
  sub->add_option("--archive", options.archive,
                  "Instead of --data: an archive file (backstop archive create), checked alone; "
                  "a range (--from) replays from its anchor's snapshot")
      ->check(CLI::ExistingFile)
      ->excludes(data);
  sub->add_option("--from-snapshot", options.from_snapshot,
                  "Start from this snapshot's seq (it must verify) instead of genesis");
  sub->add_flag("--all-signatures", options.all_signatures,
                "In a log that signs every record: verify every record's signature");
  sub->add_flag("--check-invariants", options.check_invariants,
                "Also check the engine's invariants (conservation, ...) after every input");
  AddTrustOptions(sub, &options.trust);
  sub->add_flag("--json", options.json, "Print the report as JSON");
  sub->callback([run] { *run = [] { return cli::RunAudit(options); }; });
}

void AddProof(CLI::App& app, std::function<int()>* run) {
  static cli::ProofOptions inclusion;
  CLI::App* proof = app.add_subcommand(
      "proof",
      "Transparency-log proofs: `proof SEQ --out PREFIX` writes PREFIX.tlog-proof, one record "
      "(as `extra`) with its inclusion proof and the signed checkpoint (C2SP tlog-proof), for "
      "any tlog-proof verifier; `proof consistency OLD NEW` proves a later checkpoint extends "
      "an earlier one; `proof verify` checks either with the venue's public key alone");
  proof->add_option("seq", inclusion.seq, "Seq of the record to prove");
  proof->add_option("--data", inclusion.data_dir, kDataHelp);
  proof->add_option("--checkpoint", inclusion.checkpoint,
                    "Tree size of the checkpoint to prove against (default: the newest)");
  proof->add_option("--out", inclusion.out, "Path prefix of the proof file");
  proof->callback([proof, run] {
    if (proof->get_subcommands().empty()) *run = [] { return cli::RunProof(inclusion); };
  });

  static cli::ConsistencyProofOptions consistency;
  CLI::App* consistency_cmd = proof->add_subcommand(
      "consistency",
      "Write PREFIX.consistency (RFC 6962 consistency proof) and the two checkpoints it links "
      "(PREFIX.old.checkpoint, PREFIX.new.checkpoint)");
  consistency_cmd
      ->add_option("old_size", consistency.old_size, "Tree size of the earlier checkpoint")
      ->required();
  consistency_cmd->add_option("new_size", consistency.new_size,
                              "Tree size of the later checkpoint (default: the newest)");
  consistency_cmd->add_option("--data", consistency.data_dir, kDataHelp)->required();
  consistency_cmd->add_option("--out", consistency.out, "Path prefix of the files")->required();
  consistency_cmd->callback([run] { *run = [] { return cli::RunConsistencyProof(consistency); }; });

  static cli::ProofVerifyOptions verify;
  CLI::App* verify_cmd = proof->add_subcommand(
      "verify",
      "Check a .tlog-proof (the record's hash from its bytes, the inclusion proof, the "
      "checkpoint's signature) or a consistency proof (with --old and --new), with no data "
      "directory. Exit 0 valid, 1 invalid");
  verify_cmd->add_option("file", verify.file, "The proof file")
      ->required()
      ->check(CLI::ExistingFile);
  verify_cmd->add_option("--old", verify.old_checkpoint, "Consistency: the earlier checkpoint")
      ->check(CLI::ExistingFile);
  verify_cmd->add_option("--new", verify.new_checkpoint, "Consistency: the later checkpoint")
      ->check(CLI::ExistingFile);
  AddTrustOptions(verify_cmd, &verify.trust, /*has_data_dir=*/false);
  verify_cmd->add_flag("--json", verify.json, "Print the result as JSON");
  verify_cmd->callback([run] { *run = [] { return cli::RunProofVerify(verify); }; });
}

void AddCheckpoint(CLI::App& app, std::function<int()>* run) {
  static cli::CheckpointShowOptions options;
  CLI::App* sub = app.add_subcommand(
      "checkpoint",
      "Print a signed checkpoint of the log (C2SP tlog-checkpoint note: origin, tree size, "
      "root, head; one per group commit), or its signing key as a note verifier key");
  sub->add_option("--data", options.data_dir, kDataHelp)->required();
  sub->add_option("--size", options.size, "Tree size of the checkpoint (default: the newest)");
  sub->add_option("--out", options.out, "Write the note to this file");
  sub->add_flag("--vkey", options.vkey,
                "Print the note verifier key (NAME+HASH+KEY) of the key that signed it, as Go's "
                "golang.org/x/mod/sumdb/note reads it");
  sub->callback([run] { *run = [] { return cli::RunCheckpointShow(options); }; });
}

void AddReindex(CLI::App& app, std::function<int()>* run) {
  static cli::ReindexOptions options;
  CLI::App* sub = app.add_subcommand(
      "reindex",
      "Rebuild the secondary indexes (ADL by account, market and time; liquidations; fund "
      "movements; account history) and the Merkle tree from the events, then check the "
      "indexes (verify checks the tree against the signed checkpoints). Needs the log to "
      "itself: stop any ingest first");
  sub->add_option("--data", options.data_dir, kDataHelp)->required();
  sub->callback([run] { *run = [] { return cli::RunReindex(options); }; });
}

void AddSimulate(CLI::App& app, std::function<int()>* run) {
  static cli::SimulateOptions options;
  CLI::App* sub = app.add_subcommand(
      "simulate",
      "Run a seeded venue (traders with 2-100x leverage, market makers, funding) along a "
      "built-in scenario or a real 1-minute price path, through the sequencer into a fresh "
      "signed log; print what happened (liquidations, insurance fund, ADL, conservation). "
      "The same seed, key and options give a byte-identical log. See docs/SIMULATE.md");
  sub->add_option("--data", options.data_dir, kDataHelp + std::string(" (must have no log)"))
      ->required();
  sub->add_option("--key", options.key_file, "Private key (from keygen) that signs")
      ->required()
      ->check(CLI::ExistingFile);
  auto* scenario = sub->add_option("--scenario", options.scenario, "Built-in price path")
                       ->check(CLI::IsMember({"calm", "crash"}))
                       ->capture_default_str();
  sub->add_option("--prices", options.prices,
                  "1-minute kline CSV (open_time_ms,open_time_utc,open,high,low,close,...) "
                  "to walk as the mark")
      ->check(CLI::ExistingFile)
      ->excludes(scenario);
  sub->add_option("--seed", options.seed, "Seed of the population, order flow and path")
      ->capture_default_str();
  sub->add_option("--accounts", options.accounts, "Traders (even; long/short pairs)")
      ->capture_default_str();
  sub->add_option("--market-makers", options.market_makers, "Market makers")->capture_default_str();
  sub->add_option("--insurance-fund", options.insurance_fund,
                  "Initial insurance fund in whole USDT (default: 10 per trader)");
  sub->add_option("--funding-interval", options.funding_interval_s,
                  "Seconds between funding ticks (0: none)")
      ->capture_default_str();
  sub->add_option("--activity", options.activity, "Mean trader actions per step")
      ->capture_default_str();
  sub->add_option("--steps-per-segment", options.steps_per_segment,
                  "Marks per kline segment (open, extremes, close)")
      ->capture_default_str();
  sub->add_option("--snapshot-every", options.snapshot_every,
                  "Take a signed snapshot every N records (0: none)")
      ->capture_default_str();
  sub->add_flag("--verify-invariants", options.verify_invariants,
                "Check the engine's invariants after every input (slower)");
  sub->add_flag("--json", options.json, "Print the summary as JSON");
  sub->add_option("--report", options.report,
                  "Also write the HTML report of the run to this file (docs/REPORT.md)");
  sub->callback([run] { *run = [] { return cli::RunSimulate(options); }; });
}

void AddReplay(CLI::App& app, std::function<int()>* run) {
  static cli::ReplayCommandOptions options;
  CLI::App* sub = app.add_subcommand(
      "replay", "Print the state (markets, insurance funds, accounts, positions) as of a seq");
  sub->add_option("--to", options.to,
                  "Seq (default: the head); rounded up to its group's end. 0: the empty state "
                  "before seq 1");
  sub->add_option("--data", options.data_dir, kDataHelp)->required();
  sub->add_flag("--json", options.json, "Print the state as JSON");
  sub->callback([run] { *run = [] { return cli::RunReplay(options); }; });
}

// The what-if options shared by `whatif` and `report --whatif`, except --data and --json.
// With `needs`, each parameter requires that flag.
void AddWhatIfParams(CLI::App* sub, cli::WhatIfCommandOptions& options,
                     CLI::Option* needs = nullptr) {
  sub->add_option("--from-snapshot", options.from_snapshot,
                  "Start from this snapshot (it must verify) instead of genesis");
  sub->add_option("--to", options.to, "Last seq (rounded up to its group's end; default: head)");
  sub->add_option("--market", options.market,
                  "Change this market only (and its quote asset's fund); default: all");
  sub->add_option("--adl-policy", options.adl_policy, "ADL ranking policy")
      ->check(CLI::IsMember({"bitmex", "binance_leverage_pnl", "pro_rata", "hyperliquid"}));
  auto* fund = sub->add_option("--insurance-fund", options.insurance_fund,
                               "Fund at the window start, quote minor units (from genesis: "
                               "replaces the first top-up)");
  sub->add_option("--fund-scale", options.fund_scale_pct,
                  "Scale every top-up (and a snapshot's fund) by PCT percent")
      ->excludes(fund);
  sub->add_option("--mmr-scale", options.mmr_scale_pct,
                  "Scale every tier's maintenance margin rate by PCT percent (rounded up)");
  sub->add_option("--max-slippage-e8", options.max_slippage_e8,
                  "Phase B price cap from mark, rate e8 (0: none)");
  if (needs == nullptr) return;
  for (const char* name : {"--market", "--adl-policy", "--insurance-fund", "--fund-scale",
                           "--mmr-scale", "--max-slippage-e8"}) {
    sub->get_option(name)->needs(needs);
  }
}

void AddWhatIf(CLI::App& app, std::function<int()>* run) {
  static cli::WhatIfCommandOptions options;
  CLI::App* sub = app.add_subcommand(
      "whatif",
      "Replay the logged inputs in memory (the log is not written) under other rules and print "
      "the outcome beside the logged one: liquidations, Phase A/B/C lots, the insurance fund "
      "(start, low, end), ADL reductions, socialized loss, and the accounts that differ. With "
      "no rule changed it reproduces the log exactly. See docs/WHATIF.md");
  sub->add_option("--data", options.data_dir, kDataHelp)->required();
  AddWhatIfParams(sub, options);
  sub->add_flag("--json", options.json, "Print the outcome as JSON");
  sub->callback([run] { *run = [] { return cli::RunWhatIf(options); }; });
}

void AddReport(CLI::App& app, std::function<int()>* run) {
  static cli::ReportCommandOptions options;
  CLI::App* sub = app.add_subcommand(
      "report",
      "Write one self-contained HTML file (no network needed) with charts of the mark, "
      "liquidations and ADL, the insurance fund, liquidated and ADL'd notional per minute and "
      "one ADL queue, and the accounts that lost or were deleveraged most; with --whatif and "
      "what-if options, the two histories overlaid. Without --whatif the page shows the logged "
      "history as the log records it and re-derives nothing (`audit`, or --check, is the check "
      "that the log reproduces its own effects). See docs/REPORT.md");
  sub->add_option("--data", options.data_dir, kDataHelp)->required();
  sub->add_option("--out", options.out, "The HTML file to write")->required();
  CLI::Option* whatif = sub->add_flag(
      "--whatif", options.whatif,
      "Overlay a what-if whose rules the options marked Needs: --whatif change (as for "
      "`backstop whatif`)");
  AddWhatIfParams(sub, options.whatif_options, whatif);
  sub->add_flag("--check", options.check,
                "Make the page by a what-if control run instead: re-derive every effect of the "
                "window (as long as a replay) and exit 1 if the log does not reproduce them")
      ->excludes(whatif);
  sub->add_option(
      "--adl-event", options.adl_event,
      "Seq of the ADL reduction whose queue is drawn (default: the first in the window)");
  sub->callback([run] { *run = [] { return cli::RunReport(options); }; });
}

constexpr const char* kQueryTimeHelp =
    "ISO-8601 UTC (2025-10-10T21:15:00Z, fractional seconds and +HH:MM allowed; or a date "
    "2025-10-10) or epoch seconds/ms/us/ns (told apart by magnitude)";

// --data, the optional filters `which` names (a: --account, m: --market, s: --asset), the
// time range, --limit and --json.
void AddQueryFilters(CLI::App* sub, cli::QueryOptions& options, const std::string& which) {
  sub->add_option("--data", options.data_dir, kDataHelp)->required();
  if (which.find('a') != std::string::npos) {
    sub->add_option("--account", options.account, "Only this account (id)");
  }
  if (which.find('m') != std::string::npos) {
    sub->add_option("--market", options.market, "Only this market (id)");
  }
  if (which.find('s') != std::string::npos) {
    sub->add_option("--asset", options.asset, "Only this asset's fund (id)");
  }
  sub->add_option("--since", options.since,
                  std::string("From this time on (inclusive): ") + kQueryTimeHelp);
  sub->add_option("--until", options.until, "Before this time (exclusive); same forms");
  sub->add_option("--limit", options.limit, "At most N rows, oldest first (0: all)");
  sub->add_flag("--json", options.json, "Print JSON (for jq and programs)");
}

void AddAdlQueries(CLI::App& app, std::function<int()>* run) {
  static cli::QueryOptions list_options;
  static cli::AdlExplainOptions explain_options;
  CLI::App* adl = app.add_subcommand("adl", "Past auto-deleveraging (ADL) reductions");
  adl->require_subcommand(1);
  CLI::App* list = adl->add_subcommand(
      "list",
      "ADL reductions: both sides, quantity, bankruptcy price on the tick and the exact "
      "settlement price, score, queue position, deficit covered, seq and time (--account "
      "matches either side)");
  AddQueryFilters(list, list_options, "am");
  list->callback([run] { *run = [] { return cli::RunAdlList(list_options); }; });
  CLI::App* explain = adl->add_subcommand(
      "explain",
      "Why one ADL reduction happened, in plain words, from the events logged with "
      "it: the liquidated position, the fund, the ranking queue, who gave up what");
  explain->add_option("seq", explain_options.seq, "Seq of an adl_reduction record")->required();
  explain->add_option("--data", explain_options.data_dir, kDataHelp)->required();
  explain->add_flag("--json", explain_options.json, "Print one JSON object");
  explain->add_flag("--full", explain_options.full,
                    "Also list the whole queue (the log keeps its top 20 and, from format 3, a "
                    "SHA-256 of all of it): re-derived by replaying the log to the reduction's "
                    "input, checked against the logged record (exit 1 if they differ)");
  explain->callback([run] { *run = [] { return cli::RunAdlExplain(explain_options); }; });
}

void AddHistoryQueries(CLI::App& app, std::function<int()>* run) {
  static cli::QueryOptions account_options;
  static cli::QueryOptions fund_options;
  static cli::QueryOptions liquidation_options;
  CLI::App* account = app.add_subcommand("account", "One account's past");
  account->require_subcommand(1);
  CLI::App* history = account->add_subcommand(
      "history", "Every event that names the account (inputs and effects), oldest first");
  history->add_option("account", account_options.account, "Account id")->required();
  AddQueryFilters(history, account_options, "m");
  history->callback([run] { *run = [] { return cli::RunAccountHistory(account_options); }; });

  CLI::App* fund = app.add_subcommand("fund", "Insurance funds");
  fund->require_subcommand(1);
  CLI::App* fund_history = fund->add_subcommand(
      "history",
      "Insurance-fund credits and draws with the balance after each (--account and "
      "--market keep the draws of that liquidation)");
  AddQueryFilters(fund_history, fund_options, "ams");
  fund_history->callback([run] { *run = [] { return cli::RunFundHistory(fund_options); }; });

  CLI::App* liquidations = app.add_subcommand("liquidations", "Past liquidations");
  liquidations->require_subcommand(1);
  CLI::App* list = liquidations->add_subcommand(
      "list",
      "Positions taken over by the liquidation account: bankruptcy price on the tick (BP), "
      "bankruptcy quote amount (BQ) and the exact settlement price BQ / position");
  AddQueryFilters(list, liquidation_options, "am");
  list->callback([run] { *run = [] { return cli::RunLiquidationsList(liquidation_options); }; });
}

// `export` in its two forms (replaces AddExport): rows, or one record's raw bytes.
void AddExportCommand(CLI::App& app, std::function<int()>* run) {
  static cli::ExportOptions options;
  CLI::App* sub = app.add_subcommand(
      "export",
      "Either `export --type adl|liquidations|fund|all [--format jsonl|csv] [filters] "
      "[--out FILE]`: rows for jq and spreadsheets; or `export SEQ --raw --out PREFIX`: one "
      "record's exact signed bytes for stock capnp and openssl (docs/AUDIT.md)");
  sub->add_option("seq", options.seq, "With --raw: seq of the record");
  CLI::Option* raw =
      sub->add_flag("--raw", options.raw, "Write one record's raw signed and canonical bytes");
  CLI::Option* type = sub->add_option("--type", options.type, "Rows to export")
                          ->check(CLI::IsMember({"adl", "liquidations", "fund", "all"}));
  CLI::Option* format = sub->add_option("--format", options.format, "jsonl (default) or csv")
                            ->check(CLI::IsMember({"jsonl", "csv"}));
  raw->excludes(type);
  raw->excludes(format);
  sub->add_option("--out", options.out,
                  "--raw: path prefix of the files; otherwise the file (default stdout)");
  cli::QueryOptions& filters = options.filters;
  sub->add_option("--data", filters.data_dir, kDataHelp)->required();
  sub->add_option("--account", filters.account, "Only this account");
  sub->add_option("--market", filters.market, "Only this market");
  sub->add_option("--asset", filters.asset, "Only this asset's fund movements");
  sub->add_option("--since", filters.since, std::string("From (inclusive): ") + kQueryTimeHelp);
  sub->add_option("--until", filters.until, "Before this time (exclusive)");
  sub->add_option("--limit", filters.limit, "At most N rows (0: all)");
  sub->callback([run] { *run = [] { return cli::RunExport(options); }; });
}

// adl list/explain, account history, fund history, liquidations list, export.
void AddQueries(CLI::App& app, std::function<int()>* run) {
  AddAdlQueries(app, run);
  AddHistoryQueries(app, run);
  AddExportCommand(app, run);
}

}  // namespace

int main(int argc, char** argv) {
  ledger::KeepFreedMemoryForScans();
  CLI::App app{
      "backstop: a signed, event-sourced clearing ledger for crypto perpetual futures.\n"
      "Every input and every effect of the risk engine is a signed Cap'n Proto record in a "
      "RocksDB log; see README.md and docs/."};
  app.require_subcommand(1);
  app.set_help_all_flag("--help-all", "Show help for every subcommand");
  std::function<int()> run;
  AddKeygen(app, &run);
  AddInit(app, &run);
  AddLog(app, &run);
  AddVerify(app, &run);
  AddIngest(app, &run);
  AddSnapshot(app, &run);
  AddAudit(app, &run);
  AddReplay(app, &run);
  AddWhatIf(app, &run);
  AddReport(app, &run);
  AddReindex(app, &run);
  AddProof(app, &run);
  AddCheckpoint(app, &run);
  AddSimulate(app, &run);
  AddQueries(app, &run);
  cli::internal::AddNetworkAndBackupCommands(app, &run);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? cli::kExitOk : cli::kExitError;
  }
  return run ? run() : cli::kExitError;
}
