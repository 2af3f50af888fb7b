// The sequencer thread (see dispatcher.h).

#include "server/internal/dispatcher.h"

#include <atomic>
#include <memory>

#include "engine/assert.h"

namespace server::internal {

Dispatcher::Dispatcher(replay::Sequencer* sequencer, size_t capacity)
    : sequencer_(sequencer), capacity_(capacity) {
  BACKSTOP_ASSERT(sequencer_ != nullptr);
  BACKSTOP_ASSERT(capacity_ > 0);
  thread_ = std::thread([this] { Loop(); });
}

Dispatcher::~Dispatcher() { Stop(); }

bool Dispatcher::TryPush(Job&& job) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_ || queue_.size() >= capacity_) return false;
    queue_.push_back(std::move(job));
  }
  wake_.notify_one();
  return true;
}

void Dispatcher::Stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
}

size_t Dispatcher::depth() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return queue_.size();
}

ledger::Status Dispatcher::failure() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return failure_;
}

void Dispatcher::Loop() {
  std::deque<Job> batch;
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) break;  // Stopping, and everything queued has run.
      batch.swap(queue_);
    }
    for (Job& job : batch) {
      if (job.kind == Job::Kind::kCommand) {
        RunCommand(job);
      } else {
        RunSnapshot(job);
      }
    }
    batch.clear();
  }
  ledger::Status flushed = sequencer_->Flush();
  if (!flushed.ok()) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (failure_.ok()) failure_ = flushed;
  }
}

void Dispatcher::RunCommand(Job& job) {
  // The log calls `done` once the group is durable; if Submit fails first it may not, so a
  // flag makes sure the caller hears exactly once.
  auto called = std::make_shared<std::atomic<bool>>(false);
  auto done = std::make_shared<std::function<void(const JobResult&)>>(std::move(job.done));
  auto once = [called, done](const ledger::Status& status, ledger::GroupRange range) {
    if (called->exchange(true)) return;
    (*done)(JobResult{status, range, 0});
  };
  auto submitted = sequencer_->Submit(job.input, once);
  if (!submitted.ok()) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (failure_.ok() && submitted.status().code() == ledger::Status::Code::kIOError) {
        failure_ = submitted.status();
      }
    }
    once(submitted.status(), ledger::GroupRange{});
  }
}

void Dispatcher::RunSnapshot(Job& job) {
  auto seq = sequencer_->TakeSnapshot();
  if (!seq.ok()) {
    job.done(JobResult{seq.status(), {}, 0});
    return;
  }
  job.done(JobResult{ledger::Status::OK(), {}, *seq});
}

}  // namespace server::internal
