// Group-commit marks and secondary indexes of the event log: scans, rebuild and check (see
// event_log.h and indexes.h). The keys are written by the append path in event_log.cc.

#include <fmt/format.h>
#include <rocksdb/write_batch.h>

#include <functional>
#include <set>

#include "ledger/internal/event_log_impl.h"

namespace ledger {
namespace {

using internal::EventLogAccess;
using internal::FromRocks;

constexpr size_t kRebuildBatchRecords = 4096;

rocksdb::ReadOptions CheckedReads() {
  rocksdb::ReadOptions options;
  options.verify_checksums = true;
  return options;
}

std::string_view View(const rocksdb::Slice& slice) { return {slice.data(), slice.size()}; }

// An order-independent summary of a set of keys: their count and two sums of 64-bit hashes.
// Equal sets give equal digests; the detailed comparison runs only when digests differ.
struct KeyDigest {
  uint64_t count = 0;
  uint64_t sum = 0;
  uint64_t sum_of_squares = 0;
  void Add(std::string_view key) {
    uint64_t hash = 0xcbf29ce484222325ull;  // FNV-1a 64.
    for (char c : key) hash = (hash ^ static_cast<uint8_t>(c)) * 0x100000001b3ull;
    ++count;
    sum += hash;
    sum_of_squares += hash * hash;
  }
  bool operator==(const KeyDigest&) const = default;
};

// Walks every record once and hands each index key it implies to `visit`.
Status ForEachExpectedKey(const EventLog& log,
                          const std::function<void(const IndexEntry&)>& visit) {
  std::vector<IndexEntry> entries;
  auto it = log.NewIterator(1, 0);
  for (; it->Valid(); it->Next()) {
    LEDGER_ASSIGN_OR_RETURN(LogRecord record, DecodeRecord(it->value()));
    entries.clear();
    IndexEntries(record.seq(), record.time_ns(), record.event(), &entries);
    for (const IndexEntry& entry : entries) visit(entry);
  }
  return it->status();
}

// The first difference between the keys of `index` and the keys the events imply ("" if
// none). Materializes that one index's expected keys: run it only after a digest mismatch.
Result<std::string> FirstDifference(const EventLog& log, Index index) {
  std::set<std::string> want;
  LEDGER_RETURN_IF_ERROR(ForEachExpectedKey(log, [&](const IndexEntry& entry) {
    if (entry.index == index) want.insert(entry.key);
  }));
  auto next = want.begin();
  std::unique_ptr<rocksdb::Iterator> it(
      EventLogAccess::db(log)->NewIterator(CheckedReads(), EventLogAccess::index(log, index)));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    const std::string key = it->key().ToString();
    if (next != want.end() && *next < key) break;  // A wanted key is missing.
    if (next == want.end() || *next != key) {
      return fmt::format("{}: stray key for seq {}", IndexColumnFamily(index), SeqOfIndexKey(key));
    }
    ++next;
  }
  LEDGER_RETURN_IF_ERROR(FromRocks(it->status(), IndexColumnFamily(index)));
  if (next != want.end()) {
    return fmt::format("{}: missing key for seq {}", IndexColumnFamily(index),
                       SeqOfIndexKey(*next));
  }
  return std::string();
}

}  // namespace

Result<std::vector<SequenceNumber>> EventLog::CommitEnds(SequenceNumber first,
                                                         SequenceNumber last) const {
  std::vector<SequenceNumber> ends;
  std::unique_ptr<rocksdb::Iterator> it(
      EventLogAccess::db(*this)->NewIterator(CheckedReads(), EventLogAccess::commits(*this)));
  for (it->Seek(internal::EncodeSeqKey(first)); it->Valid(); it->Next()) {
    SequenceNumber seq = 0;
    if (!internal::DecodeSeqKey(View(it->key()), &seq)) {
      return Status::Corruption("event_log", "malformed key in the commits column family");
    }
    if (last != 0 && seq > last) break;
    ends.push_back(seq);
  }
  LEDGER_RETURN_IF_ERROR(FromRocks(it->status(), "event_log: commits"));
  return ends;
}

