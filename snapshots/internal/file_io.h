// The few POSIX file operations the snapshot store needs, as Status-returning functions:
// whole-file reads with a size cap, durable atomic publication (write, fsync, rename, fsync the
// folder), folder listing and removal. Stateless; thread-safe.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "base/status.h"

namespace snapshots::internal {

// Reads the whole regular file at `path`. NotFound if it does not exist; Corruption if it is
// larger than `max_bytes` (nothing is read then); IOError otherwise.
base::Result<std::vector<uint8_t>> ReadWholeFile(const std::string& path, uint64_t max_bytes);

// Size in bytes of the file at `path`. NotFound / IOError.
base::Result<uint64_t> FileSize(const std::string& path);

// Writes `bytes` to `partial_path` (created or truncated, mode 0644), fsyncs and closes it,
// renames it to `final_path` (atomically replacing any file there) and fsyncs `dir`. On failure
// the partial file is removed (best effort) and IOError names the step that failed.
base::Status PublishFileDurably(const std::string& dir, const std::string& partial_path,
                                const std::string& final_path, std::span<const uint8_t> bytes);

// Names (not paths) of the regular files in `dir`, unsorted. At most `max_entries` entries are
// examined; InvalidArgument beyond that. NotFound if `dir` does not exist; IOError otherwise.
base::Result<std::vector<std::string>> ListFileNames(const std::string& dir, size_t max_entries);

// Removes the file at `path`; OK if it is already gone. IOError otherwise.
base::Status RemoveFile(const std::string& path);

// Creates the folder `dir` (mode 0755; its parent must exist) and fsyncs the parent. OK if it
// already exists as a folder. IOError otherwise.
base::Status CreateDirectory(const std::string& dir);

// fsyncs the folder `dir`, making renames and removals in it durable. IOError on failure.
base::Status SyncDirectory(const std::string& dir);

}  // namespace snapshots::internal
