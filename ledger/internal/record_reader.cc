// The read side of the event log: one record by seq, and the iterator over a range at a
// RocksDB snapshot (see event_log.h).
#include <fmt/format.h>

#include <utility>

#include "base/strong_type_fmt.h"
#include "ledger/internal/event_log_impl.h"

namespace ledger::internal {

using base::Result;
using base::Status;
namespace {

class RocksRecordIterator final : public RecordIterator {
 public:
  RocksRecordIterator(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* events,
                      rocksdb::ReadOptions options, SequenceNumber first, SequenceNumber last,
                      StoredHeadReader stored_head)
      : db_(db), snapshot_(db->GetSnapshot()), stored_head_(std::move(stored_head)) {
    options.snapshot = snapshot_;
    options.fill_cache = false;
    options.readahead_size = 2 << 20;
    if (last != SequenceNumber{0} && last.value() < UINT64_MAX) {
      upper_bound_key_ = EncodeSeqKey(last + 1);
      upper_bound_ = rocksdb::Slice(upper_bound_key_);
      options.iterate_upper_bound = &upper_bound_;
    }
    it_.reset(db->NewIterator(options, events));
    it_->Seek(EncodeSeqKey(first));
    last_good_ = first > SequenceNumber{0} ? first - 1 : SequenceNumber{0};
    Settle();
  }
  ~RocksRecordIterator() override {
    it_.reset();
    db_->ReleaseSnapshot(snapshot_);
  }

  bool Valid() const override { return valid_; }
  void Next() override {
    BACKSTOP_ASSERT(valid_);
    last_good_ = key_seq_;
    it_->Next();
    Settle();
  }
  SequenceNumber key_seq() const override {
    BACKSTOP_ASSERT(valid_);
    return key_seq_;
  }
  std::span<const uint8_t> value() const override {
    BACKSTOP_ASSERT(valid_);
    rocksdb::Slice value = it_->value();
    return {reinterpret_cast<const uint8_t*>(value.data()), value.size()};
  }
  Status status() const override { return status_; }
  Result<std::pair<SequenceNumber, Hash>> StoredHead() const override {
    return stored_head_(snapshot_);
  }

 private:
  void Settle() {
    valid_ = false;
    if (!it_->Valid()) {
      if (!it_->status().ok()) {
        status_ = Status::Corruption(
            "event_log",
            fmt::format("reading after seq {}: {}", last_good_, it_->status().ToString()));
      }
      return;
    }
    rocksdb::Slice key = it_->key();
    if (!DecodeSeqKey(std::string_view(key.data(), key.size()), &key_seq_)) {
      status_ = Status::Corruption(
          "event_log",
          fmt::format("after seq {}: a key of {} bytes, not 8", last_good_, key.size()));
      return;
    }
    valid_ = true;
  }

  rocksdb::DB* db_;
  const rocksdb::Snapshot* snapshot_;
  StoredHeadReader stored_head_;
  std::string upper_bound_key_;
  rocksdb::Slice upper_bound_;
  std::unique_ptr<rocksdb::Iterator> it_;
  bool valid_ = false;
  SequenceNumber key_seq_{0};
  SequenceNumber last_good_{0};
  Status status_;
};

}  // namespace

std::unique_ptr<RecordIterator> NewRecordIterator(rocksdb::DB* db,
                                                  rocksdb::ColumnFamilyHandle* events,
                                                  rocksdb::ReadOptions options,
                                                  SequenceNumber first, SequenceNumber last,
                                                  StoredHeadReader stored_head) {
  return std::make_unique<RocksRecordIterator>(db, events, std::move(options), first, last,
                                               std::move(stored_head));
}

Result<LogRecord> ReadRecord(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* events,
                             const rocksdb::ReadOptions& options, SequenceNumber seq) {
  std::string value;
  rocksdb::Status s = db->Get(options, events, EncodeSeqKey(seq), &value);
  if (s.IsNotFound()) {
    return Status::NotFound("event_log", fmt::format("seq {} is not in the log", seq));
  }
  BACKSTOP_RETURN_IF_ERROR(FromRocks(s, fmt::format("event_log: read seq {}", seq)));
  Result<LogRecord> record =
      DecodeRecord({reinterpret_cast<const uint8_t*>(value.data()), value.size()});
  if (!record.ok()) {
    return Status::Corruption("event_log",
                              fmt::format("seq {}: {}", seq, record.status().message()));
  }
  if (record->seq() != seq) {
    return Status::Corruption("event_log",
                              fmt::format("seq {}: the record says seq {}", seq, record->seq()));
  }
  return record;
}

}  // namespace ledger::internal
