// POSIX file operations of the snapshot store. Every call retries EINTR and reports errno's
// text with the path; std::filesystem is used only in its error_code (non-throwing) forms.

#include "snapshots/internal/file_io.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>

#include "base/assert.h"

namespace snapshots::internal {
namespace {

base::Status Errno(const std::string& path, std::string_view what, int error) {
  if (error == ENOENT) return base::Status::NotFound(path, "no such file or folder");
  return base::Status::IOError(path, fmt::format("{}: {}", what, std::strerror(error)),
                               error == EAGAIN || error == EINTR);
}

// Closes `fd` on every path out of a scope.
class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : fd_(fd) {}
  ~FileDescriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  int get() const { return fd_; }
  // Closes now and reports the close error (close can report a deferred write error).
  int Close() {
    const int result = ::close(fd_);
    fd_ = -1;
    return result;
  }

 private:
  int fd_;
};

base::Status WriteAll(int fd, const std::string& path, std::span<const uint8_t> bytes) {
  size_t written = 0;
  while (written < bytes.size()) {
    const ssize_t result = ::write(fd, bytes.data() + written, bytes.size() - written);
    if (result < 0 && errno == EINTR) continue;
    if (result <= 0) return Errno(path, "write", result < 0 ? errno : EIO);
    written += static_cast<size_t>(result);
  }
  BACKSTOP_ASSERT(written == bytes.size(), written, bytes.size());
  return base::Status::OK();
}

base::Status WriteAndSync(const std::string& path, std::span<const uint8_t> bytes) {
  FileDescriptor fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (fd.get() < 0) return Errno(path, "open for writing", errno);
  BACKSTOP_RETURN_IF_ERROR(WriteAll(fd.get(), path, bytes));
  if (::fsync(fd.get()) != 0) return Errno(path, "fsync", errno);
  if (fd.Close() != 0) return Errno(path, "close", errno);
  return base::Status::OK();
}

}  // namespace

base::Result<uint64_t> FileSize(const std::string& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) return Errno(path, "stat", errno);
  if (!S_ISREG(info.st_mode)) return base::Status::IOError(path, "not a regular file");
  return static_cast<uint64_t>(info.st_size);
}

base::Result<std::vector<uint8_t>> ReadWholeFile(const std::string& path, uint64_t max_bytes) {
  FileDescriptor fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return Errno(path, "open", errno);
  struct stat info {};
  if (::fstat(fd.get(), &info) != 0) return Errno(path, "fstat", errno);
  if (!S_ISREG(info.st_mode)) return base::Status::IOError(path, "not a regular file");
  const uint64_t size = static_cast<uint64_t>(info.st_size);
  if (size > max_bytes) {
    return base::Status::Corruption(
        path, fmt::format("file is {} bytes, over the limit of {}", size, max_bytes));
  }
  std::vector<uint8_t> bytes(size);
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t result = ::read(fd.get(), bytes.data() + done, bytes.size() - done);
    if (result < 0 && errno == EINTR) continue;
    if (result < 0) return Errno(path, "read", errno);
    if (result == 0) break;  // Shrunk since fstat: return what is there.
    done += static_cast<size_t>(result);
  }
  bytes.resize(done);
  BACKSTOP_ASSERT(bytes.size() <= max_bytes, bytes.size(), max_bytes);
  return bytes;
}

base::Status PublishFileDurably(const std::string& dir, const std::string& partial_path,
                                const std::string& final_path, std::span<const uint8_t> bytes) {
  BACKSTOP_ASSERT(partial_path != final_path, partial_path);
  base::Status status = WriteAndSync(partial_path, bytes);
  if (status.ok() && ::rename(partial_path.c_str(), final_path.c_str()) != 0) {
    status = Errno(final_path, "rename", errno);
  }
  if (!status.ok()) {
    RemoveFile(partial_path).PermitUnchecked();  // Best effort; Open deletes leftovers too.
    return status;
  }
  return SyncDirectory(dir);
}

base::Result<std::vector<std::string>> ListFileNames(const std::string& dir, size_t max_entries) {
  std::error_code ec;
  std::filesystem::directory_iterator it(dir, ec);
  if (ec) {
    if (ec == std::errc::no_such_file_or_directory) {
      return base::Status::NotFound(dir, "no such folder");
    }
    return base::Status::IOError(dir, ec.message());
  }
  std::vector<std::string> names;
  size_t examined = 0;
  for (const std::filesystem::directory_iterator end; !ec && it != end; it.increment(ec)) {
    if (++examined > max_entries) {
      return base::Status::InvalidArgument(
          dir, fmt::format("more than {} entries in the snapshot folder", max_entries));
    }
    std::error_code type_ec;
    if (it->is_regular_file(type_ec)) names.push_back(it->path().filename().string());
  }
  if (ec) return base::Status::IOError(dir, ec.message());
  return names;
}

base::Status RemoveFile(const std::string& path) {
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) return Errno(path, "unlink", errno);
  return base::Status::OK();
}

base::Status CreateDirectory(const std::string& dir) {
  if (::mkdir(dir.c_str(), 0755) != 0) {
    if (errno != EEXIST) return Errno(dir, "mkdir", errno);
    struct stat info {};
    if (::stat(dir.c_str(), &info) != 0) return Errno(dir, "stat", errno);
    if (!S_ISDIR(info.st_mode)) return base::Status::IOError(dir, "exists but is not a folder");
    return base::Status::OK();
  }
  std::string parent = std::filesystem::path(dir).parent_path().string();
  return SyncDirectory(parent.empty() ? "." : parent);
}

base::Status SyncDirectory(const std::string& dir) {
  FileDescriptor fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0) return Errno(dir, "open folder", errno);
  if (::fsync(fd.get()) != 0) return Errno(dir, "fsync folder", errno);
  return base::Status::OK();
}

}  // namespace snapshots::internal
