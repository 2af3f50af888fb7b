// A market's exact decimals (query/text.h).

#include "query/text.h"

#include <gtest/gtest.h>

namespace query {
namespace {

TEST(MarketScaleTest, DisplaysExactDecimals) {
  MarketScale scale{1, "BTCUSDT", 1, 3, 6};
  EXPECT_EQ(BaseQuantity(engine::Quantity{500}, scale), "0.500");
  EXPECT_EQ(QuotePrice(engine::Price{58036000}, scale), "58036.000000");  // Per lot of 0.001 BTC.
  EXPECT_EQ(QuoteAmount(engine::Money{14184000}, scale), "14.184000");
}

// A coarse tick rounds the bankruptcy price per lot (451 per 0.01 BTC lot, 45,100 per BTC);
// the settlement price is the quote over the quantity, exact: 10 lots for 4,501 quote units.
TEST(MarketScaleTest, SettlementPriceIsTheExactQuoteOverQuantity) {
  const MarketScale coarse{1, "BTCUSDT", 1, 2, 0};
  EXPECT_EQ(QuotePrice(engine::Price{451}, coarse), "45100");
  EXPECT_EQ(SettlementPrice(engine::Money{4501}, engine::Quantity{10}, coarse), "45010");
  EXPECT_EQ(SettlementPrice(engine::Money{4501}, engine::Quantity{-10}, coarse), "-45010");
  EXPECT_EQ(SettlementPrice(engine::Money{4501}, engine::Quantity{3}, coarse),
            "150033.333333333333333333...");
  const MarketScale btc{1, "BTCUSDT", 1, 3, 6};
  EXPECT_EQ(SettlementPrice(engine::Money{45'010'000'001}, engine::Quantity{1000}, btc),
            "45010.000001");
  EXPECT_EQ(SettlementPrice(engine::Money{45'010'000'001}, engine::Quantity{10000}, btc),
            "4501.0000001");
}

}  // namespace
}  // namespace query
