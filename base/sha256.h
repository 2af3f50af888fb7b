// SHA-256 (OpenSSL's implementation, SHA-NI where the CPU has it). Used by the ledger's hash
// chain, Merkle tree and key ids, the snapshots' state hash, and the engine's commitment to a
// whole ADL ranking (a pure function of its bytes: deterministic like the rest of the engine).
// Thread-compatible: one Sha256 object per thread.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

struct SHA256state_st;

namespace base {

inline constexpr size_t kSha256Bytes = 32;
using Sha256Digest = std::array<uint8_t, kSha256Bytes>;

// Incremental SHA-256; the context is reused across Reset() calls.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void Reset();  // Starts a message: call before the first Update of each one.
  void Update(std::span<const uint8_t> bytes);
  Sha256Digest Finish();
  // One-shot convenience (reuses this object's context).
  Sha256Digest Of(std::span<const uint8_t> bytes);

 private:
  std::unique_ptr<SHA256state_st> ctx_;  // OpenSSL's SHA-256 state, reused message after message.
};

}  // namespace base
