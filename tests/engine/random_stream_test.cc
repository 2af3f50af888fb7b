// Seeded random streams (>= 1,000,000 events in total over several seeds): valid and invalid
// orders, cancels, marks with crashes and squeezes, funding, deposits and withdrawals. The
// engine checks every invariant after every event (EngineOptions::verify_invariants); a failure
// names the seed and event through SCOPED_TRACE.

#include <map>
#include <sstream>
#include <string>

#include "engine_test_util.h"

namespace engine::testing {
namespace {

constexpr int64_t kEventsPerSeed = 250'000;

class RandomStreamTest : public ::testing::TestWithParam<uint64_t> {};

TEST_P(RandomStreamTest, EveryInvariantHoldsAfterEveryEvent) {
  const uint64_t seed = GetParam();
  SCOPED_TRACE("seed " + std::to_string(seed));
  EngineOptions options;
  options.verify_invariants = true;
  RiskEngine engine(options);
  RandomStream stream(seed);
  std::vector<Effect> effects;
  int64_t liquidations = 0, reductions = 0, fills = 0;
  std::map<int, int64_t> rejections;
  std::vector<int64_t> kinds(std::variant_size_v<Effect>, 0);
  for (int64_t i = 0; i < kEventsPerSeed; ++i) {
    effects.clear();
    engine.Apply(stream.Next(), i, &effects);
    for (const Effect& effect : effects) {
      liquidations += std::holds_alternative<Liquidation>(effect);
      reductions += std::holds_alternative<AdlReduction>(effect);
      fills += std::holds_alternative<Fill>(effect);
      kinds[effect.index()] += 1;
      if (const auto* order = std::get_if<OrderRejected>(&effect)) {
        rejections[static_cast<int>(order->reason)] += 1;
      } else if (const auto* input = std::get_if<InputRejected>(&effect)) {
        rejections[static_cast<int>(input->reason)] += 1;
      }
    }
  }
  // The stream must actually exercise the risk paths.
  EXPECT_GT(fills, 10'000);
  EXPECT_GT(liquidations, 10);
  EXPECT_GT(reductions, 0);
  std::ostringstream summary;
  summary << "effects by kind:";
  for (const int64_t count : kinds) summary << ' ' << count;
  summary << "; rejections:";
  for (const auto& [code, count] : rejections) summary << ' ' << code << 'x' << count;
  std::printf("%s\n", summary.str().c_str());
  std::printf("seed %llu: %lld fills, %lld liquidations, %lld ADL reductions\n",
              static_cast<unsigned long long>(seed), static_cast<long long>(fills),
              static_cast<long long>(liquidations), static_cast<long long>(reductions));
}

INSTANTIATE_TEST_SUITE_P(Seeds, RandomStreamTest, ::testing::Values(1, 2, 3, 4));

}  // namespace
}  // namespace engine::testing
