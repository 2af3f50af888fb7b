// ledger_bench: throughput of the durable append pipeline in checkpoint mode beside the synced
// RocksDB group-commit ceiling, and in every mode beside the Ed25519 signing ceiling; Verify
// beside the SHA-256 and verify ceilings; inclusion-proof latency; all in one run. Seeded,
// fixed workload; prints a table and JSON.
// Usage: ledger_bench [--records N] [--group G] [--dir DIR] [--ceiling-ms MS] [--json FILE]
//                     [--seed S] [--checkpoint-only 1]
#include <fmt/format.h>
#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "ledger/checkpoint.h"
#include "ledger/event_log.h"
#include "ledger/keys.h"
#include "ledger/merkle.h"
#include "ledger/verifier.h"

namespace {

using Steady = std::chrono::steady_clock;

// In-flight bound of the saturated run: its latency is mostly this queue (Little's law). The
// smallest the log accepts: one whole group of the largest size must fit.
constexpr size_t kMaxPendingRecords = ledger::kMaxGroupRecords;

struct Config {
  uint64_t records = 60000;      // Records appended (and then verified).
  uint64_t group = 3;            // Events per group: an order, its acceptance and a fill.
  int64_t ceiling_ms = 2000;     // Length of each ceiling measurement.
  std::string dir;               // Log folder (created, then removed); default under /var/tmp.
  std::string json;              // Also write the figures as JSON here.
  bool checkpoint_only = false;  // Skip every mode (for the proof latency of a 10 M-record log).
  uint32_t seed = 42;
};

int64_t ElapsedNs(Steady::time_point start) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Steady::now() - start).count();
}

