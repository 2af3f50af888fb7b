// Private: writing small files durably (key files, the external checkpoint file).
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"

namespace ledger::internal {

// Writes all of `text` to the open file `fd`, fsyncs it and closes it (closed on every path).
// IOError naming `path` on any failure.
base::Status WriteSyncAndClose(int fd, std::string_view text, const std::string& path);

// Writes `text` to `path` atomically: a synced temporary file (path + ".tmp") renamed over it,
// then the folder synced, so that after a crash the file holds the old or the new text, whole.
base::Status WriteFileAtomically(const std::string& path, std::string_view text);

// Removes the file at `path` and syncs its folder, so that the removal survives a crash.
base::Status RemoveFileDurably(const std::string& path);

}  // namespace ledger::internal
