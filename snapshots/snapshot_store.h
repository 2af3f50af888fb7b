// SnapshotStore: signed engine-state snapshots in one folder (DATA/snapshots), one file per
// snapshot named snapshot-<seq as 20 digits>.bin. The byte format is docs/formats/snapshot.md.
// Thread-safe: the store holds no mutable state and publishes files by atomic rename, so Write,
// List and Load may run concurrently; a Retain racing a Load can make that Load fail NotFound.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "engine/state.h"
#include "ledger/keys.h"
#include "ledger/record.h"

namespace snapshots {

// Named limits (STYLE.md D5). A larger file is refused as Corruption on load and a larger state
// as InvalidArgument on write.
inline constexpr uint64_t kMaxSnapshotBytes = uint64_t{1} << 30;  // Whole file, 1 GiB.
inline constexpr size_t kMaxSnapshotFiles = 100'000;              // Entries scanned in the folder.

// Where a snapshot sits in the log. All fields are signed with the state.
struct SnapshotMeta {
  ledger::SequenceNumber seq{0};   // Last log record applied to the state; >= 1.
  ledger::Hash log_head_hash{};    // Chain hash of record `seq`.
  int64_t time_ns = 0;             // Time stamped on record `seq`.
  ledger::ChainId chain_id{};      // The log's chain id.
  bool operator==(const SnapshotMeta&) const = default;
};

// One snapshot file as listed. Listing reads the body but verifies nothing: CRCs, signature
// and state hash are unchecked, so use Load before trusting any of it.
struct SnapshotInfo {
  ledger::SequenceNumber seq{0};  // From the file name.
  std::string path;
  uint64_t size_bytes = 0;
  // False if the body could not be decoded (then `problem` says why and the fields below are
  // zero). True does not mean the snapshot verifies.
  bool readable = false;
  std::string problem;
  int64_t time_ns = 0;
  ledger::Hash state_hash{};
  ledger::KeyId key_id{};
};

// A snapshot that passed every check of Load. Value type.
struct LoadedSnapshot {
  SnapshotMeta meta;
  ledger::Hash state_hash{};  // Stored, and equal to StateHash(state).
  ledger::KeyId key_id{};     // The key that signed it (found in the caller's keyring).
  std::string path;
  engine::EngineState state;
};

struct SnapshotStoreOptions {
  // Create the folder (not its parents) if it does not exist. Default: false.
  bool create_if_missing = false;
  // Never modify the folder: keep stale *.partial files (a writer may own them) and refuse
  // Write and Retain with InvalidArgument. For `snapshot list` / `verify`. Default: false.
  bool read_only = false;
};

class SnapshotStore {
 public:
  // Opens the store in `dir`. Unless read_only, deletes stale *.partial files left by a crash
  // mid-write, and syncs the folder. NotFound if `dir` does not exist (and create_if_missing
  // is false); IOError if it cannot be read, created or cleaned.
  static base::Result<std::unique_ptr<SnapshotStore>> Open(const std::string& dir,
                                                           const SnapshotStoreOptions& options);

  SnapshotStore(const SnapshotStore&) = delete;
  SnapshotStore& operator=(const SnapshotStore&) = delete;
  ~SnapshotStore();

  // Encodes `state` with `meta`, signs it with `key` and publishes it atomically: writes
  // `<name>.partial`, fsyncs it, renames it to its final name (replacing a snapshot of the same
  // seq) and fsyncs the folder. Returns only once the snapshot is durable; a crash before that
  // leaves at most a partial file, deleted by the next Open. The encoded bytes are decoded and
  // verified again before they are written (STYLE.md A3). InvalidArgument if meta.seq is 0, the
  // state exceeds kMaxSnapshotBytes or the store is read-only; IOError on storage failure.
  base::Result<SnapshotInfo> Write(const engine::EngineState& state, const SnapshotMeta& meta,
                                   const ledger::PrivateKey& key) const;

  // Every snapshot file, newest (highest seq) first, without verification. Files whose name
  // does not parse are ignored. IOError if the folder cannot be read.
  base::Result<std::vector<SnapshotInfo>> List() const;

  // Reads and fully verifies one snapshot: size, magic, version, header and footer CRCs,
  // canonical body, body seq equal to the file name's, chain id equal to `expected_chain`, key
  // present in `keyring`, Ed25519 signature, then decodes the state and recomputes its hash.
  // Corruption with a message naming the snapshot and the first failed check (e.g.
  // "snapshot 1000000: state hash mismatch", "...: signature invalid", "...: truncated ...");
  // NotFound if there is no such file; IOError if it cannot be read. Never crashes or throws on
  // arbitrary file contents, and never returns a state that failed a check.
  base::Result<LoadedSnapshot> Load(ledger::SequenceNumber seq, const ledger::Keyring& keyring,
                                    const ledger::ChainId& expected_chain) const;
  // The same for a file given by path (inside this folder or not). If the file name is not a
  // snapshot name, the body seq is not cross-checked against it.
  base::Result<LoadedSnapshot> LoadFile(const std::string& path, const ledger::Keyring& keyring,
                                        const ledger::ChainId& expected_chain) const;

  // The newest snapshot with seq <= max_seq that Load accepts. Each newer one that fails adds
  // a line to `*warnings` (may be null) naming the file and why, e.g. "skipped snapshot 2000
  // (DIR/snapshot-...-2000.bin): signature invalid". NotFound if none verifies (the caller
  // starts from genesis); IOError if the folder cannot be listed.
  base::Result<LoadedSnapshot> LoadNewestValid(const ledger::Keyring& keyring,
                                               const ledger::ChainId& expected_chain,
                                               ledger::SequenceNumber max_seq,
                                               std::vector<std::string>* warnings) const;

  // Deletes all snapshot files but the `keep_newest` with the highest seq (0 deletes all),
  // then fsyncs the folder. Files are kept by seq, not by validity: run LoadNewestValid first
  // if a corrupt newest file may be present. InvalidArgument if read-only; IOError otherwise.
  base::Status Retain(size_t keep_newest) const;

  // The folder, and the final path of the snapshot of `seq` in it.
  const std::string& dir() const { return dir_; }
  std::string PathFor(ledger::SequenceNumber seq) const;

 private:
  SnapshotStore(std::string dir, const SnapshotStoreOptions& options);

  std::string dir_;
  SnapshotStoreOptions options_;
};

}  // namespace snapshots
