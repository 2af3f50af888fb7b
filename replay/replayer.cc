// The replay loop (see replayer.h): inputs to the engine, re-derived effects against the log.

#include "replay/replayer.h"

#include <capnp/message.h>
#include <capnp/pretty-print.h>
#include <capnp/serialize.h>
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <span>
#include <thread>
#include <vector>

#include "base/strong_type_fmt.h"
#include "ledger/event_codec.h"

namespace replay {

using base::Status;
using ledger::SequenceNumber;

namespace {

constexpr size_t kScratchWords = 512;

// An event as text for a divergence report. A logged effect that did not compare equal may not
// have been checked for canonical form yet (ledger::EnvelopeCheck), so reading it may throw.
std::string Text(ledger::schema::Event::Reader event) {
  try {
    return capnp::prettyPrint(event).flatten().cStr();
  } catch (const kj::Exception& e) {
    return fmt::format("(unreadable: {})", e.getDescription().cStr());
  }
}

// Writes the canonical form of an envelope into one reused, zeroed buffer: what
// capnp::canonicalize does (the same canonical copy, through capnp's layout API), without its
// two allocations and its self-check of every result. Thread-compatible.
class CanonicalWriter {
 public:
  CanonicalWriter() : words_(ledger::kMaxEnvelopeBytes / sizeof(capnp::word) + 1) {}

  // The canonical bytes of `envelope`, valid until the next call; empty when they do not fit
  // the buffer (then they are larger than any envelope the log accepts).
  std::span<const uint8_t> Write(ledger::schema::Envelope::Reader envelope) {
    // A FlatMessageBuilder needs zeroes (memset: capnp::word has no assignment under clang).
    std::memset(words_.data(), 0, used_ * sizeof(capnp::word));
    used_ = 0;
    try {
      capnp::FlatMessageBuilder builder(kj::arrayPtr(words_.data(), words_.size()));
      capnp::_::PointerHelpers<capnp::AnyPointer>::getInternalBuilder(
          builder.initRoot<capnp::AnyPointer>())
          .setStruct(
              capnp::_::PointerHelpers<ledger::schema::Envelope>::getInternalReader(envelope),
              /*canonical=*/true);
      used_ = builder.getSegmentsForOutput()[0].size();
    } catch (const kj::Exception&) {
      used_ = words_.size();  // Re-zero all of it next time.
      return {};
    }
    return {reinterpret_cast<const uint8_t*>(words_.data()), used_ * sizeof(capnp::word)};
  }

 private:
  std::vector<capnp::word> words_;
  size_t used_ = 0;
};

}  // namespace

// Tracks one group: the effects the engine re-derived for its input and how many of them the
// log has shown so far. A re-derived effect is compared as a whole envelope: it is encoded
// with the logged record's seq, time, key id and group, canonicalized, and the bytes must equal
// the logged envelope's (which are what the chain hash covers).
class ReplayStepper::GroupCheck {
 public:
  GroupCheck(bool compare, uint32_t format_version)
      : compare_(compare), format_version_(format_version), scratch_(kScratchWords) {}

  void Start(SequenceNumber seq) {
    group_ = seq;
    effects_.clear();
    next_ = 0;
  }
  bool active() const { return group_ != ledger::SequenceNumber{0}; }
  SequenceNumber group() const { return group_; }
  std::vector<engine::Effect>* effects() { return &effects_; }

