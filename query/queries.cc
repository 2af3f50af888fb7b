// Index-driven queries over the event log (see queries.h). Each query picks the narrowest
// index for its filter and applies the remaining filters. ADL reductions and the liquidations
// of an account come from covering indexes (the rows are the index values: no record reads);
// the other queries walk their index in batches and read the records it names. Only
// `liquidations` without an account scans records (no index).

#include "query/queries.h"

#include <algorithm>
#include <functional>
#include <string>

#include "base/assert.h"
#include "ledger/indexes.h"

namespace query {
namespace {

using E = ledger::schema::Event;
using base::Result;
using base::Status;
using ledger::Index;
using ledger::LogRecord;

constexpr size_t kIndexBatch = 256;  // Seqs fetched per ScanIndex call when filtering after.
constexpr uint64_t kScanProgressEveryRecords = 1 << 16;

std::string BigEndianSeq(SequenceNumber seq) {
  std::string out;
  for (int shift = 56; shift >= 0; shift -= 8)
    out.push_back(static_cast<char>(seq.value() >> shift));
  return out;
}

// The smallest key greater than every key starting with `prefix` ("" if none: no bound).
std::string PrefixEnd(std::string prefix) {
  while (!prefix.empty()) {
    const auto last = static_cast<uint8_t>(prefix.back());
    if (last != 0xff) {
      prefix.back() = static_cast<char>(last + 1);
      return prefix;
    }
    prefix.pop_back();
  }
  return prefix;
}

bool InTime(const Filter& filter, int64_t time_ns) {
  if (filter.since_ns && time_ns < *filter.since_ns) return false;
  if (filter.until_ns && time_ns >= *filter.until_ns) return false;
  return true;
}

// A range of one index: keys in [lower, upper) (upper "" = no bound), and how to rebuild the
// full key of a record found through it (to resume after it in the next batch).
struct IndexRange {
  Index index = Index::kAccountEvent;
  std::string lower;
  std::string upper;
  std::function<std::string(const LogRecord&)> key_of;
};

// Calls `visit` with each record of `range`, in key order, until it returns false. Reads
// `batch` seqs per ScanIndex call.
Status Walk(const ledger::EventLog& log, const IndexRange& range, size_t batch,
            const std::function<bool(LogRecord&&)>& visit) {
  BACKSTOP_ASSERT(batch > 0);
  std::string lower = range.lower;
  while (true) {
    BACKSTOP_ASSIGN_OR_RETURN(auto seqs, log.ScanIndex(range.index, lower, range.upper, batch));
    std::string next;
    for (SequenceNumber seq : seqs) {
      BACKSTOP_ASSIGN_OR_RETURN(LogRecord record, log.Read(seq));
      if (seq == seqs.back()) next = range.key_of(record);
      if (!visit(std::move(record))) return Status::OK();
    }
    if (seqs.size() < batch) return Status::OK();
    BACKSTOP_ASSERT(next >= lower, next, lower);
    lower = next + std::string(1, '\0');  // The next key after `next`.
  }
}

// A prefix range over an index whose keys are prefix | seq, restricted to seqs [first, end)
// (end 0: no bound).
IndexRange PrefixRange(Index index, const std::string& prefix, SequenceNumber first,
                       SequenceNumber end) {
  IndexRange range;
  range.index = index;
  range.lower = prefix + BigEndianSeq(first);
  range.upper = end == ledger::SequenceNumber{0} ? PrefixEnd(prefix) : prefix + BigEndianSeq(end);
  range.key_of = [prefix](const LogRecord& record) { return prefix + BigEndianSeq(record.seq()); };
  return range;
}

// The seq range [first, end) that holds exactly the records in the filter's time range
// (end 0: to the head), by binary search on the log.
Result<std::pair<SequenceNumber, SequenceNumber>> SeqRangeOf(const ledger::EventLog& log,
                                                             const Filter& filter) {
  SequenceNumber first{1};
  SequenceNumber end{0};
  if (filter.since_ns) {
    BACKSTOP_ASSIGN_OR_RETURN(first, FirstSeqAtOrAfter(log, *filter.since_ns));
  }
  if (filter.until_ns) {
    BACKSTOP_ASSIGN_OR_RETURN(end, FirstSeqAtOrAfter(log, *filter.until_ns));
  }
  return std::make_pair(first, end);
}

// With the ADL time index: the first ADL seq stamped at or after `time_ns` (0: none), which
// bounds the ADL seqs of a time range in one seek.
Result<SequenceNumber> FirstAdlSeqAtOrAfter(const ledger::EventLog& log, int64_t time_ns) {
  BACKSTOP_ASSIGN_OR_RETURN(auto seqs,
                            log.ScanIndex(Index::kAdlByTime, ledger::TimeKey(time_ns), "", 1));
  return seqs.empty() ? SequenceNumber{0} : seqs.front();
}

Status RequireKnownAccount(const ledger::EventLog& log, const Filter& filter) {
  if (!filter.account) return Status::OK();
  BACKSTOP_ASSIGN_OR_RETURN(bool exists, AccountExists(log, *filter.account));
  if (!exists) {
    return Status::NotFound(
        "unknown account",
        "account " + std::to_string(filter.account->value()) + " has no event in the log");
  }
  return Status::OK();
}

// Collects rows of kind T from `range`, keeping those `keep` accepts, up to filter.limit; the
// first error `keep` returns ends the walk and is returned.
template <typename T>
Result<std::vector<T>> Collect(
    const ledger::EventLog& log, const IndexRange& range, const Filter& filter, bool exact_index,
    const std::function<Result<std::optional<T>>(const LogRecord&)>& keep) {
  std::vector<T> rows;
  Status failed;
  // When the index range is exactly the answer, fetch just `limit` seqs.
  const size_t batch = exact_index && filter.limit > 0 ? filter.limit : kIndexBatch;
  BACKSTOP_RETURN_IF_ERROR(Walk(log, range, batch, [&](LogRecord&& record) {
    if (!InTime(filter, record.time_ns())) return true;
    Result<std::optional<T>> row = keep(record);
    if (!row.ok()) {
      failed = row.status();
      return false;
    }
    if (*row) rows.push_back(std::move(**row));
    return filter.limit == 0 || rows.size() < filter.limit;
  }));
  BACKSTOP_RETURN_IF_ERROR(failed);
  return rows;
}

AdlReductionRow AdlRowOf(SequenceNumber seq, const ledger::AdlIndexValue& value) {
  return {{seq, value.time_ns, value.group}, value.reduction};
}

LiquidationRow LiquidationRowOf(SequenceNumber seq, const ledger::LiquidationIndexValue& value) {
  return {{seq, value.time_ns, value.group}, value.liquidation};
}

bool DecodeIndexValue(std::string_view bytes, ledger::AdlIndexValue* out) {
  return ledger::DecodeAdlIndexValue(bytes, out);
}
bool DecodeIndexValue(std::string_view bytes, ledger::LiquidationIndexValue* out) {
  return ledger::DecodeLiquidationIndexValue(bytes, out);
}

// Collects rows of kind T from a covering index: each entry's value decodes to a V, which
// `row_of` turns into a row (given the seq of the key) or rejects; rows outside the filter's
// time range are skipped; up to filter.limit. Corruption if a value does not decode.
template <typename T, typename V>
Result<std::vector<T>> CollectCovered(
    const ledger::EventLog& log, const IndexRange& range, const Filter& filter,
    const std::function<std::optional<T>(SequenceNumber, const V&)>& row_of) {
  std::vector<T> rows;
  std::optional<SequenceNumber> malformed;
  BACKSTOP_RETURN_IF_ERROR(log.VisitIndex(
      range.index, range.lower, range.upper, [&](std::string_view key, std::string_view value) {
        V decoded;
        if (!DecodeIndexValue(value, &decoded)) {
          malformed = ledger::SeqOfIndexKey(key);
          return false;
        }
        if (!InTime(filter, decoded.time_ns)) return true;
        std::optional<T> row = row_of(ledger::SeqOfIndexKey(key), decoded);
        if (row) rows.push_back(std::move(*row));
        return filter.limit == 0 || rows.size() < filter.limit;
      }));
  if (malformed) {
    return Status::Corruption(ledger::IndexColumnFamily(range.index),
                              "malformed value for seq " + std::to_string(malformed->value()) +
                                  " (indexes written before they held values, or damage: "
                                  "`backstop reindex` rewrites them)");
  }
  return rows;
}

}  // namespace

Status ValidateFilter(const Filter& filter) {
  if (filter.since_ns && filter.until_ns && *filter.since_ns >= *filter.until_ns) {
    return Status::InvalidArgument("bad time range", "since (" + std::to_string(*filter.since_ns) +
                                                         " ns) must be before until (" +
                                                         std::to_string(*filter.until_ns) + " ns)");
  }
  return Status::OK();
}

Result<SequenceNumber> FirstSeqAtOrAfter(const ledger::EventLog& log, int64_t time_ns) {
  // Invariant: every seq < low is stamped before time_ns; every seq >= high at or after it.
  SequenceNumber low{1};
  SequenceNumber high = log.head_seq() + 1;
  while (low < high) {
    const SequenceNumber middle = low + (high - low) / 2;
    BACKSTOP_ASSIGN_OR_RETURN(LogRecord record, log.Read(middle));
    if (record.time_ns() < time_ns) {
      low = middle + 1;
    } else {
      high = middle;
    }
  }
  BACKSTOP_ASSERT(low == high, low, high);
  return low;
}

Result<bool> AccountExists(const ledger::EventLog& log, engine::AccountId account) {
  const std::string prefix = ledger::AccountPrefix(account.value());
  BACKSTOP_ASSIGN_OR_RETURN(auto seqs,
                            log.ScanIndex(Index::kAccountEvent, prefix, PrefixEnd(prefix), 1));
  return !seqs.empty();
}

Result<std::vector<AdlReductionRow>> ListAdlReductions(const ledger::EventLog& log,
                                                       const Filter& filter) {
  BACKSTOP_RETURN_IF_ERROR(ValidateFilter(filter));
  BACKSTOP_RETURN_IF_ERROR(RequireKnownAccount(log, filter));
  // Time bounds become seq bounds on the account and market indexes (one seek each).
  SequenceNumber first{1};
  SequenceNumber end{0};
  if (filter.since_ns) {
    BACKSTOP_ASSIGN_OR_RETURN(first, FirstAdlSeqAtOrAfter(log, *filter.since_ns));
    if (first == ledger::SequenceNumber{0}) return std::vector<AdlReductionRow>{};
  }
  if (filter.until_ns) {
    BACKSTOP_ASSIGN_OR_RETURN(end, FirstAdlSeqAtOrAfter(log, *filter.until_ns));
    if (end == first) return std::vector<AdlReductionRow>{};
  }
  IndexRange range;
  if (filter.account) {
    range = PrefixRange(Index::kAdlByAccount, ledger::AccountPrefix(filter.account->value()), first,
                        end);
  } else if (filter.market) {
    range =
        PrefixRange(Index::kAdlByMarket, ledger::MarketPrefix(filter.market->value()), first, end);
  } else {
    range.index = Index::kAdlByTime;
    range.lower = filter.since_ns ? ledger::TimeKey(*filter.since_ns) : "";
    range.upper = filter.until_ns ? ledger::TimeKey(*filter.until_ns) : "";
  }
  return CollectCovered<AdlReductionRow, ledger::AdlIndexValue>(
      log, range, filter,
      [&](SequenceNumber seq,
          const ledger::AdlIndexValue& value) -> std::optional<AdlReductionRow> {
        const engine::AdlReduction& reduction = value.reduction;
        if (filter.market && reduction.market != *filter.market) return std::nullopt;
        if (filter.account && reduction.liquidated_account != *filter.account &&
            reduction.counterparty_account != *filter.account) {
          return std::nullopt;
        }
        return AdlRowOf(seq, value);
      });
}

Result<std::vector<LiquidationRow>> ListLiquidations(const ledger::EventLog& log,
                                                     const Filter& filter,
                                                     const ScanProgress& progress) {
  BACKSTOP_RETURN_IF_ERROR(ValidateFilter(filter));
  BACKSTOP_RETURN_IF_ERROR(RequireKnownAccount(log, filter));
  BACKSTOP_ASSIGN_OR_RETURN(auto seqs, SeqRangeOf(log, filter));
  auto matches = [&](const LiquidationRow& row) {
    return (!filter.market || row.effect.market == *filter.market) &&
           (!filter.account || row.effect.account == *filter.account);
  };
  if (filter.account) {
    const IndexRange range =
        PrefixRange(Index::kLiquidationByAccount, ledger::AccountPrefix(filter.account->value()),
                    seqs.first, seqs.second);
    return CollectCovered<LiquidationRow, ledger::LiquidationIndexValue>(
        log, range, filter,
        [&](SequenceNumber seq,
            const ledger::LiquidationIndexValue& value) -> std::optional<LiquidationRow> {
          LiquidationRow row = LiquidationRowOf(seq, value);
          if (!matches(row)) return std::nullopt;
          return row;
        });
  }
  // No index covers all accounts: scan the records of the time range.
  std::vector<LiquidationRow> rows;
  const SequenceNumber last =
      seqs.second == SequenceNumber{0} ? SequenceNumber{0} : seqs.second - 1;
  if (seqs.second != ledger::SequenceNumber{0} && seqs.second <= seqs.first) return rows;
  auto it = log.NewIterator(seqs.first, last);
  const SequenceNumber end = last == ledger::SequenceNumber{0} ? log.head_seq() : last;
  const uint64_t total = end >= seqs.first ? end - seqs.first + 1 : 0;
  uint64_t done = 0;
  for (; it->Valid(); it->Next()) {
    if (progress && ++done % kScanProgressEveryRecords == 0) progress(done, total);
    BACKSTOP_ASSIGN_OR_RETURN(LogRecord record, ledger::DecodeRecord(it->value()));
    if (record.event().which() != E::LIQUIDATION) continue;
    BACKSTOP_ASSIGN_OR_RETURN(LiquidationRow row, LiquidationFromRecord(record));
    if (!matches(row)) continue;
    rows.push_back(std::move(row));
    if (filter.limit != 0 && rows.size() >= filter.limit) return rows;
  }
  BACKSTOP_RETURN_IF_ERROR(it->status());
  return rows;
}

Result<std::vector<FundMovementRow>> ListFundMovements(const ledger::EventLog& log,
                                                       const Filter& filter) {
  BACKSTOP_RETURN_IF_ERROR(ValidateFilter(filter));
  BACKSTOP_RETURN_IF_ERROR(RequireKnownAccount(log, filter));
  BACKSTOP_ASSIGN_OR_RETURN(auto seqs, SeqRangeOf(log, filter));
  // A credit or draw that passes the filter (nullopt otherwise); Corruption if undecodable.
  auto keep = [&](const LogRecord& record) -> Result<std::optional<FundMovementRow>> {
    const auto which = record.event().which();
    if (which != E::INSURANCE_FUND_CREDIT && which != E::INSURANCE_FUND_DRAW) {
      return std::optional<FundMovementRow>();
    }
    BACKSTOP_ASSIGN_OR_RETURN(FundMovementRow row, FundMovementFromRecord(record));
    if ((filter.asset && row.asset() != *filter.asset) ||
        (filter.account && row.account() != *filter.account) ||
        (filter.market && row.market() != *filter.market)) {
      return std::optional<FundMovementRow>();
    }
    return std::optional<FundMovementRow>(std::move(row));
  };
  const bool exact = !filter.account && !filter.market;
  if (filter.asset) {
    const IndexRange range = PrefixRange(
        Index::kFundMovement, ledger::AssetPrefix(filter.asset->value()), seqs.first, seqs.second);
    return Collect<FundMovementRow>(log, range, filter, exact, keep);
  }
  // All assets: the index is ordered by asset, then seq; take its seqs in the seq range and
  // merge them into seq order.
  BACKSTOP_ASSIGN_OR_RETURN(auto all, log.ScanIndex(Index::kFundMovement, "", "", 0));
  std::vector<SequenceNumber> wanted;
  for (SequenceNumber seq : all) {
    if (seq >= seqs.first && (seqs.second == ledger::SequenceNumber{0} || seq < seqs.second))
      wanted.push_back(seq);
  }
  std::sort(wanted.begin(), wanted.end());
  std::vector<FundMovementRow> rows;
  for (SequenceNumber seq : wanted) {
    if (filter.limit != 0 && rows.size() >= filter.limit) break;
    BACKSTOP_ASSIGN_OR_RETURN(LogRecord record, log.Read(seq));
    const auto which = record.event().which();
    if (which != E::INSURANCE_FUND_CREDIT && which != E::INSURANCE_FUND_DRAW) {
      return Status::Corruption(
          "idx_fund", "seq " + std::to_string(seq.value()) + " is not an insurance-fund movement");
    }
    BACKSTOP_ASSIGN_OR_RETURN(std::optional<FundMovementRow> row, keep(record));
    if (row) rows.push_back(std::move(*row));
  }
  return rows;
}

Result<std::vector<LogRecord>> AccountHistory(const ledger::EventLog& log, const Filter& filter) {
  if (!filter.account) return Status::InvalidArgument("account history", "an account is needed");
  BACKSTOP_RETURN_IF_ERROR(ValidateFilter(filter));
  BACKSTOP_RETURN_IF_ERROR(RequireKnownAccount(log, filter));
  BACKSTOP_ASSIGN_OR_RETURN(auto seqs, SeqRangeOf(log, filter));
  std::vector<LogRecord> records;
  if (seqs.second != ledger::SequenceNumber{0} && seqs.second <= seqs.first) return records;
  const IndexRange range =
      PrefixRange(Index::kAccountEvent, ledger::AccountPrefix(filter.account->value()), seqs.first,
                  seqs.second);
  const size_t batch = filter.limit > 0 && !filter.market ? filter.limit : kIndexBatch;
  BACKSTOP_RETURN_IF_ERROR(Walk(log, range, batch, [&](LogRecord&& record) {
    if (!InTime(filter, record.time_ns())) return true;
    if (filter.market && MarketOfEvent(record.event()) != filter.market) return true;
    records.push_back(std::move(record));
    return filter.limit == 0 || records.size() < filter.limit;
  }));
  return records;
}

}  // namespace query
