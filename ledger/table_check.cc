// CheckTableFiles (see table_check.h): one forked child lists the live table files (RocksDB
// read-only open, which with a bounded table cache reads no table) and checks each, saying on
// a pipe which file it is on; if it dies, the last file it named is the damaged one.

#include "ledger/table_check.h"

#include <fmt/format.h>
#include <rocksdb/db.h>
#include <rocksdb/metadata.h>
#include <rocksdb/options.h>
#include <rocksdb/sst_file_reader.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "ledger/internal/event_log_impl.h"
#include "ledger/internal/info_log.h"
#include "ledger/internal/rocks_options.h"

namespace ledger {

using base::Result;
using base::Status;
namespace {

void Say(int fd, const std::string& line) {
  const std::string text = line + "\n";
  if (write(fd, text.data(), text.size()) < 0) _exit(3);
}

// The live table files of the database in `dir`, without opening any of them.
rocksdb::Status LiveTables(const std::string& dir, rocksdb::Env* env,
                           std::vector<std::string>* paths) {
  // The log's own options (with RocksDB's defaults, a read-only open after a kill -9 tripped an
  // assertion in DBImpl::Recover), but for the table cache: not -1, or Open would read every
  // table up front.
  rocksdb::DBOptions db_options = internal::MakeDbOptions(/*create=*/false);
  db_options.max_open_files = 16;
  db_options.info_log = internal::MakeInfoLog(dir, /*read_only=*/true);
  if (env != nullptr) db_options.env = env;
  std::vector<std::string> names;
  rocksdb::Status s = rocksdb::DB::ListColumnFamilies(db_options, dir, &names);
  if (!s.ok()) return s;
  std::vector<rocksdb::ColumnFamilyDescriptor> families;
  for (const std::string& name : names) {
    families.emplace_back(name, internal::MakeColumnFamilyOptions(name));
  }
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  s = rocksdb::DB::OpenForReadOnly(db_options, dir, families, &handles, &raw);
  if (!s.ok()) return s;
  std::unique_ptr<rocksdb::DB> db(raw);
  std::vector<rocksdb::LiveFileMetaData> files;
  db->GetLiveFilesMetaData(&files);
  for (const auto& file : files) paths->push_back(file.directory + "/" + file.relative_filename);
  for (auto* handle : handles) db->DestroyColumnFamilyHandle(handle).PermitUncheckedError();
  return db->Close();
}

// In the child: "table NAME" before each file, "bad NAME: why" for the first that fails.
[[noreturn]] void CheckInChild(const std::string& dir, rocksdb::Env* env, int fd) {
  std::vector<std::string> paths;
  rocksdb::Status s = LiveTables(dir, env, &paths);
  if (!s.ok()) {
    Say(fd, "open " + s.ToString());
    _exit(1);
  }
  for (const std::string& path : paths) {
    const std::string name = path.substr(path.rfind('/') + 1);
    Say(fd, "table " + name);
    rocksdb::Options options;
    if (env != nullptr) options.env = env;
    rocksdb::SstFileReader reader(options);
    s = reader.Open(path);
    if (s.ok()) s = reader.VerifyChecksum();
    if (!s.ok()) {
      Say(fd, "bad " + name + ": " + s.ToString());
      _exit(1);
    }
  }
  _exit(0);
}

// The finding from what the child said and how it ended ("" if it checked everything).
std::string Finding(const std::string& said, int status) {
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return "";
  std::string last;
  for (size_t start = 0; start < said.size();) {
    const size_t end = said.find('\n', start);
    if (end == std::string::npos) break;
    last = said.substr(start, end - start);
    start = end + 1;
  }
  if (WIFSIGNALED(status)) {
    const std::string where =
        last.rfind("table ", 0) == 0 ? last.substr(6) : std::string("opening the log");
    return fmt::format("{}: reading it stopped RocksDB (signal {}, {}): the file is damaged", where,
                       WTERMSIG(status), strsignal(WTERMSIG(status)));
  }
  if (last.rfind("bad ", 0) == 0) return last.substr(4);
  if (last.rfind("open ", 0) == 0) return "the log does not open: " + last.substr(5);
  return fmt::format("the table check ended with status {}", status);
}

}  // namespace

Result<std::string> CheckTableFiles(const std::string& dir) {
  return CheckTableFiles(dir, nullptr);
}

Result<std::string> CheckTableFiles(const std::string& dir, rocksdb::Env* env) {
  // A creation that did not finish has nothing to check; opening it says what happened.
  std::error_code ec;
  if (std::filesystem::exists(dir + "/" + internal::kCreatingMarker, ec)) return std::string();
  int fds[2];
  if (pipe(fds) != 0) {
    return Status::IOError("table check", fmt::format("pipe: {}", std::strerror(errno)));
  }
  const pid_t pid = fork();
  if (pid < 0) {
    close(fds[0]);
    close(fds[1]);
    return Status::IOError("table check", fmt::format("fork: {}", std::strerror(errno)));
  }
  if (pid == 0) {
    close(fds[0]);
    CheckInChild(dir, env, fds[1]);
  }
  close(fds[1]);
  std::string said;
  char buffer[4096];
  ssize_t got = 0;
  while ((got = read(fds[0], buffer, sizeof(buffer))) != 0) {
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) break;
    said.append(buffer, static_cast<size_t>(got));
  }
  close(fds[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) {
      return Status::IOError("table check", fmt::format("waitpid: {}", std::strerror(errno)));
    }
  }
  return Finding(said, status);
}

}  // namespace ledger