Result<std::vector<SequenceNumber>> EventLog::ScanIndex(Index index, std::string_view lower,
                                                        std::string_view upper,
                                                        size_t limit) const {
  std::vector<SequenceNumber> seqs;
  rocksdb::ReadOptions options = CheckedReads();
  rocksdb::Slice upper_bound(upper.data(), upper.size());
  if (!upper.empty()) options.iterate_upper_bound = &upper_bound;
  std::unique_ptr<rocksdb::Iterator> it(
      EventLogAccess::db(*this)->NewIterator(options, EventLogAccess::index(*this, index)));
  for (it->Seek(rocksdb::Slice(lower.data(), lower.size())); it->Valid(); it->Next()) {
    if (it->key().size() < 8 + 4) {
      return Status::Corruption(IndexColumnFamily(index), "malformed index key");
    }
    seqs.push_back(SeqOfIndexKey(View(it->key())));
    if (limit != 0 && seqs.size() >= limit) break;
  }
  LEDGER_RETURN_IF_ERROR(FromRocks(it->status(), IndexColumnFamily(index)));
  return seqs;
}

Status EventLog::RebuildIndexes(const std::function<void(uint64_t, uint64_t)>& progress) {
  if (EventLogAccess::read_only(*this)) {
    return Status::InvalidArgument("reindex", "the log is open read-only");
  }
  LEDGER_RETURN_IF_ERROR(Flush());
  rocksdb::DB* db = EventLogAccess::db(*this);
  rocksdb::WriteOptions synced;
  synced.sync = true;
  for (Index index : AllIndexes()) {
    // Keys are at least 12 bytes; every one sorts below 0xff x 17.
    LEDGER_RETURN_IF_ERROR(FromRocks(
        db->DeleteRange(synced, EventLogAccess::index(*this, index), "", std::string(17, '\xff')),
        "reindex: clear"));
  }
  const uint64_t total = head_seq();
  uint64_t done = 0;
  rocksdb::WriteBatch batch;
  std::vector<IndexEntry> entries;
  auto it = NewIterator(1, 0);
  for (; it->Valid(); it->Next()) {
    LEDGER_ASSIGN_OR_RETURN(LogRecord record, DecodeRecord(it->value()));
    entries.clear();
    IndexEntries(record.seq(), record.time_ns(), record.event(), &entries);
    for (const IndexEntry& entry : entries) {
      LEDGER_RETURN_IF_ERROR(FromRocks(
          batch.Put(EventLogAccess::index(*this, entry.index), entry.key, ""), "reindex"));
    }
    if (++done % kRebuildBatchRecords == 0 || done == total) {
      LEDGER_RETURN_IF_ERROR(FromRocks(db->Write(synced, &batch), "reindex: write"));
      batch.Clear();
      if (progress) progress(done, total);
    }
  }
  LEDGER_RETURN_IF_ERROR(it->status());
  return FromRocks(db->Write(synced, &batch), "reindex: write");
}

Result<std::string> EventLog::CheckIndexes() const {
  std::array<KeyDigest, kIndexCount> expected{};
  LEDGER_RETURN_IF_ERROR(ForEachExpectedKey(*this, [&](const IndexEntry& entry) {
    expected[static_cast<size_t>(entry.index)].Add(entry.key);
  }));
  for (Index index : AllIndexes()) {
    KeyDigest stored;
    std::unique_ptr<rocksdb::Iterator> it(EventLogAccess::db(*this)->NewIterator(
        CheckedReads(), EventLogAccess::index(*this, index)));
    for (it->SeekToFirst(); it->Valid(); it->Next()) stored.Add(View(it->key()));
    LEDGER_RETURN_IF_ERROR(FromRocks(it->status(), IndexColumnFamily(index)));
    if (stored == expected[static_cast<size_t>(index)]) continue;
    LEDGER_ASSIGN_OR_RETURN(std::string difference, FirstDifference(*this, index));
    if (difference.empty()) {
      difference = fmt::format("{}: keys differ from the events", IndexColumnFamily(index));
    }
    return difference;
  }
  return std::string();
}

}  // namespace ledger
