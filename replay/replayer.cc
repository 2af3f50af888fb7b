// The replay loop (see replayer.h): inputs to the engine, re-derived effects against the log.

#include "replay/replayer.h"

#include <capnp/message.h>
#include <capnp/pretty-print.h>
#include <fmt/format.h>

#include <vector>

#include "ledger/event_codec.h"

namespace replay {
namespace {

using ledger::SequenceNumber;
using ledger::Status;

std::string Text(ledger::schema::Event::Reader event) {
  return capnp::prettyPrint(event).flatten().cStr();
}

// Tracks one group: the effects the engine re-derived for its input and how many of them the
// log has shown so far.
class GroupCheck {
 public:
  explicit GroupCheck(bool compare) : compare_(compare) {}

  void Start(SequenceNumber seq) {
    group_ = seq;
    effects_.clear();
    next_ = 0;
  }
  bool active() const { return group_ != 0; }
  SequenceNumber group() const { return group_; }
  std::vector<engine::Effect>* effects() { return &effects_; }

  // Checks the next logged effect against the next re-derived one.
  std::optional<Divergence> Next(SequenceNumber seq, ledger::schema::Event::Reader logged) {
    if (next_ >= effects_.size()) {
      return Divergence{seq, "logged effect that re-derivation does not produce", "", Text(logged)};
    }
    const engine::Effect& effect = effects_[next_++];
    if (!compare_) return std::nullopt;
    capnp::MallocMessageBuilder builder(256);
    auto expected = builder.initRoot<ledger::schema::Event>();
    ledger::EncodeEffect(effect, expected);
    auto expected_bytes = capnp::canonicalize(expected.asReader());
    auto logged_bytes = capnp::canonicalize(logged);
    if (expected_bytes.asBytes() == logged_bytes.asBytes()) return std::nullopt;
    return Divergence{seq, "effect differs from re-derivation", Text(expected.asReader()),
                      Text(logged)};
  }

  // At the end of the group: every re-derived effect must have been logged.
  std::optional<Divergence> Finish(SequenceNumber next_seq) {
    if (next_ >= effects_.size()) return std::nullopt;
    capnp::MallocMessageBuilder builder(256);
    auto expected = builder.initRoot<ledger::schema::Event>();
    ledger::EncodeEffect(effects_[next_], expected);
    return Divergence{
        next_seq,
        fmt::format("group {} is missing {} re-derived effect(s)", group_, effects_.size() - next_),
        Text(expected.asReader()), ""};
  }

 private:
  bool compare_;
  SequenceNumber group_ = 0;
  std::vector<engine::Effect> effects_;
  size_t next_ = 0;
};

// Applies one record to the engine or checks it against the current group.
ledger::Result<std::optional<Divergence>> Step(const ledger::LogRecord& record,
                                               engine::RiskEngine* engine, GroupCheck* group) {
  const auto event = record.event();
  const bool is_input = ledger::IsInput(event);
  if (record.group() != record.seq()) {
    if (!group->active() || record.group() != group->group() || is_input) {
      return std::optional<Divergence>(Divergence{
          record.seq(), fmt::format("record claims group {} outside its group", record.group()), "",
          Text(event)});
    }
    return group->Next(record.seq(), event);
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
  group->Start(record.seq());
  engine->Apply(*input, record.time_ns(), group->effects());
  return std::optional<Divergence>();
}

}  // namespace

ledger::Result<ReplayResult> Replay(const ledger::EventLog& log, SequenceNumber first,
                                    SequenceNumber last, const ledger::Hash& start_hash,
                                    engine::RiskEngine* engine, const ReplayOptions& options) {
  BACKSTOP_ASSERT(first >= 1, first);
  ReplayResult result;
  result.last_seq = first - 1;
  result.last_hash = start_hash;
  const uint64_t total = (last == 0 ? log.head_seq() : last) + 1 - first;
  GroupCheck group(options.compare_effects);
  auto finish_group = [&](SequenceNumber next_seq) -> Status {
    if (!group.active()) return Status::OK();
    if (auto divergence = group.Finish(next_seq)) {
      result.divergence = std::move(divergence);
      return Status::OK();
    }
    if (options.after_group) return options.after_group(result.last_seq, *engine);
    return Status::OK();
  };
  auto it = log.NewIterator(first, last);
  for (; it->Valid(); it->Next()) {
    const SequenceNumber seq = result.last_seq + 1;
    if (it->key_seq() != seq) {
      return Status::Corruption("replay",
                                fmt::format("seq {} missing (found {})", seq, it->key_seq()));
    }
    auto record = ledger::DecodeRecord(it->value());
    if (!record.ok()) {
      return Status::Corruption("replay",
                                fmt::format("seq {}: {}", seq, record.status().message()));
    }
    if (record->seq() != seq || record->prev_hash() != result.last_hash) {
      return Status::Corruption("replay", fmt::format("seq {}: chain link broken", seq));
    }
    if (record->group() == seq) {
      LEDGER_RETURN_IF_ERROR(finish_group(seq));
      if (result.divergence) return result;
      ++result.groups;
    }
    LEDGER_ASSIGN_OR_RETURN(std::optional<Divergence> divergence, Step(*record, engine, &group));
    if (divergence) {
      result.divergence = std::move(divergence);
      return result;
    }
    result.last_seq = seq;
    result.last_hash = record->hash();
    ++result.records;
    if (options.progress && (result.records & 0xffff) == 0) {
      options.progress(result.records, total);
    }
  }
  LEDGER_RETURN_IF_ERROR(it->status());
  LEDGER_RETURN_IF_ERROR(finish_group(result.last_seq + 1));
  if (options.progress) options.progress(result.records, total);
  return result;
}

}  // namespace replay
