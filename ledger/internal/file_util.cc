#include "ledger/internal/file_util.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace ledger::internal {

using base::Result;
using base::Status;

Status WriteSyncAndClose(int fd, std::string_view text, const std::string& path) {
  size_t written = 0;
  while (written < text.size()) {
    ssize_t n = ::write(fd, text.data() + written, text.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      Status s = Status::IOError(path, std::strerror(errno));
      ::close(fd);
      return s;
    }
    written += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) {
    Status s = Status::IOError(path, std::strerror(errno));
    ::close(fd);
    return s;
  }
  if (::close(fd) != 0) return Status::IOError(path, std::strerror(errno));
  return Status::OK();
}

namespace {

Status SyncFolderOf(const std::string& path) {
  std::string parent = std::filesystem::path(path).parent_path().string();
  int dir_fd = ::open(parent.empty() ? "." : parent.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd < 0) return Status::IOError(parent, std::strerror(errno));
  int synced = ::fsync(dir_fd);
  ::close(dir_fd);
  if (synced != 0) return Status::IOError(parent, std::strerror(errno));
  return Status::OK();
}

}  // namespace

// Writes `text` to `path` atomically: a synced temporary file renamed over it, then the
// folder synced, so that after a crash the file holds the old or the new text, whole.
Status WriteFileAtomically(const std::string& path, std::string_view text) {
  std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Status::IOError(tmp, std::strerror(errno));
  BACKSTOP_RETURN_IF_ERROR(WriteSyncAndClose(fd, text, tmp));
  if (::rename(tmp.c_str(), path.c_str()) != 0) return Status::IOError(path, std::strerror(errno));
  return SyncFolderOf(path);
}

Status RemoveFileDurably(const std::string& path) {
  if (::unlink(path.c_str()) != 0) return Status::IOError(path, std::strerror(errno));
  return SyncFolderOf(path);
}

}  // namespace ledger::internal
