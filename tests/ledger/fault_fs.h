// A RocksDB FileSystem for tests that fails on purpose: it simulates a crash (everything written
// but not synced is lost), and injects I/O errors, disk-full errors and short writes at a chosen
// write or sync call. Wraps the real file system; public RocksDB API only. Syncs are recorded,
// not performed: the crash is simulated, so only the bookkeeping decides what survives.
// Thread-safe: RocksDB calls it from its own threads, and one mutex guards all of its state.
#pragma once

#include <rocksdb/env.h>
#include <rocksdb/file_system.h>

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace ledger::testing {

class FaultFs : public rocksdb::FileSystemWrapper {
 public:
  enum class Op : uint8_t { kWrite, kSync };
  enum class Error : uint8_t {
    kIo,       // IOError, like EIO.
    kNoSpace,  // IOError with the NoSpace subcode, like ENOSPC.
  };
  // One injected failure. Writes are FSWritableFile::Append calls; syncs are Sync/Fsync of a
  // file (directory syncs are not counted and never fail, except after a crash).
  struct Fault {
    Op op = Op::kWrite;
    // 1-based: the `call`-th call of `op` after Inject fails. Default: 1.
    uint64_t call = 1;
    // Default: kIo.
    Error error = Error::kIo;
    // Every later call of `op` fails as well, until ClearFaults (a full disk stays full).
    // Otherwise only the one call fails and the file system then works again. Default: false.
    bool sticky = false;
    // A failing write first writes the first half of its bytes (a short write). Default: false.
    bool short_write = false;
    // Only calls on files whose name ends with this count (".log": RocksDB's WAL, which makes
    // each group durable). Default: "" (every file).
    std::string file_suffix;
  };

  explicit FaultFs(std::shared_ptr<rocksdb::FileSystem> base = rocksdb::FileSystem::Default());
  static const char* kClassName() { return "BackstopFaultFs"; }
  const char* Name() const override { return kClassName(); }

  // Arms `fault`, replacing any armed fault; calls are counted from now on.
  void Inject(const Fault& fault);
  // Disarms the fault (the disk has space again). Does not undo a crash.
  void ClearFaults();
  // A number in [1, max_call] drawn by a generator seeded with `seed`: a reproducible random
  // call for Fault::call or CrashAtCall.
  static uint64_t RandomCall(uint32_t seed, uint64_t max_call);
  // Makes the `call`-th write or sync from now on (both counted) the moment of a crash: it and
  // every later write, sync, file creation, rename and deletion fail with IOError "simulated
  // crash", so nothing more reaches the disk. Reads still work. 0: crash now.
  void CrashAtCall(uint64_t call);
  bool crashed() const;
  // Writes and syncs counted since CrashAtCall (a crash point beyond the end counts them all).
  uint64_t calls() const;
  // What a power loss at the crash leaves on disk: truncates every file written through this
  // file system to the length it had at its last sync, and deletes the files created since
  // their folder was last synced. Then clears the crash and the fault: the file system works
  // again. Call it with no database open on this file system. Untracked files (written before
  // this file system was used, or renamed over) count as synced.
  rocksdb::IOStatus DropUnsyncedData();
  // Failures returned so far by injected faults and by the crash.
  uint64_t failures() const;

  rocksdb::IOStatus NewWritableFile(const std::string& name, const rocksdb::FileOptions& options,
                                    std::unique_ptr<rocksdb::FSWritableFile>* result,
                                    rocksdb::IODebugContext* debug) override;
  rocksdb::IOStatus ReopenWritableFile(const std::string& name, const rocksdb::FileOptions& options,
                                       std::unique_ptr<rocksdb::FSWritableFile>* result,
                                       rocksdb::IODebugContext* debug) override;
  rocksdb::IOStatus NewDirectory(const std::string& name, const rocksdb::IOOptions& options,
                                 std::unique_ptr<rocksdb::FSDirectory>* result,
                                 rocksdb::IODebugContext* debug) override;
  rocksdb::IOStatus RenameFile(const std::string& source, const std::string& target,
                               const rocksdb::IOOptions& options,
                               rocksdb::IODebugContext* debug) override;
  rocksdb::IOStatus DeleteFile(const std::string& name, const rocksdb::IOOptions& options,
                               rocksdb::IODebugContext* debug) override;

  // Called by the file and directory wrappers (fault_fs.cc).
  rocksdb::IOStatus Append(const std::string& name, const rocksdb::Slice& data,
                           rocksdb::FSWritableFile* file, const rocksdb::IOOptions& options);
  rocksdb::IOStatus Sync(const std::string& name);
  rocksdb::IOStatus Truncate(const std::string& name, uint64_t size, rocksdb::FSWritableFile* file,
                             const rocksdb::IOOptions& options);
  // Records a sync of folder `name` (unless crashed): the entries created in it are durable.
  rocksdb::IOStatus SyncDirectory(const std::string& name);

 private:
  // What is known of one file written through this file system.
  struct FileState {
    uint64_t size = 0;         // Bytes written.
    uint64_t synced_size = 0;  // Bytes written before the last successful sync.
    bool new_entry = true;     // Created (or renamed to) since its folder's last sync.
  };

  // Counts a write or sync and returns the failure it meets (OK if none). Holds mu_.
  rocksdb::IOStatus CountCall(Op op, const std::string& name);
  rocksdb::IOStatus CrashError();  // Holds mu_: the crash's failure (and counts it).

  mutable std::mutex mu_;
  std::map<std::string, FileState> files_;  // Guarded by mu_.
  Fault fault_;                             // Guarded by mu_.
  bool fault_armed_ = false;                // Guarded by mu_.
  uint64_t fault_calls_ = 0;                // Calls of fault_.op since Inject; guarded by mu_.
  uint64_t crash_call_ = 0;                 // 0: no crash armed; guarded by mu_.
  uint64_t crash_calls_ = 0;                // Writes and syncs since CrashAtCall; guarded.
  bool crashed_ = false;                    // Guarded by mu_.
  uint64_t failures_ = 0;                   // Guarded by mu_.
};

// An Env whose files go through `fs`, for LogOptions::env. It skips the back-off sleeps of
// RocksDB's background threads (after a failed flush or compaction, 1 s, which closing the
// database waits for): time only, nothing about what reaches the disk changes.
std::shared_ptr<rocksdb::Env> NewFaultEnv(const std::shared_ptr<FaultFs>& fs);

}  // namespace ledger::testing
