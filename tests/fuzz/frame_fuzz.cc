// libFuzzer target: a frame body as `backstop serve` reads it from a client (DecodeRequest,
// with the protocol's limits), and as a client reads the server's answers (DecodeAnswer). Any
// input must give a clean refusal, never a crash.
#include <cstddef>
#include <cstdint>

#include "server/internal/frame.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  server::internal::DecodeFailure failure;
  uint64_t id = 0;
  (void)server::internal::DecodeRequest({data, size}, &failure, &id);
  (void)server::internal::DecodeAnswer({data, size});
  return 0;
}
