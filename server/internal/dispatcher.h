// The sequencer thread of the server: a bounded queue of jobs from the I/O thread, drained in
// arrival order into the one replay::Sequencer. Thread-safe: TryPush from any thread.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

#include "engine/events.h"
#include "ledger/event_log.h"
#include "ledger/status.h"
#include "replay/sequencer.h"

namespace server::internal {

struct JobResult {
  ledger::Status status;      // OK once durable; the failure otherwise.
  ledger::GroupRange range;   // kCommand: the group appended.
  uint64_t snapshot_seq = 0;  // kSnapshot: the snapshot written.
};

struct Job {
  enum class Kind { kCommand, kSnapshot };
  Kind kind = Kind::kCommand;
  engine::Input input;  // kCommand.
  // Called exactly once: on the log's writer thread once the group is durable, or on the
  // sequencer thread if it failed before that. Must be quick (it posts to the I/O thread).
  std::function<void(const JobResult&)> done;
};

class Dispatcher {
 public:
  // Starts the sequencer thread. `sequencer` must outlive the dispatcher.
  Dispatcher(replay::Sequencer* sequencer, size_t capacity);
  // Stops (as Stop) and joins.
  ~Dispatcher();
  Dispatcher(const Dispatcher&) = delete;
  Dispatcher& operator=(const Dispatcher&) = delete;

  // Queues `job`; false (and `job` untouched) if the queue is full or stopping.
  bool TryPush(Job&& job);
  // Refuses new jobs, runs every queued one, flushes the log and joins the thread.
  void Stop();
  // Jobs queued now, and the most ever queued.
  size_t depth() const;
  // The first failure of the sequencer (OK while none).
  ledger::Status failure() const;

 private:
  void Loop();
  void RunCommand(Job& job);
  void RunSnapshot(Job& job);

  replay::Sequencer* const sequencer_;
  const size_t capacity_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Job> queue_;   // Guarded by mutex_.
  bool stopping_ = false;   // Guarded by mutex_.
  ledger::Status failure_;  // Guarded by mutex_.
  std::thread thread_;
};

}  // namespace server::internal
