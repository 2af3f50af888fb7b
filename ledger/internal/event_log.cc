// EventLog on RocksDB: create/open with meta and head cross-checks, and the public methods.
// The append path is in append_path.cc, reads in record_reader.cc, the tree and checkpoints in
// tree_store.cc.
#include <fmt/format.h>
#include <openssl/rand.h>
#include <rocksdb/utilities/options_util.h>
#include <rocksdb/write_batch.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <future>
#include <mutex>

#include "base/strong_type_fmt.h"
#include "ledger/checkpoint.h"
#include "ledger/internal/event_log_impl.h"
#include "ledger/internal/event_log_state.h"
#include "ledger/internal/file_util.h"
#include "ledger/internal/info_log.h"
#include "ledger/internal/rocks_options.h"

namespace ledger {

using base::Result;
using base::Status;

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
    {"idx_client"},
};
static_assert(std::size(kColumnFamilies) == 5 + kIndexCount);

// Column families an older log lacks, which a read-only open does without: format-1 logs have
// no tree (LoadMeta checks that a format-2 log has one), and logs written before network
// commands have no client index (read as empty). A writable open adds them, empty.
bool MayBeMissing(std::string_view name) {
  return name == internal::kTreeColumnFamily || name == internal::kCheckpointsColumnFamily ||
         name == IndexColumnFamily(Index::kClientCommand);
}

// Create makes the folder and writes the marker (internal::kCreatingMarker) before RocksDB
// creates anything: a crash before Create's end leaves a folder that every Open refuses.
Status CreationMarker(const std::string& dir, bool create) {
  const std::string creating = dir + "/" + internal::kCreatingMarker;
  std::error_code ec;
  if (create) {
    std::filesystem::create_directory(dir, ec);
    if (ec) return Status::IOError("event_log", "cannot create " + dir + ": " + ec.message());
    return internal::WriteFileAtomically(creating, "backstop log creation\n");
  }
  if (!std::filesystem::exists(creating, ec)) return Status::OK();
  return Status::Corruption(
      "event_log", fmt::format("{}: the log's creation did not finish (init was interrupted; "
                               "nothing was appended): remove the folder and create it again",
                               dir));
}

std::string EncodeU64(uint64_t value) { return EncodeSeqKey(value); }

std::string FormatHash(const Hash& hash) { return ToHex(hash); }

}  // namespace

std::string_view SigningModeName(SigningMode mode) {
  return mode == SigningMode::kCheckpoint ? "checkpoint" : "every";
}

