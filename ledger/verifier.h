// Verification of a stored event log: dense seqs, canonical records, the hash chain under the
// log's domain tag, signing keys and key rotations, signatures, the meta head and, in a
// format-2 log, every stored Merkle tree node and every signed checkpoint.
// Read-only; safe to run while other threads append through the same EventLog (it checks a
// RocksDB snapshot).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "base/status.h"
#include "ledger/event_log.h"
#include "ledger/keys.h"

namespace ledger {

struct VerifyOptions {
  // Check every record's signature. Otherwise only the last record of every group commit (one
  // synced WriteBatch, many command groups: its hash covers everything before it through the
  // chain) and the last record checked. Default: false.
  bool all_signatures = false;
  // Threads that check signatures (in both modes), beside the thread reading the chain; 0 means
  // std::thread::hardware_concurrency(). Default: 0.
  int threads = 0;
  // First seq to check. Above 1, the stored hash of first - 1 is trusted as the chain's
  // start. Default: 1.
  SequenceNumber first{1};
  // Last seq to check; 0 means the head. The meta head is only checked when checking to the
  // end. Default: 0.
  SequenceNumber last{0};
  // Called with (records done, records total) from the verifying thread, at most about every
  // 4096 records and once at the end. Default: none.
  std::function<void(uint64_t done, uint64_t total)> progress;
  // Keys that keyRotation records before `first` introduced (the caller checked those
  // records), trusted like the keyring's. Default: none.
  std::vector<PublicKey> prior_keys;
  // Verify (not ChainVerifier) splits a range of at least this many records per thread into
  // one segment per thread, checked in parallel: each segment trusts the stored hash and tree
  // of the record before it, which the segment before checks (as the audit's segments do).
  // Default: 262144.
  uint64_t min_segment_records = 262144;
};

struct VerifyReport {
  bool ok = false;
  uint64_t records_checked = 0;      // Records whose chain link and hash were checked.
  uint64_t signatures_checked = 0;   // Signatures verified (all valid when ok).
  uint64_t checkpoints_checked = 0;  // Checkpoints whose body matched the tree (format 2).
  // First seq found bad (0 if ok, or if the problem has no seq, e.g. the meta head).
  SequenceNumber first_bad_seq{0};
  // Empty when ok; else what is wrong, e.g. "seq 42: hash mismatch (stored 3fa1..., recomputed
  // 9b07...)".
  std::string message;
  SequenceNumber head_seq{0};   // Last record checked.
  Hash head_hash{};             // Its hash.
  // Keys introduced by the keyRotation records checked (and options.prior_keys).
  std::vector<PublicKey> introduced_keys;
};

// Checks `log` against `keyring`. A record's key must be in the keyring, except a key that a
// verified keyRotation record introduced (its raw key is in the signed event). Long ranges are
// checked in parallel segments (VerifyOptions::min_segment_records); the report is the same as
// one pass would give (the lowest bad seq wins). From the record
// after a keyRotation on, records must carry the new key id; otherwise every record carries
// its predecessor's key id. Never crashes on damaged data; storage errors become a failed
// report naming the seq where reading stopped.
VerifyReport Verify(const EventLog& log, const Keyring& keyring, const VerifyOptions& options);

// Verify, fed one stored record at a time by a caller that reads the log itself (the audit
// checks the chain in the same pass that replays it). Feed the records of [options.first,
// options.last] in order, as the iterator returns them, then call Finish once. Signatures are
// checked on options.threads threads of its own. Thread-compatible.
class ChainVerifier {
 public:
  ChainVerifier(const EventLog& log, const Keyring& keyring, const VerifyOptions& options);
  ~ChainVerifier();
  ChainVerifier(const ChainVerifier&) = delete;
  ChainVerifier& operator=(const ChainVerifier&) = delete;

  // Decodes `value` (stored under `key_seq`) into `*record` and checks it. False once a problem
  // is found: stop feeding, and read it in Finish's report. `*record` is usable only on true.
  // With EnvelopeCheck::kInputsOnly an effect's envelope is left for the caller to prove
  // canonical (record.h); CheckEnvelope checks one it could not.
  bool CheckValue(SequenceNumber key_seq, std::span<const uint8_t> value, LogRecord* record,
                  EnvelopeCheck check = EnvelopeCheck::kAll);
  // The canonical-form check CheckValue skipped for `record` (the last record it was given);
  // false, as CheckValue, when it fails.
  bool CheckEnvelope(const LogRecord& record);
  // Checks that the range was complete (and the meta head, when checking to the head) against
  // `it`, the iterator the records came from, and waits for the signatures.
  VerifyReport Finish(const RecordIterator& it);

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ledger