  // Checks the logged effect `record` against the next re-derived one.
  std::optional<Divergence> Next(const ledger::LogRecord& record) {
    if (next_ >= effects_.size()) {
      return Divergence{record.seq(), "logged effect that re-derivation does not produce", "",
                        Text(record.event())};
    }
    const engine::Effect& effect = effects_[next_++];
    if (!compare_) return std::nullopt;
    // The builder re-zeroes the scratch it used when destroyed, as the next use requires.
    capnp::MallocMessageBuilder builder(kj::arrayPtr(scratch_.data(), scratch_.size()));
    auto envelope = builder.initRoot<ledger::schema::Envelope>();
    envelope.setSeq(record.seq().value());
    envelope.setTimeNs(record.time_ns());
    envelope.setKeyId(capnp::Data::Reader(record.key_id().data(), record.key_id().size()));
    envelope.setGroup(record.group().value());
    ledger::EncodeEffect(effect, format_version_, envelope.initEvent());
    const auto expected = canonical_.Write(envelope.asReader());
    const auto logged = record.envelope_bytes();
    if (std::equal(expected.begin(), expected.end(), logged.begin(), logged.end())) {
      return std::nullopt;
    }
    return Divergence{record.seq(), "effect differs from re-derivation",
                      Text(envelope.getEvent().asReader()), Text(record.event())};
  }

  // The re-derived effects not logged so far, moved out.
  std::vector<engine::Effect> TakeUnlogged() {
    std::vector<engine::Effect> rest(std::make_move_iterator(effects_.begin() + next_),
                                     std::make_move_iterator(effects_.end()));
    next_ = effects_.size();
    return rest;
  }

  // At the end of the group: every re-derived effect must have been logged.
  std::optional<Divergence> Finish(SequenceNumber next_seq) {
    if (next_ >= effects_.size()) return std::nullopt;
    capnp::MallocMessageBuilder builder(256);
    auto expected = builder.initRoot<ledger::schema::Event>();
    ledger::EncodeEffect(effects_[next_], format_version_, expected);
    return Divergence{
        next_seq,
        fmt::format("group {} is missing {} re-derived effect(s)", group_, effects_.size() - next_),
        Text(expected.asReader()), ""};
  }

