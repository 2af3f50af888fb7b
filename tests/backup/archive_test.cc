// Archives (whole, up to a seq, from a seq): checked alone, decoded with capnp, every flipped
// byte found, a changed anchor or frontier refused, and the previous main's archive still
// checked.

#include "backup/archive.h"

#include <capnp/message.h>
#include <capnp/serialize.h>
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <atomic>
#include <bit>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <thread>

#include "backup/backup.h"
#include "backup/schema/archive.capnp.h"
#include "base/strong_type_fmt.h"
#include "ledger/event_log.h"
#include "ledger/schema/event.capnp.h"
#include "ledger/verifier.h"
#include "replay/auditor.h"
#include "replay/recovery.h"
#include "sim/simulation.h"
#include "snapshots/snapshot_store.h"
#include "snapshots/state_hash.h"
#include "tests/backup/backup_test_util.h"
#include "tests/e2e/cli_test_support.h"
#include "tests/testing/status_testing.h"

namespace backup {
namespace {

using test_support::BackupTest;
using test_support::OpenLog;
using test_support::RawRecords;
using test_support::AuditLog;
using e2e::RunBackstop;
namespace fs = std::filesystem;

int CountDecoded(const std::string& archive, const std::string& prefix) {
  auto decoded = e2e::RunShell(fmt::format(
      "capnp decode --short {}/backup/schema/archive.capnp ArchiveEntry < {} | grep -c '^{}'",
      BACKSTOP_SOURCE_DIR, archive, prefix));
  return std::atoi(decoded.output.c_str());
}

TEST_F(BackupTest, ArchiveOfCrashLogChecksAloneAndDecodesWithCapnp) {
  e2e::ScratchDir scratch("backup_archive");
  const std::string data = scratch / "data";
  const std::string archive = scratch / "crash.archive";
  CopyCrash(data);
  std::string chain;
  ledger::SequenceNumber head{0};
  {
    auto log = OpenLog(data);
    chain = ledger::ToHex(log->chain_id());
    head = log->head_seq();
  }
  auto created =
      RunBackstop(fmt::format("archive create --data {} --out {} --json", data, archive));
  ASSERT_EQ(created.exit_code, 0) << created.output;
  const auto summary = nlohmann::json::parse(created.output.substr(created.output.find('{')));
  fs::remove_all(data);  // The auditor has the file and the public key, nothing else.
  const std::string trust = fmt::format("--trusted-keys {} --chain-id {}", PublicKeyPath(), chain);
  auto verify = RunBackstop(fmt::format("verify --archive {} {}", archive, trust));
  EXPECT_EQ(verify.exit_code, 0) << verify.output;
  EXPECT_NE(verify.output.find(fmt::format("{} records", head)), std::string::npos)
      << verify.output;
  auto audit = RunBackstop(fmt::format("audit --archive {} {}", archive, trust));
  EXPECT_EQ(audit.exit_code, 0) << audit.output;
  EXPECT_NE(audit.output.find(fmt::format("OK  head seq {}", head)), std::string::npos)
      << audit.output;
  auto other_chain = RunBackstop(fmt::format("verify --archive {} --trusted-keys {} --chain-id {}",
                                             archive, PublicKeyPath(), std::string(32, '0')));
  EXPECT_EQ(other_chain.exit_code, 1) << other_chain.output;
  EXPECT_EQ(CountDecoded(archive, "(header = "), 1);
  EXPECT_EQ(CountDecoded(archive, "(record = "), static_cast<int>(head.value()));
  EXPECT_EQ(CountDecoded(archive, "(checkpoint = "), summary["checkpoints"].get<int>());
  EXPECT_EQ(CountDecoded(archive, "(trailer = "), 1);
}

TEST_F(BackupTest, ArchiveUpToASeqEndsOnItsGroupCommit) {
  e2e::ScratchDir scratch("backup_archive_to");
  const std::string archive = scratch / "part.archive";
  auto created = RunBackstop(
      fmt::format("archive create --data {} --out {} --to 5000 --json", CrashDir(), archive));
  ASSERT_EQ(created.exit_code, 0) << created.output;
  auto original = OpenLog(CrashDir());
  auto group_end = replay::GroupEnd(*original, ledger::SequenceNumber{5000});
  ASSERT_OK(group_end);
  auto commits = original->CommitEnds(*group_end, ledger::SequenceNumber{0});
  ASSERT_OK(commits);
  auto unpacked = UnpackArchive(archive, nullptr);
  ASSERT_OK(unpacked);
  auto log = OpenLog((*unpacked)->data_dir());
  EXPECT_EQ(log->head_seq(), commits->front());
  EXPECT_TRUE(RawRecords(*log) == RawRecords(*original, commits->front()));
  EXPECT_TRUE(AuditLog(*log, (*unpacked)->data_dir()).ok());
}

// Flips one bit of byte `position` of `bytes` into `path`.
void WriteFlipped(const std::string& bytes, size_t position, const std::string& path) {
  std::string flipped = bytes;
  flipped[position] = static_cast<char>(flipped[position] ^ (1 << (position % 8)));
  std::ofstream(path, std::ios::binary) << flipped;
}

std::string ReadBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// Flips a bit of every byte of the first and last 64 of `archive`, and of about 200 spread over
// the rest, one at a time: unpacking must refuse each copy.
void ExpectEveryFlipFound(const std::string& archive, const std::string& scratch) {
  const std::string bytes = ReadBytes(archive);
  ASSERT_GT(bytes.size(), 1000u);
  std::vector<size_t> positions;
  const size_t step = std::max<size_t>(1, bytes.size() / 200);
  for (size_t p = 0; p < bytes.size(); p += (p < 64 || p + 64 >= bytes.size()) ? 1 : step) {
    positions.push_back(p);
  }
  constexpr int kThreads = 4;
  std::vector<std::thread> threads;
  std::atomic<int> found{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (size_t i = t; i < positions.size(); i += kThreads) {
        const std::string path = scratch + fmt::format("/flipped-{}", t);
        WriteFlipped(bytes, positions[i], path);
        auto unpacked = UnpackArchive(path, nullptr);
        EXPECT_FALSE(unpacked.ok()) << "a flipped bit at byte " << positions[i] << " was missed";
        if (!unpacked.ok()) ++found;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(found.load(), static_cast<int>(positions.size()));
}

// A small log (an ingest: a group commit per command, a snapshot every 2 records), so that
// every unpack is quick.
std::string SmallLog(const std::string& scratch, const std::string& key) {
  const std::string data = scratch + "/data";
  auto init = RunBackstop(fmt::format("init --data {} --key {}", data, key));
  EXPECT_EQ(init.exit_code, 0) << init.output;
  std::ofstream(scratch + "/input.jsonl")
      << "{\"type\":\"open_account\",\"account\":1}\n"
      << "{\"type\":\"deposit\",\"account\":1,\"asset\":1,\"amount\":5000}\n"
      << "{\"type\":\"withdraw\",\"account\":1,\"asset\":1,\"amount\":700}\n"
      << "{\"type\":\"deposit\",\"account\":1,\"asset\":1,\"amount\":900}\n"
      << "{\"type\":\"withdraw\",\"account\":1,\"asset\":1,\"amount\":300}\n";
  auto ingest = RunBackstop(fmt::format(
      "ingest {}/input.jsonl --data {} --key {} --snapshot-every 2", scratch, data, key));
  EXPECT_EQ(ingest.exit_code, 0) << ingest.output;
  return data;
}

TEST_F(BackupTest, FlippedByteAnywhereInAnArchiveIsFound) {
  e2e::ScratchDir scratch("backup_archive_flip");
  const std::string data = SmallLog(scratch.path(), KeyPath());
  const std::string archive = scratch / "small.archive";
  auto created = RunBackstop(fmt::format("archive create --data {} --out {}", data, archive));
  ASSERT_EQ(created.exit_code, 0) << created.output;
  {
    auto clean = UnpackArchive(archive, nullptr);
    ASSERT_OK(clean);
    auto log = OpenLog((*clean)->data_dir());
    auto keyring = replay::LoadKeyring(replay::DataDir::At((*clean)->data_dir()));
    ASSERT_OK(keyring);
    EXPECT_TRUE(ledger::Verify(*log, *keyring, ledger::VerifyOptions()).ok);
  }
  ExpectEveryFlipFound(archive, scratch.path());
  WriteFlipped(ReadBytes(archive), ReadBytes(archive).size() / 2, scratch / "flipped.archive");
  auto verify = RunBackstop(fmt::format("verify --archive {} --trusted-keys {}",
                                        scratch / "flipped.archive", PublicKeyPath()));
  EXPECT_EQ(verify.exit_code, 1) << verify.output;
  EXPECT_NE(verify.output.find("archive: entry"), std::string::npos) << verify.output;
}

TEST_F(BackupTest, FlippedByteAnywhereInARangeArchiveIsFound) {
  e2e::ScratchDir scratch("backup_archive_range_flip");
  const std::string data = SmallLog(scratch.path(), KeyPath());
  const std::string archive = scratch / "range.archive";
  auto created =
      RunBackstop(fmt::format("archive create --data {} --out {} --from 4 --json", data, archive));
  ASSERT_EQ(created.exit_code, 0) << created.output;
  const auto summary = nlohmann::json::parse(created.output.substr(created.output.find('{')));
  ASSERT_GT(summary["first_seq"].get<uint64_t>(), 1u) << created.output;
  auto verify = RunBackstop(
      fmt::format("verify --archive {} --trusted-keys {} --json", archive, PublicKeyPath()));
  ASSERT_EQ(verify.exit_code, 0) << verify.output;
  const auto verified = nlohmann::json::parse(verify.output.substr(verify.output.find('{')));
  EXPECT_EQ(verified["first_seq"], summary["first_seq"]);
  // A seq past the log is refused; one with no snapshot before it gives the whole log, and
  // says so.
  auto beyond =
      RunBackstop(fmt::format("archive create --data {} --out {}.2 --from 99", data, archive));
  EXPECT_EQ(beyond.exit_code, 2) << beyond.output;
  auto early = RunBackstop(
      fmt::format("archive create --data {} --out {}.3 --from 2 --json", data, archive));
  ASSERT_EQ(early.exit_code, 0) << early.output;
  EXPECT_NE(early.output.find("the archive starts at seq 1"), std::string::npos) << early.output;
  EXPECT_EQ(nlohmann::json::parse(early.output.substr(early.output.find('{')))["first_seq"], 1);
  ExpectEveryFlipFound(archive, scratch.path());
}

// The seqs of the snapshot files in `data_dir`, ascending.
std::vector<ledger::SequenceNumber> SnapshotSeqs(const std::string& data_dir) {
  snapshots::SnapshotStoreOptions read_only;
  read_only.read_only = true;
  auto store = snapshots::SnapshotStore::Open(replay::DataDir::At(data_dir).snapshots, read_only);
  EXPECT_OK(store);
  std::vector<ledger::SequenceNumber> seqs;
  if (!store.ok()) return seqs;
  auto listed = (*store)->List();
  EXPECT_OK(listed);
  if (listed.ok()) {
    for (const auto& info : *listed) seqs.insert(seqs.begin(), info.seq);
  }
  return seqs;
}

TEST_F(BackupTest, ArchiveFromASeqChecksAloneAndDecodesWithCapnp) {
  // Goal: an archive of a range of the crash log, starting mid-chain, is everything an auditor
  // needs: it verifies and audits with the data directory gone, its records are the
  // original's byte for byte, and stock capnp decodes it. Method: --from a seq past the oldest
  // snapshot; the range must start right after the newest snapshot before that seq.
  e2e::ScratchDir scratch("backup_archive_from");
  const std::string data = scratch / "data";
  const std::string archive = scratch / "range.archive";
  CopyCrash(data);
  const std::vector<ledger::SequenceNumber> snapshot_seqs = SnapshotSeqs(data);
  ASSERT_GE(snapshot_seqs.size(), 2u);
  const ledger::SequenceNumber from = snapshot_seqs[0] + 1000;
  ledger::SequenceNumber anchor{0};
  for (ledger::SequenceNumber seq : snapshot_seqs) {
    if (seq < from) anchor = seq;
  }
  auto created = RunBackstop(
      fmt::format("archive create --data {} --out {} --from {} --json", data, archive, from));
  ASSERT_EQ(created.exit_code, 0) << created.output;
  const auto summary = nlohmann::json::parse(created.output.substr(created.output.find('{')));
  ASSERT_EQ(summary["first_seq"].get<uint64_t>(), (anchor + 1).value()) << created.output;
  std::string chain;
  ledger::SequenceNumber head{0};
  {
    auto original = OpenLog(data);
    chain = ledger::ToHex(original->chain_id());
    head = original->head_seq();
    auto unpacked = UnpackArchive(archive, nullptr);
    ASSERT_OK(unpacked);
    EXPECT_EQ((*unpacked)->summary().first_seq, anchor + 1);
    auto log = OpenLog((*unpacked)->data_dir());
    std::vector<std::string> all = RawRecords(*original);
    all.erase(all.begin(),
              all.begin() + static_cast<long>(anchor.value() - 1));  // From the anchor on.
    EXPECT_TRUE(RawRecords(*log) == all);
  }
  fs::remove_all(data);
  const std::string trust = fmt::format("--trusted-keys {} --chain-id {}", PublicKeyPath(), chain);
  auto verify = RunBackstop(fmt::format("verify --archive {} {}", archive, trust));
  EXPECT_EQ(verify.exit_code, 0) << verify.output;
  EXPECT_NE(verify.output.find(fmt::format("OK  {} records", head - anchor)), std::string::npos)
      << verify.output;
  auto audit = RunBackstop(fmt::format("audit --archive {} {}", archive, trust));
  EXPECT_EQ(audit.exit_code, 0) << audit.output;
  EXPECT_NE(audit.output.find(
                fmt::format("{} records re-derived from snapshot {}", head - anchor, anchor)),
            std::string::npos)
      << audit.output;
  EXPECT_NE(audit.output.find(fmt::format("OK  head seq {}", head)), std::string::npos)
      << audit.output;
  EXPECT_EQ(CountDecoded(archive, "(header = (magic = \"backstop-archive\", version = 2"), 1);
  EXPECT_EQ(CountDecoded(archive, "(anchor = (record = "), 1);
  EXPECT_EQ(CountDecoded(archive, "(record = "), static_cast<int>(head - anchor));
  EXPECT_EQ(CountDecoded(archive, "(checkpoint = "), summary["checkpoints"].get<int>());
  EXPECT_EQ(CountDecoded(archive, "(snapshot = "), summary["snapshots"].get<int>());
  EXPECT_EQ(CountDecoded(archive, "(trailer = "), 1);
}

// Rewrites the archive `in` into `out` with `change` applied to its anchor and a trailer whose
// SHA-256 covers the new bytes: what anyone can do without the venue's key.
void RewriteAnchor(const std::string& in, const std::string& out,
                   const std::function<void(schema::ArchiveAnchor::Builder)>& change) {
  const std::string bytes = ReadBytes(in);
  kj::Array<capnp::word> words = kj::heapArray<capnp::word>(bytes.size() / sizeof(capnp::word));
  std::memcpy(words.begin(), bytes.data(), bytes.size());
  kj::ArrayPtr<const capnp::word> rest = words;
  std::string written;
  auto append = [&written](kj::ArrayPtr<const capnp::word> message) {
    written.append(reinterpret_cast<const char*>(message.begin()), message.asBytes().size());
  };
  capnp::ReaderOptions options;
  options.traversalLimitInWords = uint64_t{1} << 30;
  while (rest.size() > 0) {
    capnp::FlatArrayMessageReader reader(rest, options);
    const schema::ArchiveEntry::Reader entry = reader.getRoot<schema::ArchiveEntry>();
    const kj::ArrayPtr<const capnp::word> raw(rest.begin(), reader.getEnd());
    rest = kj::arrayPtr(reader.getEnd(), rest.end());
    capnp::MallocMessageBuilder message;
    if (entry.isAnchor()) {
      message.initRoot<schema::ArchiveEntry>().setAnchor(entry.getAnchor());
      change(message.getRoot<schema::ArchiveEntry>().getAnchor());
    } else if (entry.isTrailer()) {
      auto trailer = message.initRoot<schema::ArchiveEntry>().initTrailer();
      trailer.setRecords(entry.getTrailer().getRecords());
      trailer.setCheckpoints(entry.getTrailer().getCheckpoints());
      trailer.setSnapshots(entry.getTrailer().getSnapshots());
      base::Sha256 sha;
      const ledger::Hash digest =
          sha.Of({reinterpret_cast<const uint8_t*>(written.data()), written.size()});
      trailer.setSha256(kj::arrayPtr(digest.data(), digest.size()));
    } else {
      append(raw);
      continue;
    }
    append(capnp::messageToFlatArray(message));
  }
  std::ofstream(out, std::ios::binary) << written;
}

// A self-consistent forgery of the anchor record: another prev_hash, and the hash recomputed
// from it (so the record alone still checks out).
void ForgeAnchorRecord(schema::ArchiveAnchor::Builder anchor, const ledger::ChainId& chain) {
  const capnp::Data::Reader value = anchor.getRecord().asReader();
  kj::Array<capnp::word> aligned = kj::heapArray<capnp::word>(value.size() / sizeof(capnp::word));
  std::memcpy(aligned.begin(), value.begin(), value.size());
  kj::ArrayPtr<const capnp::word> segments[1] = {aligned};
  capnp::SegmentArrayMessageReader reader(segments);
  auto original = reader.getRoot<ledger::schema::Record>();
  capnp::MallocMessageBuilder forged;
  forged.setRoot(original);
  auto record = forged.getRoot<ledger::schema::Record>();
  ledger::Hash prev{};
  std::copy(original.getPrevHash().begin(), original.getPrevHash().end(), prev.begin());
  prev[5] ^= 0x20;
  auto decoded = ledger::DecodeRecord({value.begin(), value.size()});
  ASSERT_OK(decoded);
  base::Sha256 sha;
  const ledger::Hash hash = ledger::ChainHash(sha, ledger::MakeDomainTag(chain), prev,
                                              decoded->seq(), decoded->envelope_bytes());
  record.setPrevHash(kj::arrayPtr(prev.data(), prev.size()));
  record.setHash(kj::arrayPtr(hash.data(), hash.size()));
  kj::Array<capnp::word> canonical = capnp::canonicalize(record.asReader());
  anchor.setRecord(canonical.asBytes());
}

TEST_F(BackupTest, RangeArchiveWithAChangedAnchorOrFrontierIsRefused) {
  // Goal: the record before the range (the chain's start) and the tree's frontier there (the
  // anchor's inclusion proof) are vouched for by what follows them. Method: rewrite a range
  // archive of the crash log with each changed, and a trailer that matches the new bytes; verify
  // (and audit, for the forged record) must refuse every one.
  e2e::ScratchDir scratch("backup_archive_anchor");
  const std::string archive = scratch / "range.archive";
  const std::vector<ledger::SequenceNumber> snapshot_seqs = SnapshotSeqs(CrashDir());
  ASSERT_GE(snapshot_seqs.size(), 2u);
  const ledger::SequenceNumber anchor = snapshot_seqs[snapshot_seqs.size() - 2];
  auto created = RunBackstop(fmt::format("archive create --data {} --out {} --from {} --json",
                                         CrashDir(), archive, anchor + 1));
  ASSERT_EQ(created.exit_code, 0) << created.output;
  const ledger::ChainId chain = OpenLog(CrashDir())->chain_id();
  const std::string trust =
      fmt::format("--trusted-keys {} --chain-id {}", PublicKeyPath(), ledger::ToHex(chain));
  auto check = [&](const std::string& command, const std::string& path) {
    return RunBackstop(fmt::format("{} --archive {} {}", command, path, trust));
  };
  // Rewritten unchanged: still clean (the rewriting itself is sound).
  RewriteAnchor(archive, scratch / "same.archive", [](schema::ArchiveAnchor::Builder) {});
  ASSERT_EQ(check("verify", scratch / "same.archive").exit_code, 0);

  RewriteAnchor(archive, scratch / "forged.archive",
                [&](schema::ArchiveAnchor::Builder entry) { ForgeAnchorRecord(entry, chain); });
  auto forged = check("verify", scratch / "forged.archive");
  EXPECT_EQ(forged.exit_code, 1) << forged.output;
  EXPECT_NE(forged.output.find(fmt::format("seq {}: prev_hash", anchor + 1)), std::string::npos)
      << forged.output;
  EXPECT_EQ(check("audit", scratch / "forged.archive").exit_code, 1);

  RewriteAnchor(archive, scratch / "hash.archive", [](schema::ArchiveAnchor::Builder entry) {
    auto bytes = entry.getRecord();
    bytes[bytes.size() / 2] ^= 0x01;  // Inside the record: its hash no longer recomputes.
  });
  EXPECT_EQ(check("verify", scratch / "hash.archive").exit_code, 1);

  // The inclusion proof of the last leaf of a tree of `anchor` leaves (merkle.h).
  const unsigned proof_size =
      static_cast<unsigned>(std::countr_zero(anchor.value()) + std::popcount(anchor.value()) - 1);
  ASSERT_GT(proof_size, 0u);
  for (unsigned i = 0; i < proof_size; ++i) {
    const std::string path = scratch / fmt::format("frontier-{}.archive", i);
    RewriteAnchor(archive, path, [i](schema::ArchiveAnchor::Builder entry) {
      entry.getProof()[i][i % 32] ^= 0x10;
    });
    auto changed = check("verify", path);
    EXPECT_EQ(changed.exit_code, 1) << "proof hash " << i << ": " << changed.output;
    EXPECT_NE(changed.output.find("has a root that differs from the tree of the records"),
              std::string::npos)
        << changed.output;
  }
  RewriteAnchor(archive, scratch / "short.archive", [](schema::ArchiveAnchor::Builder entry) {
    std::vector<std::vector<kj::byte>> hashes;
    for (capnp::Data::Reader hash : entry.getProof().asReader())
      hashes.emplace_back(hash.begin(), hash.end());
    auto proof = entry.initProof(static_cast<unsigned>(hashes.size() - 1));
    for (unsigned i = 0; i < proof.size(); ++i)
      proof.set(i, kj::arrayPtr(hashes[i].data(), hashes[i].size()));
  });
  auto shorter = check("verify", scratch / "short.archive");
  EXPECT_EQ(shorter.exit_code, 1) << shorter.output;
  EXPECT_NE(shorter.output.find("inclusion proof"), std::string::npos) << shorter.output;
}

TEST_F(BackupTest, RangeArchiveOfAFormatOneLogChecksAloneAndRefusesAForgedAnchor) {
  // Goal: a range of a log that signs every record and has no tree (format 1, the fixture
  // written before checkpoints) starts from its anchor alone (no proof). Method: grow a copy of
  // the fixture with snapshots, archive a range, check it without the data directory; then
  // forge the anchor (another prev_hash, its hash recomputed).
  e2e::ScratchDir scratch("backup_archive_v1_range");
  const std::string data = scratch / "v1";
  fs::copy(std::string(BACKSTOP_SOURCE_DIR) + "/tests/fixtures/v1-crash-demo", data,
           fs::copy_options::recursive);
  std::ofstream(scratch / "more.jsonl")
      << "{\"type\":\"deposit\",\"account\":1,\"asset\":1,\"amount\":1000}\n"
      << "{\"type\":\"deposit\",\"account\":2,\"asset\":1,\"amount\":1000}\n"
      << "{\"type\":\"withdraw\",\"account\":1,\"asset\":1,\"amount\":10}\n"
      << "{\"type\":\"deposit\",\"account\":1,\"asset\":1,\"amount\":1000}\n";
  auto ingest =
      RunBackstop(fmt::format("ingest {} --data {} --key {}/fixture-signer.key.pem "
                              "--snapshot-every 2",
                              scratch / "more.jsonl", data, data));
  ASSERT_EQ(ingest.exit_code, 0) << ingest.output;
  const std::string keys = scratch / "keys";
  fs::copy(data + "/keyring", keys, fs::copy_options::recursive);
  const ledger::ChainId chain = OpenLog(data)->chain_id();
  const std::string archive = scratch / "range.archive";
  auto created =
      RunBackstop(fmt::format("archive create --data {} --out {} --from 51 --json", data, archive));
  ASSERT_EQ(created.exit_code, 0) << created.output;
  const auto summary = nlohmann::json::parse(created.output.substr(created.output.find('{')));
  EXPECT_EQ(summary["first_seq"].get<uint64_t>(), 51u) << created.output;
  fs::remove_all(data);
  const std::string trust =
      fmt::format("--trusted-keys {} --chain-id {}", keys, ledger::ToHex(chain));
  for (const char* command : {"verify", "audit"}) {
    auto result = RunBackstop(fmt::format("{} --archive {} {}", command, archive, trust));
    EXPECT_EQ(result.exit_code, 0) << result.output;
  }
  RewriteAnchor(archive, scratch / "forged.archive",
                [&](schema::ArchiveAnchor::Builder entry) { ForgeAnchorRecord(entry, chain); });
  auto forged =
      RunBackstop(fmt::format("verify --archive {} {}", scratch / "forged.archive", trust));
  EXPECT_EQ(forged.exit_code, 1) << forged.output;
  EXPECT_NE(forged.output.find("seq 51: prev_hash"), std::string::npos) << forged.output;
}

TEST_F(BackupTest, ArchiveWrittenByThePreviousMainStillChecks) {
  // tests/fixtures/archive-v1: a version-1 archive written by main before ranges existed.
  const std::string fixture = std::string(BACKSTOP_SOURCE_DIR) + "/tests/fixtures/archive-v1";
  const std::string trust = fmt::format(
      "--trusted-keys {}/trusted-signer.pub.pem --chain-id "
      "0ebd9c19ea16eeb2a1f63a6dc4b724d0",
      fixture);
  for (const char* command : {"verify", "audit"}) {
    auto result =
        RunBackstop(fmt::format("{} --archive {}/crash-demo.archive {}", command, fixture, trust));
    EXPECT_EQ(result.exit_code, 0) << result.output;
  }
  EXPECT_EQ(CountDecoded(fixture + "/crash-demo.archive", "(record = "), 48);
}

// A table file of `log_dir` that belongs to column family `family` (its name is in the
// table's properties block), or "" if none.

}  // namespace
}  // namespace backup
