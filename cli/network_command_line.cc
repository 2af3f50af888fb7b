// The command line of the gateway and its clients (serve, submit, load, follow) and of backups
// (backup, restore, archive): CLI11 declarations only; the commands live in serve_commands.cc,
// follow_command.cc and backup_commands.cc.

#include "cli/backup_commands.h"
#include "cli/internal/command_line.h"
#include "cli/serve_commands.h"

namespace cli::internal {
namespace {

// --connect, --cert (described by `cert_what`), --key and --ca of the network clients.
template <typename Options>
void AddConnectOptions(CLI::App* sub, Options* options, const char* cert_what) {
  sub->add_option("--connect", options->connect, "HOST:PORT of the server")->required();
  sub->add_option("--cert", options->cert_file, cert_what)->required()->check(CLI::ExistingFile);
  sub->add_option("--key", options->key_file, "The certificate's private key (PEM)")
      ->required()
      ->check(CLI::ExistingFile);
  sub->add_option("--ca", options->ca_file,
                  "CA certificate of the server (PEM); default: the system's CAs")
      ->check(CLI::ExistingFile);
}

// serve, submit: the network gateway (docs/PROTOCOL.md) and its client.
void AddServe(CLI::App& app, std::function<int()>* run) {
  static cli::ServeOptions options;
  CLI::App* sub = app.add_subcommand(
      "serve",
      "Run the venue's gateway: clients connect over TLS 1.3 with a certificate, the roles file "
      "maps it to trader, operator or auditor, and every command of every connection goes "
      "through the one sequencer in arrival order; each is answered once its group is synced "
      "(docs/PROTOCOL.md). Opening the log recovers the engine first. SIGTERM or SIGINT: stop "
      "accepting, answer what is queued, sync, write a snapshot, exit 0. SIGHUP: reload the "
      "roles file");
  sub->add_option("--data", options.data_dir, kDataHelp)->required();
  sub->add_option("--key", options.key_file, "Private key that signs (the log's current key)")
      ->required()
      ->check(CLI::ExistingFile);
  sub->add_option("--listen", options.listen, "HOST:PORT to listen on (port 0: any free port)")
      ->required();
  sub->add_option("--tls-cert", options.tls_cert, "The server's certificate chain (PEM)")
      ->required()
      ->check(CLI::ExistingFile);
  sub->add_option("--tls-key", options.tls_key, "The server certificate's private key (PEM)")
      ->required()
      ->check(CLI::ExistingFile);
  sub->add_option("--client-ca", options.client_ca,
                  "CA certificate(s) that client certificates must chain to (PEM)")
      ->required()
      ->check(CLI::ExistingFile);
  sub->add_option("--roles", options.roles_file,
                  "Roles file: client certificate (subject or SHA-256) -> role and accounts "
                  "(JSON, docs/PROTOCOL.md)")
      ->required()
      ->check(CLI::ExistingFile);
  sub->add_option("--http", options.http_listen,
                  "HOST:PORT for the auditors' plain HTTP side: GET /checkpoint, tlog-tiles "
                  "/tile/..., /proof/inclusion, /proof/consistency, /healthz, /metrics "
                  "(docs/PROTOCOL.md)");
  sub->add_option("--checkpoint-file", options.checkpoint_file,
                  "Keep the newest signed checkpoint in this file too (as ingest)");
  sub->add_option("--snapshot-every", options.snapshot_every,
                  "Write a signed snapshot every N records (0: never)")
      ->capture_default_str();
  sub->add_option("--keep-snapshots", options.keep_snapshots, "Snapshots to keep (newest)")
      ->capture_default_str();
  sub->add_option("--backup-dir", options.backup_dir,
                  "Where an operator's backup request (backup create --connect) writes backups "
                  "of the live log; requests name no path. Default: none (refused)");
  sub->add_option("--backup-keep", options.backup_keep,
                  "Backups kept when a request gives no --keep (0: all)")
      ->capture_default_str();
  sub->add_option("--max-connections", options.max_connections, "Connections open at once")
      ->capture_default_str();
  sub->add_option("--max-inflight", options.max_inflight,
                  "Requests of one connection awaiting their answer; more are answered busy")
      ->capture_default_str();
  sub->add_option("--max-queue", options.max_queue,
                  "Commands queued for the sequencer; more are answered busy")
      ->capture_default_str();
  sub->add_option("--signers", options.signers,
                  "Threads that sign and encode appended records in a log made with `init "
                  "--signing every` (0: one per core). A checkpoint-signed log (the default) "
                  "needs none: the sequencer encodes its records itself")
      ->capture_default_str()
      ->check(CLI::Range(0, 64));
  sub->callback([run] { *run = [] { return cli::RunServe(options); }; });
}

void AddSubmit(CLI::App& app, std::function<int()>* run) {
  static cli::SubmitOptions options;
  CLI::App* sub = app.add_subcommand(
      "submit",
      "Send JSONL input commands (docs/INPUT.md) to a running `backstop serve` and print each "
      "answer once the server has synced it: 'ack LINE FIRST_SEQ LAST_SEQ', 'rejected LINE "
      "FIRST_SEQ LAST_SEQ REASON (CODE)' (logged, refused by the engine) or 'refused LINE "
      "REASON: DETAIL' (not logged). Each command is named by the client id and its line "
      "number, recorded in the log: running submit again on the same file with the same client "
      "id applies only what was not applied and answers the rest from the log. Blank lines are "
      "skipped (and keep the numbering). Exit 0, or 1 if any line was refused or malformed");
  sub->add_option("input", options.input, "JSONL file, or - for stdin")->required();
  AddConnectOptions(sub, &options, "Client certificate (PEM)");
  sub->add_option("--client-id", options.client_id,
                  "The client id sent with every command (default: the input file's name)");
  sub->add_option("--window", options.window,
                  "Commands sent ahead of their answers. A command answered 'busy' is sent "
                  "again after those in flight, so it may be applied after later lines; 1 keeps "
                  "the file's order")
      ->capture_default_str();
  sub->add_flag("--json", options.json,
                "One JSON object per answer, with the group's stored records in hex");
  sub->callback([run] { *run = [] { return cli::RunSubmit(options); }; });
}

void AddLoad(CLI::App& app, std::function<int()>* run) {
  static cli::LoadOptions options;
  CLI::App* sub = app.add_subcommand(
      "load",
      "Generate order flow against a running `backstop serve` and report throughput and "
      "acknowledgement latency (p50, p99, p999). Each of --traders connections deposits into "
      "its own account (--first-account + i, which the certificate's roles entry must list), "
      "then alternately places a resting limit buy on --market and cancels it, keeping up to "
      "--window commands in flight, for --duration seconds at --rate commands/s in all (0: as "
      "fast as answers come). The market must be listed and the accounts opened");
  AddConnectOptions(sub, &options, "Trader certificate (PEM)");
  sub->add_option("--rate", options.rate, "Commands per second, all connections (0: unpaced)")
      ->capture_default_str();
  sub->add_option("--duration", options.duration, "Seconds of load")->capture_default_str();
  sub->add_option("--traders", options.traders, "Connections")->capture_default_str();
  sub->add_option("--first-account", options.first_account, "Account of connection 0")
      ->capture_default_str();
  sub->add_option("--market", options.market, "Market of the orders")->capture_default_str();
  sub->add_option("--price", options.price, "Limit price of the buy orders (price units)")
      ->capture_default_str();
  sub->add_option("--window", options.window, "Commands in flight per connection")
      ->capture_default_str();
  sub->add_flag("--json", options.json, "Print the result as one JSON object");
  sub->callback([run] { *run = [] { return cli::RunLoad(options); }; });
}

void AddFollow(CLI::App& app, std::function<int()>* run) {
  static cli::FollowOptions options;
  CLI::App* sub = app.add_subcommand(
      "follow",
      "Stream the log from a running `backstop serve` (auditor or operator certificate) from "
      "--from on, and check it as it arrives: each record's seq, its link to the previous one "
      "and its chain hash under --chain-id, and every checkpoint the server sends (signed by a "
      "--trusted-keys key, the tree of the records received has its size and root). Prints one "
      "line per record; runs until --until or until the connection ends. Exit 0, or 1 at the "
      "first record or checkpoint that does not check (naming it)");
  AddConnectOptions(sub, &options, "Auditor or operator certificate (PEM)");
  sub->add_option("--from", options.from, "First seq to stream")->capture_default_str();
  sub->add_option("--until", options.until, "Stop after this seq (0: follow for ever)")
      ->capture_default_str();
  AddTrustOptions(sub, &options.trust, /*has_data_dir=*/false);
  sub->add_flag("--json", options.json, "One JSON object per record");
  sub->callback([run] { *run = [] { return cli::RunFollow(options); }; });
}

void AddBackup(CLI::App& app, std::function<int()>* run) {
  static cli::BackupCreateOptions create;
  static cli::BackupListOptions list;
  static cli::BackupVerifyOptions verify;
  CLI::App* backup = app.add_subcommand(
      "backup",
      "Backups of a data directory (docs/OPERATIONS.md): RocksDB's BackupEngine, "
      "incremental, plus the keyring, snapshots and newest signed checkpoint");
  backup->require_subcommand(1);
  CLI::App* create_cmd = backup->add_subcommand(
      "create",
      "Back up DIR's log (consistent as of one instant; table files already in BACKUP_DIR are "
      "shared, not copied), keyring, snapshots and newest checkpoint. Needs the log to itself "
      "(no ingest running). Network form: --connect ADDR --cert F --key F [--ca F] asks a "
      "running `backstop serve` (operator certificate) to back up its live log, while it keeps "
      "appending, into the folder its --backup-dir names; it prints the same once the backup "
      "is complete");
  CLI::Option* data_opt = create_cmd->add_option("--data", create.data_dir, kDataHelp);
  CLI::Option* to_opt =
      create_cmd->add_option("--to", create.backup_dir, "Backup directory (created if missing)");
  create_cmd
      ->add_option("--keep", create.keep,
                   "Keep only the newest N backups (0: all; with --connect: the "
                   "server's --backup-keep)")
      ->capture_default_str();
  CLI::Option* connect_opt = create_cmd->add_option(
      "--connect", create.connect, "HOST:PORT of a running `backstop serve` (network form)");
  connect_opt->excludes(data_opt)->excludes(to_opt);
  create_cmd->add_option("--cert", create.cert_file, "Operator certificate (PEM; --connect)")
      ->needs(connect_opt)
      ->check(CLI::ExistingFile);
  create_cmd->add_option("--key", create.key_file, "Its private key (PEM; --connect)")
      ->needs(connect_opt)
      ->check(CLI::ExistingFile);
  create_cmd
      ->add_option("--ca", create.ca_file,
                   "CA certificate of the server (PEM; --connect); default: the system's")
      ->needs(connect_opt)
      ->check(CLI::ExistingFile);
  create_cmd->add_flag("--json", create.json, "Print the result as JSON");
  create_cmd->callback([run] { *run = [] { return cli::RunBackupCreate(create); }; });
  CLI::App* list_cmd = backup->add_subcommand(
      "list", "List backups: id, head seq and hash, time and size (listing verifies nothing)");
  list_cmd->add_option("backup_dir", list.backup_dir, "Backup directory")->required();
  list_cmd->add_flag("--json", list.json, "Print the list as JSON");
  list_cmd->callback([run] { *run = [] { return cli::RunBackupList(list); }; });
  CLI::App* verify_cmd = backup->add_subcommand(
      "verify",
      "Check a backup without restoring it: RocksDB's CRC32c of every file, the SHA-256 of "
      "ours, then verify's chain, signature and checkpoint checks on the backed-up log. Exit 0 "
      "clean, 1 damaged (naming the file or the first bad seq), 2 usage");
  verify_cmd->add_option("backup_dir", verify.backup_dir, "Backup directory")->required();
  verify_cmd->add_option("--id", verify.id, "Backup id (default: the newest)");
  AddTrustOptions(verify_cmd, &verify.trust);
  verify_cmd->add_flag("--json", verify.json, "Print the report as JSON");
  verify_cmd->callback([run] { *run = [] { return cli::RunBackupVerify(verify); }; });
}

void AddRestore(CLI::App& app, std::function<int()>* run) {
  static cli::RestoreCommandOptions options;
  CLI::App* sub = app.add_subcommand(
      "restore",
      "Restore a backup into a new (or empty) directory, never over a data directory; then "
      "audit what was restored and report its head and how far behind the original log it is. "
      "Exit 0 restored and audited clean, 1 damaged backup or audit finding, 2 usage");
  sub->add_option("--from", options.backup_dir, "Backup directory")->required();
  sub->add_option("--id", options.id, "Backup id (default: the newest)");
  sub->add_option("--to", options.new_dir, "New data directory (must not exist or be empty)")
      ->required();
  CLI::Option* to_seq =
      sub->add_option("--to-seq", options.to_seq,
                      "Only up to this seq: the log as it stood once the group holding it was "
                      "durable (the end of its group commit, whose signed checkpoint heads the "
                      "result); later snapshots dropped, indexes and Merkle tree rebuilt");
  sub->add_option("--key", options.key_file,
                  "With --to-seq: cut exactly at the end of the group holding SEQ, and when "
                  "that is inside a group commit sign the new head's checkpoint with this key "
                  "(the log's private key)")
      ->check(CLI::ExistingFile)
      ->needs(to_seq);
  AddTrustOptions(sub, &options.trust);
  sub->add_flag("--json", options.json, "Print the result as JSON");
  sub->callback([run] { *run = [] { return cli::RunRestore(options); }; });
}

void AddArchive(CLI::App& app, std::function<int()>* run) {
  static cli::ArchiveCreateOptions create;
  CLI::App* archive = app.add_subcommand(
      "archive", "One self-describing file of a log for auditors (docs/formats/archive.md)");
  archive->require_subcommand(1);
  CLI::App* create_cmd = archive->add_subcommand(
      "create",
      "Write the log's records (byte for byte, from seq 1 or, with --from, from right after a "
      "snapshot) with their commit marks and signed checkpoints, the keyring, the chain id and "
      "the snapshots as one Cap'n Proto message stream; `verify --archive FILE` and `audit "
      "--archive FILE` check it alone");
  create_cmd->add_option("--data", create.data_dir, kDataHelp)->required();
  create_cmd->add_option("--out", create.out, "Archive file to write")->required();
  create_cmd->add_option("--to", create.to_seq,
                         "Last seq (rounded up to the end of its group commit, whose signed "
                         "checkpoint covers it); default: the head");
  create_cmd->add_option("--from", create.from_seq,
                         "First seq wanted: the archive then starts right after the newest "
                         "snapshot before it that verifies (the audit replays from that "
                         "snapshot), with the record before as its anchor; from seq 1 if there "
                         "is none. Default: seq 1");
  create_cmd->add_flag("--json", create.json, "Print the summary as JSON");
  create_cmd->callback([run] { *run = [] { return cli::RunArchiveCreate(create); }; });
}

}  // namespace

void AddNetworkAndBackupCommands(CLI::App& app, std::function<int()>* run) {
  AddServe(app, run);
  AddSubmit(app, run);
  AddLoad(app, run);
  AddFollow(app, run);
  AddBackup(app, run);
  AddRestore(app, run);
  AddArchive(app, run);
}

}  // namespace cli::internal
