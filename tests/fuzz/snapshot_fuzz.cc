// libFuzzer target: a snapshot file as recovery, `snapshot verify` and the audit read it. Bytes
// that start with the file magic go through the framing check (docs/formats/snapshot.md); any
// other bytes are taken as a body, since a signed body from the operator's own key is still
// untrusted by an auditor: the canonical Cap'n Proto decode, then the engine's import of the
// state and its state hash. Any input must give a clean error, never a crash.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "capnp/common.h"
#include "engine/risk_engine.h"
#include "snapshots/internal/snapshot_format.h"
#include "snapshots/internal/state_codec.h"
#include "snapshots/state_hash.h"

namespace {

void DecodeBodyAndImport(std::span<const uint8_t> body) {
  // The store hands the decoder word-aligned bytes; so does this target.
  std::vector<capnp::word> aligned(body.size() / sizeof(capnp::word));
  if (aligned.empty()) return;
  std::memcpy(aligned.data(), body.data(), aligned.size() * sizeof(capnp::word));
  const std::span<const uint8_t> words(reinterpret_cast<const uint8_t*>(aligned.data()),
                                       aligned.size() * sizeof(capnp::word));
  engine::EngineState state;
  if (!snapshots::internal::DecodeBody(words, &state).ok()) return;
  std::string error;
  auto engine = engine::RiskEngine::Import(state, &error);
  if (engine) (void)snapshots::StateHash(engine->Export());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::span<const uint8_t> bytes(data, size);
  const auto& magic = snapshots::internal::kMagic;
  if (size >= magic.size() && std::memcmp(data, magic.data(), magic.size()) == 0) {
    auto file = snapshots::internal::ParseFile(bytes);
    if (file.ok()) DecodeBodyAndImport(file->body);
    return 0;
  }
  DecodeBodyAndImport(bytes);
  return 0;
}
