// Append-only log of signed events stored in RocksDB (column families `events` and `meta`).
// Sequence numbers are dense: the first record is 1 and each record is previous + 1.
// Thread-safe: any thread may Submit/Append (appends are ordered by a sequencing mutex) and
// read concurrently; readers see a consistent prefix of acknowledged records.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"
#include "ledger/indexes.h"
#include "ledger/keys.h"
#include "ledger/record.h"

namespace rocksdb {
class Env;
}  // namespace rocksdb

namespace ledger {

// Nanoseconds since the Unix epoch. Injected (STYLE.md D4); callers wire RealTimeNs.
using Clock = std::function<int64_t()>;
// The system's real-time clock, for callers to pass as LogOptions::clock.
int64_t RealTimeNs();

// How a log's records are authenticated; chosen at Create, fixed for the log's life
// (docs/formats/checkpoint.md). Either way the log keeps the RFC 6962 Merkle tree of its
// records and one signed checkpoint (a C2SP signed note) per group commit; format-1 logs,
// written before checkpoints existed, have neither and sign every record.
enum class SigningMode : uint8_t {
  kCheckpoint = 1,  // Records carry no signature; the checkpoint of each group commit signs.
  kEvery = 0,       // Every record also carries a signature over its hash.
};
// "checkpoint" or "every".
std::string_view SigningModeName(SigningMode mode);

struct LogOptions {
  // Open with RocksDB's OpenForReadOnly (no lock) and refuse appends. Meant for a log that no
  // process is appending to (RocksDB leaves a concurrent writer's effect on it undefined); in
  // the writing process, read through that process's own EventLog instead. A read-only log
  // skips the head cross-check so that Verify can report a bad head itself. Default: false.
  bool read_only = false;
  // Key that signs appended records. Without it the log refuses appends (InvalidArgument).
  // On Open it must be the key the log expects next (the last record's key, or the new key
  // of a final keyRotation), else Open fails with InvalidArgument. Default: none.
  std::optional<PrivateKey> signing_key;
  // Time source for the envelopes. Required when signing_key is set. Stamped times never go
  // backwards: a record gets max(clock(), previous record's time). Default: none.
  Clock clock;
  // Threads that sign and encode the records of a log that signs every record; 0 means
  // std::thread::hardware_concurrency(). A checkpoint-signed log starts none: Submit encodes
  // its records itself. Default: 0.
  int signer_threads = 0;
  // Records sequenced but not yet durable; Submit blocks beyond this (backpressure).
  // Must be >= kMaxGroupRecords. Default: 65536.
  size_t max_pending_records = 65536;
  // Most records the writer puts in one synced WriteBatch (whole groups only; a single larger
  // group still goes alone). Default: 4096.
  size_t max_batch_records = 4096;
  // Create only: how the new log is signed. Default: kCheckpoint.
  SigningMode signing = SigningMode::kCheckpoint;
  // A file outside the data directory that holds the newest checkpoint: rewritten atomically
  // (and synced) after every group commit, and checked on Open, which refuses a log whose
  // head is behind it or whose tree differs from it (a crash plus a damaged MANIFEST would
  // otherwise lose acknowledged records silently). Empty: none. Default: none.
  std::string checkpoint_file;
  // Create only: the chain id of the new log. Set it to make a run reproducible byte for byte
  // (a simulation derives it from its seed); leave it unset for a fresh random id.
  // Default: none (random).
  std::optional<ChainId> chain_id;
  // For fault-injection tests: the RocksDB environment (its file system) the database is
  // opened with, kept alive while the log is open. The closed-head marker and checkpoint_file
  // are written outside it. Default: none (the real environment).
  std::shared_ptr<rocksdb::Env> env;
};

// First and last seq of one appended group.
struct GroupRange {
  SequenceNumber first{0};
  SequenceNumber last{0};
};

// The stored values of a durable group's records in seq order, handed over to its callback
// (each what LogRecord::record_bytes() reads back); empty if the group failed.
using GroupValues = std::vector<std::vector<uint8_t>>;
// Called on the writer thread once a group is durable (OK) or has failed (IOError). Callbacks
// run in seq order and must be quick and must not call back into the log.
using AppendCallback =
    std::function<void(const base::Status& status, GroupRange range, GroupValues values)>;

class RecordIterator;
namespace internal {
struct EventLogAccess;  // Tests' and the verifier's window into the implementation.
}  // namespace internal

class EventLog {
 public:
  // Creates a new, empty log in `dir` (the parent must exist) with a fresh random chain id.
  // InvalidArgument if `dir` already exists; IOError on storage failure.
  static base::Result<std::unique_ptr<EventLog>> Create(const std::string& dir, LogOptions options);
  // Opens an existing log. NotFound if there is no log in `dir`; Corruption if RocksDB or
  // the meta head is damaged (head seq/hash must equal the last stored record, unless
  // read_only); Busy if another process holds it open for writing.
  static base::Result<std::unique_ptr<EventLog>> Open(const std::string& dir, LogOptions options);