// Per-second rate of `count` items in `ns` nanoseconds, as an integer (no floating point).
uint64_t PerSecond(uint64_t count, int64_t ns) {
  return ns <= 0 ? 0 : static_cast<uint64_t>((static_cast<__int128>(count) * 1'000'000'000) / ns);
}

// CPU time of the whole process (all threads, RocksDB's background threads included).
int64_t CpuNs() {
  timespec now{};
  ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
  return int64_t{now.tv_sec} * 1'000'000'000 + now.tv_nsec;
}

// A rate both per wall-clock second and per CPU-second. The second is robust to other load on
// a shared machine (which skews wall-clock rates by how many threads each phase runs).
struct Rate {
  uint64_t per_second = 0;
  uint64_t per_cpu_second = 0;
};

unsigned Cores() { return std::max(1u, std::thread::hardware_concurrency()); }

// Runs `work(thread_index, stop)` on every core for `ms`; each returns its item count.
template <typename Work>
Rate OnAllCores(int64_t ms, Work work) {
  int64_t cpu_start = CpuNs();
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> total{0};
  std::vector<std::thread> threads;
  for (unsigned i = 0; i < Cores(); ++i) {
    threads.emplace_back([&, i] { total += work(i, stop); });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(ms));
  stop = true;
  for (auto& thread : threads) thread.join();
  return {PerSecond(total.load(), ms * 1'000'000), PerSecond(total.load(), CpuNs() - cpu_start)};
}

ledger::PrivateKey MustKey() {
  auto key = ledger::PrivateKey::Generate();
  if (!key.ok()) {
    std::fprintf(stderr, "%s\n", key.status().ToString().c_str());
    std::exit(1);
  }
  return *key;
}

Rate SignCeiling(const Config& config, const ledger::PrivateKey& key) {
  return OnAllCores(config.ceiling_ms, [&](unsigned index, std::atomic<bool>& stop) {
    ledger::Signer signer(key);
    ledger::Hash hash{};
    hash[0] = static_cast<uint8_t>(index);
    uint64_t count = 0;
    while (!stop.load(std::memory_order_relaxed)) {
      hash[1] = static_cast<uint8_t>(count);
      if (signer.Sign(hash).ok()) ++count;
    }
    return count;
  });
}

Rate VerifyCeiling(const Config& config, const ledger::PrivateKey& key) {
  ledger::Signer signer(key);
  ledger::Hash hash{};
  ledger::Signature signature = *signer.Sign(hash);
  return OnAllCores(config.ceiling_ms, [&](unsigned, std::atomic<bool>& stop) {
    uint64_t count = 0;
    while (!stop.load(std::memory_order_relaxed)) {
      if (ledger::VerifySignature(key.public_key(), hash, signature)) ++count;
    }
    return count;
  });
}

// One core: the chain is sequential. What verify must hash per record of a format-2 log: the
// chain hash (32 tag + 32 prev + 8 seq + a 200-byte envelope), the leaf (0x00 || hash) and, on
// average, one interior node (0x01 || left || right): records per second.
uint64_t Sha256Ceiling(const Config& config) {
  base::Sha256 sha;
  std::vector<uint8_t> message(272, 7);
  ledger::Hash left{};
  uint64_t count = 0;
  auto start = Steady::now();
  while (ElapsedNs(start) < config.ceiling_ms * 1'000'000) {
    for (int i = 0; i < 1000; ++i, ++count) {
      message[0] = static_cast<uint8_t>(count);
      ledger::Hash digest = sha.Of(message);
      ledger::Hash leaf = ledger::LeafHash(sha, digest);
      left = ledger::NodeHash(sha, left, leaf);
      message[1] ^= left[0];
    }
  }
  return PerSecond(count, ElapsedNs(start));
}

// The storage ceiling: synced RocksDB WriteBatches of `batch` records, each a value of
// `record_bytes` plus two 32-byte tree nodes under 8-byte keys (what a checkpoint-mode group
// commit writes, less the hashing, signing and encoding), one writer, for ceiling_ms.
uint64_t StorageCeiling(const Config& config, const std::string& dir, size_t record_bytes,
                        size_t batch) {
  std::filesystem::remove_all(dir);
  rocksdb::Options options;
  options.create_if_missing = true;
  rocksdb::DB* raw = nullptr;
  if (!rocksdb::DB::Open(options, dir, &raw).ok()) std::exit(1);
  std::unique_ptr<rocksdb::DB> db(raw);
  rocksdb::WriteOptions synced;
  synced.sync = true;
  std::string value(record_bytes, 'r');
  std::string node(32, 'n');
  uint64_t records = 0;
  uint64_t nodes = 0;
  auto key = [](uint64_t prefix, uint64_t n) {
    std::string k(9, '\0');
    k[0] = static_cast<char>(prefix);
    for (int i = 0; i < 8; ++i) k[8 - i] = static_cast<char>(n >> (8 * i));
    return k;
  };
  auto start = Steady::now();
  while (ElapsedNs(start) < config.ceiling_ms * 1'000'000) {
    rocksdb::WriteBatch write_batch;
    for (size_t i = 0; i < batch; ++i, ++records) {
      value[0] = static_cast<char>(records);
      write_batch.Put(key(0, records), value);
      write_batch.Put(key(1, nodes++), node);
      write_batch.Put(key(1, nodes++), node);
    }
    if (!db->Write(synced, &write_batch).ok()) std::exit(1);
  }
  uint64_t rate = PerSecond(records, ElapsedNs(start));
  db.reset();
  std::filesystem::remove_all(dir);
  return rate;
}

// A group as the sequencer would append it: an order, its acceptance and a fill (~200 bytes
// per envelope).
ledger::EventGroup MakeGroup(uint64_t size, std::mt19937_64& rng) {
  ledger::EventGroup group;
  uint64_t account = 1 + rng() % 10000;
  uint64_t order_id = rng();
  int64_t price = 50'000'000 + static_cast<int64_t>(rng() % 100'000);
  auto order = group.Add().initOrderPlaced();
  order.setAccount(account);
  order.setMarket(1);
  order.setOrderId(order_id);
  order.setPrice(price);
  order.setQuantity(1 + static_cast<int64_t>(rng() % 1000));
  for (uint64_t i = 1; i < size; ++i) {
    if (i == 1) {
      auto accepted = group.Add().initOrderAccepted();
      accepted.setAccount(account);
      accepted.setMarket(1);
      accepted.setOrderId(order_id);
      continue;
    }
    auto fill = group.Add().initFill();
    fill.setMarket(1);
    fill.setMakerAccount(1 + rng() % 10000);
    fill.setMakerOrderId(rng());
    fill.setTakerAccount(account);
    fill.setTakerOrderId(order_id);
    fill.setPrice(price);
    fill.setQuantity(1 + static_cast<int64_t>(rng() % 100));
    fill.setMakerFee(static_cast<int64_t>(rng() % 1000));
    fill.setTakerFee(static_cast<int64_t>(rng() % 1000));
  }
  return group;
}

struct AppendFigures {
  uint64_t records_per_second = 0;
  uint64_t records_per_cpu_second = 0;
  int64_t p50_ns = 0;
  int64_t p99_ns = 0;
  uint64_t groups = 0;
};

int64_t Percentile(std::vector<int64_t> values, int percent) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  return values[(values.size() - 1) * static_cast<size_t>(percent) / 100];
}

// Appends `groups` groups through Submit. With `interval_ns` > 0 the groups are paced at that
// interval (an offered load); otherwise submitted as fast as backpressure allows.
AppendFigures RunAppend(ledger::EventLog& log, const std::vector<ledger::EventGroup>& pool,
                        uint64_t groups, int64_t interval_ns) {
  std::vector<int64_t> latency_ns(groups, 0);
  std::vector<std::vector<ledger::schema::Event::Reader>> readers;
  for (const auto& group : pool) readers.push_back(group.readers());
  uint64_t records = 0;
  auto start = Steady::now();
  int64_t cpu_start = CpuNs();
  for (uint64_t i = 0; i < groups; ++i) {
    if (interval_ns > 0) {
      std::this_thread::sleep_until(start + std::chrono::nanoseconds(interval_ns * i));
    }
    const auto& events = readers[i % readers.size()];
    auto submitted = Steady::now();
    auto range =
        log.Submit(events, [&latency_ns, i, submitted](const base::Status& s, ledger::GroupRange,
                                                       ledger::GroupValues) {
          if (!s.ok()) std::abort();
          latency_ns[i] = ElapsedNs(submitted);
        });
    if (!range.ok()) {
      std::fprintf(stderr, "%s\n", range.status().ToString().c_str());
      std::exit(1);
    }
    records += events.size();
  }
  if (!log.Flush().ok()) std::exit(1);
  AppendFigures figures;
  figures.records_per_second = PerSecond(records, ElapsedNs(start));
  figures.records_per_cpu_second = PerSecond(records, CpuNs() - cpu_start);
  figures.p50_ns = Percentile(latency_ns, 50);
  figures.p99_ns = Percentile(latency_ns, 99);
  figures.groups = groups;
  return figures;
}

uint64_t RunVerify(const ledger::EventLog& log, const ledger::Keyring& keyring, bool all) {
  ledger::VerifyOptions options;
  options.all_signatures = all;
  auto start = Steady::now();
  ledger::VerifyReport report = ledger::Verify(log, keyring, options);
  int64_t ns = ElapsedNs(start);
  if (!report.ok) {
    std::fprintf(stderr, "verify failed: %s\n", report.message.c_str());
    std::exit(1);
  }
  return PerSecond(report.records_checked, ns);
}

struct ProofFigures {
  int64_t generate_p50_ns = 0, generate_p99_ns = 0;
  int64_t verify_p50_ns = 0, verify_p99_ns = 0;
  uint64_t samples = 0;
};

// Inclusion proofs of random records against the newest checkpoint: generating one (the
// proof's O(log N) node reads, the record and the checkpoint) and checking one (the record's
// hash, the path, the checkpoint's signature), as `backstop proof` and `proof verify` do.
ProofFigures RunProofs(const ledger::EventLog& log, const ledger::PublicKey& key, uint32_t seed) {
  ProofFigures figures;
  auto note = log.LatestCheckpoint();
  if (!note.ok()) std::exit(1);
  auto head = ledger::OpenCheckpoint(*note, key);
  if (!head.ok()) std::exit(1);
  const uint64_t size = head->checkpoint.size;
  std::mt19937_64 rng(seed);
  std::vector<int64_t> generate_ns, verify_ns;
  base::Sha256 sha;
  for (int i = 0; i < 2000; ++i) {
    const ledger::SequenceNumber seq{1 + rng() % size};
    auto start = Steady::now();
    auto record = log.Read(seq);
    auto proof = log.InclusionProof(seq, size);
    auto checkpoint = log.ReadCheckpoint(size);
    generate_ns.push_back(ElapsedNs(start));
    if (!record.ok() || !proof.ok() || !checkpoint.ok()) std::exit(1);
    start = Steady::now();
    auto opened = ledger::OpenCheckpoint(*checkpoint, key);
    const ledger::Hash hash = ledger::ChainHash(sha, log.domain_tag(), record->prev_hash(), seq,
                                                record->envelope_bytes());
    bool ok =
        opened.ok() && ledger::VerifyInclusion(seq.value() - 1, size, ledger::LeafHash(sha, hash),
                                               *proof, opened->checkpoint.root);
    verify_ns.push_back(ElapsedNs(start));
    if (!ok) {
      std::fprintf(stderr, "proof of seq %llu does not verify\n",
                   static_cast<unsigned long long>(seq.value()));
      std::exit(1);
    }
  }
  figures.generate_p50_ns = Percentile(generate_ns, 50);
  figures.generate_p99_ns = Percentile(generate_ns, 99);
  figures.verify_p50_ns = Percentile(verify_ns, 50);
  figures.verify_p99_ns = Percentile(verify_ns, 99);
  figures.samples = generate_ns.size();
  return figures;
}

Config ParseArgs(int argc, char** argv) {
  Config config;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    std::string value = argv[i + 1];
    if (flag == "--records")
      config.records = std::stoull(value);
    else if (flag == "--group")
      config.group = std::max<uint64_t>(1, std::stoull(value));
    else if (flag == "--dir")
      config.dir = value;
    else if (flag == "--ceiling-ms")
      config.ceiling_ms = std::stoll(value);
    else if (flag == "--json")
      config.json = value;
    else if (flag == "--seed")
      config.seed = static_cast<uint32_t>(std::stoul(value));
    else if (flag == "--checkpoint-only")
      config.checkpoint_only = value == "1";
    else {
      std::fprintf(stderr, "unknown flag %s\n", flag.c_str());
      std::exit(2);
    }
  }
  if (config.dir.empty()) config.dir = fmt::format("/var/tmp/ledger_bench_{}", ::getpid());
  return config;
}

std::string Percent(uint64_t part, uint64_t whole) {
  uint64_t tenths = whole == 0 ? 0 : part * 1000 / whole;
  return fmt::format("{}.{}%", tenths / 10, tenths % 10);
}

struct Figures {
  uint64_t total_records, group, commits;
  Rate sign_ceiling;
  uint64_t storage_ceiling;
  AppendFigures saturated, paced, every;
  uint64_t paced_records_per_second;
  Rate verify_ceiling;
  uint64_t sha_ceiling, verify_checkpoint, verify_default, verify_all;
  ProofFigures proofs;
};

void Report(const Config& config, const Figures& f) {
  std::printf(
      "ledger_bench: %u cores, %llu records in groups of %llu (%llu group commits in "
      "checkpoint mode), seed %u\n",
      Cores(), static_cast<unsigned long long>(f.total_records),
      static_cast<unsigned long long>(f.group), static_cast<unsigned long long>(f.commits),
      config.seed);
  std::printf("%-52s %12s\n", "measure", "value");
  auto row = [](const std::string& name, const std::string& value) {
    std::printf("%-52s %12s\n", name.c_str(), value.c_str());
  };
  row("RocksDB synced group-commit ceiling (rec/s)", fmt::format("{}", f.storage_ceiling));
  row("checkpoint mode: durable append, saturated (rec/s)",
      fmt::format("{}", f.saturated.records_per_second));
  row("  ratio to the RocksDB ceiling (goal >= 60%)",
      Percent(f.saturated.records_per_second, f.storage_ceiling));
  row(fmt::format("  latency p50 / p99 (us), {} in flight", kMaxPendingRecords),
      fmt::format("{} / {}", f.saturated.p50_ns / 1000, f.saturated.p99_ns / 1000));
  row(fmt::format("  at {} rec/s: latency p50 / p99 (us)", f.paced_records_per_second),
      fmt::format("{} / {}", f.paced.p50_ns / 1000, f.paced.p99_ns / 1000));
  row("Ed25519 sign ceiling, all cores (sig/s)", fmt::format("{}", f.sign_ceiling.per_second));
  row("every mode: durable append, saturated (rec/s)",
      fmt::format("{}", f.every.records_per_second));
  row("  ratio to the signing ceiling (wall clock)",
      Percent(f.every.records_per_second, f.sign_ceiling.per_second));
  row("  checkpoint mode / every mode",
      Percent(f.saturated.records_per_second, f.every.records_per_second));
  row("SHA-256 per record (chain, leaf, node), 1 core", fmt::format("{}", f.sha_ceiling));
  row("verify, checkpoint mode (rec/s)", fmt::format("{}", f.verify_checkpoint));
  row("  ratio to the SHA-256 ceiling (goal >= 70%)", Percent(f.verify_checkpoint, f.sha_ceiling));
  row("verify, every mode, group-end signatures (rec/s)", fmt::format("{}", f.verify_default));
  row("verify --all-signatures, every mode (rec/s)", fmt::format("{}", f.verify_all));
  row("Ed25519 verify ceiling, all cores (sig/s)", fmt::format("{}", f.verify_ceiling.per_second));
  row("  --all-signatures / verify ceiling", Percent(f.verify_all, f.verify_ceiling.per_second));
  row(fmt::format("proof generation p50 / p99 (us), {} samples", f.proofs.samples),
      fmt::format("{} / {}", f.proofs.generate_p50_ns / 1000, f.proofs.generate_p99_ns / 1000));
  row("proof verification p50 / p99 (us)",
      fmt::format("{} / {}", f.proofs.verify_p50_ns / 1000, f.proofs.verify_p99_ns / 1000));
  if (config.json.empty()) return;
  std::ofstream(config.json) << fmt::format(
      "{{\"cores\": {}, \"records\": {}, \"group\": {}, \"commits\": {}, "
      "\"storage_ceiling\": {}, \"append_records_per_second\": {}, "
      "\"append_records_per_cpu_second\": {}, \"append_p50_us\": {}, \"append_p99_us\": {}, "
      "\"paced_records_per_second\": {}, \"paced_p50_us\": {}, \"paced_p99_us\": {}, "
      "\"sign_ceiling\": {}, \"append_every_records_per_second\": {}, "
      "\"sha256_record_ceiling\": {}, \"verify_checkpoint\": {}, \"verify_default\": {}, "
      "\"verify_all\": {}, \"verify_ceiling\": {}, \"proof_generate_p50_us\": {}, "
      "\"proof_generate_p99_us\": {}, \"proof_verify_p50_us\": {}, "
      "\"proof_verify_p99_us\": {}}}\n",
      Cores(), f.total_records, f.group, f.commits, f.storage_ceiling,
      f.saturated.records_per_second, f.saturated.records_per_cpu_second, f.saturated.p50_ns / 1000,
      f.saturated.p99_ns / 1000, f.paced_records_per_second, f.paced.p50_ns / 1000,
      f.paced.p99_ns / 1000, f.sign_ceiling.per_second, f.every.records_per_second, f.sha_ceiling,
      f.verify_checkpoint, f.verify_default, f.verify_all, f.verify_ceiling.per_second,
      f.proofs.generate_p50_ns / 1000, f.proofs.generate_p99_ns / 1000,
      f.proofs.verify_p50_ns / 1000, f.proofs.verify_p99_ns / 1000);
}

std::unique_ptr<ledger::EventLog> CreateLog(const Config& config, const std::string& dir,
                                            const ledger::PrivateKey& key,
                                            ledger::SigningMode signing) {
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(config.dir);
  ledger::LogOptions options;
  options.signing_key = key;
  options.clock = ledger::RealTimeNs;
  options.signer_threads = 0;  // All cores.
  options.max_pending_records = kMaxPendingRecords;
  options.max_batch_records = 4096;
  options.signing = signing;
  auto log = ledger::EventLog::Create(dir, options);
  if (!log.ok()) {
    std::fprintf(stderr, "%s\n", log.status().ToString().c_str());
    std::exit(1);
  }
  return std::move(log).value();
}

struct CheckpointRun {
  AppendFigures saturated, paced;
  uint64_t storage_ceiling = 0, paced_records_per_second = 0, verify = 0;
  uint64_t records = 0, commits = 0;
  ProofFigures proofs;
};

// Checkpoint mode (the default): the append beside the storage ceiling measured right after,
// paced latency, verify and proofs.
CheckpointRun RunCheckpointMode(const Config& config, const ledger::PrivateKey& key,
                                const ledger::Keyring& keyring,
                                const std::vector<ledger::EventGroup>& pool, uint64_t groups) {
  CheckpointRun run;
  const std::string dir = config.dir + "/checkpoint";
  auto log = CreateLog(config, dir, key, ledger::SigningMode::kCheckpoint);
  run.saturated = RunAppend(*log, pool, groups, 0);
  auto commits = log->CommitEnds(ledger::SequenceNumber{1}, ledger::SequenceNumber{0});
  auto sample = log->Read(ledger::SequenceNumber{1});
  if (!commits.ok() || !sample.ok()) std::exit(1);
  run.storage_ceiling =
      StorageCeiling(config, config.dir + "/ceiling", sample->record_bytes().size(),
                     std::max<size_t>(1, log->head_seq().value() / commits->size()));
  // Latency at a third of the saturated rate: what a client sees when the venue is not busy.
  run.paced_records_per_second = std::max<uint64_t>(1, run.saturated.records_per_second / 3);
  int64_t interval_ns =
      static_cast<int64_t>(config.group * 1'000'000'000 / run.paced_records_per_second);
  run.paced = RunAppend(*log, pool, std::min<uint64_t>(groups, 5000), interval_ns);
  run.verify = RunVerify(*log, keyring, false);
  run.proofs = RunProofs(*log, key.public_key(), config.seed);
  run.records = log->head_seq().value();
  run.commits = commits->size();
  log.reset();
  std::filesystem::remove_all(dir);
  return run;
}

void ReportCheckpointOnly(const CheckpointRun& run) {
  std::printf("checkpoint mode only: %llu records, %llu group commits\n",
              static_cast<unsigned long long>(run.records),
              static_cast<unsigned long long>(run.commits));
  std::printf("append %llu rec/s, RocksDB ceiling %llu rec/s, verify %llu rec/s\n",
              static_cast<unsigned long long>(run.saturated.records_per_second),
              static_cast<unsigned long long>(run.storage_ceiling),
              static_cast<unsigned long long>(run.verify));
  std::printf("proof generation p50 / p99 %lld / %lld us, verification %lld / %lld us\n",
              static_cast<long long>(run.proofs.generate_p50_ns / 1000),
              static_cast<long long>(run.proofs.generate_p99_ns / 1000),
              static_cast<long long>(run.proofs.verify_p50_ns / 1000),
              static_cast<long long>(run.proofs.verify_p99_ns / 1000));
}

}  // namespace

int main(int argc, char** argv) {
  Config config = ParseArgs(argc, argv);
  ledger::PrivateKey key = MustKey();
  ledger::Keyring keyring;
  keyring.Add(key.public_key());
  std::mt19937_64 rng(config.seed);
  std::vector<ledger::EventGroup> pool;
  for (int i = 0; i < 1024; ++i) pool.push_back(MakeGroup(config.group, rng));
  const uint64_t groups = std::max<uint64_t>(1, config.records / config.group);
  CheckpointRun checkpoint = RunCheckpointMode(config, key, keyring, pool, groups);
  if (config.checkpoint_only) {
    ReportCheckpointOnly(checkpoint);
    std::filesystem::remove_all(config.dir);
    return 0;
  }

  // Every mode: each record signed too, beside the signing ceiling.
  Rate sign_ceiling_before = SignCeiling(config, key);
  auto log = CreateLog(config, config.dir + "/every", key, ledger::SigningMode::kEvery);
  AppendFigures every = RunAppend(*log, pool, groups, 0);
  Rate sign_ceiling_after = SignCeiling(config, key);
  Rate sign_ceiling{
      std::max(sign_ceiling_before.per_second, sign_ceiling_after.per_second),
      std::max(sign_ceiling_before.per_cpu_second, sign_ceiling_after.per_cpu_second)};
  uint64_t verify_default = RunVerify(*log, keyring, false);
  uint64_t verify_all = RunVerify(*log, keyring, true);
  log.reset();
  std::filesystem::remove_all(config.dir);
  Rate verify_ceiling = VerifyCeiling(config, key);
  uint64_t sha_ceiling = Sha256Ceiling(config);

  Figures figures{checkpoint.records,
                  config.group,
                  checkpoint.commits,
                  sign_ceiling,
                  checkpoint.storage_ceiling,
                  checkpoint.saturated,
                  checkpoint.paced,
                  every,
                  checkpoint.paced_records_per_second,
                  verify_ceiling,
                  sha_ceiling,
                  checkpoint.verify,
                  verify_default,
                  verify_all,
                  checkpoint.proofs};
  Report(config, figures);
  return 0;
}
