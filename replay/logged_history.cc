// The logged history (logged_history.h): the what-if's logged side, tallied by a scan of the
// window's records in parallel parts instead of a replay.

#include "replay//logged_history.h"

#include <fmt/format.h>

#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>
#include <variant>
#include <vector>

#include "base/strong_type_fmt.h"
#include "ledger/event_codec.h"
#include "replay/internal/whatif_tally.h"
#include "replay/internal/whatif_window.h"

namespace replay {

using base::Status;
using ledger::SequenceNumber;
using Which = ledger::schema::Event::Which;

namespace {

constexpr uint64_t kProgressRecords = 65536;  // Records between progress calls, per part.

// Progress of all parts together. Thread-safe.
class Progress {
 public:
  Progress(const std::function<void(uint64_t, uint64_t)>& callback, uint64_t total)
      : callback_(callback), total_(total) {}
  void Add(uint64_t records) {
    if (!callback_) return;
    std::lock_guard lock(mu_);
    done_ += records;
    callback_(done_, total_);
  }

 private:
  const std::function<void(uint64_t, uint64_t)>& callback_;
  const uint64_t total_;
  std::mutex mu_;
  uint64_t done_ = 0;  // Guarded by mu_.
};

// The market whose mark and quote asset the minutes and equity follow, chosen as the what-if
// chooses it: --market, or the first market of the start state, else the first listed.
class ReportMarket {
 public:
  explicit ReportMarket(const WhatIfParams& params) : wanted_(params.market) {}
  // True when `spec` becomes the report market.
  bool Note(const engine::MarketSpec& spec) {
    if (spec_ || (wanted_ && spec.market_id != *wanted_)) return false;
    spec_ = spec;
    return true;
  }
  const std::optional<engine::MarketSpec>& spec() const { return spec_; }

 private:
  const std::optional<engine::MarketId> wanted_;
  std::optional<engine::MarketSpec> spec_;
};

// One part of the window, records [first, last] (first starts a group), tallied as the
// what-if's logged side tallies them; the checks of the replay loop that need no engine
// (dense seqs, chain links, group structure) are kept. Thread-compatible.
class PartScan {
 public:
  // The first part: from the window's start state and hash.
  PartScan(const WhatIfOptions& options, const internal::WindowStart& start, SequenceNumber first,
           SequenceNumber last)
      : report_(options.params), first_(first), last_(last), last_hash_(start.hash) {
    for (const engine::MarketState& market : start.state.markets) NoteMarket(market.spec);
    tally_.Start(start.state);
    if (options.minutes) tally_.KeepMinutes();
  }
  // A later part, after the report market was listed; its first link is checked by the caller.
  PartScan(const WhatIfOptions& options, const engine::MarketSpec& report, SequenceNumber first,
           SequenceNumber last)
      : report_(options.params), first_(first), last_(last), later_(true) {
    report_.Note(report);
    tally_.StartLater(report.market_id, report.quote_asset);
    if (options.minutes) tally_.KeepMinutes();
  }

  Status Run(const ledger::EventLog& log, Progress* progress) {
    auto it = log.NewIterator(first_, last_);
    ledger::LogRecord record;
    for (; it->Valid(); it->Next()) {
      const SequenceNumber seq = first_ + records_;
      if (it->key_seq() != seq) {
        return Status::Corruption("replay",
                                  fmt::format("seq {} missing (found {})", seq, it->key_seq()));
      }
      // Effects' envelopes are checked only for the kinds that are read (Effect below).
      Status decoded =
          ledger::DecodeRecordInto(it->value(), &record, ledger::EnvelopeCheck::kInputsOnly);
      if (!decoded.ok()) {
        return Status::Corruption("replay", fmt::format("seq {}: {}", seq, decoded.message()));
      }
      BACKSTOP_RETURN_IF_ERROR(Feed(record, seq));
      if (++records_ % kProgressRecords == 0) progress->Add(kProgressRecords);
    }
    BACKSTOP_RETURN_IF_ERROR(it->status());
    progress->Add(records_ % kProgressRecords);
    if (first_ + records_ != last_ + 1) {
      return Status::Corruption("replay", fmt::format("seq {} missing", first_ + records_));
    }
    return Status::OK();
  }

