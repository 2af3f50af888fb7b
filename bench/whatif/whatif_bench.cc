// What-if and report benchmarks of issue 21 (a plain program: each figure is one long run).
// On the log replay_bench builds (DIR/data: N records through the sequencer, a snapshot every
// 1 M), it reports in one run, alternating so that both see the same machine:
//   - plain replay (every effect compared: recovery's loop) and the what-if control run (no
//     rule changed; the same loop in what-if mode, plus the logged end recovered from the newest
//     snapshot on a second thread), twice each, as inputs/s and records/s;
//   - what-if runs with rules changed (pro-rata ADL; a 10x fund);
//   - `backstop report` on that log, and on scripts/demo.sh's crash (simulated here): wall time
//     and file size; the plain report (the logged history read from the log) alternated with
//     `report --check` (the same page by a what-if control run, how report made it before),
//     two rounds each, then `report --whatif`.
// Usage: whatif_bench [--dir DIR] [--backstop PATH]   (DIR default /tmp/backstop-replay-bench)

#include <fmt/format.h>
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include "base/strong_type_fmt.h"
#include "ledger/event_log.h"
#include "replay/recovery.h"
#include "replay/replayer.h"
#include "replay/whatif.h"

namespace {

using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

double CpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) * 1e-6;
}

struct Stopwatch {
  Clock::time_point wall = Clock::now();
  double cpu = CpuSeconds();
  double seconds() const { return std::chrono::duration<double>(Clock::now() - wall).count(); }
};

void Check(const base::Status& status, const char* what) {
  if (status.ok()) return;
  fmt::print(stderr, "{}: {}\n", what, status.ToString());
  std::exit(1);
}

// One row; returns inputs/s.
double Row(const std::string& what, uint64_t inputs, uint64_t records, const Stopwatch& watch) {
  const double seconds = watch.seconds();
  const double cpu = CpuSeconds() - watch.cpu;
  fmt::print(
      "{:<44} {:>9} inputs {:>10} records {:>7.2f} s {:>9.0f} inputs/s {:>9.0f} rec/s "
      "{:>6.2f} CPU s\n",
      what, inputs, records, seconds, static_cast<double>(inputs) / seconds,
      static_cast<double>(records) / seconds, cpu);
  return static_cast<double>(inputs) / seconds;
}

double PlainReplay(const ledger::EventLog& log) {
  engine::EngineOptions engine_options;
  engine_options.verify_invariants = false;
  engine::RiskEngine engine(engine_options);
  replay::ReplayOptions options;
  options.engine_options = engine_options;
  const Stopwatch watch;
  auto result = replay::Replay(log, ledger::SequenceNumber{1}, ledger::SequenceNumber{0},
                               ledger::Hash{}, &engine, options);
  Check(result.status(), "replay");
  if (result->divergence) fmt::print("divergence at {}!\n", result->divergence->seq);
  return Row("plain replay (every effect compared)", result->groups, result->records, watch);
}

double WhatIf(const ledger::EventLog& log, const replay::DataDir& data,
              const ledger::Keyring& keyring, const replay::WhatIfParams& params,
              const std::string& what) {
  replay::WhatIfOptions options;
  options.params = params;
  options.engine_options.verify_invariants = false;
  const Stopwatch watch;
  auto result = replay::RunWhatIf(log, data, keyring, options);
  Check(result.status(), "what-if");
  const double rate = Row(what, result->inputs, result->records, watch);
  fmt::print("    identical: {}; ADL reductions logged {} / what-if {}\n",
             result->first_difference ? "no" : "yes", result->logged.adl_reductions,
             result->what_if.adl_reductions);
  return rate;
}

double ChildCpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_CHILDREN, &usage);
  return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) * 1e-6;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

