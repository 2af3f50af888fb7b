// Index keys of log records (see indexes.h).

#include "ledger/indexes.h"

namespace ledger {
namespace {

using E = schema::Event;

void AppendBigEndian(uint64_t value, int bytes, std::string* out) {
  for (int shift = (bytes - 1) * 8; shift >= 0; shift -= 8) {
    out->push_back(static_cast<char>((value >> shift) & 0xff));
  }
}

std::string WithSeq(std::string prefix, SequenceNumber seq) {
  AppendBigEndian(seq, 8, &prefix);
  return prefix;
}

// The accounts an event names, at most two; account 0 (the venue) is left out.
int AccountsOf(E::Reader event, uint64_t accounts[2]) {
  int n = 0;
  auto add = [&](uint64_t account) {
    if (account != 0 && (n == 0 || accounts[0] != account)) accounts[n++] = account;
  };
  switch (event.which()) {
    case E::ACCOUNT_OPENED:
      add(event.getAccountOpened().getAccount());
      break;
    case E::DEPOSIT:
      add(event.getDeposit().getAccount());
      break;
    case E::WITHDRAWAL:
      add(event.getWithdrawal().getAccount());
      break;
    case E::ORDER_PLACED:
      add(event.getOrderPlaced().getAccount());
      break;
    case E::ORDER_CANCEL_REQUESTED:
      add(event.getOrderCancelRequested().getAccount());
      break;
    case E::ORDER_ACCEPTED:
      add(event.getOrderAccepted().getAccount());
      break;
    case E::ORDER_REJECTED:
      add(event.getOrderRejected().getAccount());
      break;
    case E::ORDER_CANCELLED:
      add(event.getOrderCancelled().getAccount());
      break;
    case E::FILL:
      add(event.getFill().getMakerAccount());
      add(event.getFill().getTakerAccount());
      break;
    case E::FUNDING_PAYMENT:
      add(event.getFundingPayment().getAccount());
      break;
    case E::LIQUIDATION:
      add(event.getLiquidation().getAccount());
      break;
    case E::LIQUIDATION_FILL:
      add(event.getLiquidationFill().getAccount());
      add(event.getLiquidationFill().getMakerAccount());
      break;
    case E::INSURANCE_FUND_DRAW:
      add(event.getInsuranceFundDraw().getAccount());
      break;
    case E::ADL_QUEUE:
      add(event.getAdlQueue().getAccount());
      break;
    case E::ADL_REDUCTION:
      add(event.getAdlReduction().getAccount());
      add(event.getAdlReduction().getCounterparty());
      break;
    default:
      break;
  }
  return n;
}

}  // namespace

const char* IndexColumnFamily(Index index) {
  switch (index) {
    case Index::kAdlByAccount:
      return "idx_adl_account";
    case Index::kAdlByMarket:
      return "idx_adl_market";
    case Index::kAdlByTime:
      return "idx_adl_time";
    case Index::kLiquidationByAccount:
      return "idx_liquidation_account";
    case Index::kFundMovement:
      return "idx_fund";
    case Index::kAccountEvent:
      return "idx_account";
  }
  return "idx_unknown";
}

std::array<Index, kIndexCount> AllIndexes() {
  return {Index::kAdlByAccount,         Index::kAdlByMarket,  Index::kAdlByTime,
          Index::kLiquidationByAccount, Index::kFundMovement, Index::kAccountEvent};
}

std::string AccountPrefix(uint64_t account) {
  std::string out;
  AppendBigEndian(account, 8, &out);
  return out;
}

std::string MarketPrefix(uint32_t market) {
  std::string out;
  AppendBigEndian(market, 4, &out);
  return out;
}

std::string AssetPrefix(uint32_t asset) { return MarketPrefix(asset); }

std::string TimeKey(int64_t time_ns) {
  std::string out;
  AppendBigEndian(static_cast<uint64_t>(time_ns) ^ (uint64_t{1} << 63), 8, &out);
  return out;
}

SequenceNumber SeqOfIndexKey(std::string_view key) {
  if (key.size() < 8) return 0;
  SequenceNumber seq = 0;
  for (size_t i = key.size() - 8; i < key.size(); ++i) {
    seq = (seq << 8) | static_cast<uint8_t>(key[i]);
  }
  return seq;
}

void IndexEntries(SequenceNumber seq, int64_t time_ns, schema::Event::Reader event,
                  std::vector<IndexEntry>* out) {
  uint64_t accounts[2] = {0, 0};
  const int touched = AccountsOf(event, accounts);
  for (int i = 0; i < touched; ++i) {
    out->push_back({Index::kAccountEvent, WithSeq(AccountPrefix(accounts[i]), seq)});
  }
  switch (event.which()) {
    case E::ADL_REDUCTION:
      for (int i = 0; i < touched; ++i) {
        out->push_back({Index::kAdlByAccount, WithSeq(AccountPrefix(accounts[i]), seq)});
      }
      out->push_back(
          {Index::kAdlByMarket, WithSeq(MarketPrefix(event.getAdlReduction().getMarket()), seq)});
      out->push_back({Index::kAdlByTime, WithSeq(TimeKey(time_ns), seq)});
      break;
    case E::LIQUIDATION:
      out->push_back({Index::kLiquidationByAccount,
                      WithSeq(AccountPrefix(event.getLiquidation().getAccount()), seq)});
      break;
    case E::INSURANCE_FUND_CREDIT:
      out->push_back({Index::kFundMovement,
                      WithSeq(AssetPrefix(event.getInsuranceFundCredit().getAsset()), seq)});
      break;
    case E::INSURANCE_FUND_DRAW:
      out->push_back({Index::kFundMovement,
                      WithSeq(AssetPrefix(event.getInsuranceFundDraw().getAsset()), seq)});
      break;
    default:
      break;
  }
}

}  // namespace ledger
