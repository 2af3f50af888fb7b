// Whole-system benchmarks of issue 4 (a plain program: each figure is one long run, not a
// micro-benchmark). On a log of N records (default 10 M) written through the sequencer with a
// snapshot every M records (default 1 M, all kept), it reports in one run:
//   - the ceilings: a bare scan, and scan + decode + SHA-256 chain hash, one thread;
//   - replay without the engine (scan + decode + input decode), with the engine applying
//     inputs, and with effects compared byte for byte (what recovery and audit do);
//   - audit in its default mode (segments between snapshots in parallel, one pass each);
//   - last, as it appends to the log: recovery time after kill -9 with a tail of T records
//     (default 900 k) after the newest snapshot (RocksDB open + snapshot + replay of the tail,
//     every effect checked).
// Usage: replay_bench [--dir DIR] [--records N] [--snapshot-every M] [--only NAMES]
//                     [--kill-tail T]
// (NAMES: any of recovery, scan, chain, decode, apply, compare, audit: run only those).
// The log is built once in DIR (default /tmp/backstop-replay-bench) and reused by later runs.

#include <fmt/format.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>

#include "base/strong_type_fmt.h"
#include "ledger/event_codec.h"
#include "ledger/event_log.h"
#include "replay/auditor.h"
#include "replay/recovery.h"
#include "replay/replayer.h"
#include "replay/sequencer.h"
#include "tests/engine/engine_test_util.h"

