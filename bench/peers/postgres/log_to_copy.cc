// log_to_copy: writes the records of an existing backstop log as PostgreSQL COPY input, so that
// PostgreSQL stores exactly the records backstop stores (bench/peers/postgres/README.md).
// Columns: seq, time_ns, key_id, prev_hash, hash, signature, event (the envelope bytes).
// Opens the log read-only through the ledger's public API; never writes to it.
//
// Usage:
//   log_to_copy --log DIR [--limit N] [--format binary|text] --out FILE
//       one COPY stream (FILE "-" is stdout)
//   log_to_copy --log DIR [--limit N] [--format binary|text] --chunk-rows R --out-dir DIR
//       one complete COPY file of R rows per transaction: DIR/chunk-000000.copy, ...
//   log_to_copy --log DIR [--limit N] --time-scan
//       backstop's own side: an untimed warm-up pass, then a timed scan (RocksDB iterator only)
//       and a timed scan + decode (DecodeRecordInto, every accessor read), best of 3 passes
//       each; prints records/s
// --limit N takes the first N records (0: all). Exit 0, 1 on a bad log or I/O error, 2 on usage.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <iterator>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "base/strong_type_fmt.h"
#include "ledger/event_log.h"
#include "ledger/record.h"

namespace {

// Columns per row; binary COPY writes this count before every row.
constexpr int16_t kColumns = 7;
// Largest --chunk-rows accepted (a transaction larger than this is not a group commit).
constexpr uint64_t kMaxChunkRows = 1'000'000;
// PostgreSQL's binary COPY signature (11 bytes), then flags and header extension length.
constexpr char kBinarySignature[] = "PGCOPY\n\377\r\n";
static_assert(sizeof(kBinarySignature) == 11);  // 10 characters plus the terminating '\0'.

struct Config {
  std::string log_dir;
  uint64_t limit = 0;       // 0: every record.
  bool binary = true;       // --format binary (default) or text.
  std::string out;          // One stream.
  std::string out_dir;      // Or chunk files of chunk_rows rows each.
  uint64_t chunk_rows = 0;  // 0: one stream.
  bool time_scan = false;
};

template <typename T>
std::span<const uint8_t> AsBytes(const T& value) {
  return {reinterpret_cast<const uint8_t*>(std::data(value)),
          std::size(value) * sizeof(*std::data(value))};
}

// Builds COPY rows in memory; the caller writes whole files.
class CopyWriter {
 public:
  explicit CopyWriter(bool binary) : binary_(binary) {}

  void Begin() {
    buffer_.clear();
    if (!binary_) return;
    buffer_.append(kBinarySignature, sizeof(kBinarySignature));
    AppendInt32(0);  // Flags: no OIDs.
    AppendInt32(0);  // Header extension length.
  }

  void Row(const ledger::LogRecord& record) {
    if (binary_) {
      AppendInt16(kColumns);
      AppendInt64Field(static_cast<int64_t>(record.seq().value()));
      AppendInt64Field(record.time_ns());
      for (auto bytes :
           {AsBytes(record.key_id()), AsBytes(record.prev_hash()), AsBytes(record.hash()),
            AsBytes(record.signature()), record.envelope_bytes()}) {
        AppendInt32(static_cast<int32_t>(bytes.size()));
        buffer_.append(reinterpret_cast<const char*>(bytes.data()), bytes.size());
      }
      return;
    }
    buffer_ += fmt::format("{}\t{}", record.seq(), record.time_ns());
    for (auto bytes :
         {AsBytes(record.key_id()), AsBytes(record.prev_hash()), AsBytes(record.hash()),
          AsBytes(record.signature()), record.envelope_bytes()}) {
      buffer_ += "\t\\\\x";  // Text COPY unescapes "\\x" to bytea's hex input "\x".
      AppendHex(bytes);
    }
    buffer_ += '\n';
  }

  void End() {
    if (binary_) AppendInt16(-1);  // File trailer.
  }

  const std::string& bytes() const { return buffer_; }