// ---------------------------------------------------------------------------------------------
// Impl (its state: event_log_state.h; the append path: append_path.cc)

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
  BACKSTOP_RETURN_IF_ERROR(CreationMarker(dir, create));
  if (!create && !std::filesystem::exists(dir + "/CURRENT", ec)) {
    return Status::NotFound("event_log", dir + " is not an event log (no RocksDB CURRENT file)");
  }
  rocksdb::DBOptions db_options = MakeDbOptions(create);
  db_options.info_log = internal::MakeInfoLog(dir, read_only);
  if (env_ != nullptr) db_options.env = env_.get();
  std::vector<std::string> names;
  if (create) {
    names.push_back(rocksdb::kDefaultColumnFamilyName);
    for (const auto& spec : kColumnFamilies) names.push_back(spec.name);
  } else {
    BACKSTOP_RETURN_IF_ERROR(FromRocks(rocksdb::DB::ListColumnFamilies(db_options, dir, &names),
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
  BACKSTOP_RETURN_IF_ERROR(FromRocks(s, "event_log: open " + dir));
  for (const auto& spec : kColumnFamilies) {
    bool found = false;
    for (auto* handle : handles_) found = found || handle->GetName() == spec.name;
    if (found) continue;
    if (read_only && MayBeMissing(spec.name)) continue;
    if (read_only) {
      return Status::Corruption("event_log",
                                fmt::format("{}: no column family '{}'", dir, spec.name));
    }
    rocksdb::ColumnFamilyHandle* handle = nullptr;
    BACKSTOP_RETURN_IF_ERROR(
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
  for (Index index : AllIndexes()) {
    if (read_only && index == Index::kClientCommand) continue;
    BACKSTOP_ASSERT(indexes_[static_cast<size_t>(index)] != nullptr);
  }
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
  BACKSTOP_RETURN_IF_ERROR(FromRocks(
      put(internal::kMetaChainId,
          std::string_view(reinterpret_cast<const char*>(chain_id_.data()), chain_id_.size())),
      "event_log"));
  BACKSTOP_RETURN_IF_ERROR(FromRocks(put(internal::kMetaFormatVersion, version), "event_log"));
  const char mode = static_cast<char>(signing);
  BACKSTOP_RETURN_IF_ERROR(
      FromRocks(put(internal::kMetaSigningMode, std::string_view(&mode, 1)), "event_log"));
  BACKSTOP_RETURN_IF_ERROR(FromRocks(put(internal::kMetaHeadSeq, EncodeU64(0)), "event_log"));
  BACKSTOP_RETURN_IF_ERROR(
      FromRocks(put(internal::kMetaHeadHash, std::string(32, '\0')), "event_log"));
  return FromRocks(db_->Write(write_options_, &batch), "event_log: create meta");
}

namespace {

Result<std::string> GetMeta(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* meta,
                            rocksdb::ReadOptions options, const char* key, size_t size) {
  std::string value;
  rocksdb::Status s = db->Get(options, meta, key, &value);
  if (s.IsNotFound()) return Status::Corruption("event_log", fmt::format("meta '{}' missing", key));
  BACKSTOP_RETURN_IF_ERROR(FromRocks(s, fmt::format("event_log: read meta '{}'", key)));
  if (value.size() != size) {
    return Status::Corruption(
        "event_log", fmt::format("meta '{}' is {} bytes, expected {}", key, value.size(), size));
  }
  return value;
}

}  // namespace

Status EventLog::Impl::LoadMeta() {
  BACKSTOP_ASSIGN_OR_RETURN(std::string version,
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
    BACKSTOP_ASSIGN_OR_RETURN(std::string mode,
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
  BACKSTOP_ASSIGN_OR_RETURN(std::string chain,
                            GetMeta(db_, meta_, read_options_, internal::kMetaChainId, 16));
  std::memcpy(chain_id_.data(), chain.data(), chain_id_.size());
  tag_ = MakeDomainTag(chain_id_);
  for (auto [key, flag] : {std::pair{internal::kMetaIndexesRebuilding, &indexes_rebuilding_},
                           std::pair{internal::kMetaTreeRebuilding, &tree_rebuilding_}}) {
    std::string value;
    rocksdb::Status s = db_->Get(read_options_, meta_, key, &value);
    if (!s.IsNotFound()) BACKSTOP_RETURN_IF_ERROR(FromRocks(s, "event_log: read meta"));
    *flag = s.ok();
  }
  BACKSTOP_ASSIGN_OR_RETURN(auto head, ReadStoredHead(nullptr));
  head_seq_ = head.first;
  head_hash_ = head.second;
  return Status::OK();
}

Result<std::pair<SequenceNumber, Hash>> EventLog::Impl::ReadStoredHead(
    const rocksdb::Snapshot* snapshot) const {
  rocksdb::ReadOptions options = read_options_;
  options.snapshot = snapshot;
  BACKSTOP_ASSIGN_OR_RETURN(std::string seq_bytes,
                            GetMeta(db_, meta_, options, internal::kMetaHeadSeq, 8));
  BACKSTOP_ASSIGN_OR_RETURN(std::string hash_bytes,
                            GetMeta(db_, meta_, options, internal::kMetaHeadHash, 32));
  SequenceNumber seq{0};
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
  BACKSTOP_RETURN_IF_ERROR(FromRocks(it->status(), "event_log: find last record"));
  SequenceNumber last_seq{0};
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
  BACKSTOP_RETURN_IF_ERROR(CheckHeadMarker(dir_, std::max(last_seq, head_seq_)));
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
    last_group_ = last->group();
    expected_key_id_ = last->key_id();
    if (internal::ClassifyEvent(last->event()).is_key_rotation) {
      last_group_is_rotation_ = true;
      BACKSTOP_ASSIGN_OR_RETURN(auto target, internal::ReadKeyRotation(last->event()));
      expected_key_id_ = target.key_id;
    }
  }
  if (!options.checkpoint_file.empty()) {
    BACKSTOP_RETURN_IF_ERROR(internal::CheckCheckpointFile(
        options.checkpoint_file, chain_id_, format_version_, head_seq_,
        format_version_ >= 2 ? internal::MakeNodeReader(db_, tree_, read_options_) : nullptr));
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

// ---------------------------------------------------------------------------------------------
// EventLog

EventLog::EventLog(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
EventLog::~EventLog() = default;

Result<std::unique_ptr<EventLog>> EventLog::Create(const std::string& dir, LogOptions options) {
  if (options.read_only) return Status::InvalidArgument("event_log", "Create with read_only");
  auto impl = std::make_unique<Impl>();
  impl->env_ = options.env;
  BACKSTOP_RETURN_IF_ERROR(impl->OpenDb(dir, /*create=*/true, /*read_only=*/false));
  BACKSTOP_RETURN_IF_ERROR(impl->InitializeMeta(options.chain_id, options.signing));
  // The meta is durable: the log is whole.
  BACKSTOP_RETURN_IF_ERROR(
      internal::RemoveFileDurably(impl->dir_ + "/" + internal::kCreatingMarker));
  BACKSTOP_RETURN_IF_ERROR(impl->LoadMeta());
  BACKSTOP_RETURN_IF_ERROR(impl->LoadHead(options));
  BACKSTOP_RETURN_IF_ERROR(impl->StartPipeline(options));
  BACKSTOP_ASSERT(impl->head_seq_ == SequenceNumber{0}, impl->head_seq_);
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
  BACKSTOP_RETURN_IF_ERROR(impl->OpenDb(dir, /*create=*/false, options.read_only));
  BACKSTOP_RETURN_IF_ERROR(impl->LoadMeta());
  BACKSTOP_RETURN_IF_ERROR(impl->LoadHead(options));
  BACKSTOP_RETURN_IF_ERROR(impl->StartPipeline(options));
  return std::unique_ptr<EventLog>(new EventLog(std::move(impl)));
}

Result<GroupRange> EventLog::Submit(std::span<const schema::Event::Reader> events,
                                    AppendCallback done) {
  return impl_->Submit(events, std::move(done), nullptr, SequenceNumber{0});
}

Result<GroupRange> EventLog::SubmitContinuation(SequenceNumber group,
                                                std::span<const schema::Event::Reader> events,
                                                AppendCallback done) {
  if (group == SequenceNumber{0})
    return Status::InvalidArgument("append", "group 0 does not exist");
  return impl_->Submit(events, std::move(done), nullptr, group);
}

namespace {

Result<GroupRange> SubmitAndWait(EventLog::Impl& impl,
                                 std::span<const schema::Event::Reader> events,
                                 const PrivateKey* rotate_to) {
  auto promise = std::make_shared<std::promise<Status>>();
  std::future<Status> durable = promise->get_future();
  BACKSTOP_ASSIGN_OR_RETURN(
      GroupRange range,
      impl.Submit(
          events, [promise](const Status& s, GroupRange, GroupValues) { promise->set_value(s); },
          rotate_to, SequenceNumber{0}));
  BACKSTOP_RETURN_IF_ERROR(durable.get());
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
  SequenceNumber last{0};
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

uint64_t EventLog::signer_queue_depth() const {
  return impl_->pipeline_ == nullptr ? 0 : impl_->pipeline_->sign_queue_depth();
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
bool EventLogAccess::indexes_rebuilding(const EventLog& log) {
  return log.impl_->indexes_rebuilding_;
}
void EventLogAccess::set_indexes_rebuilding(EventLog& log, bool on) {
  log.impl_->indexes_rebuilding_ = on;
}
bool EventLogAccess::tree_rebuilding(const EventLog& log) { return log.impl_->tree_rebuilding_; }
void EventLogAccess::set_tree_rebuilding(EventLog& log, bool on) {
  log.impl_->tree_rebuilding_ = on;
}
void EventLogAccess::FailWritesForTest(EventLog& log) { log.impl_->fail_writes_for_test_ = true; }

}  // namespace internal
}  // namespace ledger
