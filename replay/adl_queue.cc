// The whole ADL queue of one logged adlQueue effect, re-derived (see adl_queue.h).

#include "replay/adl_queue.h"

#include <capnp/message.h>
#include <fmt/format.h>

#include <algorithm>
#include <variant>

#include "base/strong_type_fmt.h"
#include "ledger/event_codec.h"
#include "replay/recovery.h"

namespace replay {

using base::Result;
using base::Status;

namespace {

// True when `effect`, encoded for the log's format, is the logged event byte for byte.
bool EncodesAs(const engine::Effect& effect, uint32_t format_version,
               ledger::schema::Event::Reader logged) {
  capnp::MallocMessageBuilder builder;
  auto event = builder.initRoot<ledger::schema::Event>();
  ledger::EncodeEffect(effect, format_version, event);
  const kj::Array<capnp::word> ours = capnp::canonicalize(event.asReader());
  const kj::Array<capnp::word> theirs = capnp::canonicalize(logged);
  const auto a = ours.asBytes(), b = theirs.asBytes();
  return std::equal(a.begin(), a.end(), b.begin(), b.end());
}

}  // namespace

Result<RederivedAdlQueue> RederiveAdlQueue(const ledger::EventLog& log, const DataDir& data,
                                           const ledger::Keyring& keyring,
                                           ledger::SequenceNumber queue_seq,
                                           std::vector<std::string>* warnings,
                                           ReplayOptions options) {
  BACKSTOP_ASSIGN_OR_RETURN(ledger::LogRecord queue_record, log.Read(queue_seq));
  if (queue_record.event().which() != ledger::schema::Event::ADL_QUEUE) {
    return Status::InvalidArgument("adl queue",
                                   fmt::format("seq {} is not an adl_queue", queue_seq));
  }
  const ledger::SequenceNumber group = queue_record.group();
  BACKSTOP_ASSIGN_OR_RETURN(ledger::LogRecord input_record, log.Read(group));
  BACKSTOP_ASSIGN_OR_RETURN(engine::Input input, ledger::DecodeInput(input_record.event()));
  options.engine_options.list_full_adl_queue = true;
  std::optional<Recovered> before;
  if (group == ledger::SequenceNumber{1}) {
    before.emplace(engine::RiskEngine(options.engine_options));
  } else {
    BACKSTOP_ASSIGN_OR_RETURN(Recovered recovered,
                              Recover(log, data, keyring, group - 1, warnings, options));
    before.emplace(std::move(recovered));
  }
  std::vector<engine::Effect> effects;
  before->engine.Apply(input, input_record.time_ns(), &effects);
  const uint64_t index = queue_seq - group - 1;  // The input is at `group`, its effects follow.
  if (index >= effects.size() || !std::holds_alternative<engine::AdlQueue>(effects[index])) {
    return Status::Corruption(
        "adl queue",
        fmt::format("re-deriving group {} gives no adl_queue at seq {}", group, queue_seq));
  }
  RederivedAdlQueue result;
  result.queue = std::move(std::get<engine::AdlQueue>(effects[index]));
  result.matches_log = EncodesAs(result.queue, log.format_version(), queue_record.event());
  result.log_has_commitment = log.format_version() >= ledger::kFormatAdlCommitment;
  return result;
}

}  // namespace replay