 private:
  void AppendBigEndian(uint64_t value, int bytes) {
    for (int shift = 8 * (bytes - 1); shift >= 0; shift -= 8) {
      buffer_ += static_cast<char>((value >> shift) & 0xff);
    }
  }
  void AppendInt16(int16_t value) { AppendBigEndian(static_cast<uint16_t>(value), 2); }
  void AppendInt32(int32_t value) { AppendBigEndian(static_cast<uint32_t>(value), 4); }
  void AppendInt64Field(int64_t value) {
    AppendInt32(8);
    AppendBigEndian(static_cast<uint64_t>(value), 8);
  }
  void AppendHex(std::span<const uint8_t> bytes) {
    static constexpr char kDigits[] = "0123456789abcdef";
    for (uint8_t b : bytes) {
      buffer_ += kDigits[b >> 4];
      buffer_ += kDigits[b & 0xf];
    }
  }

  bool binary_;
  std::string buffer_;
};

bool WriteFile(const std::string& path, const std::string& bytes) {
  std::FILE* file = path == "-" ? stdout : std::fopen(path.c_str(), "wb");
  if (file == nullptr) {
    std::fprintf(stderr, "log_to_copy: cannot open %s\n", path.c_str());
    return false;
  }
  bool ok = std::fwrite(bytes.data(), 1, bytes.size(), file) == bytes.size();
  ok = (file == stdout ? std::fflush(file) : std::fclose(file)) == 0 && ok;
  if (!ok) std::fprintf(stderr, "log_to_copy: write to %s failed\n", path.c_str());
  return ok;
}

base::Result<std::unique_ptr<ledger::EventLog>> OpenLog(const std::string& dir) {
  ledger::LogOptions options;
  options.read_only = true;
  return ledger::EventLog::Open(dir, std::move(options));
}

// Writes the first `limit` records (0: all) as COPY input. Returns the process exit code.
int Dump(const Config& config, const ledger::EventLog& log) {
  CopyWriter writer(config.binary);
  writer.Begin();
  uint64_t rows = 0;
  uint64_t chunk_rows = 0;
  uint64_t chunks = 0;
  auto flush_chunk = [&]() {
    writer.End();
    std::string path = fmt::format("{}/chunk-{:06}.copy", config.out_dir, chunks++);
    bool ok = WriteFile(path, writer.bytes());
    writer.Begin();
    chunk_rows = 0;
    return ok;
  };
  ledger::LogRecord record;
  auto iterator = log.NewIterator(ledger::SequenceNumber{1}, ledger::SequenceNumber{config.limit});
  for (; iterator->Valid(); iterator->Next()) {
    base::Status s = ledger::DecodeRecordInto(iterator->value(), &record);
    if (!s.ok()) {
      std::fprintf(stderr, "log_to_copy: %s\n", s.ToString().c_str());
      return 1;
    }
    writer.Row(record);
    ++rows;
    if (config.chunk_rows > 0 && ++chunk_rows == config.chunk_rows && !flush_chunk()) return 1;
  }
  if (!iterator->status().ok()) {
    std::fprintf(stderr, "log_to_copy: %s\n", iterator->status().ToString().c_str());
    return 1;
  }
  if (config.chunk_rows == 0) {
    writer.End();
    if (!WriteFile(config.out, writer.bytes())) return 1;
  } else if (chunk_rows > 0 && !flush_chunk()) {
    return 1;
  }
  std::fprintf(stderr, "log_to_copy: %llu rows (%s)%s\n", static_cast<unsigned long long>(rows),
               config.binary ? "binary" : "text",
               config.chunk_rows == 0
                   ? ""
                   : fmt::format(" in {} files under {}", chunks, config.out_dir).c_str());
  return 0;
}

// One pass over the first `limit` records; with `decode`, decodes each and reads every column
// the COPY rows carry. Returns (records, elapsed ns) or (0, -1) on error.
std::pair<uint64_t, int64_t> ScanPass(const ledger::EventLog& log, uint64_t limit, bool decode) {
  auto start = std::chrono::steady_clock::now();
  uint64_t records = 0;
  uint64_t checksum = 0;  // Keeps the reads from being optimised away.
  ledger::LogRecord record;
  auto iterator = log.NewIterator(ledger::SequenceNumber{1}, ledger::SequenceNumber{limit});
  for (; iterator->Valid(); iterator->Next()) {
    std::span<const uint8_t> value = iterator->value();
    checksum += value.size();
    if (decode) {
      if (!ledger::DecodeRecordInto(value, &record).ok()) return {0, -1};
      checksum += record.seq().value() + static_cast<uint64_t>(record.time_ns()) +
                  record.key_id()[0] + record.prev_hash()[0] + record.hash()[0] +
                  AsBytes(record.signature()).size() + record.envelope_bytes().size();
    }
    ++records;
  }
  if (!iterator->status().ok() || checksum == 0) return {0, -1};
  auto ns =
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - start)
          .count();
  return {records, ns};
}

