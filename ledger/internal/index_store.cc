// Group-commit marks and secondary indexes of the event log: scans, rebuild and check (see
// event_log.h and indexes.h). The entries are written by the append path in event_log.cc.

#include <fmt/format.h>
#include <rocksdb/write_batch.h>

#include <functional>
#include <map>

#include "base/strong_type_fmt.h"
#include "ledger/internal/event_log_impl.h"

namespace ledger {

using base::Result;
using base::Status;
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

// Calls `visit` with each entry of `index` in [lower, upper) (upper "": no bound), in key
// order, until it returns false. No check of the keys: callers decide what a bad key means.
Status IterateIndex(const EventLog& log, Index index, std::string_view lower,
                    std::string_view upper, const EventLog::IndexVisitor& visit) {
  // A read-only log written before an index existed has no column family for it: empty.
  if (EventLogAccess::index(log, index) == nullptr) return Status::OK();
  rocksdb::ReadOptions options = CheckedReads();
  if (lower.empty() && upper.empty()) {  // A whole index (a digest, reindex): stream it.
    options.fill_cache = false;
    options.readahead_size = 2 << 20;
  }
  rocksdb::Slice upper_bound(upper.data(), upper.size());
  if (!upper.empty()) options.iterate_upper_bound = &upper_bound;
  std::unique_ptr<rocksdb::Iterator> it(
      EventLogAccess::db(log)->NewIterator(options, EventLogAccess::index(log, index)));
  for (it->Seek(rocksdb::Slice(lower.data(), lower.size())); it->Valid(); it->Next()) {
    if (!visit(View(it->key()), View(it->value()))) break;
  }
  return FromRocks(it->status(), IndexColumnFamily(index));
}

// Walks every record once and hands each index entry it implies to `visit`.
Status ForEachExpectedEntry(const EventLog& log,
                            const std::function<void(const IndexEntry&)>& visit) {
  std::vector<IndexEntry> entries;
  auto it = log.NewIterator(SequenceNumber{1}, SequenceNumber{0});
  for (; it->Valid(); it->Next()) {
    BACKSTOP_ASSIGN_OR_RETURN(LogRecord record, DecodeRecord(it->value()));
    entries.clear();
    IndexEntries(record, &entries);
    for (const IndexEntry& entry : entries) visit(entry);
  }
  return it->status();
}

// The first difference between the entries of `index` and those the events imply ("" if
// none). Materializes that one index's expected entries: run it only after a digest mismatch.
Result<std::string> FirstDifference(const EventLog& log, Index index) {
  std::map<std::string, std::string> want;
  BACKSTOP_RETURN_IF_ERROR(ForEachExpectedEntry(log, [&](const IndexEntry& entry) {
    if (entry.index == index) want.emplace(std::string(entry.key), entry.value);
  }));
  auto next = want.begin();
  std::string difference;
  BACKSTOP_RETURN_IF_ERROR(
      IterateIndex(log, index, "", "", [&](std::string_view key, std::string_view value) {
        const char* what = nullptr;
        if (next != want.end() && next->first < key) {
          what = "missing key";
          key = next->first;
        } else if (next == want.end() || next->first != key) {
          what = "stray key";
        } else if (next->second != value) {
          what = "value differs";
        }
        ++next;
        if (what != nullptr) {
          difference =
              fmt::format("{}: {} for seq {}", IndexColumnFamily(index), what, SeqOfIndexKey(key));
        }
        return what == nullptr;
      }));
  if (difference.empty() && next != want.end()) {
    difference = fmt::format("{}: missing key for seq {}", IndexColumnFamily(index),
                             SeqOfIndexKey(next->first));
  }
  return difference;
}

}  // namespace

Result<std::vector<SequenceNumber>> EventLog::CommitEnds(SequenceNumber first,
                                                         SequenceNumber last) const {
  std::vector<SequenceNumber> ends;
  std::unique_ptr<rocksdb::Iterator> it(
      EventLogAccess::db(*this)->NewIterator(CheckedReads(), EventLogAccess::commits(*this)));
  for (it->Seek(internal::EncodeSeqKey(first)); it->Valid(); it->Next()) {
    SequenceNumber seq{0};
    if (!internal::DecodeSeqKey(View(it->key()), &seq)) {
      return Status::Corruption("event_log", "malformed key in the commits column family");
    }
    if (last != SequenceNumber{0} && seq > last) break;
    ends.push_back(seq);
  }
  BACKSTOP_RETURN_IF_ERROR(FromRocks(it->status(), "event_log: commits"));
  return ends;
}

Status EventLog::VisitIndex(Index index, std::string_view lower, std::string_view upper,
                            const IndexVisitor& visit) const {
  if (EventLogAccess::indexes_rebuilding(*this)) return internal::UnfinishedRebuild("index");
  bool malformed = false;
  BACKSTOP_RETURN_IF_ERROR(
      IterateIndex(*this, index, lower, upper, [&](std::string_view key, std::string_view value) {
        malformed = key.size() < 8 + 4;
        return !malformed && visit(key, value);
      }));
  if (malformed) return Status::Corruption(IndexColumnFamily(index), "malformed index key");
  return Status::OK();
}

