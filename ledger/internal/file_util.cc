#include "ledger/internal/file_util.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace ledger::internal {

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

}  // namespace ledger::internal
