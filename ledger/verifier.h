// Verification of a stored event log: dense seqs, canonical records, the hash chain under the
// log's domain tag, signing keys and key rotations, signatures, and the meta head.
// Read-only; safe to run while other threads append through the same EventLog (it checks a
// RocksDB snapshot).
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "ledger/event_log.h"
#include "ledger/keys.h"
#include "ledger/status.h"

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
  SequenceNumber first = 1;
  // Last seq to check; 0 means the head. The meta head is only checked when checking to the
  // end. Default: 0.
  SequenceNumber last = 0;
  // Called with (records done, records total) from the verifying thread, at most about every
  // 4096 records and once at the end. Default: none.
  std::function<void(uint64_t done, uint64_t total)> progress;
};

struct VerifyReport {
  bool ok = false;
  uint64_t records_checked = 0;     // Records whose chain link and hash were checked.
  uint64_t signatures_checked = 0;  // Signatures verified (all valid when ok).
  // First seq found bad (0 if ok, or if the problem has no seq, e.g. the meta head).
  SequenceNumber first_bad_seq = 0;
  // Empty when ok; else what is wrong, e.g. "seq 42: hash mismatch (stored 3fa1..., recomputed
  // 9b07...)".
  std::string message;
  SequenceNumber head_seq = 0;  // Last record checked.
  Hash head_hash{};             // Its hash.
};

// Checks `log` against `keyring`. A record's key must be in the keyring, except a key that a
// verified keyRotation record introduced (its raw key is in the signed event). From the record
// after a keyRotation on, records must carry the new key id; otherwise every record carries
// its predecessor's key id. Never crashes on damaged data; storage errors become a failed
// report naming the seq where reading stopped.
VerifyReport Verify(const EventLog& log, const Keyring& keyring, const VerifyOptions& options);

}  // namespace ledger
