// The sequencer -> signers -> writer pipeline of EventLog (see append_pipeline.h).
// Invariant: groups_ holds groups in strictly increasing, gap-free seq order; the writer only
// removes a group from its front once every record of it is signed.
#include "ledger/internal/append_pipeline.h"

#include <chrono>
#include <map>

#include "base/thread_name.h"
#include "ledger/internal/codec.h"

namespace ledger::internal {

using base::Result;
using base::Status;
namespace {

// Tasks a signer takes per lock acquisition: amortizes the queue lock over ~0.4 ms of signing.
constexpr size_t kSignTasksPerTake = 8;
// While signers are still busy, the writer lets a batch grow to this many records, waiting at
// most kBatchGatherTime: fewer syncs and context switches under load. With idle signers (light
// load) it writes at once, so latency stays one sync.
constexpr size_t kMinBatchRecords = 64;
constexpr auto kBatchGatherTime = std::chrono::microseconds(500);

}  // namespace

AppendPipeline::AppendPipeline(SequenceNumber durable_seq, int signer_threads,
                               size_t max_pending_records, size_t max_batch_records, WriteFn write)
    : max_pending_records_(max_pending_records),
      max_batch_records_(max_batch_records),
      write_(std::move(write)),
      durable_seq_(durable_seq) {
  BACKSTOP_ASSERT(signer_threads >= 0, signer_threads);
  BACKSTOP_ASSERT(max_pending_records_ >= kMaxGroupRecords, max_pending_records_);
  BACKSTOP_ASSERT(max_batch_records_ >= 1, max_batch_records_);
  for (int i = 0; i < signer_threads; ++i) signers_.emplace_back([this] { SignerLoop(); });
  writer_ = std::thread([this] { WriterLoop(); });
}

AppendPipeline::~AppendPipeline() { Stop(); }

Status AppendPipeline::Reserve(size_t records) {
  BACKSTOP_ASSERT(records >= 1 && records <= kMaxGroupRecords, records);
  std::unique_lock lock(writer_mu_);
  space_cv_.wait(
      lock, [&] { return !failure_.ok() || pending_records_ + records <= max_pending_records_; });
  if (!failure_.ok()) return failure_;
  pending_records_ += records;
  return Status::OK();
}

void AppendPipeline::Unreserve(size_t records) {
  std::lock_guard lock(writer_mu_);
  BACKSTOP_ASSERT(pending_records_ >= records, pending_records_, records);
  pending_records_ -= records;
  space_cv_.notify_all();
}

void AppendPipeline::Enqueue(std::unique_ptr<PendingGroup> group) {
  BACKSTOP_ASSERT(!group->records.empty());
  BACKSTOP_ASSERT(group->range.last - group->range.first + 1 == group->records.size(),
                  group->range.first, group->range.last, group->records.size());
  BACKSTOP_ASSERT(!group->sign_records || !signers_.empty());
  // Once it is queued (for signing, or encoded for the writer), the writer may write and free
  // the group: read nothing from it after that.
  const size_t records = group->records.size();
  const bool sign = group->sign_records;
  group->unsigned_records.store(sign ? records : 0, std::memory_order_release);
  PendingGroup* raw = group.get();
  bool wake_writer = false;
  {
    std::lock_guard lock(writer_mu_);
    if (!groups_.empty()) {
      BACKSTOP_ASSERT(groups_.back()->range.last + 1 == raw->range.first,
                      groups_.back()->range.last, raw->range.first);
    }
    groups_.push_back(std::move(group));
    wake_writer = !sign && writer_waiting_;
  }
  if (!sign) {
    if (wake_writer) writer_cv_.notify_one();
    return;
  }
  {
    std::lock_guard lock(sign_mu_);
    for (size_t i = 0; i < records; ++i) sign_queue_.push_back({raw, i});
    sign_tasks_queued_.store(sign_queue_.size(), std::memory_order_relaxed);
  }
  if (records == 1) {
    sign_cv_.notify_one();
  } else {
    sign_cv_.notify_all();
  }
}

Status AppendPipeline::WaitDurable(SequenceNumber seq) {
  std::unique_lock lock(writer_mu_);
  durable_cv_.wait(lock, [&] { return durable_seq_ >= seq || !failure_.ok(); });
  if (durable_seq_ >= seq) return Status::OK();
  return failure_;
}

Status AppendPipeline::failure() const {
  std::lock_guard lock(writer_mu_);
  return failure_;
}

void AppendPipeline::Stop() {
  if (stopped_) return;
  stopped_ = true;
  {
    std::lock_guard lock(writer_mu_);
    writer_stopping_ = true;
  }
  writer_cv_.notify_all();
  writer_.join();  // Returns once groups_ is empty; signers are still running until then.
  {
    std::lock_guard lock(sign_mu_);
    BACKSTOP_ASSERT(sign_queue_.empty(), sign_queue_.size());
    signers_stopping_ = true;
  }
  sign_cv_.notify_all();
  for (std::thread& signer : signers_) signer.join();
}

void AppendPipeline::SignerLoop() {
  base::NameThisThread("log-signer");
  std::map<KeyId, std::unique_ptr<Signer>> signers;  // One per key seen; reused contexts.
  std::vector<SignTask> tasks;
  while (true) {
    tasks.clear();
    {
      std::unique_lock lock(sign_mu_);
      sign_cv_.wait(lock, [&] { return !sign_queue_.empty() || signers_stopping_; });
      if (sign_queue_.empty()) return;
      while (!sign_queue_.empty() && tasks.size() < kSignTasksPerTake) {
        tasks.push_back(sign_queue_.front());
        sign_queue_.pop_front();
      }
      sign_tasks_queued_.store(sign_queue_.size(), std::memory_order_relaxed);
    }
    bool group_completed = false;
    for (const SignTask& task : tasks) {
      PendingGroup& group = *task.group;
      PendingRecord& record = group.records[task.index];
      auto& signer = signers[group.key->key_id()];  // Only sign_records groups come here.
      if (signer == nullptr) signer = std::make_unique<Signer>(*group.key);
      const Result<Signature> signature = signer->Sign(record.hash);
      if (signature.ok()) {
        EncodeRecord(record.prev_hash, record.hash, &*signature, record.envelope, &record.value);
      } else {
        group.sign_failed.store(true, std::memory_order_relaxed);
      }
      // After the last decrement another thread may free the group: touch nothing after it.
      if (group.unsigned_records.fetch_sub(1, std::memory_order_acq_rel) == 1) {
        group_completed = true;
      }
    }
    if (group_completed) {
      std::lock_guard lock(writer_mu_);
      if (writer_waiting_) writer_cv_.notify_one();
    }
  }
}

size_t AppendPipeline::ReadyRecordsLocked() const {
  size_t records = 0;
  for (const auto& group : groups_) {
    if (group->unsigned_records.load(std::memory_order_acquire) != 0) break;
    records += group->records.size();
    if (records >= kMinBatchRecords) break;
  }
  return records;
}

bool AppendPipeline::FrontReadyLocked() const {
  return !groups_.empty() && groups_.front()->unsigned_records.load(std::memory_order_acquire) == 0;
}

void AppendPipeline::WriterLoop() {
  base::NameThisThread("log-writer");
  while (true) {
    GroupBatch batch;
    Status status;
    {
      std::unique_lock lock(writer_mu_);
      writer_waiting_ = true;
      writer_cv_.wait(lock,
                      [&] { return FrontReadyLocked() || (writer_stopping_ && groups_.empty()); });
      writer_waiting_ = false;
      if (groups_.empty()) return;
      if (ReadyRecordsLocked() < kMinBatchRecords && !writer_stopping_ &&
          sign_tasks_queued_.load(std::memory_order_relaxed) > 0) {
        // Signers are busy: gather a bigger batch. No notifications arrive (writer_waiting_ is
        // false), so this is one timed sleep, not a wake-up per signed group.
        writer_cv_.wait_for(lock, kBatchGatherTime);
      }
      size_t records = 0;
      // One key per batch: its checkpoint is signed by the key of its records, so a keyRotation
      // is always signed off by the key it replaces.
      while (FrontReadyLocked() &&
             (batch.empty() || (records + groups_.front()->records.size() <= max_batch_records_ &&
                                groups_.front()->key->key_id() == batch.back()->key->key_id()))) {
        records += groups_.front()->records.size();
        batch.push_back(std::move(groups_.front()));
        groups_.pop_front();
      }
      status = failure_;
    }
    BACKSTOP_ASSERT(!batch.empty());
    for (const auto& group : batch) {
      if (status.ok() && group->sign_failed.load(std::memory_order_relaxed)) {
        status = Status::IOError("append", "signing failed; the log is now read-only");
      }
    }
    if (status.ok()) status = write_(batch);
    Finish(batch, status);
  }
}

void AppendPipeline::Finish(GroupBatch& batch, const Status& status) {
  bool notify_space = false;
  size_t records = 0;
  for (const auto& group : batch) records += group->records.size();
  // Acknowledge in seq order, outside the lock (callbacks may be slow-ish). The records'
  // values are written: each callback takes its group's.
  for (const auto& group : batch) {
    if (!group->done) continue;
    GroupValues values;
    if (status.ok()) {
      values.reserve(group->records.size());
      for (PendingRecord& record : group->records) values.push_back(std::move(record.value));
    }
    group->done(status, group->range, std::move(values));
  }
  {
    std::lock_guard lock(writer_mu_);
    BACKSTOP_ASSERT(pending_records_ >= records, pending_records_, records);
    pending_records_ -= records;
    if (status.ok()) {
      BACKSTOP_ASSERT(batch.front()->range.first == durable_seq_ + 1, durable_seq_);
      durable_seq_ = batch.back()->range.last;
    } else if (failure_.ok()) {
      failure_ = status;
    }
    // Hysteresis: a blocked sequencer wakes once the pipeline is half empty (or empty, which
    // any reservation fits), not after every batch.
    notify_space = !failure_.ok() || pending_records_ <= max_pending_records_ / 2;
  }
  if (notify_space) space_cv_.notify_all();
  durable_cv_.notify_all();
}

}  // namespace ledger::internal
