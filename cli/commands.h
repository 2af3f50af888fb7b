// The `backstop` subcommands, one function each. main.cc parses arguments (CLI11) into these
// option structs; each function prints to stdout/stderr and returns the process exit code
// (0 success, 1 a finding such as a failed verification, 2 a usage or environment error).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ledger/event_log.h"

namespace cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFinding = 1;
inline constexpr int kExitError = 2;

// Paths inside a data directory.
std::string LogDir(const std::string& data_dir);      // DATA/log: the RocksDB event log.
std::string KeyringDir(const std::string& data_dir);  // DATA/keyring: trusted public keys.

// Whom verify, audit and proof verify trust (cli/trust.h): the auditor's keys and log identity.
struct TrustOptions {
  // Public-key PEM files, or folders of them (repeatable).
  std::vector<std::string> trusted_keys;
  // The chain id (32 hex characters) or checkpoint origin ("backstop/<chain id>") of the log.
  std::string chain_id;
};

struct KeygenOptions {
  std::string out;  // Prefix: writes PREFIX.key.pem (0600) and PREFIX.pub.pem.
};
int RunKeygen(const KeygenOptions& options);

struct InitOptions {
  std::string data_dir;
  std::string key_file;  // Private key that will sign; its public half enters the keyring.
  ledger::SigningMode signing = ledger::SigningMode::kCheckpoint;
};
int RunInit(const InitOptions& options);

struct LogShowOptions {
  std::string data_dir;
  std::string range;  // "", "SEQ" or "FROM..TO" (either end may be omitted).
  bool json = false;  // One JSON object per line instead of aligned text.
};
int RunLogShow(const LogShowOptions& options);

struct LogTailOptions {
  std::string data_dir;
  uint64_t count = 20;  // Records to show from the head.
  bool follow = false;  // Keep printing new records as they are appended.
  bool json = false;
};
int RunLogTail(const LogTailOptions& options);

struct VerifyCommandOptions {
  std::string data_dir;
  std::string archive;  // Instead of data_dir: an archive file (backup/archive.h).
  bool all_signatures = false;
  TrustOptions trust;  // Without trusted keys, DATA/keyring's are used, with a warning.
  bool json = false;
};
int RunVerify(const VerifyCommandOptions& options);

struct ExportRawOptions {
  std::string data_dir;
  uint64_t seq = 0;
  std::string out;  // Prefix of the files written.
};
int RunExportRaw(const ExportRawOptions& options);

struct IngestOptions {
  std::string data_dir;
  std::string key_file;         // Private key that signs (must be the log's current key).
  std::string input = "-";      // JSONL file, or "-" for stdin.
  bool skip_bad_lines = false;  // --on-error skip: refuse a bad line and go on.
  bool acks = false;            // Print "ack LINE SEQ" once each command is durable.
  uint64_t snapshot_every = 0;  // Records between automatic snapshots; 0 = none.
  size_t keep_snapshots = 3;
  std::string checkpoint_file;  // Newest checkpoint kept outside DATA (LogOptions).
  bool json = false;            // Summary as JSON.
};
int RunIngest(const IngestOptions& options);

struct SnapshotCreateOptions {
  std::string data_dir;
  std::string key_file;
  size_t keep_snapshots = 3;
};
int RunSnapshotCreate(const SnapshotCreateOptions& options);

struct AuditCommandOptions {
  std::string data_dir;
  std::string archive;  // Instead of data_dir: an archive file (backup/archive.h).
  uint64_t from_snapshot = 0;
  bool all_signatures = false;
  bool check_invariants = false;  // Run the engine's O(n) invariant checks after every input.
  TrustOptions trust;
  bool json = false;
};
int RunAudit(const AuditCommandOptions& options);

// `backstop proof`: one record's inclusion proof as a C2SP tlog-proof file, a consistency proof
// between two checkpoints, their checks with the public key alone, a checkpoint, a note key.
struct ProofOptions {
  std::string data_dir;
  uint64_t seq = 0;
  uint64_t checkpoint = 0;  // Tree size of the checkpoint to prove against; 0: the newest.
  std::string out;          // Path prefix of the files written.
};
int RunProof(const ProofOptions& options);

struct ConsistencyProofOptions {
  std::string data_dir;
  uint64_t old_size = 0;
  uint64_t new_size = 0;  // 0: the newest checkpoint.
  std::string out;
};
int RunConsistencyProof(const ConsistencyProofOptions& options);

struct ProofVerifyOptions {
  std::string file;            // A .tlog-proof or a consistency proof.
  std::string old_checkpoint;  // For a consistency proof: the two checkpoints it links.
  std::string new_checkpoint;
  TrustOptions trust;  // --trusted-keys is required: no data directory to fall back on.
  bool json = false;
};
int RunProofVerify(const ProofVerifyOptions& options);

struct CheckpointShowOptions {
  std::string data_dir;
  uint64_t size = 0;  // 0: the newest.
  std::string out;    // Write the note here instead of printing it.
  bool vkey = false;  // Print the signing key's note verifier key (Go's note package).
};
int RunCheckpointShow(const CheckpointShowOptions& options);

struct ReindexOptions {
  std::string data_dir;
};
int RunReindex(const ReindexOptions& options);

struct ReplayCommandOptions {
  std::string data_dir;
  // Unset: the head. 0: the empty state before seq 1. Otherwise rounded up to its group's end.
  std::optional<uint64_t> to;
  bool json = false;
};
int RunReplay(const ReplayCommandOptions& options);

}  // namespace cli
