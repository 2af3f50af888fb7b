// A market's exact decimals (query/text.h).

#include "query/text.h"

#include <gtest/gtest.h>

namespace query {
namespace {

TEST(MarketScaleTest, DisplaysExactDecimals) {
  MarketScale scale{1, "BTCUSDT", 1, 3, 6};
  EXPECT_EQ(BaseQuantity(500, scale), "0.500");
  EXPECT_EQ(QuotePrice(58036000, scale), "58036.000000");  // Per lot of 0.001 BTC.
  EXPECT_EQ(QuoteAmount(14184000, scale), "14.184000");
}

// A coarse tick rounds the bankruptcy price per lot (451 per 0.01 BTC lot, 45,100 per BTC);
// the settlement price is the quote over the quantity, exact: 10 lots for 4,501 quote units.
TEST(MarketScaleTest, SettlementPriceIsTheExactQuoteOverQuantity) {
  const MarketScale coarse{1, "BTCUSDT", 1, 2, 0};
  EXPECT_EQ(QuotePrice(451, coarse), "45100");
  EXPECT_EQ(SettlementPrice(4501, 10, coarse), "45010");
  EXPECT_EQ(SettlementPrice(4501, -10, coarse), "-45010");
  EXPECT_EQ(SettlementPrice(4501, 3, coarse), "150033.333333333333333333...");
  const MarketScale btc{1, "BTCUSDT", 1, 3, 6};
  EXPECT_EQ(SettlementPrice(45'010'000'001, 1000, btc), "45010.000001");
  EXPECT_EQ(SettlementPrice(45'010'000'001, 10000, btc), "4501.0000001");
}

}  // namespace
}  // namespace query