  internal::HistoryTally& tally() { return tally_; }
  const std::optional<engine::MarketSpec>& report_spec() const { return report_.spec(); }
  SequenceNumber first() const { return first_; }
  SequenceNumber last() const { return last_; }
  uint64_t records() const { return records_; }
  uint64_t groups() const { return groups_; }
  int64_t first_time_ns() const { return first_time_ns_; }
  int64_t last_time_ns() const { return last_time_ns_; }
  const ledger::Hash& first_prev_hash() const { return first_prev_hash_; }
  const ledger::Hash& last_hash() const { return last_hash_; }

 private:
  Status Feed(const ledger::LogRecord& record, SequenceNumber seq) {
    if (records_ == 0) first_prev_hash_ = record.prev_hash();
    // A later part's first link is checked when the parts are put together.
    const bool linked = (records_ == 0 && later_) || record.prev_hash() == last_hash_;
    if (record.seq() != seq || !linked) {
      return Status::Corruption("replay", fmt::format("seq {}: chain link broken", seq));
    }
    last_hash_ = record.hash();
    last_time_ns_ = record.time_ns();
    const bool is_input = ledger::IsInput(record.event());
    if (record.group() != seq) {
      if (group_ == SequenceNumber{0} || record.group() != group_ || is_input) {
        return Status::Corruption(
            "what-if",
            fmt::format("seq {}: record claims group {} outside its group", seq, record.group()));
      }
      return Effect(record);
    }
    if (!is_input) {
      return Status::Corruption(
          "what-if", fmt::format("seq {}: a group starts with an effect, not an input", seq));
    }
    group_ = seq;
    ++groups_;
    return Input(record);
  }

  // As the what-if's Apply feeds its logged tally: marks, listings, transfers. The other
  // inputs only end the group before them.
  Status Input(const ledger::LogRecord& record) {
    if (first_time_ns_ == 0) first_time_ns_ = record.time_ns();
    const auto event = record.event();
    const Which which = event.which();
    if (which != Which::MARK_PRICE && which != Which::MARKET_LISTED && which != Which::DEPOSIT &&
        which != Which::WITHDRAWAL) {
      tally_.EndGroup();
      return Status::OK();
    }
    auto input = ledger::DecodeInput(event);
    if (!input.ok()) {
      return Status::Corruption("replay",
                                fmt::format("seq {}: {}", record.seq(), input.status().message()));
    }
    const int64_t time_ns = record.time_ns();
    if (const auto* mark = std::get_if<engine::SetMark>(&*input)) {
      tally_.Mark(time_ns, mark->market, mark->mark_price);
    }
    if (const auto* list = std::get_if<engine::ListMarket>(&*input)) NoteMarket(list->spec);
    if (const auto* deposit = std::get_if<engine::Deposit>(&*input)) {
      tally_.Transfer(deposit->account, deposit->asset, deposit->amount);
    } else if (const auto* withdraw = std::get_if<engine::Withdraw>(&*input)) {
      tally_.Transfer(withdraw->account, withdraw->asset, -withdraw->amount);
    } else {
      tally_.EndGroup();
    }
    return Status::OK();
  }

  // The logged effects the tally counts (HistoryTally::Effect); the rest are not read.
  Status Effect(const ledger::LogRecord& record) {
    switch (record.event().which()) {
      case Which::INPUT_REJECTED:
      case Which::LIQUIDATION:
      case Which::LIQUIDATION_FILL:
      case Which::INSURANCE_FUND_CREDIT:
      case Which::INSURANCE_FUND_DRAW:
      case Which::ADL_REDUCTION:
      case Which::SOCIALIZED_LOSS: {
        Status canonical = ledger::CheckEnvelopeCanonical(record);
        if (!canonical.ok()) {
          return Status::Corruption("replay",
                                    fmt::format("seq {}: {}", record.seq(), canonical.message()));
        }
        tally_.Record(record);
        return Status::OK();
      }
      default:
        return Status::OK();
    }
  }