// Times `backstop report` (what a user runs) and prints the file's size and the CPU seconds
// the command used (all its threads).
void ReportRow(const std::string& backstop, const std::string& data, const std::string& out,
               const std::string& extra, const std::string& what) {
  const std::string command =
      fmt::format("{} report --data {} --out {} {} > /dev/null", backstop, data, out, extra);
  const Stopwatch watch;
  const double cpu = ChildCpuSeconds();
  const int status = std::system(command.c_str());
  const double seconds = watch.seconds();
  if (status != 0) {
    fmt::print("{}: `{}` failed ({})\n", what, command, status);
    return;
  }
  fmt::print("{:<44} {:>7.2f} s {:>6.2f} CPU s {:>9} bytes   ({})\n", what, seconds,
             ChildCpuSeconds() - cpu, fs::file_size(out), command);
}

// Whether the plain report and `report --check` wrote the same page.
void SamePage(const std::string& plain, const std::string& checked) {
  fmt::print("    report and report --check pages identical: {}\n",
             ReadFile(plain) == ReadFile(checked) ? "yes" : "NO");
}

}  // namespace

int main(int argc, char** argv) {
  std::string dir = "/tmp/backstop-replay-bench";
  std::string backstop = BACKSTOP_BINARY;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--dir") dir = argv[i + 1];
    if (flag == "--backstop") backstop = argv[i + 1];
  }
  const replay::DataDir data = replay::DataDir::At(dir + "/data");
  ledger::LogOptions log_options;
  log_options.read_only = true;
  auto log = ledger::EventLog::Open(data.log, std::move(log_options));
  Check(log.status(), "open the log (build it with replay_bench first)");
  auto keyring = replay::LoadKeyring(data);
  Check(keyring.status(), "keyring");
  fmt::print("whatif_bench: {} records in {} ({} hardware threads)\n", (*log)->head_seq(), dir,
             std::thread::hardware_concurrency());
  PlainReplay(**log);  // Warm-up: brings the log into the page cache.
  double plain = 0;
  double control = 0;
  for (int round = 0; round < 2; ++round) {
    plain += PlainReplay(**log);
    control += WhatIf(**log, data, *keyring, {}, "what-if, no rule changed (control)");
  }
  fmt::print("what-if control rate / plain replay rate: {:.0f}%\n", 100.0 * control / plain);
  replay::WhatIfParams pro_rata;
  pro_rata.adl_policy = engine::AdlPolicy::kProRata;
  WhatIf(**log, data, *keyring, pro_rata, "what-if --adl-policy pro_rata");
  replay::WhatIfParams fund;
  fund.fund_scale_pct = 1000;
  WhatIf(**log, data, *keyring, fund, "what-if --fund-scale 1000");

  for (int round = 0; round < 2; ++round) {
    ReportRow(backstop, data.root, dir + "/report.html", "", "report, this log");
    ReportRow(backstop, data.root, dir + "/report-check.html", "--check",
              "report --check (control run), this log");
  }
  SamePage(dir + "/report.html", dir + "/report-check.html");
  ReportRow(backstop, data.root, dir + "/report-whatif.html", "--whatif --fund-scale 1000",
            "report --whatif, this log");
  const std::string demo = dir + "/crash-demo";
  fs::remove_all(demo);
  fs::create_directories(demo);
  const std::string simulate = fmt::format(
      "{0} keygen --out {1}/signer > /dev/null && {0} simulate --scenario crash --data {1}/data "
      "--key {1}/signer.key.pem > /dev/null",
      backstop, demo);
  if (std::system(simulate.c_str()) != 0) {
    fmt::print("the crash demo simulation failed\n");
    return 1;
  }
  ReportRow(backstop, demo + "/data", demo + "/report.html", "", "report, crash demo");
  ReportRow(backstop, demo + "/data", demo + "/report-check.html", "--check",
            "report --check (control run), crash demo");
  SamePage(demo + "/report.html", demo + "/report-check.html");
  ReportRow(backstop, demo + "/data", demo + "/report-whatif.html", "--whatif --fund-scale 1000",
            "report --whatif, crash demo");
  return 0;
}