  // Waits for every submitted group to be durable or failed, stops the pipeline, flushes
  // memtables and closes RocksDB.
  ~EventLog();
  EventLog(const EventLog&) = delete;
  EventLog& operator=(const EventLog&) = delete;

  // Sequences `events` as one group: assigns seqs, stamps the time, builds the canonical
  // envelopes and chain hashes in the calling thread, then hands the group to the signer
  // threads and the writer. Returns the group's range once sequenced (NOT yet durable);
  // `done` runs after the group's WriteBatch is synced, or with IOError if the log failed.
  // `events` need only live during the call. InvalidArgument if empty, larger than
  // kMaxGroupRecords, an event exceeds kMaxEventBytes or is a keyRotation (use RotateKey),
  // or the log has no signing key; IOError if an earlier write failed (the log is then
  // read-only for good). Blocks while max_pending_records are in flight.
  base::Result<GroupRange> Submit(std::span<const schema::Event::Reader> events,
                                  AppendCallback done);
  // Sequences more effects of `group`, the group of the last sequenced record, as one more
  // submission (its own group commit, or part of one): how an input whose effects exceed
  // kMaxGroupRecords is logged. The records carry envelope group `group` and the time of the
  // group's input. InvalidArgument if `group` is not the last sequenced group (or is a key
  // rotation's), `events` holds an input, or as Submit.
  base::Result<GroupRange> SubmitContinuation(SequenceNumber group,
                                              std::span<const schema::Event::Reader> events,
                                              AppendCallback done);
  // Submit and wait: returns OK only after the group is synced to disk.
  base::Result<GroupRange> Append(std::span<const schema::Event::Reader> events);
  base::Result<GroupRange> Append(const EventGroup& group);
  // Waits until every group submitted before the call is durable; the first failure if any.
  base::Status Flush();
  // Appends (durably) a one-record group with a keyRotation event naming `new_key`, signed by
  // the current key; every later record is signed by `new_key`.
  base::Result<GroupRange> RotateKey(const PrivateKey& new_key);

  // Reads one record, decoded and structurally checked (see DecodeRecord) and with envelope
  // seq == `seq`. NotFound beyond the head; Corruption naming the seq otherwise.
  base::Result<LogRecord> Read(SequenceNumber seq) const;
  // Iterates stored records with key seq in [first, last] (last = 0: to the end), in key
  // order, over a consistent snapshot. Raw: decode with DecodeRecord.
  std::unique_ptr<RecordIterator> NewIterator(SequenceNumber first, SequenceNumber last) const;

  // Last durable record (0 and zero hash when empty). Snapshot of the in-memory head.
  SequenceNumber head_seq() const;
  Hash head_hash() const;
  // The head as stored in the `meta` column family (read from RocksDB now).
  base::Result<std::pair<SequenceNumber, Hash>> StoredHead() const;
  // Records sequenced and waiting for a signer thread now: always 0 in a log signed by
  // checkpoints (no signer runs) and in one opened without a signing key.
  uint64_t signer_queue_depth() const;
  // Key id the next appended record will carry (nullopt when the log cannot append).
  std::optional<KeyId> signing_key_id() const;
  const ChainId& chain_id() const;
  // 1: records signed one by one, no tree (logs written before checkpoints); 2: with tree and
  // checkpoints.
  uint32_t format_version() const;
  SigningMode signing_mode() const;
  bool has_tree() const { return format_version() >= 2; }
  // The checkpoint origin and signing-key name: "backstop/" + chain id in hex.
  std::string origin() const;

