// Frames: the documented byte example (docs/PROTOCOL.md), round trips, refusals of bytes that
// are not a request, and the reader that cuts frames from a stream.

#include "server/internal/frame.h"

#include <capnp/message.h>
#include <capnp/serialize.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>

#include "ledger/keys.h"
#include "server/schema/protocol.capnp.h"
#include "tests/testing/status_testing.h"

namespace server::internal {
namespace {

std::span<const uint8_t> Body(const std::string& frame) {
  return {reinterpret_cast<const uint8_t*>(frame.data()) + kFrameHeaderBytes,
          frame.size() - kFrameHeaderBytes};
}

TEST(FrameTest, TheDocumentedExample) {
  const std::string frame = CommandFrame(1, "ops", 1, engine::OpenAccount{engine::AccountId{7}});
  EXPECT_EQ(ledger::ToHex({reinterpret_cast<const uint8_t*>(frame.data()), frame.size()}),
            "70000000"
            "000000000d000000"
            "0000000003000100"
            "0100000000000000"
            "0000000000000000"
            "0000000000000000"
            "0000000001000200"
            "0100000000000000"
            "0500000022000000"
            "0400000001000200"
            "6f70730000000000"
            "0200000000000000"
            "0400000001000000"
            "0000000000000000"
            "0700000000000000");
}

TEST(FrameTest, CommandRoundTrip) {
  engine::PlaceOrder order{engine::AccountId{3},
                           engine::MarketId{1},
                           engine::OrderId{42},
                           engine::Side::kSell,
                           engine::OrderType::kLimit,
                           engine::TimeInForce::kPostOnly,
                           true,
                           engine::Price{60000000},
                           engine::Quantity{25}};
  const std::string frame = CommandFrame(9, "desk-a", 17, order);
  EXPECT_EQ(FrameLength(std::span<const uint8_t, kFrameHeaderBytes>(
                reinterpret_cast<const uint8_t*>(frame.data()), kFrameHeaderBytes)),
            frame.size() - kFrameHeaderBytes);
  DecodeFailure failure;
  uint64_t id = 0;
  auto request = DecodeRequest(Body(frame), &failure, &id);
  ASSERT_OK(request);
  EXPECT_EQ(request->id, 9u);
  EXPECT_EQ(request->kind, RequestKind::kCommand);
  EXPECT_EQ(request->client_id, "desk-a");
  EXPECT_EQ(request->client_seq, 17u);
  ASSERT_TRUE(std::holds_alternative<engine::PlaceOrder>(request->input));
  EXPECT_EQ(std::get<engine::PlaceOrder>(request->input).order_id, engine::OrderId{42});
  EXPECT_EQ(std::get<engine::PlaceOrder>(request->input).price, 60000000);
}

TEST(FrameTest, AnswerRoundTrip) {
  const std::string frame = GroupAnswerFrame(5, true, 201, 10, 11, {"input", "effect"});
  auto answer = DecodeAnswer(Body(frame));
  ASSERT_OK(answer);
  EXPECT_EQ(answer->kind, Answer::Kind::kRejected);
  EXPECT_EQ(answer->rejection, 201);
  EXPECT_EQ(answer->records, (std::vector<std::string>{"input", "effect"}));
  auto refused = DecodeAnswer(Body(RefusalFrame(6, RefusalReason::kNotYourAccount, "no")));
  ASSERT_OK(refused);
  EXPECT_EQ(refused->reason, "notYourAccount");
  EXPECT_EQ(refused->detail, "no");
}

// Answers arrive in pieces that end anywhere: the reader gives each whole frame once, in
// order, whatever the pieces' sizes; a 70 KiB answer (more than one read's room) included.
TEST(FrameTest, TheFrameReaderCutsWholeFramesFromPieces) {
  std::string stream;
  std::vector<uint64_t> ids;
  for (uint64_t id = 1; id <= 6; ++id) {
    const std::string record(id == 4 ? 70 * 1024 : id * 10, static_cast<char>('a' + id));
    stream += GroupAnswerFrame(id, false, 0, id, id, {record});
    ids.push_back(id);
  }
  for (const size_t piece : {size_t{1}, size_t{3}, size_t{4096}, stream.size()}) {
    FrameReader reader(kMaxAnswerBytes, kClientReadBytes);
    std::vector<uint64_t> seen;
    for (size_t at = 0; at < stream.size();) {
      const std::span<uint8_t> room = reader.Room();
      ASSERT_GE(room.size(), 64u * 1024);
      const size_t bytes = std::min({piece, room.size(), stream.size() - at});
      std::memcpy(room.data(), stream.data() + at, bytes);
      reader.Filled(bytes);
      at += bytes;
      while (true) {
        auto body = reader.Next();
        ASSERT_OK(body);
        if (body->empty()) break;
        auto answer = DecodeAnswer(*body);
        ASSERT_OK(answer);
        seen.push_back(answer->id);
        EXPECT_EQ(answer->records.at(0).size(), answer->id == 4 ? 70u * 1024 : answer->id * 10);
      }
    }
    EXPECT_EQ(seen, ids) << "pieces of " << piece;
    EXPECT_EQ(reader.buffered(), 0u);
  }
}

TEST(FrameTest, TheFrameReaderRefusesALengthOutOfRange) {
  for (const uint32_t length : {uint32_t{0}, static_cast<uint32_t>(kMaxAnswerBytes + 1)}) {
    FrameReader reader(kMaxAnswerBytes, kClientReadBytes);
    const std::span<uint8_t> room = reader.Room();
    for (size_t i = 0; i < kFrameHeaderBytes; ++i) room[i] = static_cast<uint8_t>(length >> 8 * i);
    reader.Filled(kFrameHeaderBytes);
    EXPECT_TRUE(reader.Next().status().IsCorruption()) << length;
  }
}

TEST(FrameTest, RefusesBytesThatAreNotARequest) {
  DecodeFailure failure;
  uint64_t id = 0;
  const std::string frame = CommandFrame(1, "ops", 1, engine::OpenAccount{engine::AccountId{7}});
  std::string body(frame.substr(kFrameHeaderBytes));
  std::span<const uint8_t> bytes(reinterpret_cast<const uint8_t*>(body.data()), body.size());
  EXPECT_FALSE(DecodeRequest(bytes.first(bytes.size() - 8), &failure, &id).ok());
  EXPECT_EQ(failure, DecodeFailure::kMalformed);
  EXPECT_FALSE(DecodeRequest(bytes.first(bytes.size() - 3), &failure, &id).ok());
  std::string trailing = body + std::string(8, '\0');
  EXPECT_FALSE(DecodeRequest({reinterpret_cast<const uint8_t*>(trailing.data()), trailing.size()},
                             &failure, &id)
                   .ok());
  EXPECT_EQ(failure, DecodeFailure::kMalformed);
  std::string huge_segment = body;
  huge_segment[4] = '\xff';  // The segment table claims more words than there are.
  EXPECT_FALSE(
      DecodeRequest({reinterpret_cast<const uint8_t*>(huge_segment.data()), huge_segment.size()},
                    &failure, &id)
          .ok());
}

TEST(FrameTest, AnEffectIsABadCommand) {
  capnp::MallocMessageBuilder message;
  auto request = message.initRoot<protocol::Request>();
  request.setId(3);
  auto command = request.initCommand();
  command.setClientId("x");
  command.setClientSeq(1);
  command.initInput().initInputRejected().setReason(1);
  const kj::Array<capnp::word> words = capnp::messageToFlatArray(message);
  DecodeFailure failure;
  uint64_t id = 0;
  EXPECT_FALSE(DecodeRequest({reinterpret_cast<const uint8_t*>(words.begin()),
                              words.size() * sizeof(capnp::word)},
                             &failure, &id)
                   .ok());
  EXPECT_EQ(failure, DecodeFailure::kBadCommand);
  EXPECT_EQ(id, 3u);
}

}  // namespace
}  // namespace server::internal