namespace {

using Clock = std::chrono::steady_clock;
using ledger::SequenceNumber;

struct Config {
  std::string dir = "/tmp/backstop-replay-bench";
  uint64_t records = 10'000'000;
  uint64_t snapshot_every = 1'000'000;
  std::string only;              // Run only the measures whose names contain this ("" = all).
  uint64_t kill_tail = 900'000;  // Records appended after a snapshot before the kill.
  int append_child_fd = -1;      // Internal: run as RecoveryAfterKill's child.
};

double Seconds(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

void Check(const base::Status& status, const char* what) {
  if (status.ok()) return;
  fmt::print(stderr, "{}: {}\n", what, status.ToString());
  std::exit(1);
}

std::unique_ptr<replay::Sequencer> OpenSequencer(const Config& config,
                                                 const ledger::PrivateKey& key) {
  replay::SequencerOptions options;
  options.signing_key = key;
  auto time_ns = std::make_shared<int64_t>(1'700'000'000'000'000'000);
  options.clock = [time_ns] { return *time_ns += 1000; };
  options.snapshot_every_records = config.snapshot_every;
  options.keep_snapshots = 1000;  // All of them: the audit runs segments between snapshots.
  options.engine_options.verify_invariants = false;
  std::vector<std::string> warnings;
  auto sequencer =
      replay::Sequencer::Open(replay::DataDir::At(config.dir + "/data"), options, &warnings);
  Check(sequencer.status(), "open sequencer");
  return std::move(*sequencer);
}

// Writes the log once; later runs reuse it.
ledger::PrivateKey BuildLog(const Config& config) {
  const replay::DataDir data = replay::DataDir::At(config.dir + "/data");
  const std::string key_path = config.dir + "/signer.key.pem";
  if (std::filesystem::exists(data.log)) return *ledger::PrivateKey::LoadPem(key_path);
  std::filesystem::create_directories(data.keyring);
  auto key = ledger::PrivateKey::Generate();
  Check(key.status(), "keygen");
  Check(key->SavePem(key_path), "save key");
  Check(key->public_key().SavePem(data.keyring + "/signer.pem"), "save public key");
  Check(ledger::EventLog::Create(data.log, ledger::LogOptions()).status(), "create log");
  auto sequencer = OpenSequencer(config, *key);
  engine::testing::RandomStream stream(42, 2'000, 4);
  const auto start = Clock::now();
  while (sequencer->log().head_seq().value() < config.records) {
    Check(sequencer->Submit(stream.Next()).status(), "submit");
    if ((stream.produced() & 0xffff) == 0) {
      fmt::print(stderr, "\rbuilding log: {} / {} records", sequencer->log().head_seq(),
                 config.records);
    }
  }
  Check(sequencer->Flush(), "flush");
  const double seconds = Seconds(start);
  fmt::print("built log: {} records ({} inputs) in {:.1f} s = {:.0f} records/s signed and synced\n",
             sequencer->log().head_seq(), stream.produced(), seconds,
             static_cast<double>(sequencer->log().head_seq().value()) / seconds);
  return *key;
}

// A child reopens the log (recovery), takes a snapshot, appends `kill_tail` records more and
// is killed with SIGKILL mid-append (it tells the parent through a pipe when it is past the
// mark); then the parent times its own recovery: RocksDB's open (WAL replay), the child's
// snapshot, and the replay of the tail. With a snapshot every 1 M records, a tail just under
// 1 M is the worst case.
// The child of RecoveryAfterKill, a fresh process (exec'd: a forked copy of a process that has
// run RocksDB would lack its background threads and stall): reopens the log, snapshots, and
// appends forever, writing a byte to `fd` once `kill_tail` records are past the snapshot.
[[noreturn]] void AppendUntilKilled(const Config& config, int fd) {
  const ledger::PrivateKey key = *ledger::PrivateKey::LoadPem(config.dir + "/signer.key.pem");
  auto sequencer = OpenSequencer(config, key);
  auto snapshot = sequencer->TakeSnapshot();
  Check(snapshot.status(), "child: snapshot");
  engine::testing::RandomStream stream(7, 2'000, 4);
  bool told = false;
  for (;;) {
    auto submitted = sequencer->Submit(stream.Next());
    Check(submitted.status(), "child: submit");
    if (!told && submitted->range.last >= *snapshot + config.kill_tail) {
      told = write(fd, "x", 1) == 1;
    }
  }
}

void RecoveryAfterKill(const Config& config, const ledger::PrivateKey& key) {
  int pipe_fds[2];
  if (pipe(pipe_fds) != 0) std::exit(1);
  const pid_t child = fork();
  if (child == 0) {
    const std::string fd = std::to_string(pipe_fds[1]);
    const std::string tail = std::to_string(config.kill_tail);
    execl("/proc/self/exe", "replay_bench", "--dir", config.dir.c_str(), "--kill-tail",
          tail.c_str(), "--append-child", fd.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  close(pipe_fds[1]);
  char byte = 0;
  const bool reached = read(pipe_fds[0], &byte, 1) == 1;
  kill(child, SIGKILL);
  waitpid(child, nullptr, 0);
  close(pipe_fds[0]);
  if (!reached) fmt::print("recovery: the child died before the mark\n");
  // What Sequencer::Open does, timed in its two steps.
  const replay::DataDir data = replay::DataDir::At(config.dir + "/data");
  const auto start = Clock::now();
  ledger::LogOptions log_options;
  log_options.signing_key = key;
  log_options.clock = [] { return int64_t{0}; };
  auto log = ledger::EventLog::Open(data.log, std::move(log_options));
  Check(log.status(), "open log");
  const double open_seconds = Seconds(start);
  auto keyring = replay::LoadKeyring(data);
  Check(keyring.status(), "keyring");
  replay::ReplayOptions options;
  options.engine_options.verify_invariants = false;
  std::vector<std::string> warnings;
  auto recovered =
      replay::Recover(**log, data, *keyring, ledger::SequenceNumber{0}, &warnings, options);
  Check(recovered.status(), "recover");
  const double seconds = Seconds(start);
  fmt::print(
      "recovery after kill -9: {:.3f} s = RocksDB open {:.3f} s + snapshot {} and {} records "
      "replayed and checked {:.3f} s; head {}\n",
      seconds, open_seconds, recovered->snapshot_seq, recovered->replayed_records,
      seconds - open_seconds, (*log)->head_seq());
}

std::unique_ptr<ledger::EventLog> ReadOnly(const Config& config) {
  ledger::LogOptions options;
  options.read_only = true;
  auto log = ledger::EventLog::Open(config.dir + "/data/log", std::move(options));
  Check(log.status(), "open log");
  return std::move(*log);
}

// CPU seconds this process has used (all threads, user + system).
double CpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) * 1e-6;
}

// Wall and CPU time since construction.
struct Stopwatch {
  Clock::time_point wall = Clock::now();
  double cpu = CpuSeconds();
};

void Report(const char* what, uint64_t records, const Stopwatch& watch) {
  const double seconds = Seconds(watch.wall);
  const double cpu = CpuSeconds() - watch.cpu;
  fmt::print("{:<46} {:>10} records {:>7.2f} s {:>9.0f} records/s {:>7.2f} CPU s {:>9.0f} /CPU s\n",
             what, records, seconds, static_cast<double>(records) / seconds, cpu,
             static_cast<double>(records) / cpu);
}

// The storage ceiling: iterate every stored record and touch its bytes, no decode.
void ScanOnly(const ledger::EventLog& log, const char* what) {
  const Stopwatch watch;
  uint64_t records = 0;
  uint64_t bytes = 0;
  for (auto it = log.NewIterator(ledger::SequenceNumber{1}, ledger::SequenceNumber{0}); it->Valid();
       it->Next()) {
    bytes += it->value().size() + it->value()[it->value().size() / 2];
    ++records;
  }
  if (bytes == 0) fmt::print("empty log!\n");
  Report(what, records, watch);
}

void ScanCeiling(const ledger::EventLog& log) {
  const Stopwatch watch;
  base::Sha256 sha;
  const ledger::DomainTag tag = log.domain_tag();
  uint64_t records = 0;
  ledger::Hash prev{};
  bool chain_ok = true;
  ledger::LogRecord record;
  for (auto it = log.NewIterator(ledger::SequenceNumber{1}, ledger::SequenceNumber{0}); it->Valid();
       it->Next()) {
    Check(ledger::DecodeRecordInto(it->value(), &record), "decode");
    const ledger::Hash hash =
        ledger::ChainHash(sha, tag, prev, record.seq(), record.envelope_bytes());
    chain_ok = chain_ok && hash == record.hash();
    prev = hash;
    ++records;
  }
  if (!chain_ok) fmt::print("chain broken!\n");
  Report("ceiling: scan + decode + SHA-256 chain", records, watch);
}

void ScanAndDecodeInputs(const ledger::EventLog& log) {
  const Stopwatch watch;
  uint64_t records = 0;
  uint64_t inputs = 0;
  ledger::LogRecord record;
  for (auto it = log.NewIterator(ledger::SequenceNumber{1}, ledger::SequenceNumber{0}); it->Valid();
       it->Next()) {
    Check(ledger::DecodeRecordInto(it->value(), &record), "decode");
    if (record.group() == record.seq()) inputs += ledger::DecodeInput(record.event()).ok();
    ++records;
  }
  if (inputs == 0) fmt::print("no inputs decoded!\n");
  Report("replay without engine (scan + decode inputs)", records, watch);
}

void ReplayRate(const ledger::EventLog& log, bool compare, const char* what) {
  engine::EngineOptions engine_options;
  engine_options.verify_invariants = false;
  engine::RiskEngine engine(engine_options);
  replay::ReplayOptions options;
  options.compare_effects = compare;
  const Stopwatch watch;
  auto result = replay::Replay(log, ledger::SequenceNumber{1}, ledger::SequenceNumber{0},
                               ledger::Hash{}, &engine, options);
  Check(result.status(), "replay");
  if (result->divergence) fmt::print("divergence at {}!\n", result->divergence->seq);
  Report(what, result->records, watch);
}

void AuditRate(const ledger::EventLog& log, const Config& config) {
  const replay::DataDir data = replay::DataDir::At(config.dir + "/data");
  auto keyring = replay::LoadKeyring(data);
  Check(keyring.status(), "keyring");
  replay::AuditOptions options;
  options.engine_options.verify_invariants = false;
  const Stopwatch watch;
  auto report = replay::Audit(log, data, *keyring, options);
  Check(report.status(), "audit");
  if (!report->ok()) fmt::print("audit finding: {}\n", report->findings[0].what);
  Report("audit (default: group signatures, snapshots)", report->records_replayed, watch);
}

Config ParseArgs(int argc, char** argv) {
  Config config;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--dir") config.dir = argv[i + 1];
    if (flag == "--records") config.records = std::strtoull(argv[i + 1], nullptr, 10);
    if (flag == "--only") config.only = argv[i + 1];
    if (flag == "--kill-tail") config.kill_tail = std::strtoull(argv[i + 1], nullptr, 10);
    if (flag == "--append-child") config.append_child_fd = std::atoi(argv[i + 1]);
    if (flag == "--snapshot-every") {
      config.snapshot_every = std::strtoull(argv[i + 1], nullptr, 10);
    }
  }
  return config;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1 && (std::string(argv[1]) == "--help" || std::string(argv[1]) == "-h")) {
    fmt::print(
        "usage: replay_bench [--dir DIR] [--records N] [--snapshot-every M] "
        "[--only NAMES] [--kill-tail T]\n(NAMES: any of scan, chain, decode, apply, "
        "compare, audit, recovery; the top of bench/replay/replay_bench.cc says more)\n");
    return 0;
  }
  const Config config = ParseArgs(argc, argv);
  ledger::KeepFreedMemoryForScans();  // As the CLI does.
  if (config.append_child_fd >= 0) AppendUntilKilled(config, config.append_child_fd);
  fmt::print("replay_bench: {} records, snapshot every {}, in {} ({} hardware threads)\n",
             config.records, config.snapshot_every, config.dir,
             std::thread::hardware_concurrency());
  const ledger::PrivateKey key = BuildLog(config);
  auto wanted = [&](const char* name) {
    return config.only.empty() || config.only.find(name) != std::string::npos;
  };
  {
    auto log = ReadOnly(config);
    if (wanted("scan") || wanted("chain") || wanted("decode") || wanted("apply") ||
        wanted("compare") || wanted("audit")) {
      ScanOnly(*log, "warm-up scan (reads the log into the page cache)");
    }
    if (wanted("scan")) ScanOnly(*log, "ceiling: scan only (RocksDB iterator)");
    if (wanted("chain")) ScanCeiling(*log);
    if (wanted("decode")) ScanAndDecodeInputs(*log);
    if (wanted("apply")) ReplayRate(*log, false, "replay with engine apply, no compare");
    if (wanted("compare")) {
      ReplayRate(*log, true, "replay with apply + effects compared (recovery)");
    }
    if (wanted("audit")) AuditRate(*log, config);
  }
  if (wanted("recovery")) RecoveryAfterKill(config, key);  // Last: it appends to the log.
  return 0;
}
