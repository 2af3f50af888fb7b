// make_ingest_stream: writes N input commands of the engine tests' seeded stream (2,000
// accounts, 4 markets: orders, cancels, marks that trend and crash, funding, deposits,
// withdrawals) as JSON Lines for `backstop ingest` (docs/INPUT.md).
// Usage: make_ingest_stream N SEED > stream.jsonl
#include <cstdio>
#include <cstdlib>
#include <string>

#include "cli/input_json.h"
#include "tests/engine/engine_test_util.h"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: make_ingest_stream N SEED > stream.jsonl\n");
    return 2;
  }
  const unsigned long long count = std::strtoull(argv[1], nullptr, 10);
  engine::testing::RandomStream stream(std::strtoull(argv[2], nullptr, 10), 2'000, 4);
  for (unsigned long long i = 0; i < count; ++i) {
    std::string line = cli::InputToJson(stream.Next());
    std::fwrite(line.data(), 1, line.size(), stdout);
    std::fputc('\n', stdout);
  }
  return 0;
}