namespace server::internal {
namespace {

TEST(FrameTest, BackupRequestAndAnswerRoundTrip) {
  DecodeFailure failure = DecodeFailure::kMalformed;
  uint64_t id = 0;
  auto request = DecodeRequest(Body(BackupRequestFrame(12, 48)), &failure, &id);
  ASSERT_OK(request);
  EXPECT_EQ(request->kind, RequestKind::kBackup);
  EXPECT_EQ(request->id, 12u);
  EXPECT_EQ(request->backup_keep, 48u);

  BackupDone done;
  done.id = 3;
  done.head_seq = 1234;
  done.head_hash = std::string(32, '\x5a');
  done.time_s = 1765065600;
  done.size_bytes = 987654;
  done.added_bytes = 4321;
  done.rocks_files = 9;
  done.snapshots = 2;
  done.chain_id = std::string(16, '\x11');
  done.source = "/srv/venue";
  done.backup_dir = "/backup/venue";
  done.deleted = {1, 2};
  done.keep = 1;
  auto answer = DecodeAnswer(Body(BackupAnswerFrame(12, done)));
  ASSERT_OK(answer);
  EXPECT_EQ(answer->id, 12u);
  ASSERT_EQ(answer->kind, Answer::Kind::kBackup);
  const BackupDone& back = answer->backup;
  EXPECT_EQ(back.id, 3u);
  EXPECT_EQ(back.head_seq, 1234u);
  EXPECT_EQ(back.head_hash, done.head_hash);
  EXPECT_EQ(back.time_s, done.time_s);
  EXPECT_EQ(back.size_bytes, done.size_bytes);
  EXPECT_EQ(back.added_bytes, done.added_bytes);
  EXPECT_EQ(back.rocks_files, 9u);
  EXPECT_EQ(back.snapshots, 2u);
  EXPECT_EQ(back.chain_id, done.chain_id);
  EXPECT_EQ(back.source, done.source);
  EXPECT_EQ(back.backup_dir, done.backup_dir);
  EXPECT_EQ(back.deleted, done.deleted);
  EXPECT_EQ(back.keep, 1u);

  auto refused = DecodeAnswer(Body(RefusalFrame(13, RefusalReason::kNotEnabled, "no dir")));
  ASSERT_OK(refused);
  EXPECT_EQ(refused->reason, "notEnabled");
  refused = DecodeAnswer(Body(RefusalFrame(14, RefusalReason::kFailed, "disk full")));
  ASSERT_OK(refused);
  EXPECT_EQ(refused->reason, "failed");
}

}  // namespace
}  // namespace server::internal
