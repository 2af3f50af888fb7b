// Archives: a log (a prefix of it, or a range) as one self-describing file an auditor can take
// away: a Cap'n Proto message stream of the canonical records with their commit marks and signed
// checkpoints, the keyring, the chain id and the snapshots (docs/formats/archive.md); a range
// also carries its anchor, the record before it with its Merkle inclusion proof.
// `verify --archive` and `audit --archive` check one by unpacking it into a temporary data
// directory and running the same checks as on a data directory. Thread-compatible.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "ledger/event_log.h"
#include "replay/data_dir.h"

namespace backup {

struct ArchiveOptions {
  // Last seq to include; rounded up to the end of its group commit (the signed checkpoint that
  // covers it), as restore --to-seq does. Default: none (the head).
  std::optional<ledger::SequenceNumber> to_seq;
  // First seq wanted. Above 1, the archive holds a range: it starts right after the newest
  // snapshot before this seq that verifies (so that the audit can replay from that snapshot's
  // state), with the record before its first one as its anchor (docs/formats/archive.md,
  // version 2); from seq 1 if there is no such snapshot. Default: none (seq 1).
  std::optional<ledger::SequenceNumber> from_seq;
  // Called with (records written, records to write). Default: none.
  std::function<void(uint64_t, uint64_t)> progress;
};

struct ArchiveSummary {
  ledger::SequenceNumber first_seq{1};  // Above 1: the anchor is record first_seq - 1.
  ledger::SequenceNumber last_seq{0};
  uint64_t checkpoints = 0;
  uint64_t snapshots = 0;
  uint64_t bytes = 0;
  // CreateArchive with from_seq: the newer snapshots before from_seq skipped because they do
  // not verify, one line each.
  std::vector<std::string> warnings;
};

// Writes the archive of the log in `data` (opened read-only by the caller as `log`) to `out`
// (replaced atomically: written as out.partial, synced, renamed). InvalidArgument for a bad
// to_seq or from_seq (beyond the last seq); Corruption if the start snapshot's log hash differs
// from the log's record; the log's errors; IOError on storage failure.
base::Result<ArchiveSummary> CreateArchive(const ledger::EventLog& log, const replay::DataDir& data,
                                           const std::string& out, const ArchiveOptions& options);

struct UnpackOptions {
  // Called with (records unpacked, records to unpack). Default: none.
  std::function<void(uint64_t, uint64_t)> progress;
  // Derive the secondary indexes (ledger::LogBuilder::set_derive_indexes). The audit checks
  // them, and queries read them; `verify` reads none, and unpacks a third faster without.
  // Default: true.
  bool indexes = true;
};

// An archive unpacked into a fresh temporary data directory (log, keyring, snapshots), deleted
// with this object.
class UnpackedArchive {
 public:
  ~UnpackedArchive();
  UnpackedArchive(const UnpackedArchive&) = delete;
  UnpackedArchive& operator=(const UnpackedArchive&) = delete;
  const std::string& data_dir() const { return dir_; }
  const ArchiveSummary& summary() const { return summary_; }

 private:
  friend base::Result<std::unique_ptr<UnpackedArchive>> UnpackArchive(const std::string& file,
                                                                      const UnpackOptions& options);
  UnpackedArchive(std::string dir, ArchiveSummary summary)
      : dir_(std::move(dir)), summary_(summary) {}
  std::string dir_;
  ArchiveSummary summary_;
};

// Reads `file` into a temporary data directory under the system's temp folder: each record,
// commit mark and checkpoint into a new log (ledger::LogBuilder; a range's anchor first, with
// LogBuilder::CreateAfter), the keys into keyring/, the snapshots into snapshots/. Corruption
// naming the entry (its index and byte offset) if the file is not a well-formed archive: a
// malformed message, entries out of order, a record whose envelope names another seq, an
// anchor whose hash does not recompute or whose proof does not fit, a trailer whose counts or
// SHA-256 differ, bytes after the trailer. Nothing is verified cryptographically here: run
// Verify (from summary().first_seq) / Audit (from the snapshot at first_seq - 1) on the result.
base::Result<std::unique_ptr<UnpackedArchive>> UnpackArchive(const std::string& file,
                                                             const UnpackOptions& options);
// The same, with the indexes.
base::Result<std::unique_ptr<UnpackedArchive>> UnpackArchive(
    const std::string& file, const std::function<void(uint64_t, uint64_t)>& progress);

}  // namespace backup