 private:
  bool compare_;
  uint32_t format_version_;
  std::vector<capnp::word> scratch_;
  CanonicalWriter canonical_;
  SequenceNumber group_{0};
  std::vector<engine::Effect> effects_;
  size_t next_ = 0;
};

ReplayStepper::ReplayStepper(engine::RiskEngine* engine, const ReplayOptions& options,
                             SequenceNumber first, const ledger::Hash& start_hash,
                             uint32_t format_version)
    : engine_(engine),
      options_(options),
      group_(std::make_unique<GroupCheck>(options.compare_effects, format_version)) {
  BACKSTOP_ASSERT(first >= ledger::SequenceNumber{1}, first);
  result_.last_seq = first - 1;
  result_.last_hash = start_hash;
}

ReplayStepper::~ReplayStepper() = default;

Status ReplayStepper::FinishGroup(SequenceNumber next_seq) {
  if (!group_->active()) return Status::OK();
  if (options_.what_if != nullptr) {
    if (!result_.first_difference) result_.first_difference = group_->Finish(next_seq);
    options_.what_if->Derived(group_->group(), *group_->effects());
  } else if (auto divergence = group_->Finish(next_seq)) {
    result_.divergence = std::move(divergence);
    return Status::OK();
  }
  if (options_.after_group) return options_.after_group(result_.last_seq, *engine_);
  return Status::OK();
}

base::Result<std::optional<Divergence>> ReplayStepper::Step(const ledger::LogRecord& record) {
  const auto event = record.event();
  const bool is_input = ledger::IsInput(event);
  if (record.group() != record.seq()) {
    if (!group_->active() || record.group() != group_->group() || is_input) {
      return std::optional<Divergence>(Divergence{
          record.seq(), fmt::format("record claims group {} outside its group", record.group()), "",
          Text(event)});
    }
    if (options_.what_if != nullptr) {
      BACKSTOP_RETURN_IF_ERROR(WhatIfEffect(record));
      return std::optional<Divergence>();
    }
    return group_->Next(record);
  }
  if (!is_input) {
    return std::optional<Divergence>(
        Divergence{record.seq(), "a group starts with an effect, not an input", "", Text(event)});
  }
  auto input = ledger::DecodeInput(event);
  if (!input.ok()) {
    return Status::Corruption("replay",
                              fmt::format("seq {}: {}", record.seq(), input.status().message()));
  }
  group_->Start(record.seq());
  if (options_.what_if != nullptr) {
    options_.what_if->Apply(record, *input, engine_, group_->effects());
  } else {
    engine_->Apply(*input, record.time_ns(), group_->effects());
  }
  return std::optional<Divergence>();
}

Status ReplayStepper::WhatIfEffect(const ledger::LogRecord& record) {
  if (!result_.first_difference) result_.first_difference = group_->Next(record);
  // An effect equal to its canonical re-derivation is canonical; any other is checked before
  // the hooks read it (the reader could throw on malformed bytes).
  if (result_.first_difference) {
    Status canonical = ledger::CheckEnvelopeCanonical(record);
    if (!canonical.ok()) {
      return Status::Corruption("replay",
                                fmt::format("seq {}: {}", record.seq(), canonical.message()));
    }
  }
  options_.what_if->Logged(record);
  return Status::OK();
}

Status ReplayStepper::Feed(const ledger::LogRecord& record) {
  BACKSTOP_ASSERT(!result_.divergence);
  const SequenceNumber seq = result_.last_seq + 1;
  if (record.seq() != seq || record.prev_hash() != result_.last_hash) {
    return Status::Corruption("replay", fmt::format("seq {}: chain link broken", seq));
  }
  if (record.group() == seq) {
    BACKSTOP_RETURN_IF_ERROR(FinishGroup(seq));
    if (result_.divergence) return Status::OK();
    ++result_.groups;
  }
  BACKSTOP_ASSIGN_OR_RETURN(std::optional<Divergence> divergence, Step(record));
  if (divergence) {
    result_.divergence = std::move(divergence);
    return Status::OK();
  }
  result_.last_seq = seq;
  result_.last_hash = record.hash();
  ++result_.records;
  return Status::OK();
}

Status ReplayStepper::Finish() {
  if (result_.divergence) return Status::OK();
  if (group_->active() && options_.what_if == nullptr) {
    result_.unlogged_effects = group_->TakeUnlogged();
    if (!result_.unlogged_effects.empty()) result_.unfinished_group = group_->group();
  }
  return FinishGroup(result_.last_seq + 1);
}

namespace {

// Reads and decodes records [first, last] on a thread of its own, a batch at a time, so that
// the replay loop only applies and compares: the replay runs at the speed of the engine. The
// batches are reused (DecodeRecordInto keeps their buffers). Thread-compatible: one consumer.
class RecordPrefetcher {
 public:
  RecordPrefetcher(const ledger::EventLog& log, SequenceNumber first, SequenceNumber last,
                   ledger::EnvelopeCheck check)
      : it_(log.NewIterator(first, last)), next_seq_(first), check_(check) {
    for (Batch& batch : batches_) batch.records.resize(kBatchRecords);
    reader_ = std::thread([this] { ReadLoop(); });
  }
  ~RecordPrefetcher() {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
    reader_.join();
  }

  // The next batch (valid until the next call), or nullptr at the end: status() says why.
  std::span<const ledger::LogRecord> Next() {
    std::unique_lock lock(mu_);
    if (consumed_ != 0) {
      --filled_;  // Hand the batch the caller held back to the reader.
      cv_.notify_all();
    }
    cv_.wait(lock, [&] { return filled_ > 0 || finished_; });
    if (filled_ == 0) return {};
    const Batch& batch = batches_[consumed_++ % kBatches];
    return std::span<const ledger::LogRecord>(batch.records.data(), batch.size);
  }
  Status status() const {
    std::lock_guard lock(mu_);
    return status_;
  }

