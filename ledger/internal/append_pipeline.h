// Private: the append pipeline behind EventLog. The sequencer (the caller of EventLog::Submit)
// builds envelopes, chain hashes and tree nodes, and in a checkpoint-signed log encodes the
// records too; in a log that signs every record, signer threads sign and encode them in
// parallel. One writer thread commits whole groups in seq order, many groups signed by one key
// per synced WriteBatch, then acknowledges them.
// Thread-safe as documented per method.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "base/status.h"
#include "ledger/event_log.h"
#include "ledger/indexes.h"
#include "ledger/keys.h"
#include "ledger/merkle.h"
#include "ledger/record.h"

namespace ledger::internal {

struct PendingRecord {
  SequenceNumber seq{0};
  Hash prev_hash{};
  Hash hash{};
  std::vector<uint8_t> envelope;          // Canonical Envelope bytes (set by the sequencer).
  std::vector<uint8_t> value;             // Canonical Record bytes (sequencer or a signer).
  std::vector<IndexEntry> index_entries;  // Written with the record (set by the sequencer).
};

struct PendingGroup {
  GroupRange range;
  std::optional<PrivateKey> key;  // Signs the group's records or the checkpoint ending it.
  // True: signer threads sign and encode the records. False (checkpoint mode): the sequencer
  // encoded them, unsigned, before Enqueue; no signer touches the group.
  bool sign_records = true;
  AppendCallback done;
  std::vector<PendingRecord> records;
  // Format 2: the tree nodes the group's records complete, in stored order, and the tree's
  // complete subtrees after the group (from which the writer computes a checkpoint's root).
  std::vector<TreeNode> tree_nodes;
  std::vector<Hash> subtrees;
  // Records not yet signed; the group is ready for the writer at 0.
  std::atomic<size_t> unsigned_records{0};
  // Set by a signer before it counts its record as done, if signing or encoding failed.
  std::atomic<bool> sign_failed{false};
};

using GroupBatch = std::vector<std::unique_ptr<PendingGroup>>;

class AppendPipeline {
 public:
  // Persists `batch` (whole groups, in seq order) durably; called on the writer thread only.
  using WriteFn = std::function<base::Status(const GroupBatch& batch)>;

  // Starts `signer_threads` signers (>= 0; groups with sign_records need at least one) and the
  // writer. `durable_seq`: the log's head.
  AppendPipeline(SequenceNumber durable_seq, int signer_threads, size_t max_pending_records,
                 size_t max_batch_records, WriteFn write);
  // Stop().
  ~AppendPipeline();
  AppendPipeline(const AppendPipeline&) = delete;
  AppendPipeline& operator=(const AppendPipeline&) = delete;

  // Waits until `records` more fit in flight, then counts them. The pipeline's failure if it
  // has failed. Call from the sequencer, which serializes Reserve/Unreserve/Enqueue.
  base::Status Reserve(size_t records);
  // Returns a reservation that was not enqueued.
  void Unreserve(size_t records);
  // Hands over a group whose records were reserved and whose range follows the previous one.
  void Enqueue(std::unique_ptr<PendingGroup> group);
  // Waits until `seq` is durable (OK) or the pipeline failed (its failure). Any thread.
  base::Status WaitDurable(SequenceNumber seq);
  // The first write or signing failure; OK while healthy. Any thread.
  base::Status failure() const;
  // Records waiting for a signer thread now (a moment's value). Any thread.
  size_t sign_queue_depth() const { return sign_tasks_queued_.load(std::memory_order_relaxed); }
  // Lets every enqueued group finish (written or failed), then joins all threads. Idempotent.
  void Stop();

 private:
  struct SignTask {
    PendingGroup* group;
    size_t index;
  };

  void SignerLoop();
  void WriterLoop();
  bool FrontReadyLocked() const;
  size_t ReadyRecordsLocked() const;  // Signed records at the front, counted up to a bound.
  void Finish(GroupBatch& batch, const base::Status& status);

  const size_t max_pending_records_;
  const size_t max_batch_records_;
  const WriteFn write_;

  std::mutex sign_mu_;
  std::condition_variable sign_cv_;
  std::deque<SignTask> sign_queue_;           // Guarded by sign_mu_.
  bool signers_stopping_ = false;             // Guarded by sign_mu_.
  std::atomic<size_t> sign_tasks_queued_{0};  // sign_queue_.size(), readable without sign_mu_.

  mutable std::mutex writer_mu_;
  std::condition_variable writer_cv_;                 // Front group became ready, or stopping.
  std::condition_variable space_cv_;                  // pending_records_ fell.
  std::condition_variable durable_cv_;                // durable_seq_ rose or failure_ set.
  std::deque<std::unique_ptr<PendingGroup>> groups_;  // Guarded by writer_mu_; seq order.
  size_t pending_records_ = 0;                        // Guarded by writer_mu_.
  SequenceNumber durable_seq_{0};                     // Guarded by writer_mu_.
  base::Status failure_;                              // Guarded by writer_mu_.
  bool writer_waiting_ = false;                       // Guarded by writer_mu_.
  bool writer_stopping_ = false;                      // Guarded by writer_mu_.

  std::vector<std::thread> signers_;
  std::thread writer_;
  bool stopped_ = false;
};

}  // namespace ledger::internal
