// EventLog on RocksDB: create/open with head cross-checks, the sequencer half of the
// append path (seq, time, envelope, chain hash) and the synced group write. Reads are in
// record_reader.cc.
#include <fcntl.h>
#include <fmt/format.h>
#include <openssl/rand.h>
#include <rocksdb/utilities/options_util.h>
#include <rocksdb/write_batch.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <future>
#include <mutex>
#include <thread>

#include "ledger/checkpoint.h"
#include "ledger/internal/event_log_impl.h"
#include "ledger/internal/file_util.h"
#include "ledger/internal/rocks_options.h"

namespace ledger {

using internal::AppendPipeline;
using internal::PendingGroup;
using internal::PendingRecord;

int64_t RealTimeNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

using internal::CheckHeadMarker;
using internal::DecodeSeqKey;
using internal::EncodeSeqKey;
using internal::FromRocks;
using internal::MakeColumnFamilyOptions;
using internal::MakeDbOptions;
using internal::MakeReadOptions;
using internal::MakeWriteOptions;
using internal::WriteHeadMarker;

namespace {

// Column families in creation order; append rows to add one (see event_log_impl.h).
struct ColumnFamilySpec {
  const char* name;
};
constexpr ColumnFamilySpec kColumnFamilies[] = {
    {internal::kEventsColumnFamily},
    {internal::kMetaColumnFamily},
    {internal::kCommitsColumnFamily},
    {"idx_adl_account"},
    {"idx_adl_market"},
    {"idx_adl_time"},
    {"idx_liquidation_account"},
    {"idx_fund"},
    {"idx_account"},
    {internal::kTreeColumnFamily},
    {internal::kCheckpointsColumnFamily},
};
static_assert(std::size(kColumnFamilies) == 5 + kIndexCount);

std::string EncodeU64(uint64_t value) { return EncodeSeqKey(value); }

std::string FormatHash(const Hash& hash) { return ToHex(hash); }

rocksdb::Slice AsSlice(std::span<const uint8_t> bytes) {
  return rocksdb::Slice(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

// Writes `text` to `path` atomically: a synced temporary file renamed over it, then the
// folder synced, so that after a crash the file holds the old or the new text, whole.
Status WriteFileAtomically(const std::string& path, std::string_view text) {
  std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Status::IOError(tmp, std::strerror(errno));
  LEDGER_RETURN_IF_ERROR(internal::WriteSyncAndClose(fd, text, tmp));
  if (::rename(tmp.c_str(), path.c_str()) != 0) return Status::IOError(path, std::strerror(errno));
  std::string parent = std::filesystem::path(path).parent_path().string();
  int dir_fd = ::open(parent.empty() ? "." : parent.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd < 0) return Status::IOError(parent, std::strerror(errno));
  int synced = ::fsync(dir_fd);
  ::close(dir_fd);
  if (synced != 0) return Status::IOError(parent, std::strerror(errno));
  return Status::OK();
}

}  // namespace

std::string_view SigningModeName(SigningMode mode) {
  return mode == SigningMode::kCheckpoint ? "checkpoint" : "every";
}

// ---------------------------------------------------------------------------------------------
// Impl

class EventLog::Impl {
 public:
  ~Impl();

  Status OpenDb(const std::string& dir, bool create, bool read_only);
  Status InitializeMeta(const std::optional<ChainId>& chain_id, SigningMode signing);
  Status LoadMeta();
  Status LoadHead(const LogOptions& options);
  Status LoadFrontier();
  Status CheckCheckpointFile(const std::string& path);
  Status PutCheckpoint(const internal::GroupBatch& batch, rocksdb::WriteBatch* write_batch);
  NodeReader MakeNodeReader(uint64_t size) const;
  Status StartPipeline(const LogOptions& options);
  Result<GroupRange> Submit(std::span<const schema::Event::Reader> events, AppendCallback done,
                            const PrivateKey* rotate_to);
  Status WriteGroups(const internal::GroupBatch& batch);
  Status StartCompactions();
  Result<std::pair<SequenceNumber, Hash>> ReadStoredHead(const rocksdb::Snapshot* snapshot) const;

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
  rocksdb::ReadOptions read_options_ = MakeReadOptions();
  rocksdb::WriteOptions write_options_ = MakeWriteOptions();
  ChainId chain_id_{};
  DomainTag tag_{};
  uint32_t format_version_ = internal::kFormatVersion;
  SigningMode signing_mode_ = SigningMode::kCheckpoint;
  std::string checkpoint_file_;    // LogOptions::checkpoint_file.
  std::string latest_checkpoint_;  // Writer thread: the newest checkpoint note written.
  std::atomic<bool> fail_writes_for_test_{false};
  // A writable log opens with automatic compactions off and starts them before its first write:
  // after a crash, RocksDB would otherwise compact the files it just flushed on the same cores
  // as recovery's replay of the tail (which it slowed down twofold), while nothing is written.
  std::once_flag compactions_started_;
  Status compactions_status_;  // Of EnableAutoCompaction, once started.

  // Durable head, updated by the writer thread after each synced batch.
  mutable std::mutex head_mu_;
  SequenceNumber head_seq_ = 0;  // Guarded by head_mu_.
  Hash head_hash_{};             // Guarded by head_mu_.

  // Sequencer state: the tail of the chain as sequenced (ahead of the durable head).
  std::mutex sequencer_mu_;
  SequenceNumber next_seq_ = 1;            // Guarded by sequencer_mu_.
  Hash last_hash_{};                       // Guarded by sequencer_mu_.
  int64_t last_time_ns_ = 0;               // Guarded by sequencer_mu_.
  std::optional<PrivateKey> signing_key_;  // Guarded by sequencer_mu_.
  std::optional<KeyId> expected_key_id_;   // Key the next record must carry, if known.
  Clock clock_;
  Sha256 sha_;                         // Guarded by sequencer_mu_.
  internal::EnvelopeEncoder encoder_;  // Guarded by sequencer_mu_.
  TreeFrontier frontier_;              // Guarded by sequencer_mu_ (format 2).
  std::unique_ptr<AppendPipeline> pipeline_;
};

EventLog::Impl::~Impl() {
  if (pipeline_ != nullptr) pipeline_->Stop();
  if (db_ == nullptr) return;
  if (!read_only_) {
    // Move the memtables into SST files so the next Open replays no WAL. Best effort: the WAL
    // already holds every acknowledged write.
    rocksdb::FlushOptions flush;
    flush.wait = true;
    if (db_->Flush(flush, handles_).ok()) WriteHeadMarker(dir_, head_seq_);
  }
  for (auto* handle : handles_) db_->DestroyColumnFamilyHandle(handle).PermitUncheckedError();
  db_->Close().PermitUncheckedError();
  delete db_;
}

Status EventLog::Impl::OpenDb(const std::string& dir, bool create, bool read_only) {
  dir_ = dir;
  read_only_ = read_only;
  std::error_code ec;
  bool exists = std::filesystem::exists(dir, ec);
  if (create && exists) return Status::InvalidArgument("event_log", dir + " already exists");
  if (!create && !exists) return Status::NotFound("event_log", "no event log at " + dir);
  if (!create && !std::filesystem::exists(dir + "/CURRENT", ec)) {
    return Status::NotFound("event_log", dir + " is not an event log (no RocksDB CURRENT file)");
  }
  rocksdb::DBOptions db_options = MakeDbOptions(create);
  if (env_ != nullptr) db_options.env = env_.get();
  std::vector<std::string> names;
  if (create) {
    names.push_back(rocksdb::kDefaultColumnFamilyName);
    for (const auto& spec : kColumnFamilies) names.push_back(spec.name);
  } else {
    LEDGER_RETURN_IF_ERROR(FromRocks(rocksdb::DB::ListColumnFamilies(db_options, dir, &names),
                                     "event_log: open " + dir));
  }
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (const auto& name : names) {
    descriptors.emplace_back(name, MakeColumnFamilyOptions(name));
    descriptors.back().options.disable_auto_compactions = !read_only;  // See StartCompactions.
  }
  rocksdb::Status s =
      read_only ? rocksdb::DB::OpenForReadOnly(db_options, dir, descriptors, &handles_, &db_)
                : rocksdb::DB::Open(db_options, dir, descriptors, &handles_, &db_);
  LEDGER_RETURN_IF_ERROR(FromRocks(s, "event_log: open " + dir));
  for (const auto& spec : kColumnFamilies) {
    bool found = false;
    for (auto* handle : handles_) found = found || handle->GetName() == spec.name;
    if (found) continue;
    // Format-1 logs have no tree: a read-only open does without it (LoadMeta checks that a
    // format-2 log has one); a writable open adds the empty column families, unused.
    bool tree_family = std::string_view(spec.name) == internal::kTreeColumnFamily ||
                       std::string_view(spec.name) == internal::kCheckpointsColumnFamily;
    if (read_only && tree_family) continue;
    if (read_only) {
      return Status::Corruption("event_log",
                                fmt::format("{}: no column family '{}'", dir, spec.name));
    }
    rocksdb::ColumnFamilyHandle* handle = nullptr;
    LEDGER_RETURN_IF_ERROR(
        FromRocks(db_->CreateColumnFamily(MakeColumnFamilyOptions(spec.name), spec.name, &handle),
                  "event_log"));
    handles_.push_back(handle);
  }
  for (auto* handle : handles_) {
    if (handle->GetName() == internal::kEventsColumnFamily) events_ = handle;
    if (handle->GetName() == internal::kMetaColumnFamily) meta_ = handle;
  }
  for (auto* handle : handles_) {
    if (handle->GetName() == internal::kCommitsColumnFamily) commits_ = handle;
    if (handle->GetName() == internal::kTreeColumnFamily) tree_ = handle;
    if (handle->GetName() == internal::kCheckpointsColumnFamily) checkpoints_ = handle;
    for (Index index : AllIndexes()) {
      if (handle->GetName() == IndexColumnFamily(index)) {
        indexes_[static_cast<size_t>(index)] = handle;
      }
    }
  }
  BACKSTOP_ASSERT(events_ != nullptr && meta_ != nullptr && commits_ != nullptr);
  for (auto* handle : indexes_) BACKSTOP_ASSERT(handle != nullptr);
  return Status::OK();
}

Status EventLog::Impl::InitializeMeta(const std::optional<ChainId>& chain_id, SigningMode signing) {
  if (chain_id) {
    chain_id_ = *chain_id;
  } else if (RAND_bytes(chain_id_.data(), static_cast<int>(chain_id_.size())) != 1) {
    return Status::IOError("event_log", "no randomness for the chain id");
  }
  tag_ = MakeDomainTag(chain_id_);
  std::string version(4, '\0');
  for (int i = 0; i < 4; ++i) {
    version[i] = static_cast<char>(internal::kFormatVersion >> (24 - 8 * i));
  }
  rocksdb::WriteBatch batch;
  auto put = [&](const char* key, std::string_view value) {
    return batch.Put(meta_, key, rocksdb::Slice(value.data(), value.size()));
  };
  LEDGER_RETURN_IF_ERROR(FromRocks(
      put(internal::kMetaChainId,
          std::string_view(reinterpret_cast<const char*>(chain_id_.data()), chain_id_.size())),
      "event_log"));
  LEDGER_RETURN_IF_ERROR(FromRocks(put(internal::kMetaFormatVersion, version), "event_log"));
  const char mode = static_cast<char>(signing);
  LEDGER_RETURN_IF_ERROR(
      FromRocks(put(internal::kMetaSigningMode, std::string_view(&mode, 1)), "event_log"));
  LEDGER_RETURN_IF_ERROR(FromRocks(put(internal::kMetaHeadSeq, EncodeU64(0)), "event_log"));
  LEDGER_RETURN_IF_ERROR(
      FromRocks(put(internal::kMetaHeadHash, std::string(32, '\0')), "event_log"));
  return FromRocks(db_->Write(write_options_, &batch), "event_log: create meta");
}

namespace {

Result<std::string> GetMeta(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* meta,
                            rocksdb::ReadOptions options, const char* key, size_t size) {
  std::string value;
  rocksdb::Status s = db->Get(options, meta, key, &value);
  if (s.IsNotFound()) return Status::Corruption("event_log", fmt::format("meta '{}' missing", key));
  LEDGER_RETURN_IF_ERROR(FromRocks(s, fmt::format("event_log: read meta '{}'", key)));
  if (value.size() != size) {
    return Status::Corruption(
        "event_log", fmt::format("meta '{}' is {} bytes, expected {}", key, value.size(), size));
  }
  return value;
}

}  // namespace

Status EventLog::Impl::LoadMeta() {
  LEDGER_ASSIGN_OR_RETURN(std::string version,
                          GetMeta(db_, meta_, read_options_, internal::kMetaFormatVersion, 4));
  uint32_t format = 0;
  for (char c : version) format = (format << 8) | static_cast<uint8_t>(c);
  if (format < internal::kFirstFormatVersion || format > internal::kFormatVersion) {
    return Status::InvalidArgument(
        "event_log", fmt::format("format version {} is not supported (this build reads {} to {})",
                                 format, internal::kFirstFormatVersion, internal::kFormatVersion));
  }
  format_version_ = format;
  signing_mode_ = SigningMode::kEvery;
  if (format >= 2) {
    LEDGER_ASSIGN_OR_RETURN(std::string mode,
                            GetMeta(db_, meta_, read_options_, internal::kMetaSigningMode, 1));
    if (mode[0] != static_cast<char>(SigningMode::kEvery) &&
        mode[0] != static_cast<char>(SigningMode::kCheckpoint)) {
      return Status::Corruption("event_log", "meta 'signing_mode' is neither every nor checkpoint");
    }
    signing_mode_ = static_cast<SigningMode>(mode[0]);
    if (tree_ == nullptr || checkpoints_ == nullptr) {
      return Status::Corruption("event_log", "a format-2 log without its tree or checkpoints");
    }
  }
  LEDGER_ASSIGN_OR_RETURN(std::string chain,
                          GetMeta(db_, meta_, read_options_, internal::kMetaChainId, 16));
  std::memcpy(chain_id_.data(), chain.data(), chain_id_.size());
  tag_ = MakeDomainTag(chain_id_);
  LEDGER_ASSIGN_OR_RETURN(auto head, ReadStoredHead(nullptr));
  head_seq_ = head.first;
  head_hash_ = head.second;
  return Status::OK();
}

Result<std::pair<SequenceNumber, Hash>> EventLog::Impl::ReadStoredHead(
    const rocksdb::Snapshot* snapshot) const {
  rocksdb::ReadOptions options = read_options_;
  options.snapshot = snapshot;
  LEDGER_ASSIGN_OR_RETURN(std::string seq_bytes,
                          GetMeta(db_, meta_, options, internal::kMetaHeadSeq, 8));
  LEDGER_ASSIGN_OR_RETURN(std::string hash_bytes,
                          GetMeta(db_, meta_, options, internal::kMetaHeadHash, 32));
  SequenceNumber seq = 0;
  BACKSTOP_ASSERT(DecodeSeqKey(seq_bytes, &seq));
  Hash hash{};
  std::memcpy(hash.data(), hash_bytes.data(), hash.size());
  return std::make_pair(seq, hash);
}

// Cross-checks the meta head against the last stored record and derives the sequencer state:
// next seq, chain tail, last time and the key id the next record must carry.
Status EventLog::Impl::LoadHead(const LogOptions& options) {
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(read_options_, events_));
  it->SeekToLast();
  LEDGER_RETURN_IF_ERROR(FromRocks(it->status(), "event_log: find last record"));
  SequenceNumber last_seq = 0;
  std::optional<LogRecord> last;
  if (it->Valid()) {
    rocksdb::Slice key = it->key();
    if (!DecodeSeqKey(std::string_view(key.data(), key.size()), &last_seq)) {
      return Status::Corruption("event_log", "last events key is not 8 bytes");
    }
    rocksdb::Slice value = it->value();
    Result<LogRecord> decoded =
        DecodeRecord({reinterpret_cast<const uint8_t*>(value.data()), value.size()});
    if (!decoded.ok()) {
      return Status::Corruption("event_log",
                                fmt::format("seq {}: {}", last_seq, decoded.status().message()));
    }
    last.emplace(std::move(decoded).value());
  }
  LEDGER_RETURN_IF_ERROR(CheckHeadMarker(dir_, std::max(last_seq, head_seq_)));
  bool head_matches =
      last_seq == head_seq_ &&
      (last ? last->hash() == head_hash_ && last->seq() == last_seq : head_hash_ == Hash{});
  if (!head_matches && !read_only_) {
    return Status::Corruption(
        "event_log",
        fmt::format("meta head (seq {}, hash {}) does not match the last record (seq {}, hash "
                    "{}); run verify",
                    head_seq_, FormatHash(head_hash_), last_seq,
                    last ? FormatHash(last->hash()) : FormatHash(Hash{})));
  }
  next_seq_ = head_seq_ + 1;
  last_hash_ = head_hash_;
  if (last) {
    last_time_ns_ = last->time_ns();
    expected_key_id_ = last->key_id();
    if (internal::ClassifyEvent(last->event()).is_key_rotation) {
      LEDGER_ASSIGN_OR_RETURN(auto target, internal::ReadKeyRotation(last->event()));
      expected_key_id_ = target.key_id;
    }
  }
  if (!options.checkpoint_file.empty()) {
    LEDGER_RETURN_IF_ERROR(CheckCheckpointFile(options.checkpoint_file));
    checkpoint_file_ = options.checkpoint_file;
  }
  if (options.signing_key && expected_key_id_ &&
      options.signing_key->key_id() != *expected_key_id_) {
    return Status::InvalidArgument(
        "event_log", fmt::format("the log is signed by key {}, not by the given key {}",
                                 ToHex(*expected_key_id_), ToHex(options.signing_key->key_id())));
  }
  return Status::OK();
}

Status EventLog::Impl::StartPipeline(const LogOptions& options) {
  if (!options.signing_key) return Status::OK();
  if (read_only_) return Status::InvalidArgument("event_log", "read_only log with a signing key");
  if (!options.clock) return Status::InvalidArgument("event_log", "a signing key needs a clock");
  if (options.max_pending_records < kMaxGroupRecords || options.max_batch_records == 0) {
    return Status::InvalidArgument("event_log", "max_pending_records < kMaxGroupRecords");
  }
  // Only appends need the frontier: a log whose stored tree is damaged still opens for
  // reindex (which rebuilds it) and for reading.
  if (format_version_ >= 2) LEDGER_RETURN_IF_ERROR(LoadFrontier());
  signing_key_ = options.signing_key;
  clock_ = options.clock;
  int threads = options.signer_threads;
  if (threads <= 0) threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  pipeline_ = std::make_unique<AppendPipeline>(
      head_seq_, threads, options.max_pending_records, options.max_batch_records,
      [this](const internal::GroupBatch& batch) { return WriteGroups(batch); });
  return Status::OK();
}

Result<GroupRange> EventLog::Impl::Submit(std::span<const schema::Event::Reader> events,
                                          AppendCallback done, const PrivateKey* rotate_to) {
  if (events.empty()) return Status::InvalidArgument("append", "empty group");
  if (events.size() > kMaxGroupRecords) {
    return Status::InvalidArgument(
        "append", fmt::format("group of {} events exceeds kMaxGroupRecords {}", events.size(),
                              kMaxGroupRecords));
  }
  for (const auto& event : events) {
    if (internal::ClassifyEvent(event).is_key_rotation && rotate_to == nullptr) {
      return Status::InvalidArgument("append", "keyRotation events go through RotateKey");
    }
  }
  std::lock_guard lock(sequencer_mu_);
  if (pipeline_ == nullptr || !signing_key_) {
    return Status::InvalidArgument("append", "the log was opened without a signing key");
  }
  LEDGER_RETURN_IF_ERROR(pipeline_->Reserve(events.size()));
  auto group = std::make_unique<PendingGroup>();
  group->range = {next_seq_, next_seq_ + events.size() - 1};
  group->key = *signing_key_;
  group->sign_records = signing_mode_ == SigningMode::kEvery;
  group->done = std::move(done);
  group->records.resize(events.size());
  // One stamp per group (an input and its effects happen at one instant), never decreasing.
  int64_t time_ns = std::max(clock_(), last_time_ns_);
  Hash prev = last_hash_;
  for (size_t i = 0; i < events.size(); ++i) {
    PendingRecord& record = group->records[i];
    record.seq = next_seq_ + i;
    Status s = encoder_.Encode(record.seq, time_ns, signing_key_->key_id(), group->range.first,
                               events[i], &record.envelope);
    if (!s.ok()) {
      pipeline_->Unreserve(events.size());
      return s;
    }
    record.prev_hash = prev;
    record.hash = ChainHash(sha_, tag_, prev, record.seq, record.envelope);
    IndexEntries(record.seq, time_ns, group->range.first, events[i], &record.index_entries);
    prev = record.hash;
  }
  if (format_version_ >= 2) {
    // The frontier moves only once the whole group is encoded (an encoding failure above
    // leaves it as it was).
    for (const PendingRecord& record : group->records) {
      frontier_.Append(sha_, LeafHash(sha_, record.hash), &group->tree_nodes);
    }
    group->subtrees = frontier_.subtrees();
  }
  GroupRange range = group->range;
  next_seq_ = range.last + 1;
  last_hash_ = prev;
  last_time_ns_ = time_ns;
  if (rotate_to != nullptr) signing_key_ = *rotate_to;
  pipeline_->Enqueue(std::move(group));
  return range;
}

Status EventLog::Impl::StartCompactions() {
  if (read_only_) return Status::OK();
  std::call_once(compactions_started_, [this] {
    compactions_status_ =
        FromRocks(db_->EnableAutoCompaction(handles_), "event_log: start compactions");
  });
  return compactions_status_;
}

Status EventLog::Impl::WriteGroups(const internal::GroupBatch& batch) {
  LEDGER_RETURN_IF_ERROR(StartCompactions());
  if (fail_writes_for_test_.load()) return Status::IOError("event_log", "injected write failure");
  rocksdb::WriteBatch write_batch;
  const PendingRecord* last = nullptr;
  for (const auto& group : batch) {
    for (const PendingRecord& record : group->records) {
      BACKSTOP_ASSERT(!record.value.empty(), record.seq);
      LEDGER_RETURN_IF_ERROR(FromRocks(
          write_batch.Put(events_, EncodeSeqKey(record.seq),
                          rocksdb::Slice(reinterpret_cast<const char*>(record.value.data()),
                                         record.value.size())),
          "event_log"));
      for (const IndexEntry& entry : record.index_entries) {
        LEDGER_RETURN_IF_ERROR(FromRocks(
            write_batch.Put(indexes_[static_cast<size_t>(entry.index)],
                            rocksdb::Slice(entry.key.data(), entry.key.size()), entry.value),
            "event_log"));
      }
      last = &record;
    }
  }
  BACKSTOP_ASSERT(last != nullptr);
  for (const auto& group : batch) {
    for (const TreeNode& node : group->tree_nodes) {
      LEDGER_RETURN_IF_ERROR(
          FromRocks(write_batch.Put(tree_, EncodeSeqKey(StoredNodePosition(node.level, node.index)),
                                    AsSlice(node.hash)),
                    "event_log"));
    }
  }
  if (format_version_ >= 2) LEDGER_RETURN_IF_ERROR(PutCheckpoint(batch, &write_batch));
  // The head and the commit mark move in the same WriteBatch as the records (and their index
  // entries): all or none survive a crash.
  LEDGER_RETURN_IF_ERROR(
      FromRocks(write_batch.Put(commits_, EncodeSeqKey(last->seq), ""), "event_log"));
  LEDGER_RETURN_IF_ERROR(
      FromRocks(write_batch.Put(meta_, internal::kMetaHeadSeq, EncodeU64(last->seq)), "event_log"));
  LEDGER_RETURN_IF_ERROR(FromRocks(
      write_batch.Put(meta_, internal::kMetaHeadHash,
                      rocksdb::Slice(reinterpret_cast<const char*>(last->hash.data()), 32)),
      "event_log"));
  Status s = FromRocks(db_->Write(write_options_, &write_batch), "event_log: write");
  if (!s.ok()) {
    return Status::IOError("event_log", fmt::format("{}; the log is now read-only", s.message()));
  }
  if (!checkpoint_file_.empty()) {
    Status written = WriteFileAtomically(checkpoint_file_, latest_checkpoint_);
    if (!written.ok()) {
      return Status::IOError("event_log", fmt::format("checkpoint file: {}; the log is now "
                                                      "read-only",
                                                      written.ToString()));
    }
  }
  std::lock_guard lock(head_mu_);
  BACKSTOP_ASSERT(batch.front()->range.first == head_seq_ + 1, head_seq_);
  head_seq_ = last->seq;
  head_hash_ = last->hash;
  return Status::OK();
}

// The sequencer's tree frontier from the stored nodes of the head's complete subtrees.
Status EventLog::Impl::LoadFrontier() {
  NodeReader read = internal::MakeNodeReader(db_, tree_, read_options_);
  std::vector<Hash> subtrees;
  for (const TreeNode& node : CompleteSubtrees(head_seq_)) {
    Result<Hash> hash = read(node.level, node.index);
    if (!hash.ok()) {
      return Status::Corruption(
          "event_log", fmt::format("tree at the head (seq {}): {}; run verify, and reindex to "
                                   "rebuild the tree from the records",
                                   head_seq_, hash.status().message()));
    }
    subtrees.push_back(*hash);
  }
  LEDGER_ASSIGN_OR_RETURN(frontier_, TreeFrontier::FromSubtrees(head_seq_, std::move(subtrees)));
  return Status::OK();
}

// Refuses a log that is behind, or differs from, the checkpoint kept outside it.
Status EventLog::Impl::CheckCheckpointFile(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return Status::OK();  // Written at the first commit.
  std::ifstream in(path, std::ios::binary);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (!in.good() && !in.eof()) return Status::IOError(path, "cannot read the checkpoint file");
  Result<SignedNote> note = ParseSignedNote(text);
  Result<Checkpoint> checkpoint =
      note.ok() ? ParseCheckpointBody(note->body) : Result<Checkpoint>(note.status());
  if (!checkpoint.ok()) {
    return Status::Corruption(path, "not a checkpoint: " + checkpoint.status().message());
  }
  if (checkpoint->origin != CheckpointOrigin(chain_id_)) {
    return Status::InvalidArgument(
        path, fmt::format("is the checkpoint of log {}, not of this log ({})", checkpoint->origin,
                          CheckpointOrigin(chain_id_)));
  }
  if (format_version_ < 2) {
    return Status::InvalidArgument(path, "a format-1 log keeps no checkpoints");
  }
  if (head_seq_ < checkpoint->size) {
    return Status::Corruption(
        "event_log",
        fmt::format("the log ends at seq {}, behind the checkpoint in {} (tree size {}): "
                    "acknowledged records are missing; do not append: restore from a backup",
                    head_seq_, path, checkpoint->size));
  }
  Result<Hash> root =
      ledger::TreeRoot(checkpoint->size, internal::MakeNodeReader(db_, tree_, read_options_));
  if (!root.ok() || *root != checkpoint->root) {
    return Status::Corruption(
        "event_log", fmt::format("the log's tree at size {} is not the one the checkpoint in {} "
                                 "signed: this log is not the history that was acknowledged",
                                 checkpoint->size, path));
  }
  return Status::OK();
}

// Signs the checkpoint of the tree as it stands after `batch` with the key of the batch's
// records (one key per batch: see AppendPipeline's writer) and puts it under its tree size.
Status EventLog::Impl::PutCheckpoint(const internal::GroupBatch& batch,
                                     rocksdb::WriteBatch* write_batch) {
  const internal::PendingGroup& group = *batch.back();
  Sha256 sha;
  uint64_t size = group.range.last;
  LEDGER_ASSIGN_OR_RETURN(TreeFrontier frontier, TreeFrontier::FromSubtrees(size, group.subtrees));
  Checkpoint checkpoint{CheckpointOrigin(chain_id_), size, frontier.Root(sha),
                        group.records.back().hash};
  LEDGER_ASSIGN_OR_RETURN(latest_checkpoint_, SignCheckpoint(checkpoint, *group.key));
  return FromRocks(write_batch->Put(checkpoints_, EncodeSeqKey(size), latest_checkpoint_),
                   "event_log");
}

// ---------------------------------------------------------------------------------------------
// EventLog

EventLog::EventLog(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
EventLog::~EventLog() = default;

Result<std::unique_ptr<EventLog>> EventLog::Create(const std::string& dir, LogOptions options) {
  if (options.read_only) return Status::InvalidArgument("event_log", "Create with read_only");
  auto impl = std::make_unique<Impl>();
  impl->env_ = options.env;
  LEDGER_RETURN_IF_ERROR(impl->OpenDb(dir, /*create=*/true, /*read_only=*/false));
  LEDGER_RETURN_IF_ERROR(impl->InitializeMeta(options.chain_id, options.signing));
  LEDGER_RETURN_IF_ERROR(impl->LoadMeta());
  LEDGER_RETURN_IF_ERROR(impl->LoadHead(options));
  LEDGER_RETURN_IF_ERROR(impl->StartPipeline(options));
  BACKSTOP_ASSERT(impl->head_seq_ == 0, impl->head_seq_);
  return std::unique_ptr<EventLog>(new EventLog(std::move(impl)));
}

Result<std::unique_ptr<EventLog>> EventLog::Open(const std::string& dir, LogOptions options) {
  if (!options.read_only) {
    // Check the head read-only first: a writable RocksDB open deletes files its MANIFEST does
    // not reference, which would make a damaged MANIFEST's loss permanent.
    LogOptions probe;
    probe.read_only = true;
    probe.env = options.env;
    auto probed = Open(dir, std::move(probe));
    if (!probed.ok() && !probed.status().IsBusy()) return probed.status();
  }
  auto impl = std::make_unique<Impl>();
  impl->env_ = options.env;
  LEDGER_RETURN_IF_ERROR(impl->OpenDb(dir, /*create=*/false, options.read_only));
  LEDGER_RETURN_IF_ERROR(impl->LoadMeta());
  LEDGER_RETURN_IF_ERROR(impl->LoadHead(options));
  LEDGER_RETURN_IF_ERROR(impl->StartPipeline(options));
  return std::unique_ptr<EventLog>(new EventLog(std::move(impl)));
}

Result<GroupRange> EventLog::Submit(std::span<const schema::Event::Reader> events,
                                    AppendCallback done) {
  return impl_->Submit(events, std::move(done), nullptr);
}

namespace {

Result<GroupRange> SubmitAndWait(EventLog::Impl& impl,
                                 std::span<const schema::Event::Reader> events,
                                 const PrivateKey* rotate_to) {
  auto promise = std::make_shared<std::promise<Status>>();
  std::future<Status> durable = promise->get_future();
  LEDGER_ASSIGN_OR_RETURN(
      GroupRange range,
      impl.Submit(
          events, [promise](const Status& s, GroupRange) { promise->set_value(s); }, rotate_to));
  LEDGER_RETURN_IF_ERROR(durable.get());
  return range;
}

}  // namespace

Result<GroupRange> EventLog::Append(std::span<const schema::Event::Reader> events) {
  return SubmitAndWait(*impl_, events, nullptr);
}

Result<GroupRange> EventLog::Append(const EventGroup& group) {
  std::vector<schema::Event::Reader> readers = group.readers();
  return SubmitAndWait(*impl_, readers, nullptr);
}

Status EventLog::Flush() {
  if (impl_->pipeline_ == nullptr) return Status::OK();
  SequenceNumber last = 0;
  {
    std::lock_guard lock(impl_->sequencer_mu_);
    last = impl_->next_seq_ - 1;
  }
  return impl_->pipeline_->WaitDurable(last);
}

Result<GroupRange> EventLog::RotateKey(const PrivateKey& new_key) {
  EventGroup group;
  auto rotation = group.Add().initKeyRotation();
  rotation.setNewKeyId(capnp::Data::Reader(new_key.key_id().data(), kKeyIdBytes));
  const RawPublicKey& raw = new_key.public_key().raw();
  rotation.setNewPublicKey(capnp::Data::Reader(raw.data(), raw.size()));
  std::vector<schema::Event::Reader> readers = group.readers();
  return SubmitAndWait(*impl_, readers, &new_key);
}

Result<LogRecord> EventLog::Read(SequenceNumber seq) const {
  return internal::ReadRecord(impl_->db_, impl_->events_, impl_->read_options_, seq);
}

std::unique_ptr<RecordIterator> EventLog::NewIterator(SequenceNumber first,
                                                      SequenceNumber last) const {
  const Impl* impl = impl_.get();
  return internal::NewRecordIterator(
      impl_->db_, impl_->events_, impl_->read_options_, first, last,
      [impl](const rocksdb::Snapshot* snapshot) { return impl->ReadStoredHead(snapshot); });
}

SequenceNumber EventLog::head_seq() const {
  std::lock_guard lock(impl_->head_mu_);
  return impl_->head_seq_;
}

Hash EventLog::head_hash() const {
  std::lock_guard lock(impl_->head_mu_);
  return impl_->head_hash_;
}

Result<std::pair<SequenceNumber, Hash>> EventLog::StoredHead() const {
  return impl_->ReadStoredHead(nullptr);
}

std::optional<KeyId> EventLog::signing_key_id() const {
  std::lock_guard lock(impl_->sequencer_mu_);
  if (impl_->pipeline_ == nullptr || !impl_->signing_key_) return std::nullopt;
  if (!impl_->pipeline_->failure().ok()) return std::nullopt;
  return impl_->signing_key_->key_id();
}

const ChainId& EventLog::chain_id() const { return impl_->chain_id_; }
uint32_t EventLog::format_version() const { return impl_->format_version_; }
SigningMode EventLog::signing_mode() const { return impl_->signing_mode_; }
std::string EventLog::origin() const { return CheckpointOrigin(impl_->chain_id_); }
const std::string& EventLog::dir() const { return impl_->dir_; }

// ---------------------------------------------------------------------------------------------
// EventLogAccess

namespace internal {

rocksdb::DB* EventLogAccess::db(const EventLog& log) { return log.impl_->db_; }
rocksdb::ColumnFamilyHandle* EventLogAccess::events(const EventLog& log) {
  return log.impl_->events_;
}
rocksdb::ColumnFamilyHandle* EventLogAccess::meta(const EventLog& log) { return log.impl_->meta_; }
rocksdb::ColumnFamilyHandle* EventLogAccess::commits(const EventLog& log) {
  return log.impl_->commits_;
}
rocksdb::ColumnFamilyHandle* EventLogAccess::tree(const EventLog& log) { return log.impl_->tree_; }
rocksdb::ColumnFamilyHandle* EventLogAccess::checkpoints(const EventLog& log) {
  return log.impl_->checkpoints_;
}
const rocksdb::ReadOptions& EventLogAccess::read_options(const EventLog& log) {
  return log.impl_->read_options_;
}
rocksdb::ColumnFamilyHandle* EventLogAccess::index(const EventLog& log, Index index) {
  return log.impl_->indexes_[static_cast<size_t>(index)];
}
bool EventLogAccess::read_only(const EventLog& log) { return log.impl_->read_only_; }
Status EventLogAccess::StartCompactions(EventLog& log) { return log.impl_->StartCompactions(); }
void EventLogAccess::FailWritesForTest(EventLog& log) { log.impl_->fail_writes_for_test_ = true; }

}  // namespace internal
}  // namespace ledger