 private:
  static constexpr size_t kBatchRecords = 1024;
  static constexpr size_t kBatches = 4;
  struct Batch {
    std::vector<ledger::LogRecord> records;
    size_t size = 0;
  };

  // Fills `batch` from the iterator; a non-OK Status ends the read.
  Status Fill(Batch* batch) {
    batch->size = 0;
    for (; it_->Valid() && batch->size < kBatchRecords; it_->Next(), ++next_seq_) {
      if (it_->key_seq() != next_seq_) {
        return Status::Corruption(
            "replay", fmt::format("seq {} missing (found {})", next_seq_, it_->key_seq()));
      }
      Status decoded = ledger::DecodeRecordInto(it_->value(), &batch->records[batch->size], check_);
      if (!decoded.ok()) {
        return Status::Corruption("replay",
                                  fmt::format("seq {}: {}", next_seq_, decoded.message()));
      }
      ++batch->size;
    }
    return it_->status();
  }

  void ReadLoop() {
    for (uint64_t produced = 0;; ++produced) {
      {
        std::unique_lock lock(mu_);
        // The consumer may hold one batch while the rest are filled.
        cv_.wait(lock, [&] { return filled_ < kBatches - 1 || stopping_; });
        if (stopping_) break;
      }
      Batch& batch = batches_[produced % kBatches];
      Status status = Fill(&batch);
      std::lock_guard lock(mu_);
      if (batch.size > 0) ++filled_;
      if (!status.ok() || batch.size < kBatchRecords) {
        status_ = status;
        break;
      }
      cv_.notify_all();
    }
    std::lock_guard lock(mu_);
    finished_ = true;
    cv_.notify_all();
  }

  std::unique_ptr<ledger::RecordIterator> it_;
  SequenceNumber next_seq_;
  const ledger::EnvelopeCheck check_;
  std::array<Batch, kBatches> batches_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  size_t filled_ = 0;      // Batches filled and not yet handed back. Guarded by mu_.
  uint64_t consumed_ = 0;  // Batches handed to the consumer. Consumer thread only.
  bool finished_ = false;  // Guarded by mu_.
  bool stopping_ = false;  // Guarded by mu_.
  Status status_;          // Guarded by mu_.
  std::thread reader_;
};

}  // namespace

base::Result<ReplayResult> Replay(const ledger::EventLog& log, SequenceNumber first,
                                  SequenceNumber last, const ledger::Hash& start_hash,
                                  engine::RiskEngine* engine, const ReplayOptions& options) {
  ReplayStepper stepper(engine, options, first, start_hash, log.format_version());
  const uint64_t total = (last == ledger::SequenceNumber{0} ? log.head_seq() : last) + 1 - first;
  // Comparing, an effect's envelope is canonical when it equals the canonical re-derivation;
  // one that does not is checked before the divergence is reported.
  const auto check =
      options.compare_effects ? ledger::EnvelopeCheck::kInputsOnly : ledger::EnvelopeCheck::kAll;
  RecordPrefetcher prefetcher(log, first, last, check);
  for (auto batch = prefetcher.Next(); !batch.empty(); batch = prefetcher.Next()) {
    for (const ledger::LogRecord& record : batch) {
      BACKSTOP_RETURN_IF_ERROR(stepper.Feed(record));
      if (stepper.result().divergence) {
        Status canonical = ledger::CheckEnvelopeCanonical(record);
        if (!canonical.ok()) {
          return Status::Corruption("replay",
                                    fmt::format("seq {}: {}", record.seq(), canonical.message()));
        }
        return stepper.result();
      }
      const uint64_t records = stepper.result().records;
      if (options.progress && (records & 0xffff) == 0) options.progress(records, total);
    }
  }
  BACKSTOP_RETURN_IF_ERROR(prefetcher.status());
  BACKSTOP_RETURN_IF_ERROR(stepper.Finish());
  if (options.progress) options.progress(stepper.result().records, total);
  return stepper.result();
}

}  // namespace replay