  void NoteMarket(const engine::MarketSpec& spec) {
    if (report_.Note(spec)) tally_.SetReportMarket(spec.market_id, spec.quote_asset);
  }

  ReportMarket report_;
  internal::HistoryTally tally_;
  const SequenceNumber first_;
  const SequenceNumber last_;
  bool later_ = false;  // Not the first part.
  ledger::Hash first_prev_hash_{};
  ledger::Hash last_hash_{};
  SequenceNumber group_{0};  // The group being read (0: none yet).
  uint64_t records_ = 0;
  uint64_t groups_ = 0;
  int64_t first_time_ns_ = 0;  // The first input's nonzero stamp, as the what-if keeps it.
  int64_t last_time_ns_ = 0;
};

// The report market before the window's later parts, and the seq where it was chosen (0: from
// the start state): the first part's choice, read ahead up to `limit`. None if not by then.
base::Result<std::pair<std::optional<engine::MarketSpec>, SequenceNumber>> ReportMarketBefore(
    const ledger::EventLog& log, const WhatIfOptions& options, const internal::WindowStart& start,
    SequenceNumber first, SequenceNumber limit) {
  ReportMarket report(options.params);
  for (const engine::MarketState& market : start.state.markets) report.Note(market.spec);
  if (report.spec()) return std::pair(report.spec(), SequenceNumber{0});
  auto it = log.NewIterator(first, limit);
  ledger::LogRecord record;
  for (; it->Valid(); it->Next()) {
    BACKSTOP_RETURN_IF_ERROR(
        ledger::DecodeRecordInto(it->value(), &record, ledger::EnvelopeCheck::kInputsOnly));
    if (record.event().which() != Which::MARKET_LISTED) continue;
    BACKSTOP_ASSIGN_OR_RETURN(engine::Input input, ledger::DecodeInput(record.event()));
    if (report.Note(std::get<engine::ListMarket>(input).spec)) {
      return std::pair(report.spec(), record.seq());
    }
  }
  BACKSTOP_RETURN_IF_ERROR(it->status());
  return std::pair(std::optional<engine::MarketSpec>(), SequenceNumber{0});
}

// The window [first, end] cut into up to `parts` parts at group starts near equal shares.
base::Result<std::vector<PartScan>> Cut(const ledger::EventLog& log, const WhatIfOptions& options,
                                        const internal::Window& window, int parts) {
  const SequenceNumber first = options.from_snapshot + 1;
  const uint64_t records = window.end - first + 1;
  std::vector<SequenceNumber> starts = {first};
  std::optional<engine::MarketSpec> report;
  if (parts > 1 && records >= static_cast<uint64_t>(parts)) {
    BACKSTOP_ASSIGN_OR_RETURN(auto chosen, ReportMarketBefore(log, options, window.start, first,
                                                              first + records / parts - 1));
    report = chosen.first;
    for (int part = 1; report && part < parts; ++part) {
      const SequenceNumber middle = first + records * part / parts;
      BACKSTOP_ASSIGN_OR_RETURN(ledger::LogRecord record, log.Read(middle));
      const SequenceNumber group = record.group();
      if (group > starts.back() && group > chosen.second && group <= middle) {
        starts.push_back(group);
      }
    }
  }
  std::vector<PartScan> scans;
  for (size_t i = 0; i < starts.size(); ++i) {
    const SequenceNumber last = i + 1 < starts.size() ? starts[i + 1] - 1 : window.end;
    if (i == 0) {
      scans.emplace_back(options, window.start, starts[i], last);
    } else {
      scans.emplace_back(options, *report, starts[i], last);
    }
  }
  return scans;
}

// The parts read at once (the first on this thread), then put together in order into the
// first. False in `*merged` if their minutes cannot be merged exactly.
base::Status ScanParts(const ledger::EventLog& log, const WhatIfOptions& options,
                       std::vector<PartScan>* scans, bool* merged) {
  Progress progress(options.progress, scans->back().last() - scans->front().first() + 1);
  std::vector<Status> statuses(scans->size());
  {
    std::vector<std::jthread> threads;
    for (size_t i = 1; i < scans->size(); ++i) {
      threads.emplace_back([&, i] { statuses[i] = (*scans)[i].Run(log, &progress); });
    }
    statuses[0] = scans->front().Run(log, &progress);
  }
  for (const Status& status : statuses) BACKSTOP_RETURN_IF_ERROR(status);
  *merged = true;
  for (size_t i = 1; i < scans->size(); ++i) {
    PartScan& part = (*scans)[i];
    if (part.first_prev_hash() != (*scans)[i - 1].last_hash()) {
      return Status::Corruption("replay", fmt::format("seq {}: chain link broken", part.first()));
    }
  }
  for (size_t i = 1; i < scans->size() && *merged; ++i) {
    *merged = scans->front().tally().Append(std::move((*scans)[i].tally()));
  }
  return Status::OK();
}

}  // namespace

base::Result<WhatIfResult> ReadLoggedHistory(const ledger::EventLog& log, const DataDir& data,
                                             const ledger::Keyring& keyring,
                                             const WhatIfOptions& options, int segments) {
  if (options.params.changes_anything()) {
    return Status::InvalidArgument("logged history", "a rule is changed: that is a what-if");
  }
  BACKSTOP_ASSIGN_OR_RETURN(internal::Window window,
                            internal::OpenWindow(log, data, keyring, options));
  internal::LoggedEnd logged_end(log, data, keyring, window.end, options.engine_options);
  BACKSTOP_ASSIGN_OR_RETURN(std::vector<PartScan> scans, Cut(log, options, window, segments));
  bool merged = false;
  BACKSTOP_RETURN_IF_ERROR(ScanParts(log, options, &scans, &merged));
  if (!merged) {  // Stamps went backwards between parts: one part reads it as the what-if.
    BACKSTOP_ASSIGN_OR_RETURN(scans, Cut(log, options, window, 1));
    BACKSTOP_RETURN_IF_ERROR(ScanParts(log, options, &scans, &merged));
  }
  WhatIfResult result;
  result.start_seq = options.from_snapshot;
  result.end_seq = window.end;
  for (const PartScan& part : scans) {
    if (result.start_time_ns == 0) result.start_time_ns = part.first_time_ns();
    result.records += part.records();
    result.inputs += part.groups();
  }
  result.end_time_ns = scans.back().last_time_ns();
  const std::optional<engine::MarketSpec>& report = scans.front().report_spec();
  if (report) {
    result.report_market = report->market_id;
    result.report_asset = report->quote_asset;
    result.report_symbol = report->symbol;
    result.quote_decimals = report->quote_decimals;
    result.lot_decimals = report->lot_decimals;
  }
  std::map<engine::AccountId, AccountOutcome> accounts;
  result.logged = scans.front().tally().Finish(&accounts, 0);
  result.what_if = scans.front().tally().Finish(&accounts, 1);
  std::string error;
  auto start = engine::RiskEngine::Import(window.start.state, &error, options.engine_options);
  if (!start) return Status::Corruption("what-if", "start state: " + error);
  auto& recovered = logged_end.Wait();
  BACKSTOP_RETURN_IF_ERROR(recovered.status());
  internal::FillEquity(recovered->engine, recovered->engine, *start, result.report_asset,
                       &accounts);
  accounts.erase(engine::kLiquidationAccount);
  for (auto& [id, account] : accounts) result.accounts.push_back(account);
  result.warnings = std::move(logged_end.warnings());
  if (options.params.market && result.report_market != *options.params.market) {
    result.warnings.push_back(fmt::format("market {} is not listed in the window: no rule changed",
                                          *options.params.market));
  }
  return result;
}

}  // namespace replay
