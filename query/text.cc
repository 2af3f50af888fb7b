// A market's decimals (see text.h). Integer arithmetic only: no floating point touches an
// amount.

#include "query/text.h"

#include <algorithm>
#include <string>

#include "base/assert.h"
#include "ledger/schema/event.capnp.h"
#include "text/text.h"

namespace query {
namespace {

using base::Result;
using base::Status;

constexpr int kMaxDisplayDecimals = 18;

}  // namespace

const MarketScale* ScaleOfAsset(const std::map<uint32_t, MarketScale>& scales, uint32_t asset) {
  for (const auto& [market, scale] : scales) {
    if (scale.quote_asset == asset) return &scale;
  }
  return nullptr;
}

Result<std::map<uint32_t, MarketScale>> LoadMarketScales(const ledger::EventLog& log,
                                                         const std::set<uint32_t>& markets,
                                                         const std::set<uint32_t>& assets) {
  std::map<uint32_t, MarketScale> found;
  auto complete = [&] {
    for (uint32_t market : markets) {
      if (found.count(market) == 0) return false;
    }
    for (uint32_t asset : assets) {
      if (ScaleOfAsset(found, asset) == nullptr) return false;
    }
    return true;
  };
  if (complete()) return found;
  auto it = log.NewIterator(ledger::SequenceNumber{1}, ledger::SequenceNumber{0});
  for (; it->Valid(); it->Next()) {
    BACKSTOP_ASSIGN_OR_RETURN(auto record, ledger::DecodeRecord(it->value()));
    const auto event = record.event();
    if (event.which() != ledger::schema::Event::MARKET_LISTED) continue;
    const auto spec = event.getMarketListed();
    // Decimals beyond kMaxDisplayDecimals are not shown (they would overflow 128 bits).
    if (found.count(spec.getMarketId()) != 0 || spec.getLotDecimals() > kMaxDisplayDecimals ||
        spec.getQuoteDecimals() > kMaxDisplayDecimals) {
      continue;
    }
    found[spec.getMarketId()] =
        MarketScale{spec.getMarketId(), spec.getSymbol().cStr(), spec.getQuoteAsset(),
                    spec.getLotDecimals(), spec.getQuoteDecimals()};
    if (complete()) break;
  }
  BACKSTOP_RETURN_IF_ERROR(it->status());
  return found;
}

std::string BaseQuantity(engine::Quantity lots, const MarketScale& scale) {
  return text::FormatScaled(lots.value(), scale.lot_decimals);
}

std::string QuoteAmount(engine::Money amount, const MarketScale& scale) {
  return text::FormatScaled(amount.value(), scale.quote_decimals);
}

std::string QuotePrice(engine::Price price_per_lot, const MarketScale& scale) {
  // price per base unit = price per lot * 10^lot_decimals, in quote minor units.
  __int128 scaled = price_per_lot.value();
  for (int i = 0; i < scale.lot_decimals; ++i) scaled *= 10;
  return text::FormatScaled(scaled, scale.quote_decimals);
}

std::string SettlementPrice(engine::Money quote, engine::Quantity lots, const MarketScale& scale) {
  if (lots == 0) return "-";
  __int128 numerator = quote.value();
  __int128 denominator = lots.value();
  for (int i = 0; i < scale.lot_decimals; ++i) numerator *= 10;
  for (int i = 0; i < scale.quote_decimals; ++i) denominator *= 10;
  if (denominator < 0) {
    numerator = -numerator;
    denominator = -denominator;
  }
  return text::FormatQuotient(numerator, denominator, scale.quote_decimals,
                              std::max(scale.quote_decimals, kMaxDisplayDecimals));
}

}  // namespace query
