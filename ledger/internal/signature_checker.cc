#include "ledger/internal/signature_checker.h"

namespace ledger::internal {
namespace {

constexpr size_t kSignatureChunkRecords = 512;
constexpr size_t kMaxQueuedChunksPerThread = 4;

bool CheckJob(const SignatureJob& job) {
  if (job.note_body.empty()) return VerifySignature(*job.key, job.hash, job.signature);
  return VerifySignature(
      *job.key, {reinterpret_cast<const uint8_t*>(job.note_body.data()), job.note_body.size()},
      job.signature);
}

}  // namespace

ParallelSignatureChecker::ParallelSignatureChecker(int threads) {
  BACKSTOP_ASSERT(threads >= 1, threads);
  max_queued_ = kMaxQueuedChunksPerThread * static_cast<size_t>(threads);
  for (int i = 0; i < threads; ++i) workers_.emplace_back([this] { Work(); });
}

ParallelSignatureChecker::~ParallelSignatureChecker() { Finish(); }

void ParallelSignatureChecker::Add(const SignatureJob& job) {
  chunk_.push_back(job);
  if (chunk_.size() >= kSignatureChunkRecords) PushChunk();
}

SequenceNumber ParallelSignatureChecker::Finish() {
  if (!workers_.empty()) {
    PushChunk();
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    work_cv_.notify_all();
    for (auto& worker : workers_) worker.join();
    workers_.clear();
  }
  return first_bad_;
}

void ParallelSignatureChecker::PushChunk() {
  if (chunk_.empty()) return;
  std::unique_lock lock(mu_);
  space_cv_.wait(lock, [&] { return queue_.size() < max_queued_; });
  queue_.push_back(std::move(chunk_));
  chunk_.clear();
  lock.unlock();
  work_cv_.notify_one();
}

void ParallelSignatureChecker::Work() {
  while (true) {
    std::vector<SignatureJob> jobs;
    {
      std::unique_lock lock(mu_);
      work_cv_.wait(lock, [&] { return !queue_.empty() || stopping_; });
      if (queue_.empty()) return;
      jobs = std::move(queue_.front());
      queue_.pop_front();
    }
    space_cv_.notify_one();
    const SignatureJob* bad = nullptr;
    uint64_t checked = 0;
    for (const SignatureJob& job : jobs) {
      ++checked;
      if (!CheckJob(job)) {
        bad = &job;
        break;  // Jobs are in seq order: the first failure is the chunk's lowest.
      }
    }
    std::lock_guard lock(mu_);
    checked_ += checked;
    if (bad != nullptr && (first_bad_ == SequenceNumber{0} || bad->seq < first_bad_)) {
      first_bad_ = bad->seq;
      bad_key_id_ = bad->key->key_id();
      bad_is_checkpoint_ = !bad->note_body.empty();
    }
  }
}

}  // namespace ledger::internal
