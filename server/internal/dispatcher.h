// The sequencer thread of the server: a bounded queue of jobs from the I/O thread, drained in
// arrival order into the one replay::Sequencer. Thread-safe: TryPush from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "base/status.h"
#include "engine/events.h"
#include "ledger/event_codec.h"
#include "ledger/event_log.h"
#include "replay/sequencer.h"
#include "server/internal/metrics.h"
#include "server/internal/origin_filter.h"

namespace server::internal {

struct JobResult {
  base::Status status;  // OK once durable; the failure otherwise.
  // kCommand: the group appended; for a resend, {the original's input seq, 0}.
  ledger::GroupRange range;
  uint64_t snapshot_seq = 0;  // kSnapshot: the snapshot written.
  bool resent = false;        // kCommand: the log already held it; `range` is the original.
  bool reused = false;        // kCommand: the log holds another command under its origin.
  // kCommand, durable: the group's records as stored, handed over by the log (null for a
  // resend; only the last part's for a group logged in several submissions).
  std::shared_ptr<const ledger::GroupValues> values;
};

struct Job {
  enum class Kind { kCommand, kSnapshot };
  Kind kind = Kind::kCommand;
  engine::Input input;  // kCommand.
  // kCommand: who sent it. A command whose origin the log (or the pipeline) already holds is
  // not applied again: it is answered with the original group, or refused as `reused` if the
  // origin names a different input.
  std::optional<ledger::CommandOrigin> origin;
  // Called exactly once: on the log's writer thread once the group is durable, or on the
  // sequencer thread if it failed before that. Must be quick (it posts to the I/O thread).
  std::function<void(const JobResult&)> done;
};

class Dispatcher {
 public:
  // Starts the sequencer thread. `sequencer` and `metrics` must outlive the dispatcher.
  // `on_failure` (optional) is called once, on the sequencer or the log's writer thread, when
  // an append first fails (a failed write or sync: the log then refuses every later one); it
  // must be quick.
  Dispatcher(replay::Sequencer* sequencer, size_t capacity, Metrics* metrics,
             std::function<void(const base::Status&)> on_failure = {});
  // Stops (as Stop) and joins.
  ~Dispatcher();
  Dispatcher(const Dispatcher&) = delete;
  Dispatcher& operator=(const Dispatcher&) = delete;

  // Queues jobs[0, n) in order, as many as fit, with one lock and at most one wakeup of the
  // sequencer thread; returns n. The jobs not taken (n and after: the queue is full, or the
  // dispatcher is stopping) are left untouched.
  size_t TryPushAll(std::vector<Job>& jobs);
  // Refuses new jobs, runs every queued one, flushes the log and joins the thread.
  void Stop();
  // Jobs queued now, and the most ever queued.
  size_t depth() const;
  // The first failure of the sequencer (OK while none).
  base::Status failure() const;

 private:
  // A command sequenced but not yet durable, and the resends waiting for its answer.
  struct InFlight {
    engine::Input input;
    std::vector<std::function<void(const JobResult&)>> waiters;
  };

  void Loop();
  // The loader thread: history_, a filter of every origin the log held when it began (a scan
  // of idx_client, which takes ~0.25 s per million commands), then history_ready_. Until
  // then every command is looked up in the log.
  void LoadOrigins();
  // True unless `prefix` is certainly neither in the log nor in flight (sequencer thread).
  bool MayBeKnown(std::string_view prefix);
  void RunCommand(Job& job);
  // True if `job` was answered (or queued behind its original) without reaching the engine.
  // `prefix`: its origin's ledger::ClientCommandPrefix.
  bool AnswerResend(Job& job, const std::string& key, const std::string& prefix);
  void RunSnapshot(Job& job);
  // Records the first IOError of an append and reports it to on_failure_.
  void NoteFailure(const base::Status& status);
  // Group-commit metrics, on the log's writer thread: called once per durable group.
  void OnDurable(ledger::GroupRange range, std::chrono::steady_clock::time_point sequenced);
  // Adds the asset whose fund `input` starts reporting (a listing's quote asset, a top-up's);
  // true if any fund is reported (the gauges are then refreshed after the batch).
  bool NoteAsset(const engine::Input& input);
  // Insurance-fund gauges from the engine, once per batch of jobs (sequencer thread).
  void UpdateFunds();

  replay::Sequencer* const sequencer_;
  const size_t capacity_;
  Metrics* const metrics_;
  const std::function<void(const base::Status&)> on_failure_;
  std::vector<engine::AssetId> assets_;        // Sequencer thread: assets whose fund is reported.
  ledger::SequenceNumber last_commit_end_{0};  // Writer thread: seen by OnDurable.
  // Sequencer thread: the origins of every command taken since the start, and (once the
  // loader is done) of the log before it. A command whose origin neither has seen is new
  // without a look in the log.
  OriginFilter origins_{1 << 16};
  // Written by the loader thread before history_ready_ (release); read by the sequencer
  // thread only after it has seen history_ready_ (acquire).
  std::unique_ptr<OriginFilter> history_;
  std::atomic<bool> history_ready_{false};
  std::atomic<bool> stop_loading_{false};  // Stop(): the loader gives up at its next key.
  std::thread loader_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Job> queue_;  // Guarded by mutex_.
  bool stopping_ = false;  // Guarded by mutex_.
  base::Status failure_;   // Guarded by mutex_.
  // Origin key -> the command in flight. Entries live from Submit to durability, so there are
  // at most LogOptions::max_pending_records of them.
  std::mutex in_flight_mutex_;
  std::map<std::string, std::shared_ptr<InFlight>> in_flight_;  // Guarded by in_flight_mutex_.
  std::thread thread_;
};

}  // namespace server::internal
