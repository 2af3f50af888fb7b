// Frames of the wire protocol (see frame.h). The Cap'n Proto adapter of the server: kj
// exceptions from reading untrusted bytes stop here and become a Status.

#include "server/internal/frame.h"

#include <capnp/message.h>
#include <capnp/serialize.h>
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <optional>

#include "ledger/event_codec.h"
#include "server/schema/protocol.capnp.h"

namespace server::internal {

using base::Status;

uint32_t FrameLength(std::span<const uint8_t, kFrameHeaderBytes> header) {
  return static_cast<uint32_t>(header[0]) | (static_cast<uint32_t>(header[1]) << 8) |
         (static_cast<uint32_t>(header[2]) << 16) | (static_cast<uint32_t>(header[3]) << 24);
}

uint32_t FrameReader::FrontLength() const {
  if (buffered() < kFrameHeaderBytes) return 0;
  return FrameLength(
      std::span<const uint8_t, kFrameHeaderBytes>(bytes_.data() + begin_, kFrameHeaderBytes));
}

base::Result<std::span<const uint8_t>> FrameReader::Next() {
  if (buffered() < kFrameHeaderBytes) return std::span<const uint8_t>();
  const uint32_t length = FrontLength();
  if (length == 0 || length > max_body_bytes_) {
    return base::Status::Corruption(
        "frame", fmt::format("frame length {} is outside 1..{}", length, max_body_bytes_));
  }
  if (buffered() < kFrameHeaderBytes + length) return std::span<const uint8_t>();
  const std::span<const uint8_t> body(bytes_.data() + begin_ + kFrameHeaderBytes, length);
  begin_ += kFrameHeaderBytes + length;
  return body;
}

std::span<uint8_t> FrameReader::Room() {
  const size_t buffered_bytes = buffered();
  const uint32_t length = FrontLength();
  const size_t frame = length > max_body_bytes_ ? 0 : kFrameHeaderBytes + length;
  const size_t room = std::max(read_bytes_, frame > buffered_bytes ? frame - buffered_bytes : 0);
  if (begin_ > 0) {  // A partial frame moves to the front (once per frame).
    std::memmove(bytes_.data(), bytes_.data() + begin_, buffered_bytes);
    begin_ = 0;
    end_ = buffered_bytes;
  }
  if (bytes_.size() < end_ + room) bytes_.resize(end_ + room);
  return {bytes_.data() + end_, bytes_.size() - end_};
}

namespace {

// A message builder whose first segment is this thread's zeroed scratch (the builder zeroes
// what it used when it goes), so that a small frame costs no allocation and no zeroing of a
// whole default segment. A second one alive on the same thread allocates as usual.
class FrameMessage {
 public:
  FrameMessage() {
    if (scratch_in_use_) {
      builder_.emplace();
      return;
    }
    scratch_in_use_ = owns_scratch_ = true;
    builder_.emplace(kj::arrayPtr(scratch_.data(), scratch_.size()));
  }
  ~FrameMessage() {
    builder_.reset();  // Zeroes the scratch it used before another may take it.
    if (owns_scratch_) scratch_in_use_ = false;
  }
  FrameMessage(const FrameMessage&) = delete;
  FrameMessage& operator=(const FrameMessage&) = delete;

  capnp::MessageBuilder& builder() { return *builder_; }

 private:
  static constexpr size_t kScratchWords = 512;  // 4 KiB: an answer of a few records fits.
  static thread_local std::array<capnp::word, kScratchWords> scratch_;
  static thread_local bool scratch_in_use_;

