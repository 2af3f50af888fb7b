// Private: the verifier's pool of threads that check Ed25519 signatures (of records' hashes and
// of checkpoints' note bodies) in chunks, beside the thread that reads the chain. Add and
// Finish are called from one thread; the workers are internal.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "ledger/keys.h"
#include "ledger/record.h"

namespace ledger::internal {

struct SignatureJob {
  SequenceNumber seq{0};
  const PublicKey* key = nullptr;  // Owned by the caller; must outlive Finish.
  Hash hash{};
  Signature signature{};
  std::string note_body;  // A checkpoint's: signed instead of `hash` when not empty.
};

// Verifies signature jobs on `threads` threads; remembers the lowest failing seq.
class ParallelSignatureChecker {
 public:
  explicit ParallelSignatureChecker(int threads);
  ~ParallelSignatureChecker();  // Finish().
  ParallelSignatureChecker(const ParallelSignatureChecker&) = delete;
  ParallelSignatureChecker& operator=(const ParallelSignatureChecker&) = delete;

  void Add(const SignatureJob& job);
  // Waits for every job. Returns the lowest failing seq (0 if none); bad_key_id() names its key.
  SequenceNumber Finish();
  uint64_t checked() const { return checked_; }
  const KeyId& bad_key_id() const { return bad_key_id_; }
  bool bad_is_checkpoint() const { return bad_is_checkpoint_; }

 private:
  void PushChunk();
  void Work();

  size_t max_queued_ = 0;
  std::vector<SignatureJob> chunk_;  // Filled by the caller's thread only.
  std::mutex mu_;
  std::condition_variable work_cv_;
  std::condition_variable space_cv_;
  std::deque<std::vector<SignatureJob>> queue_;  // Guarded by mu_.
  bool stopping_ = false;                        // Guarded by mu_.
  SequenceNumber first_bad_{0};                  // Guarded by mu_ until Finish.
  uint64_t checked_ = 0;                         // Guarded by mu_ until Finish.
  KeyId bad_key_id_{};                           // Guarded by mu_ until Finish.
  bool bad_is_checkpoint_ = false;               // Guarded by mu_ until Finish.
  std::vector<std::thread> workers_;
};

}  // namespace ledger::internal