Result<std::vector<SequenceNumber>> EventLog::ScanIndex(Index index, std::string_view lower,
                                                        std::string_view upper,
                                                        size_t limit) const {
  std::vector<SequenceNumber> seqs;
  BACKSTOP_RETURN_IF_ERROR(
      VisitIndex(index, lower, upper, [&](std::string_view key, std::string_view) {
        seqs.push_back(SeqOfIndexKey(key));
        return limit == 0 || seqs.size() < limit;
      }));
  return seqs;
}

Status EventLog::RebuildIndexes(const std::function<void(uint64_t, uint64_t)>& progress) {
  if (EventLogAccess::read_only(*this)) {
    return Status::InvalidArgument("reindex", "the log is open read-only");
  }
  BACKSTOP_RETURN_IF_ERROR(Flush());
  BACKSTOP_RETURN_IF_ERROR(EventLogAccess::StartCompactions(*this));
  rocksdb::DB* db = EventLogAccess::db(*this);
  rocksdb::WriteOptions synced;
  synced.sync = true;
  // A synced mark (internal::kMetaIndexesRebuilding) comes first and the batch that ends the
  // rebuild removes it: a log that holds it has indexes missing entries.
  rocksdb::ColumnFamilyHandle* meta = EventLogAccess::meta(*this);
  EventLogAccess::set_indexes_rebuilding(*this, true);
  BACKSTOP_RETURN_IF_ERROR(
      FromRocks(db->Put(synced, meta, internal::kMetaIndexesRebuilding, ""), "reindex: mark"));
  for (Index index : AllIndexes()) {
    BACKSTOP_RETURN_IF_ERROR(internal::DeleteAllKeys(db, EventLogAccess::index(*this, index)));
  }
  rocksdb::WriteBatch batch;
  const uint64_t total = head_seq().value();
  uint64_t done = 0;
  std::vector<IndexEntry> entries;
  auto it = NewIterator(SequenceNumber{1}, SequenceNumber{0});
  for (; it->Valid(); it->Next()) {
    BACKSTOP_ASSIGN_OR_RETURN(LogRecord record, DecodeRecord(it->value()));
    entries.clear();
    IndexEntries(record, &entries);
    for (const IndexEntry& entry : entries) {
      BACKSTOP_RETURN_IF_ERROR(
          FromRocks(batch.Put(EventLogAccess::index(*this, entry.index),
                              rocksdb::Slice(entry.key.data(), entry.key.size()), entry.value),
                    "reindex"));
    }
    if (++done % kRebuildBatchRecords == 0 || done == total) {
      BACKSTOP_RETURN_IF_ERROR(FromRocks(db->Write(synced, &batch), "reindex: write"));
      batch.Clear();
      if (progress) progress(done, total);
    }
  }
  BACKSTOP_RETURN_IF_ERROR(it->status());
  BACKSTOP_RETURN_IF_ERROR(
      FromRocks(batch.Delete(meta, internal::kMetaIndexesRebuilding), "reindex: write"));
  BACKSTOP_RETURN_IF_ERROR(FromRocks(db->Write(synced, &batch), "reindex: write"));
  EventLogAccess::set_indexes_rebuilding(*this, false);
  return Status::OK();
}

Result<IndexDigest> EventLog::StoredIndexDigest(Index index) const {
  IndexDigest stored;
  BACKSTOP_RETURN_IF_ERROR(
      IterateIndex(*this, index, "", "", [&](std::string_view key, std::string_view value) {
        stored.Add(index, key, value);
        return true;
      }));
  return stored;
}

Result<std::string> EventLog::CheckIndexes(const IndexDigest& expected,
                                           const IndexDigest& stored) const {
  if (EventLogAccess::indexes_rebuilding(*this)) {
    return internal::UnfinishedRebuild("index").message();
  }
  for (Index index : AllIndexes()) {
    if (stored.Matches(expected, index)) continue;
    BACKSTOP_ASSIGN_OR_RETURN(std::string difference, FirstDifference(*this, index));
    if (difference.empty()) {
      difference =
          fmt::format("{}: entries differ from the expected digest", IndexColumnFamily(index));
    }
    return difference;
  }
  return std::string();
}

Result<std::string> EventLog::CheckIndexes(const IndexDigest& expected) const {
  IndexDigest stored;
  for (Index index : AllIndexes()) {
    BACKSTOP_ASSIGN_OR_RETURN(IndexDigest one, StoredIndexDigest(index));
    stored += one;
  }
  return CheckIndexes(expected, stored);
}

Result<std::string> EventLog::CheckIndexes() const {
  IndexDigest expected;
  BACKSTOP_RETURN_IF_ERROR(
      ForEachExpectedEntry(*this, [&](const IndexEntry& entry) { expected.Add(entry); }));
  return CheckIndexes(expected);
}

}  // namespace ledger