  // ---- Merkle tree and checkpoints (format 2; InvalidArgument on a format-1 log) ----
  // Root of the tree of the first `size` records (size <= head), from O(log size) stored nodes.
  base::Result<Hash> TreeRoot(uint64_t size) const;
  // The stored hash of complete node (level, index) (merkle.h: level 0 holds the leaf hashes):
  // what a tlog-tiles tile is made of. NotFound unless the node is complete at the head.
  base::Result<Hash> TreeNodeHash(int level, uint64_t index) const;
  // Inclusion proof of record `seq` (leaf seq - 1) in the tree of `size` records.
  base::Result<std::vector<Hash>> InclusionProof(SequenceNumber seq, uint64_t size) const;
  // Consistency proof from the tree of `old_size` records to that of `new_size`.
  base::Result<std::vector<Hash>> ConsistencyProof(uint64_t old_size, uint64_t new_size) const;
  // The signed checkpoint note of tree size `size` (NotFound if no group commit ended there),
  // or the newest one (NotFound if the log is empty).
  base::Result<std::string> ReadCheckpoint(uint64_t size) const;
  base::Result<std::string> LatestCheckpoint() const;
  // Tree sizes of the checkpoints in [first, last] (last 0: no bound), ascending.
  base::Result<std::vector<uint64_t>> CheckpointSizes(uint64_t first, uint64_t last) const;
  // Rebuilds the stored tree nodes from the records (as RebuildIndexes; writable logs only).
  // Checkpoints are signed and are not rebuilt: verify checks them against the tree.
  base::Status RebuildTree(const std::function<void(uint64_t, uint64_t)>& progress);

  // ---- Group commits and secondary indexes (ledger/indexes.h) ----
  // Last seq of every synced WriteBatch in [first, last] (last 0: to the head), ascending.
  // Verify checks these records' signatures by default: each one authenticates everything
  // before it through the chain.
  base::Result<std::vector<SequenceNumber>> CommitEnds(SequenceNumber first,
                                                       SequenceNumber last) const;
  // Calls `visit` with the key and value of each entry of `index` in [lower, upper) (upper
  // empty: no bound), ascending by key, until it returns false; the views are valid during the
  // call only. Corruption if a key is malformed (shorter than 12 bytes).
  using IndexVisitor = std::function<bool(std::string_view key, std::string_view value)>;
  base::Status VisitIndex(Index index, std::string_view lower, std::string_view upper,
                          const IndexVisitor& visit) const;
  // Seqs of the keys of `index` in [lower, upper), as VisitIndex, at most `limit` (0: no
  // limit).
  base::Result<std::vector<SequenceNumber>> ScanIndex(Index index, std::string_view lower,
                                                      std::string_view upper, size_t limit) const;
  // Rebuilds every index from the events: deletes their entries, then writes the entries of
  // each record, in synced batches. Writable logs only (InvalidArgument otherwise), with no
  // append in flight. `progress` gets (records done, records total).
  base::Status RebuildIndexes(const std::function<void(uint64_t, uint64_t)>& progress);
  // Compares every index (keys and values) with `expected`, the digest of the entries the
  // events imply (IndexEntries of every record from seq 1 to the head). Returns "" when they
  // agree, else the first difference, found by a second scan of the log and of the index that
  // disagrees ("idx_adl_account: missing key for seq 42", "...: stray key for seq 7",
  // "...: value differs for seq 9").
  base::Result<std::string> CheckIndexes(const IndexDigest& expected) const;
  // The same, with `expected` computed by scanning the log.
  base::Result<std::string> CheckIndexes() const;
  // As CheckIndexes(expected), with the stored side given: `stored` is the sum of
  // StoredIndexDigest of every index (the audit computes those while it reads the log).
  base::Result<std::string> CheckIndexes(const IndexDigest& expected,
                                         const IndexDigest& stored) const;
  // The digest of the entries `index` holds.
  base::Result<IndexDigest> StoredIndexDigest(Index index) const;
  DomainTag domain_tag() const { return MakeDomainTag(chain_id()); }
  const std::string& dir() const;

  class Impl;

 private:
  friend struct internal::EventLogAccess;
  explicit EventLog(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Iterates raw stored records in key order. Not thread-safe; must not outlive its log.
class RecordIterator {
 public:
  virtual ~RecordIterator() = default;
  // False at the end or on error; then check status().
  virtual bool Valid() const = 0;
  virtual void Next() = 0;
  // Seq from the 8-byte big-endian key. Precondition: Valid().
  virtual SequenceNumber key_seq() const = 0;
  // The stored value (a canonical schema::Record), valid until Next(). Precondition: Valid().
  virtual std::span<const uint8_t> value() const = 0;
  // Corruption for a malformed key or a RocksDB checksum error (naming the seq after the
  // last good key); OK at a clean end.
  virtual base::Status status() const = 0;
  // The meta head (seq, hash) as of the iterator's snapshot.
  virtual base::Result<std::pair<SequenceNumber, Hash>> StoredHead() const = 0;
};

// Process-wide: makes glibc's malloc keep large freed blocks rather than hand their pages back
// to the kernel. RocksDB's readahead allocates a new 2 MiB buffer for nearly every read of a
// scan; each one's pages were otherwise faulted in and zeroed again, a quarter of a replay's
// time. Call once, early, in a program that scans logs (the CLI does); memory freed after a
// scan then stays with the process.
void KeepFreedMemoryForScans();

}  // namespace ledger
