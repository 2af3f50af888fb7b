// Private: writing small files durably (key files, the external checkpoint file).
#pragma once

#include <string>
#include <string_view>

#include "ledger/status.h"

namespace ledger::internal {

// Writes all of `text` to the open file `fd`, fsyncs it and closes it (closed on every path).
// IOError naming `path` on any failure.
Status WriteSyncAndClose(int fd, std::string_view text, const std::string& path);

}  // namespace ledger::internal
