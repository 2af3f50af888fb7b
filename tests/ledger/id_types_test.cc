// The project's identifiers and amounts (engine/money.h, ledger/record.h) are distinct strong
// types: none converts into another or into its integer without an explicit construction or
// .value(), and each keeps the size of the integer the log and the snapshots store.

#include <gtest/gtest.h>

#include <cstdint>
#include <type_traits>

#include "base/strong_type_fmt.h"
#include "engine/money.h"
#include "ledger/record.h"

namespace {

using engine::AccountId;
using engine::AssetId;
using engine::MarketId;
using engine::Money;
using engine::OrderId;
using engine::Price;
using engine::Quantity;
using ledger::SequenceNumber;

template <typename A, typename B>
constexpr bool kConvertsEitherWay = std::is_convertible_v<A, B> || std::is_convertible_v<B, A>;

static_assert(!kConvertsEitherWay<AccountId, MarketId>);
static_assert(!kConvertsEitherWay<AccountId, OrderId>);
static_assert(!kConvertsEitherWay<AccountId, AssetId>);
static_assert(!kConvertsEitherWay<AccountId, SequenceNumber>);
static_assert(!kConvertsEitherWay<MarketId, OrderId>);
static_assert(!kConvertsEitherWay<MarketId, AssetId>);
static_assert(!kConvertsEitherWay<MarketId, SequenceNumber>);
static_assert(!kConvertsEitherWay<OrderId, SequenceNumber>);
static_assert(!kConvertsEitherWay<AssetId, SequenceNumber>);
static_assert(!kConvertsEitherWay<AccountId, uint64_t>);
static_assert(!kConvertsEitherWay<OrderId, uint64_t>);
static_assert(!kConvertsEitherWay<SequenceNumber, uint64_t>);
static_assert(!kConvertsEitherWay<MarketId, uint32_t>);
static_assert(!kConvertsEitherWay<AssetId, uint32_t>);
static_assert(!kConvertsEitherWay<MarketId, uint64_t>);
static_assert(!kConvertsEitherWay<Money, Price>);
static_assert(!kConvertsEitherWay<Money, Quantity>);
static_assert(!kConvertsEitherWay<Price, Quantity>);
static_assert(!kConvertsEitherWay<Money, int64_t>);
static_assert(!kConvertsEitherWay<Price, int64_t>);
static_assert(!kConvertsEitherWay<Quantity, int64_t>);
static_assert(!kConvertsEitherWay<Quantity, AccountId>);
// Not even explicitly between two kinds: only through the integer.
static_assert(!std::is_constructible_v<AccountId, OrderId>);
static_assert(!std::is_constructible_v<SequenceNumber, AccountId>);
static_assert(!std::is_constructible_v<Money, Price> && !std::is_constructible_v<Price, Quantity>);

// The widths the record codec and the canonical state encoding store.
static_assert(sizeof(AccountId) == sizeof(uint64_t) && sizeof(OrderId) == sizeof(uint64_t));
static_assert(sizeof(MarketId) == sizeof(uint32_t) && sizeof(AssetId) == sizeof(uint32_t));
static_assert(sizeof(SequenceNumber) == sizeof(uint64_t));
static_assert(sizeof(Money) == sizeof(int64_t) && sizeof(Price) == sizeof(int64_t) &&
              sizeof(Quantity) == sizeof(int64_t));
static_assert(std::is_trivially_copyable_v<AccountId> && std::is_trivially_copyable_v<MarketId> &&
              std::is_trivially_copyable_v<AssetId> && std::is_trivially_copyable_v<OrderId> &&
              std::is_trivially_copyable_v<SequenceNumber>);

TEST(IdTypesTest, PrintAsTheirIntegers) {
  EXPECT_EQ(fmt::format("{} {} {} {} {}", AccountId{7}, MarketId{2}, AssetId{1}, OrderId{99},
                        SequenceNumber{12}),
            "7 2 1 99 12");
  EXPECT_EQ(engine::kLiquidationAccount, AccountId{0});
  EXPECT_EQ(SequenceNumber{12} - SequenceNumber{2}, 10u);
}

}  // namespace
