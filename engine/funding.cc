// RULEBOOK rule 8: funding at the market's latest mark. Each position pays or receives
// |Q|*P*rate/1e8; payers round up, receivers round down, and the residue goes to the fund.

#include <vector>

#include "engine/internal/core.h"

namespace engine::internal {

void Core::DoFundingTick(const FundingTick& input) {
  const auto it = markets_.find(input.market);
  if (it == markets_.end()) return Reject(Rejection::kUnknownMarket);
  if (input.rate_e8 < -kRateScale || input.rate_e8 > kRateScale) {
    return Reject(Rejection::kInvalidRate);
  }
  Market& market = it->second;
  if (!market.has_mark) return Reject(Rejection::kNoMarkPrice);
  const AssetId asset = market.spec.quote_asset;
  struct Payment {
    AccountId holder;
    // Stays valid until paid: each holder's wallet map is touched once (the holders are
    // distinct), and no account is added or removed in between.
    Money* wallet;
    Quantity q;
    Money amount;
  };
  std::vector<Payment> payments;
  payments.reserve(market.holders.size());
  Int128 residue = 0;
  for (const AccountId holder : market.holders) {
    Account& account = accounts_.at(holder);
    const Quantity q = account.positions.at(input.market).q;
    const Int128 raw =
        Abs128(q) * Wide(market.mark) * (input.rate_e8 < 0 ? -input.rate_e8 : input.rate_e8);
    const bool pays = input.rate_e8 != 0 && (q > 0) == (input.rate_e8 > 0);
    const Int128 amount = pays ? -DivCeil(raw, kRateScale) : DivFloor(raw, kRateScale);
    Money& wallet = Wallet(account, asset);
    const Int128 balance = Wide(wallet) + amount;
    if (!FitsInt64(amount) || !FitsInt64(balance)) return Reject(Rejection::kAmountOverflow);
    payments.push_back({holder, &wallet, q, Money{static_cast<int64_t>(amount)}});
    residue -= amount;
  }
  BACKSTOP_ASSERT(residue >= 0, residue);
  Money& fund = InsuranceOf(asset);
  if (!FitsInt64(Wide(fund) + residue)) return Reject(Rejection::kAmountOverflow);
  for (const Payment& payment : payments) {
    AddOrDie(payment.wallet, payment.amount);
    Emit(FundingPayment{payment.holder, input.market, payment.q, market.mark, input.rate_e8,
                        payment.amount});
  }
  if (residue > 0) {
    AddOrDie(&fund, residue);
    Emit(InsuranceFundCredit{asset, Narrow<Money>(residue), CreditReason::kFundingResidue, fund});
  }
  AddHoldersToCandidates(market);
}

}  // namespace engine::internal
