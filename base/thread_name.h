// Names the calling thread, as `top -H`, `perf` and /proc/PID/task/*/comm show it (Linux
// keeps at most 15 characters). Naming is for people reading those tools only: a failure is
// harmless and ignored.
#pragma once

#include <pthread.h>

namespace base {

inline void NameThisThread(const char* name) { pthread_setname_np(pthread_self(), name); }

}  // namespace base