  bool owns_scratch_ = false;
  std::optional<capnp::MallocMessageBuilder> builder_;
};
thread_local std::array<capnp::word, FrameMessage::kScratchWords> FrameMessage::scratch_{};
thread_local bool FrameMessage::scratch_in_use_ = false;

// The header and the message in its standard framed encoding, written in place.
std::string ToFrame(FrameMessage& frame_message) {
  capnp::MessageBuilder& message = frame_message.builder();
  const size_t bytes = capnp::computeSerializedSizeInWords(message) * sizeof(capnp::word);
  const auto length = static_cast<uint32_t>(bytes);
  std::string frame(kFrameHeaderBytes + bytes, '\0');
  for (size_t i = 0; i < kFrameHeaderBytes; ++i) {
    frame[i] = static_cast<char>((length >> (8 * i)) & 0xff);
  }
  kj::ArrayOutputStream out(
      kj::arrayPtr(reinterpret_cast<kj::byte*>(frame.data() + kFrameHeaderBytes), bytes));
  capnp::writeMessage(out, message);
  return frame;
}

// An 8-byte-aligned copy of a body, or empty if its length is not a whole number of words.
kj::Array<capnp::word> AlignedCopy(std::span<const uint8_t> body) {
  if (body.empty() || body.size() % sizeof(capnp::word) != 0) return nullptr;
  auto words = kj::heapArray<capnp::word>(body.size() / sizeof(capnp::word));
  std::memcpy(words.begin(), body.data(), body.size());
  return words;
}

Status CheckCommand(const DecodedRequest& request) {
  if (request.client_id.empty() || request.client_id.size() > kMaxClientIdBytes) {
    return Status::InvalidArgument("request", "clientId must be 1 to 64 bytes");
  }
  if (request.client_seq == 0) return Status::InvalidArgument("request", "clientSeq must be > 0");
  return Status::OK();
}

base::Result<DecodedRequest> ReadRequest(protocol::Request::Reader root, DecodeFailure* failure,
                                         uint64_t* id) {
  DecodedRequest request;
  request.id = root.getId();
  *id = request.id;
  switch (root.which()) {
    case protocol::Request::SNAPSHOT:
      request.kind = RequestKind::kSnapshot;
      return request;
    case protocol::Request::CHECKPOINT:
      request.kind = RequestKind::kCheckpoint;
      return request;
    case protocol::Request::STREAM:
      request.kind = RequestKind::kStream;
      request.stream_from = root.getStream();
      if (request.stream_from == 0) return Status::InvalidArgument("request", "stream from 0");
      return request;
    case protocol::Request::BACKUP:
      request.kind = RequestKind::kBackup;
      request.backup_keep = root.getBackup().getKeep();
      return request;
    case protocol::Request::COMMAND:
      break;
    default:
      return Status::InvalidArgument("request", "unknown request kind");
  }
  const protocol::Command::Reader command = root.getCommand();
  *failure = DecodeFailure::kBadCommand;
  const capnp::Text::Reader client_id = command.getClientId();
  request.client_id.assign(client_id.begin(), client_id.size());
  request.client_seq = command.getClientSeq();
  BACKSTOP_RETURN_IF_ERROR(CheckCommand(request));
  if (!command.hasInput()) return Status::InvalidArgument("request", "the command has no input");
  auto input = ledger::DecodeInput(command.getInput());
  if (!input.ok()) return Status::InvalidArgument("request", input.status().detail());
  request.input = std::move(*input);
  return request;
}

}  // namespace

base::Result<DecodedRequest> DecodeRequest(std::span<const uint8_t> body, DecodeFailure* failure,
                                           uint64_t* id) {
  *failure = DecodeFailure::kMalformed;
  *id = 0;
  if (body.size() > kMaxRequestBytes) return Status::InvalidArgument("frame", "too large");
  kj::Array<capnp::word> words = AlignedCopy(body);
  if (words.size() == 0) return Status::InvalidArgument("frame", "not a whole number of words");
  capnp::ReaderOptions options;
  options.traversalLimitInWords = kRequestTraversalWords;
  options.nestingLimit = kRequestNestingLimit;
  try {
    capnp::FlatArrayMessageReader reader(words, options);
    if (reader.getEnd() != words.end()) {
      return Status::InvalidArgument("frame", "bytes after the message");
    }
    return ReadRequest(reader.getRoot<protocol::Request>(), failure, id);
  } catch (const kj::Exception& e) {
    return Status::InvalidArgument("frame", e.getDescription().cStr());
  } catch (const std::exception& e) {
    return Status::InvalidArgument("frame", e.what());
  }
}

std::string CommandFrame(uint64_t id, std::string_view client_id, uint64_t client_seq,
                         const engine::Input& input) {
  FrameMessage frame;
  capnp::MessageBuilder& message = frame.builder();
  auto request = message.initRoot<protocol::Request>();
  request.setId(id);
  auto command = request.initCommand();
  command.setClientId(capnp::Text::Reader(client_id.data(), client_id.size()));
  command.setClientSeq(client_seq);
  ledger::EncodeInput(input, command.initInput());
  return ToFrame(frame);
}

std::string SnapshotRequestFrame(uint64_t id) {
  FrameMessage frame;
  capnp::MessageBuilder& message = frame.builder();
  auto request = message.initRoot<protocol::Request>();
  request.setId(id);
  request.setSnapshot();
  return ToFrame(frame);
}

std::string StreamRequestFrame(uint64_t id, uint64_t from_seq) {
  FrameMessage frame;
  capnp::MessageBuilder& message = frame.builder();
  auto request = message.initRoot<protocol::Request>();
  request.setId(id);
  request.setStream(from_seq);
  return ToFrame(frame);
}

std::string BackupRequestFrame(uint64_t id, uint32_t keep) {
  FrameMessage frame;
  capnp::MessageBuilder& message = frame.builder();
  auto request = message.initRoot<protocol::Request>();
  request.setId(id);
  request.initBackup().setKeep(keep);
  return ToFrame(frame);
}

std::string CheckpointRequestFrame(uint64_t id) {
  FrameMessage frame;
  capnp::MessageBuilder& message = frame.builder();
  auto request = message.initRoot<protocol::Request>();
  request.setId(id);
  request.setCheckpoint();
  return ToFrame(frame);
}

const char* RefusalReasonName(RefusalReason reason) {
  switch (reason) {
    case RefusalReason::kMalformed:
      return "malformed";
    case RefusalReason::kUnknownClient:
      return "unknownClient";
    case RefusalReason::kWrongRole:
      return "wrongRole";
    case RefusalReason::kNotYourAccount:
      return "notYourAccount";
    case RefusalReason::kBusy:
      return "busy";
    case RefusalReason::kUnavailable:
      return "unavailable";
    case RefusalReason::kBadCommand:
      return "badCommand";
    case RefusalReason::kClientSeqReused:
      return "clientSeqReused";
    case RefusalReason::kNotEnabled:
      return "notEnabled";
    case RefusalReason::kFailed:
      return "failed";
  }
  return "unknown";
}

namespace {

void FillGroup(protocol::Group::Builder group, uint64_t first_seq, uint64_t last_seq,
               const std::vector<std::string>& records) {
  group.setFirstSeq(first_seq);
  group.setLastSeq(last_seq);
  auto list = group.initRecords(static_cast<unsigned>(records.size()));
  for (unsigned i = 0; i < records.size(); ++i) {
    list.set(i, capnp::Data::Reader(reinterpret_cast<const kj::byte*>(records[i].data()),
                                    records[i].size()));
  }
}

}  // namespace

std::string GroupAnswerFrame(uint64_t id, bool rejected, uint16_t rejection, uint64_t first_seq,
                             uint64_t last_seq, const std::vector<std::string>& records) {
  FrameMessage frame;
  capnp::MessageBuilder& message = frame.builder();
  auto answer = message.initRoot<protocol::Answer>();
  answer.setId(id);
  if (rejected) {
    auto group = answer.initRejected();
    group.setReasonCode(rejection);
    FillGroup(group.initGroup(), first_seq, last_seq, records);
  } else {
    FillGroup(answer.initAccepted(), first_seq, last_seq, records);
  }
  return ToFrame(frame);
}

std::string RefusalFrame(uint64_t id, RefusalReason reason, std::string_view detail) {
  FrameMessage frame;
  capnp::MessageBuilder& message = frame.builder();
  auto answer = message.initRoot<protocol::Answer>();
  answer.setId(id);
  auto refused = answer.initRefused();
  refused.setReason(static_cast<protocol::Reason>(reason));
  refused.setDetail(capnp::Text::Reader(detail.data(), detail.size()));
  return ToFrame(frame);
}

std::string SnapshotAnswerFrame(uint64_t id, uint64_t seq) {
  FrameMessage frame;
  capnp::MessageBuilder& message = frame.builder();
  auto answer = message.initRoot<protocol::Answer>();
  answer.setId(id);
  answer.setSnapshot(seq);
  return ToFrame(frame);
}

std::string CheckpointAnswerFrame(uint64_t id, std::string_view note) {
  FrameMessage frame;
  capnp::MessageBuilder& message = frame.builder();
  auto answer = message.initRoot<protocol::Answer>();
  answer.setId(id);
  answer.setCheckpoint(capnp::Text::Reader(note.data(), note.size()));
  return ToFrame(frame);
}

std::string RecordsFrame(uint64_t id, uint64_t first_seq, const std::vector<std::string>& records,
                         std::string_view checkpoint, const std::vector<std::string>& frontier) {
  FrameMessage frame;
  capnp::MessageBuilder& message = frame.builder();
  auto answer = message.initRoot<protocol::Answer>();
  answer.setId(id);
  auto out = answer.initRecords();
  out.setFirstSeq(first_seq);
  auto list = out.initRecords(static_cast<unsigned>(records.size()));
  for (unsigned i = 0; i < records.size(); ++i) {
    list.set(i, capnp::Data::Reader(reinterpret_cast<const kj::byte*>(records[i].data()),
                                    records[i].size()));
  }
  out.setCheckpoint(capnp::Text::Reader(checkpoint.data(), checkpoint.size()));
  auto hashes = out.initFrontier(static_cast<unsigned>(frontier.size()));
  for (unsigned i = 0; i < frontier.size(); ++i) {
    hashes.set(i, capnp::Data::Reader(reinterpret_cast<const kj::byte*>(frontier[i].data()),
                                      frontier[i].size()));
  }
  return ToFrame(frame);
}

namespace {

capnp::Data::Reader DataOf(std::string_view bytes) {
  return capnp::Data::Reader(reinterpret_cast<const kj::byte*>(bytes.data()), bytes.size());
}

capnp::Text::Reader TextOf(std::string_view text) {
  return capnp::Text::Reader(text.data(), text.size());
}

}  // namespace

std::string BackupAnswerFrame(uint64_t id, const BackupDone& done) {
  FrameMessage frame;
  capnp::MessageBuilder& message = frame.builder();
  auto answer = message.initRoot<protocol::Answer>();
  answer.setId(id);
  auto out = answer.initBackup();
  out.setId(done.id);
  out.setHeadSeq(done.head_seq);
  out.setHeadHash(DataOf(done.head_hash));
  out.setTimeS(done.time_s);
  out.setSizeBytes(done.size_bytes);
  out.setAddedBytes(done.added_bytes);
  out.setRocksFiles(done.rocks_files);
  out.setSnapshots(done.snapshots);
  out.setChainId(DataOf(done.chain_id));
  out.setSource(TextOf(done.source));
  out.setBackupDir(TextOf(done.backup_dir));
  auto deleted = out.initDeleted(static_cast<unsigned>(done.deleted.size()));
  for (unsigned i = 0; i < done.deleted.size(); ++i) deleted.set(i, done.deleted[i]);
  out.setKeep(done.keep);
  return ToFrame(frame);
}

namespace {

std::string BytesOf(capnp::Data::Reader data) {
  return std::string(reinterpret_cast<const char*>(data.begin()), data.size());
}

void ReadBackup(protocol::BackupDone::Reader in, Answer* answer) {
  answer->kind = Answer::Kind::kBackup;
  BackupDone& done = answer->backup;
  done.id = in.getId();
  done.head_seq = in.getHeadSeq();
  done.head_hash = BytesOf(in.getHeadHash());
  done.time_s = in.getTimeS();
  done.size_bytes = in.getSizeBytes();
  done.added_bytes = in.getAddedBytes();
  done.rocks_files = in.getRocksFiles();
  done.snapshots = in.getSnapshots();
  done.chain_id = BytesOf(in.getChainId());
  done.source = in.getSource().cStr();
  done.backup_dir = in.getBackupDir().cStr();
  for (uint32_t id : in.getDeleted()) done.deleted.push_back(id);
  done.keep = in.getKeep();
}

void ReadGroup(protocol::Group::Reader group, Answer* answer) {
  answer->first_seq = group.getFirstSeq();
  answer->last_seq = group.getLastSeq();
  for (capnp::Data::Reader record : group.getRecords()) {
    answer->records.emplace_back(reinterpret_cast<const char*>(record.begin()), record.size());
  }
}

void ReadRecords(protocol::Records::Reader records, Answer* answer) {
  answer->kind = Answer::Kind::kRecords;
  answer->first_seq = records.getFirstSeq();
  for (capnp::Data::Reader record : records.getRecords()) {
    answer->records.emplace_back(reinterpret_cast<const char*>(record.begin()), record.size());
  }
  answer->checkpoint = records.getCheckpoint().cStr();
  for (capnp::Data::Reader hash : records.getFrontier()) {
    answer->frontier.emplace_back(reinterpret_cast<const char*>(hash.begin()), hash.size());
  }
}

Answer ReadAnswer(protocol::Answer::Reader root) {
  Answer answer;
  answer.id = root.getId();
  switch (root.which()) {
    case protocol::Answer::ACCEPTED:
      answer.kind = Answer::Kind::kAccepted;
      ReadGroup(root.getAccepted(), &answer);
      break;
    case protocol::Answer::REJECTED:
      answer.kind = Answer::Kind::kRejected;
      answer.rejection = root.getRejected().getReasonCode();
      ReadGroup(root.getRejected().getGroup(), &answer);
      break;
    case protocol::Answer::REFUSED: {
      answer.kind = Answer::Kind::kRefused;
      const auto reason = static_cast<uint16_t>(root.getRefused().getReason());
      answer.reason = reason < kRefusalReasonCount
                          ? RefusalReasonName(static_cast<RefusalReason>(reason))
                          : fmt::format("reason{}", reason);
      answer.detail = root.getRefused().getDetail().cStr();
      break;
    }
    case protocol::Answer::SNAPSHOT:
      answer.kind = Answer::Kind::kSnapshot;
      answer.snapshot_seq = root.getSnapshot();
      break;
    case protocol::Answer::CHECKPOINT:
      answer.kind = Answer::Kind::kCheckpoint;
      answer.checkpoint = root.getCheckpoint().cStr();
      break;
    case protocol::Answer::RECORDS:
      ReadRecords(root.getRecords(), &answer);
      break;
    case protocol::Answer::BACKUP:
      ReadBackup(root.getBackup(), &answer);
      break;
  }
  return answer;
}

}  // namespace

base::Result<Answer> DecodeAnswer(std::span<const uint8_t> body) {
  if (body.size() > kMaxAnswerBytes) return Status::Corruption("answer", "frame too large");
  kj::Array<capnp::word> words = AlignedCopy(body);
  if (words.size() == 0) return Status::Corruption("answer", "not a whole number of words");
  capnp::ReaderOptions options;
  options.traversalLimitInWords = words.size() * 2;
  options.nestingLimit = kRequestNestingLimit;
  try {
    capnp::FlatArrayMessageReader reader(words, options);
    return ReadAnswer(reader.getRoot<protocol::Answer>());
  } catch (const kj::Exception& e) {
    return Status::Corruption("answer", e.getDescription().cStr());
  }
}

}  // namespace server::internal
