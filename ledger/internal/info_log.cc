// The event log's RocksDB info log (info_log.h).

#include "ledger/internal/info_log.h"

#include <sys/time.h>
#include <unistd.h>

#include <cstdarg>
#include <cstdio>
#include <ctime>
#include <filesystem>

namespace ledger::internal {
namespace {

constexpr uintmax_t kRotateBytes = uintmax_t{4} << 20;

class InfoLog final : public rocksdb::Logger {
 public:
  explicit InfoLog(std::FILE* file)
      : rocksdb::Logger(rocksdb::InfoLogLevel::INFO_LEVEL), file_(file) {}
  ~InfoLog() override {
    if (file_ != nullptr) std::fclose(file_);
  }
  InfoLog(const InfoLog&) = delete;
  InfoLog& operator=(const InfoLog&) = delete;

  using rocksdb::Logger::Logv;
  void Logv(const char* format, va_list ap) override {
    if (file_ == nullptr) return;
    timeval now{};
    gettimeofday(&now, nullptr);
    tm utc{};
    gmtime_r(&now.tv_sec, &utc);
    char line[2048];
    const int prefix =
        std::snprintf(line, sizeof line, "%04d/%02d/%02d-%02d:%02d:%02d.%06ld %ld ",
                      utc.tm_year + 1900, utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min,
                      utc.tm_sec, static_cast<long>(now.tv_usec), static_cast<long>(gettid()));
    if (prefix < 0 || static_cast<size_t>(prefix) >= sizeof line) return;
    std::vsnprintf(line + prefix, sizeof line - static_cast<size_t>(prefix), format, ap);
    // One locked stdio call per line; an error (a full disk) is dropped, never fatal.
    std::fprintf(file_, "%s\n", line);
    std::fflush(file_);
  }

 protected:
  rocksdb::Status CloseImpl() override { return rocksdb::Status::OK(); }

 private:
  std::FILE* file_;  // Null: lines are dropped.
};

}  // namespace

std::shared_ptr<rocksdb::Logger> MakeInfoLog(const std::string& dir, bool read_only) {
  if (read_only) return std::make_shared<InfoLog>(nullptr);
  const std::string path = dir + "/LOG";
  std::error_code ec;
  if (std::filesystem::file_size(path, ec) > kRotateBytes && !ec) {
    timeval now{};
    gettimeofday(&now, nullptr);
    const long long micros = static_cast<long long>(now.tv_sec) * 1'000'000 + now.tv_usec;
    std::filesystem::rename(path, path + ".old." + std::to_string(micros), ec);
  }
  return std::make_shared<InfoLog>(std::fopen(path.c_str(), "ae"));
}

}  // namespace ledger::internal
