// The sequencer (see sequencer.h): stamp, apply, append [input, effects...] as one group.

#include "replay/sequencer.h"

#include <fmt/format.h>

#include <filesystem>

#include "base/strong_type_fmt.h"
#include "ledger/event_codec.h"
#include "replay/recovery.h"
#include "snapshots/snapshot_store.h"

namespace replay {

using base::Status;
using ledger::SequenceNumber;

base::Result<std::unique_ptr<Sequencer>> Sequencer::Open(const DataDir& data,
                                                         SequencerOptions options,
                                                         std::vector<std::string>* warnings) {
  if (!options.signing_key || !options.clock) {
    return Status::InvalidArgument("sequencer", "a signing key and a clock are required");
  }
  auto stamp = std::make_shared<int64_t>(0);
  ledger::LogOptions log_options;
  log_options.signing_key = options.signing_key;
  log_options.clock = [stamp] { return *stamp; };
  log_options.checkpoint_file = options.checkpoint_file;
  log_options.signer_threads = options.signer_threads;
  BACKSTOP_ASSIGN_OR_RETURN(auto log, ledger::EventLog::Open(data.log, std::move(log_options)));
  BACKSTOP_ASSIGN_OR_RETURN(ledger::Keyring keyring, LoadKeyring(data));
  keyring.Add(options.signing_key->public_key());
  ReplayOptions replay_options;
  replay_options.engine_options = options.engine_options;
  replay_options.progress = options.recovery_progress;
  BACKSTOP_ASSIGN_OR_RETURN(
      Recovered recovered,
      Recover(*log, data, keyring, ledger::SequenceNumber{0}, warnings, replay_options));
  if (recovered.seq > ledger::SequenceNumber{0}) {
    // Continue the log's clock: the engine and the envelope must see the same stamp, and the
    // log never stamps a time before its head's.
    BACKSTOP_ASSIGN_OR_RETURN(ledger::LogRecord head, log->Read(recovered.seq));
    *stamp = head.time_ns();
  }
  std::unique_ptr<Sequencer> sequencer(
      new Sequencer(data, std::move(options), std::move(log), std::move(recovered.engine)));
  sequencer->stamp_ns_ = stamp;
  sequencer->recovered_from_ = recovered.snapshot_seq;
  sequencer->recovered_records_ = recovered.replayed_records;
  sequencer->last_snapshot_ = recovered.snapshot_seq;
  if (recovered.unfinished_group != ledger::SequenceNumber{0}) {
    // The input was logged, so its effects are decided: log the rest before anything else.
    BACKSTOP_ASSIGN_OR_RETURN(
        SequenceNumber last,
        sequencer->AppendContinuation(recovered.unfinished_group, recovered.unlogged_effects, {}));
    BACKSTOP_RETURN_IF_ERROR(sequencer->log_->Flush());
    if (warnings != nullptr) {
      warnings->push_back(fmt::format("completed the group of seq {}: logged seqs {}..{}",
                                      recovered.unfinished_group, recovered.seq + 1, last));
    }
  }
  return sequencer;
}

Sequencer::Sequencer(DataDir data, SequencerOptions options, std::unique_ptr<ledger::EventLog> log,
                     engine::RiskEngine engine)
    : data_(std::move(data)),
      options_(std::move(options)),
      log_(std::move(log)),
      engine_(std::move(engine)) {}

Sequencer::~Sequencer() { Flush().PermitUnchecked(); }

base::Result<Submitted> Sequencer::Submit(const engine::Input& input, ledger::AppendCallback done,
                                          const ledger::CommandOrigin* origin) {
  if (!failed_.ok()) return failed_;
  if (std::holds_alternative<engine::RotateKey>(input)) {
    return Status::InvalidArgument("sequencer", "key rotation is not a trading command");
  }
  // Refused before the engine sees it: the log could not record it as the engine saw it.
  BACKSTOP_RETURN_IF_ERROR(ledger::CheckEncodable(input));
  // Times never go backwards, so the engine and the envelope see the same stamp.
  *stamp_ns_ = std::max(options_.clock(), *stamp_ns_);
  effects_.clear();
  engine_.Apply(input, *stamp_ns_, &effects_);
  Submitted submitted;
  for (const engine::Effect& effect : effects_) {
    submitted.refused = submitted.refused ||
                        std::holds_alternative<engine::OrderRejected>(effect) ||
                        std::holds_alternative<engine::InputRejected>(effect);
  }
  submitted.effects = effects_.size();
  // The input and the effects that fit one submission; the rest continue its group.
  const size_t first = std::min(effects_.size(), ledger::kMaxGroupRecords - 1);
  const bool whole = first == effects_.size();
  ledger::EventGroup group;
  ledger::schema::Event::Builder input_event = group.Add();
  ledger::EncodeInput(input, input_event);
  if (origin != nullptr) ledger::EncodeOrigin(*origin, input_event);
  for (size_t i = 0; i < first; ++i) {
    ledger::EncodeEffect(effects_[i], log_->format_version(), group.Add());
  }
  const std::vector<ledger::schema::Event::Reader> events = group.readers();
  auto range = log_->Submit(events, whole ? std::move(done) : ledger::AppendCallback());
  if (range.ok() && !whole) {
    // `done` hears the whole group's range, not only its last submission's.
    ledger::AppendCallback whole_done;
    if (done) {
      // Its values are the last submission's only.
      whole_done = [done = std::move(done), first_seq = range->first](
                       const Status& status, ledger::GroupRange last, ledger::GroupValues values) {
        done(status, ledger::GroupRange{first_seq, last.last}, std::move(values));
      };
    }
    auto last =
        AppendContinuation(range->first, std::span(effects_).subspan(first), std::move(whole_done));
    if (last.ok()) range->last = *last;
    if (!last.ok()) range = last.status();
  }
  if (!range.ok()) {
    failed_ = Status::IOError(
        "sequencer", "append failed, the engine is ahead of the log: " + range.status().message());
    return range.status();
  }
  submitted.range = *range;
  if (options_.snapshot_every_records != 0 &&
      range->last - last_snapshot_ >= options_.snapshot_every_records) {
    auto snapshot = TakeSnapshot();
    if (!snapshot.ok()) return snapshot.status();
  }
  return submitted;
}

base::Result<SequenceNumber> Sequencer::AppendContinuation(SequenceNumber group,
                                                           std::span<const engine::Effect> effects,
                                                           ledger::AppendCallback done) {
  SequenceNumber last{0};
  for (size_t begin = 0; begin < effects.size(); begin += ledger::kMaxGroupRecords) {
    const size_t end = std::min(effects.size(), begin + ledger::kMaxGroupRecords);
    ledger::EventGroup chunk;
    for (size_t i = begin; i < end; ++i) {
      ledger::EncodeEffect(effects[i], log_->format_version(), chunk.Add());
    }
    const std::vector<ledger::schema::Event::Reader> events = chunk.readers();
    BACKSTOP_ASSIGN_OR_RETURN(
        ledger::GroupRange range,
        log_->SubmitContinuation(
            group, events, end == effects.size() ? std::move(done) : ledger::AppendCallback()));
    last = range.last;
  }
  return last;
}

Status Sequencer::Flush() {
  if (!failed_.ok()) return failed_;
  return log_->Flush();
}

base::Result<SequenceNumber> Sequencer::TakeSnapshot() {
  BACKSTOP_RETURN_IF_ERROR(Flush());
  const SequenceNumber seq = log_->head_seq();
  if (seq == ledger::SequenceNumber{0})
    return Status::InvalidArgument("snapshot", "the log is empty");
  BACKSTOP_ASSIGN_OR_RETURN(ledger::LogRecord head, log_->Read(seq));
  snapshots::SnapshotStoreOptions store_options;
  store_options.create_if_missing = true;
  BACKSTOP_ASSIGN_OR_RETURN(auto store,
                            snapshots::SnapshotStore::Open(data_.snapshots, store_options));
  snapshots::SnapshotMeta meta;
  meta.seq = seq;
  meta.log_head_hash = head.hash();
  meta.time_ns = head.time_ns();
  meta.chain_id = log_->chain_id();
  auto written = store->Write(engine_.Export(), meta, *options_.signing_key);
  if (!written.ok()) return written.status();
  last_snapshot_ = seq;
  BACKSTOP_RETURN_IF_ERROR(store->Retain(options_.keep_snapshots));
  return seq;
}

}  // namespace replay
