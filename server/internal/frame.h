// Frames of the wire protocol (docs/PROTOCOL.md): a 4-byte little-endian length, then a
// Cap'n Proto message in the standard framed encoding. Encoders for both directions and
// decoders that enforce the limits and never throw. Stateless; thread-safe.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "engine/events.h"
#include "server/client.h"

namespace server::internal {

inline constexpr size_t kFrameHeaderBytes = 4;
// The largest frame body either side accepts: one input event (ledger::kMaxEventBytes) plus
// the request around it.
inline constexpr size_t kMaxRequestBytes = 68 * 1024;
// Answers carry a whole group; a mark tick that liquidates a crowded side is large.
inline constexpr size_t kMaxAnswerBytes = 64 * 1024 * 1024;
// What a client reads at once, at least (often all the answers of one synced batch).
inline constexpr size_t kClientReadBytes = 64 * 1024;
// capnp ReaderOptions for requests: traversal bounded by the frame, nesting by the schema.
inline constexpr uint64_t kRequestTraversalWords = kMaxRequestBytes / 8 * 2;
inline constexpr int kRequestNestingLimit = 16;
inline constexpr size_t kMaxClientIdBytes = 64;

// The body length a frame header announces.
uint32_t FrameLength(std::span<const uint8_t, kFrameHeaderBytes> header);

enum class RequestKind { kCommand, kSnapshot, kCheckpoint, kStream, kBackup };

struct DecodedRequest {
  uint64_t id = 0;
  RequestKind kind = RequestKind::kCommand;
  std::string client_id;     // kCommand.
  uint64_t client_seq = 0;   // kCommand.
  engine::Input input;       // kCommand.
  uint64_t stream_from = 0;  // kStream.
  uint32_t backup_keep = 0;  // kBackup.
};

// Why a request frame was refused: malformed (close the connection) or a bad command in a
// well-formed frame (answer and go on; `*id` is then the request's id).
enum class DecodeFailure { kMalformed, kBadCommand };

// Decodes one request body. On failure returns InvalidArgument with the reason and sets
// `*failure` (and `*id` when the id could be read).
base::Result<DecodedRequest> DecodeRequest(std::span<const uint8_t> body, DecodeFailure* failure,
                                           uint64_t* id);

// Whole frames (header + body), ready to write.
std::string CommandFrame(uint64_t id, std::string_view client_id, uint64_t client_seq,
                         const engine::Input& input);
std::string SnapshotRequestFrame(uint64_t id);
std::string CheckpointRequestFrame(uint64_t id);
std::string StreamRequestFrame(uint64_t id, uint64_t from_seq);
std::string BackupRequestFrame(uint64_t id, uint32_t keep);

// Reason names as in protocol.capnp's enum Reason.
enum class RefusalReason : uint16_t {
  kMalformed = 0,
  kUnknownClient = 1,
  kWrongRole = 2,
  kNotYourAccount = 3,
  kBusy = 4,
  kUnavailable = 5,
  kBadCommand = 6,
  kClientSeqReused = 7,
  kNotEnabled = 8,
  kFailed = 9,
};
inline constexpr int kRefusalReasonCount = 10;
const char* RefusalReasonName(RefusalReason reason);

std::string GroupAnswerFrame(uint64_t id, bool rejected, uint16_t rejection, uint64_t first_seq,
                             uint64_t last_seq, const std::vector<std::string>& records);
std::string RefusalFrame(uint64_t id, RefusalReason reason, std::string_view detail);
std::string SnapshotAnswerFrame(uint64_t id, uint64_t seq);
std::string CheckpointAnswerFrame(uint64_t id, std::string_view note);
std::string RecordsFrame(uint64_t id, uint64_t first_seq, const std::vector<std::string>& records,
                         std::string_view checkpoint, const std::vector<std::string>& frontier);
std::string BackupAnswerFrame(uint64_t id, const BackupDone& done);

// Decodes one answer body. Corruption on any problem.
base::Result<Answer> DecodeAnswer(std::span<const uint8_t> body);

// The frames cut from the bytes one side of a connection reads (the server's requests, a
// client's answers), which come in pieces: one read may end mid-frame or hold several frames.
// Read into Room(), report the bytes with Filled(), take the whole frames with Next().
class FrameReader {
 public:
  // `max_body_bytes`: the largest frame body accepted; `read_bytes`: the least room to read into.
  FrameReader(size_t max_body_bytes, size_t read_bytes)
      : max_body_bytes_(max_body_bytes), read_bytes_(read_bytes) {}

  // The next whole frame's body, consumed (valid until the next Room call); empty if it has not
  // all arrived. Corruption, naming the length, if its header announces 0 bytes or more than
  // the maximum.
  base::Result<std::span<const uint8_t>> Next();
  // Where the next read goes: at least `read_bytes`, and all that the front frame still misses.
  // Call once Next has returned empty.
  std::span<uint8_t> Room();
  void Filled(size_t bytes) { end_ += bytes; }
  size_t buffered() const { return end_ - begin_; }

 private:
  // The length the front frame's header announces; 0 if its header is not all in.
  uint32_t FrontLength() const;

  const size_t max_body_bytes_;
  const size_t read_bytes_;
  std::vector<uint8_t> bytes_;  // Unread bytes are bytes_[begin_, end_).
  size_t begin_ = 0;
  size_t end_ = 0;
};

}  // namespace server::internal
