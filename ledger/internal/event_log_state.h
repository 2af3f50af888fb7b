// Private: the state of an EventLog, shared by event_log.cc (create, open, meta and head,
// reads) and append_path.cc (the sequencer half of the append path and the synced group
// write). Nothing else includes it: tests and the verifier go through EventLogAccess.
#pragma once

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include <array>
#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "ledger/event_log.h"
#include "ledger/internal/append_pipeline.h"
#include "ledger/internal/codec.h"
#include "ledger/internal/rocks_options.h"
#include "ledger/merkle.h"

namespace ledger {

class EventLog::Impl {
 public:
  ~Impl();

  base::Status OpenDb(const std::string& dir, bool create, bool read_only);
  base::Status InitializeMeta(const std::optional<ChainId>& chain_id, SigningMode signing);
  base::Status LoadMeta();
  base::Status LoadHead(const LogOptions& options);
  base::Status LoadFrontier();
  base::Status PutCheckpoint(const internal::GroupBatch& batch, rocksdb::WriteBatch* write_batch);
  NodeReader MakeNodeReader(uint64_t size) const;
  base::Status StartPipeline(const LogOptions& options);
  // continues: 0 to start a group, else the last sequenced group, which `events` continue.
  base::Result<GroupRange> Submit(std::span<const schema::Event::Reader> events,
                                  AppendCallback done, const PrivateKey* rotate_to,
                                  SequenceNumber continues);
  base::Status WriteGroups(const internal::GroupBatch& batch);
  base::Status PutIndexEntries(const internal::GroupBatch& batch, rocksdb::WriteBatch* write_batch);
  base::Status StartCompactions();
  base::Result<std::pair<SequenceNumber, Hash>> ReadStoredHead(
      const rocksdb::Snapshot* snapshot) const;

  std::string dir_;
  bool read_only_ = false;
  std::shared_ptr<rocksdb::Env> env_;  // LogOptions::env; outlives db_.
  rocksdb::DB* db_ = nullptr;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  rocksdb::ColumnFamilyHandle* events_ = nullptr;
  rocksdb::ColumnFamilyHandle* meta_ = nullptr;
  rocksdb::ColumnFamilyHandle* commits_ = nullptr;
  rocksdb::ColumnFamilyHandle* tree_ = nullptr;
  rocksdb::ColumnFamilyHandle* checkpoints_ = nullptr;
  std::array<rocksdb::ColumnFamilyHandle*, kIndexCount> indexes_{};
  rocksdb::ReadOptions read_options_ = internal::MakeReadOptions();
  rocksdb::WriteOptions write_options_ = internal::MakeWriteOptions();
  ChainId chain_id_{};
  DomainTag tag_{};
  uint32_t format_version_ = internal::kFormatVersion;
  SigningMode signing_mode_ = SigningMode::kCheckpoint;
  std::string checkpoint_file_;                // LogOptions::checkpoint_file.
  std::string latest_checkpoint_;              // Writer thread: the newest checkpoint note written.
  std::unique_ptr<Signer> checkpoint_signer_;  // Writer thread: the last checkpoint's key's.
  std::atomic<bool> fail_writes_for_test_{false};
  std::atomic<bool> indexes_rebuilding_{false};  // kMetaIndexesRebuilding is stored.
  std::atomic<bool> tree_rebuilding_{false};     // kMetaTreeRebuilding is stored.
  // A writable log opens with automatic compactions off and starts them before its first write:
  // after a crash, RocksDB would otherwise compact the files it just flushed on the same cores
  // as recovery's replay of the tail (which it slowed down twofold), while nothing is written.
  std::once_flag compactions_started_;
  base::Status compactions_status_;  // Of EnableAutoCompaction, once started.

  // Durable head, updated by the writer thread after each synced batch.
  mutable std::mutex head_mu_;
  SequenceNumber head_seq_{0};  // Guarded by head_mu_.
  Hash head_hash_{};            // Guarded by head_mu_.

  // Sequencer state: the tail of the chain as sequenced (ahead of the durable head).
  std::mutex sequencer_mu_;
  SequenceNumber next_seq_{1};             // Guarded by sequencer_mu_.
  Hash last_hash_{};                       // Guarded by sequencer_mu_.
  int64_t last_time_ns_ = 0;               // Guarded by sequencer_mu_.
  SequenceNumber last_group_{0};           // Guarded by sequencer_mu_: group of next_seq_ - 1.
  bool last_group_is_rotation_ = false;    // Guarded by sequencer_mu_.
  std::optional<PrivateKey> signing_key_;  // Guarded by sequencer_mu_.
  std::optional<KeyId> expected_key_id_;   // Key the next record must carry, if known.
  Clock clock_;
  base::Sha256 sha_;       // Guarded by sequencer_mu_.
  TreeFrontier frontier_;  // Guarded by sequencer_mu_ (format 2).
  std::unique_ptr<internal::AppendPipeline> pipeline_;
};

}  // namespace ledger
