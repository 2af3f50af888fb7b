// `backstop follow`: an auditor's live copy of the log. Streams records from a seq over the
// gateway's TLS protocol and checks each as it arrives (its seq, its link to the previous
// record, its chain hash under the pinned chain id), keeps the RFC 6962 tree of what it has
// seen, and checks every checkpoint the server sends against it (the signature with the pinned
// keys, the size, the root and the head hash). The first failure stops it with exit 1.

#include <capnp/dynamic.h>
#include <fmt/format.h>

#include <cstdio>
#include <nlohmann/json.hpp>

#include "base/strong_type_fmt.h"
#include "base/strong_type_json.h"
#include "cli/common.h"
#include "cli/event_json.h"
#include "cli/serve_commands.h"
#include "cli/trust.h"
#include "ledger/checkpoint.h"
#include "ledger/merkle.h"
#include "ledger/record.h"
#include "server/client.h"

namespace cli {
namespace {

using base::Status;

std::string EventTypeName(ledger::schema::Event::Reader event) {
  capnp::DynamicStruct::Reader dynamic = event;
  KJ_IF_MAYBE (field, dynamic.which()) {
    return SnakeCase(field->getProto().getName().cStr());
  }
  return "unknown";
}

class FollowChecker {
 public:
  FollowChecker(const Trust& trust, uint64_t from) : trust_(trust), next_(from) {
    tag_ = ledger::MakeDomainTag(*trust.chain_id);
  }

  // Checks one frame; prints each record up to `until` (0: all).
  Status Check(const server::Answer& frame, uint64_t until, bool json) {
    if (frame.kind != server::Answer::Kind::kRecords) {
      return Status::Corruption(
          "follow", fmt::format("the server answered {}: {} {}", server::AnswerKindName(frame.kind),
                                frame.reason, frame.detail));
    }
    if (frame.first_seq != next_) {
      return Status::Corruption(
          "follow", fmt::format("frame starts at seq {}, expected {}", frame.first_seq, next_));
    }
    if (first_frame_ && next_ > 1) BACKSTOP_RETURN_IF_ERROR(StartTree(frame));
    first_frame_ = false;
    for (const std::string& bytes : frame.records) {
      BACKSTOP_ASSIGN_OR_RETURN(ledger::LogRecord record, CheckRecord(bytes));
      if (until == 0 || record.seq() <= ledger::SequenceNumber{until}) Print(record, json);
    }
    if (!frame.checkpoint.empty()) BACKSTOP_RETURN_IF_ERROR(CheckCheckpoint(frame.checkpoint));
    return Status::OK();
  }
  uint64_t next() const { return next_; }

 private:
  Status StartTree(const server::Answer& frame) {
    std::vector<ledger::Hash> subtrees;
    for (const std::string& bytes : frame.frontier) {
      if (bytes.size() != 32)
        return Status::Corruption("follow", "a frontier hash is not 32 bytes");
      ledger::Hash hash{};
      std::copy(bytes.begin(), bytes.end(), hash.begin());
      subtrees.push_back(hash);
    }
    BACKSTOP_ASSIGN_OR_RETURN(tree_, ledger::TreeFrontier::FromSubtrees(next_ - 1, subtrees));
    return Status::OK();
  }

  base::Result<ledger::LogRecord> CheckRecord(const std::string& bytes) {
    BACKSTOP_ASSIGN_OR_RETURN(
        ledger::LogRecord record,
        ledger::DecodeRecord({reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()}));
    const uint64_t seq = next_;
    if (record.seq() != ledger::SequenceNumber{seq}) {
      return Status::Corruption("follow",
                                fmt::format("seq {} where {} was expected", record.seq(), seq));
    }
    // The first record of a stream from seq > 1 links to a hash the checkpoints vouch for.
    if ((seq == 1 || have_prev_) && record.prev_hash() != prev_) {
      return Status::Corruption("follow", fmt::format("seq {}: prev_hash does not link", seq));
    }
    const ledger::Hash hash = ledger::ChainHash(
        sha_, tag_, record.prev_hash(), ledger::SequenceNumber{seq}, record.envelope_bytes());
    if (hash != record.hash()) {
      return Status::Corruption("follow", fmt::format("seq {}: chain hash mismatch", seq));
    }
    tree_.Append(sha_, ledger::LeafHash(sha_, hash), nullptr);
    prev_ = hash;
    have_prev_ = true;
    ++next_;
    return record;
  }

  Status CheckCheckpoint(const std::string& note) {
    BACKSTOP_ASSIGN_OR_RETURN(ledger::OpenedCheckpoint opened,
                              ledger::OpenTrustedCheckpoint(note, trust_.keyring, trust_.chain_id));
    const ledger::Checkpoint& checkpoint = opened.checkpoint;
    if (checkpoint.size != tree_.size() || checkpoint.root != tree_.Root(sha_) ||
        checkpoint.head_hash != prev_) {
      return Status::Corruption(
          "follow", fmt::format("the checkpoint of tree size {} does not match the {} records "
                                "received",
                                checkpoint.size, tree_.size()));
    }
    fmt::print(stderr, "checkpoint {} verified\n", checkpoint.size);
    return Status::OK();
  }

  void Print(const ledger::LogRecord& record, bool json) {
    if (json) {
      nlohmann::json row = StructToJson(capnp::DynamicStruct::Reader(record.event()));
      row["seq"] = record.seq();
      row["time"] = FormatTimeNs(record.time_ns());
      row["type"] = EventTypeName(record.event());
      row["hash"] = ledger::ToHex(record.hash());
      fmt::print("{}\n", row.dump());
    } else {
      fmt::print("{:>9}  {}  {}\n", record.seq(), FormatTimeNs(record.time_ns()),
                 EventTypeName(record.event()));
    }
  }

  const Trust& trust_;
  ledger::DomainTag tag_{};
  base::Sha256 sha_;
  ledger::TreeFrontier tree_;
  ledger::Hash prev_{};
  bool have_prev_ = false;
  bool first_frame_ = true;
  uint64_t next_;
};

}  // namespace

int RunFollow(const FollowOptions& options) {
  if (options.from == 0) return Fail("--from must be at least 1");
  auto trust = LoadTrust(options.trust, "");
  if (!trust.ok()) return Fail(trust.status());
  if (!trust->chain_id) return Fail("--chain-id is required: the log you expect to follow");
  auto client = server::Client::Connect(
      {options.connect, options.cert_file, options.key_file, options.ca_file});
  if (!client.ok()) return Fail(client.status());
  base::Status sent = (*client)->SendStreamRequest(1, options.from);
  if (!sent.ok()) return Fail(sent);
  FollowChecker checker(*trust, options.from);
  while (options.until == 0 || checker.next() <= options.until) {
    auto frame = (*client)->Receive();
    if (!frame.ok()) return Fail(frame.status());
    base::Status checked = checker.Check(*frame, options.until, options.json);
    std::fflush(stdout);
    if (!checked.ok()) {
      fmt::print(stderr, "backstop: {}\n", checked.ToString());
      return kExitFinding;
    }
  }
  return kExitOk;
}

}  // namespace cli