int TimeScan(const Config& config, const ledger::EventLog& log) {
  ScanPass(log, config.limit, true);  // Untimed warm-up: the OS page cache, RocksDB's caches.
  for (bool decode : {false, true}) {
    // Best of three passes, as run.sh does for PostgreSQL's scans.
    auto [records, ns] = ScanPass(log, config.limit, decode);
    for (int pass = 1; pass < 3 && ns > 0; ++pass) {
      auto [again_records, again_ns] = ScanPass(log, config.limit, decode);
      if (again_ns < 0 || again_records != records)
        ns = -1;
      else
        ns = std::min(ns, again_ns);
    }
    if (ns <= 0) {
      std::fprintf(stderr, "log_to_copy: scan failed\n");
      return 1;
    }
    uint64_t per_second =
        static_cast<uint64_t>(static_cast<__int128>(records) * 1'000'000'000 / ns);
    std::printf("backstop %-16s %llu records in %lld.%03lld s: %llu records/s\n",
                decode ? "scan+decode" : "scan", static_cast<unsigned long long>(records),
                static_cast<long long>(ns / 1'000'000'000),
                static_cast<long long>(ns / 1'000'000 % 1000),
                static_cast<unsigned long long>(per_second));
  }
  return 0;
}

bool ParseArgs(int argc, char** argv, Config* config) {
  for (int i = 1; i < argc; ++i) {
    std::string flag = argv[i];
    if (flag == "--time-scan") {
      config->time_scan = true;
      continue;
    }
    if (i + 1 >= argc) return false;
    std::string value = argv[++i];
    if (flag == "--log")
      config->log_dir = value;
    else if (flag == "--limit")
      config->limit = std::strtoull(value.c_str(), nullptr, 10);
    else if (flag == "--format" && (value == "binary" || value == "text"))
      config->binary = value == "binary";
    else if (flag == "--out")
      config->out = value;
    else if (flag == "--out-dir")
      config->out_dir = value;
    else if (flag == "--chunk-rows")
      config->chunk_rows = std::strtoull(value.c_str(), nullptr, 10);
    else
      return false;
  }
  if (config->log_dir.empty() || config->chunk_rows > kMaxChunkRows) return false;
  if (config->time_scan) return config->out.empty() && config->out_dir.empty();
  if (config->chunk_rows > 0) return config->out.empty() && !config->out_dir.empty();
  return !config->out.empty() && config->out_dir.empty();
}

}  // namespace

int main(int argc, char** argv) {
  Config config;
  if (!ParseArgs(argc, argv, &config)) {
    std::fprintf(stderr,
                 "usage: log_to_copy --log DIR [--limit N] [--format binary|text] "
                 "(--out FILE | --chunk-rows R --out-dir DIR)\n"
                 "       log_to_copy --log DIR [--limit N] --time-scan\n");
    return 2;
  }
  ledger::KeepFreedMemoryForScans();  // As the CLI does for scans.
  auto log = OpenLog(config.log_dir);
  if (!log.ok()) {
    std::fprintf(stderr, "log_to_copy: %s\n", log.status().ToString().c_str());
    return 1;
  }
  if (config.time_scan) return TimeScan(config, **log);
  if (!config.out_dir.empty()) std::filesystem::create_directories(config.out_dir);
  return Dump(config, **log);
}
