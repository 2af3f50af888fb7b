// An LD_PRELOAD library for end-to-end storage-fault tests: the real `backstop` binary, run as
// an operator would, meets a disk that fails a sync (EIO) or fills up (ENOSPC) under one folder.
// The in-process tests (tests/ledger/fault_fs.h) also drop unsynced data; this shim only makes
// system calls fail, which is what the process sees of a dying or full disk.
//
// Environment (both required, else the library does nothing):
//   BACKSTOP_FAULT_DIR  the folder whose files are affected (a prefix of their real paths)
//   BACKSTOP_FAULT      "sync-eio:N": the N-th (from 1) fdatasync or fsync of a RocksDB WAL file
//                       (a name ending in ".log") under the folder fails with EIO, once; the
//                       syncs after it work again (a retried sync would "succeed").
//                       "nospace:N": the N-th write to a WAL file under the folder writes half
//                       its bytes, then it and every later write to any file under the folder
//                       fail with ENOSPC, for the rest of the process.
// Each fault, when it fires, prints one line to stderr: "io_fault_preload: ..."; a process that
// ends before its fault fired says so and how many WAL calls it made.
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

enum Mode { kNone, kSyncEio, kNoSpace };

static enum Mode mode = kNone;
static long fault_at = 0;
static const char* fault_dir = NULL;
static atomic_long wal_calls = 0;
static atomic_int disk_full = 0;
static atomic_int fired = 0;

__attribute__((constructor)) static void Configure(void) {
  const char* dir = getenv("BACKSTOP_FAULT_DIR");
  const char* spec = getenv("BACKSTOP_FAULT");
  if (dir == NULL || spec == NULL || dir[0] == '\0') return;
  fault_dir = dir;
  if (strncmp(spec, "sync-eio:", 9) == 0) {
    mode = kSyncEio;
    fault_at = atol(spec + 9);
  } else if (strncmp(spec, "nospace:", 8) == 0) {
    mode = kNoSpace;
    fault_at = atol(spec + 8);
  }
}

__attribute__((destructor)) static void Report(void) {
  if (mode != kNone && !atomic_load(&fired)) {
    fprintf(stderr, "io_fault_preload: not fired (fault at WAL call %ld; %ld calls made)\n",
            fault_at, atomic_load(&wal_calls));
  }
}

// 1 if `fd` is a file under the fault folder; *wal is set if its name ends in ".log".
static int Affected(int fd, int* wal) {
  if (mode == kNone || fd < 0) return 0;
  char link[64];
  char path[4096];
  snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
  const ssize_t n = readlink(link, path, sizeof path - 1);
  if (n <= 0) return 0;
  path[n] = '\0';
  if (strncmp(path, fault_dir, strlen(fault_dir)) != 0) return 0;
  *wal = n > 4 && strcmp(path + n - 4, ".log") == 0;
  return 1;
}

static void* Next(const char* name) { return dlsym(RTLD_NEXT, name); }

// For a write of `count` bytes to `fd`: how many bytes to let through (count: all), or -1 to
// fail it with ENOSPC.
static ssize_t WriteAllowance(int fd, size_t count) {
  int wal = 0;
  if (mode != kNoSpace || !Affected(fd, &wal)) return (ssize_t)count;
  if (atomic_load(&disk_full)) return -1;
  if (!wal || atomic_fetch_add(&wal_calls, 1) + 1 != fault_at) return (ssize_t)count;
  atomic_store(&disk_full, 1);
  atomic_store(&fired, 1);
  fprintf(stderr, "io_fault_preload: disk full at WAL write %ld\n", fault_at);
  return (ssize_t)(count / 2);
}

ssize_t write(int fd, const void* buf, size_t count) {
  static ssize_t (*real)(int, const void*, size_t) = NULL;
  if (real == NULL) real = (ssize_t(*)(int, const void*, size_t))Next("write");
  const ssize_t allowed = WriteAllowance(fd, count);
  if (allowed < 0) {
    errno = ENOSPC;
    return -1;
  }
  if ((size_t)allowed < count) {
    if (allowed > 0) real(fd, buf, (size_t)allowed);
    errno = ENOSPC;
    return -1;
  }
  return real(fd, buf, count);
}

ssize_t pwrite(int fd, const void* buf, size_t count, off_t offset) {
  static ssize_t (*real)(int, const void*, size_t, off_t) = NULL;
  if (real == NULL) real = (ssize_t(*)(int, const void*, size_t, off_t))Next("pwrite");
  const ssize_t allowed = WriteAllowance(fd, count);
  if (allowed < 0) {
    errno = ENOSPC;
    return -1;
  }
  if ((size_t)allowed < count) {
    if (allowed > 0) real(fd, buf, (size_t)allowed, offset);
    errno = ENOSPC;
    return -1;
  }
  return real(fd, buf, count, offset);
}

ssize_t pwrite64(int fd, const void* buf, size_t count, off_t offset) {
  return pwrite(fd, buf, count, offset);
}

ssize_t writev(int fd, const struct iovec* iov, int iovcnt) {
  static ssize_t (*real)(int, const struct iovec*, int) = NULL;
  if (real == NULL) real = (ssize_t(*)(int, const struct iovec*, int))Next("writev");
  int wal = 0;
  if (mode == kNoSpace && Affected(fd, &wal) && atomic_load(&disk_full)) {
    errno = ENOSPC;
    return -1;
  }
  return real(fd, iov, iovcnt);
}

// 1 if this sync of `fd` is the one that fails.
static int SyncFails(int fd) {
  int wal = 0;
  if (mode != kSyncEio || !Affected(fd, &wal) || !wal) return 0;
  if (atomic_fetch_add(&wal_calls, 1) + 1 != fault_at) return 0;
  atomic_store(&fired, 1);
  fprintf(stderr, "io_fault_preload: WAL sync %ld fails with EIO\n", fault_at);
  return 1;
}

int fdatasync(int fd) {
  static int (*real)(int) = NULL;
  if (real == NULL) real = (int (*)(int))Next("fdatasync");
  if (SyncFails(fd)) {
    errno = EIO;
    return -1;
  }
  return real(fd);
}

int fsync(int fd) {
  static int (*real)(int) = NULL;
  if (real == NULL) real = (int (*)(int))Next("fsync");
  if (SyncFails(fd)) {
    errno = EIO;
    return -1;
  }
  return real(fd);
}
