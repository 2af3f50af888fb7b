// `backstop adl explain SEQ`: one ADL reduction explained in plain words from the events
// logged with it (see query_commands.h and query/adl_explain.h).

#include <capnp/dynamic.h>
#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "base/strong_type_fmt.h"
#include "cli/common.h"
#include "cli/event_json.h"
#include "cli/internal/adl_full_queue.h"
#include "cli/internal/query_output.h"
#include "engine/risk_math.h"
#include "ledger/event_fields.h"
#include "query/adl_explain.h"
#include "query/queries.h"
#include "query/text.h"
#include "text/text.h"

namespace cli {

using base::Result;
using base::Status;

// ---- adl explain ----

namespace {

std::string SideWord(engine::Side side) { return side == engine::Side::kBuy ? "long" : "short"; }

// "1234 (0.001234 quote)" when the scale is known, else "1234".
std::string Amount(engine::Money amount, const query::MarketScale* scale) {
  if (scale == nullptr) return fmt::format("{}", amount);
  return fmt::format("{} ({} {})", amount, query::QuoteAmount(amount, *scale), "quote");
}

std::string Lots(engine::Quantity lots, const query::MarketScale* scale) {
  if (scale == nullptr) return fmt::format("{} lots", lots);
  return fmt::format("{} lots ({} base)", lots, query::BaseQuantity(lots, *scale));
}

std::string PerLot(engine::Price price, const query::MarketScale* scale) {
  if (scale == nullptr) return fmt::format("{} per lot", price);
  return fmt::format("{} per lot ({} quote per base unit)", price,
                     query::QuotePrice(price, *scale));
}

// The exact price of `quote` for `lots`: "58036.000000 quote per base unit", or without the
// market's listing "58036000 per lot" (as many decimals as the quotient needs).
std::string SettledAt(engine::Money quote, engine::Quantity lots, const query::MarketScale* scale) {
  if (scale != nullptr) {
    return fmt::format("{} quote per base unit", query::SettlementPrice(quote, lots, *scale));
  }
  if (lots == 0) return "-";
  const __int128 sign = lots < 0 ? -1 : 1;
  return fmt::format("{} per lot",
                     text::FormatQuotient(sign * quote.value(), sign * lots.value(), 0, 18));
}

}  // namespace

Json ExplainJson(const query::AdlExplanation& x, const Scales& scales) {
  Json out;
  out["reduction"] = AdlJson(x.reduction, scales);
  out["liquidation"] = LiquidationJson(x.liquidation, scales);
  const engine::AdlQueue& q = x.queue.effect;
  Json queue;
  AddTime(&queue, x.queue.ref);
  const query::MarketScale* scale = ScaleOf(scales, q.market.value());
  AddFields(&queue, q, scale, /*symbol=*/false);
  queue["top"] = Json::array();
  for (const engine::AdlQueueEntry& entry : q.top) {
    Json row;
    AddFields(&row, entry, scale, /*symbol=*/false);
    queue["top"].push_back(std::move(row));
  }
  out["queue"] = std::move(queue);
  out["reductions"] = Json::array();
  for (const auto& row : x.reductions) out["reductions"].push_back(AdlJson(row, scales));
  out["quantity_total"] = x.quantity_total;
  out["deficit_total"] = x.deficit_total;
  out["book_quantity"] = x.book_quantity;
  out["fund_drawn"] = x.fund_drawn;
  out["fund_credited"] = x.fund_credited;
  out["counterparty_listed_in_top"] = x.counterparty_entry.has_value();
  return out;
}

namespace {

void PrintWhoAndWhy(const query::AdlExplanation& x, const query::MarketScale* scale) {
  const auto& l = x.liquidation.effect;
  fmt::print("Liquidated position\n");
  fmt::print("  Account {} held {} {} in market {} and was liquidated at seq {}:\n", l.account,
             l.position > 0 ? "long" : "short",
             Lots(l.position < 0 ? -l.position : l.position, scale), l.market,
             x.liquidation.ref.seq);
  fmt::print("  equity {} was below maintenance {} at mark {}.\n", Amount(l.equity, scale),
             Amount(l.maintenance_margin, scale), PerLot(l.mark_price, scale));
  fmt::print(
      "  Bankruptcy quote {} for the position: exactly {}; the bankruptcy price on the tick "
      "is {}.\n",
      Amount(l.bankruptcy_quote, scale), SettledAt(l.bankruptcy_quote, l.position, scale),
      PerLot(l.bankruptcy_price, scale));
  fmt::print("\nWhy the insurance fund did not cover it\n");
  fmt::print("  The order book took {} first; the fund paid {} for fills beyond bankruptcy",
             Lots(x.book_quantity, scale), Amount(x.fund_drawn, scale));
  if (x.fund_credited > 0)
    fmt::print(" and received {} of surplus", Amount(x.fund_credited, scale));
  fmt::print(".\n  When ADL started {} were left to close and the fund held {}.\n",
             Lots(x.queue.effect.quantity_to_cover, scale),
             Amount(x.queue.effect.fund_balance, scale));
  if (x.deficit_total > x.queue.effect.fund_balance) {
    fmt::print(
        "  Closing them at the mark would have left a deficit of {} against their "
        "bankruptcy quote, more than the fund held, so they were closed against "
        "counterparties at their bankruptcy quote instead.\n",
        Amount(x.deficit_total, scale));
  } else {
    fmt::print(
        "  The deficit of the rest against the mark was {}: the book had no more "
        "liquidity within the limits of Phase B (rulebook rule 5), so ADL closed it at "
        "its bankruptcy quote.\n",
        Amount(x.deficit_total, scale));
  }
}

// Format 3 on: the score recomputed from the figures the reduction recorded (docs/ENGINE.md).
void PrintScoreInputs(const engine::AdlReduction& r, engine::AdlPolicy policy) {
  const engine::AdlScoreInputs& in = r.score_inputs;
  if (in.position == 0) return;  // A log before format 3 does not record them.
  const int64_t score = engine::AdlScoreOf(policy, in);
  fmt::print(
      "  Its score from the figures the reduction recorded (position {}, cost {}, mark {}, "
      "equity {}, wallet {}, maintenance {}): {}, {} the logged score.\n",
      in.position, in.cost, in.mark, in.equity, in.wallet, in.maintenance, score,
      score == r.score ? "equal to" : "NOT equal to");
}

void PrintQueueAndTaken(const query::AdlExplanation& x, const query::MarketScale* scale) {
  const auto& r = x.reduction.effect;
  const engine::AdlQueue& q = x.queue.effect;
  fmt::print("\nRanking queue at that moment (logged at seq {})\n", x.queue.ref.seq);
  fmt::print("  Policy {}: {} {} counterparties ranked, higher score first; top {} logged.\n",
             ledger::EnumName(q.policy), q.queue_length, SideWord(q.counterparty_side),
             q.top.size());
  std::vector<std::vector<std::string>> cells;
  for (const auto& entry : q.top) {
    cells.push_back({std::to_string(entry.queue_position), std::to_string(entry.account.value()),
                     std::to_string(entry.score), std::to_string(entry.position.value()),
                     entry.account == r.counterparty_account ? "<- this counterparty" : ""});
  }
  PrintTable({"  RANK", "ACCOUNT", "SCORE", "POSITION lots", ""},
             {false, false, false, false, true}, cells);
  fmt::print("\nWhere the counterparty stood\n");
  fmt::print("  Account {} ranked {} of {} with score {}{}.\n", r.counterparty_account,
             r.queue_position, r.queue_length, r.score,
             x.counterparty_entry ? fmt::format(", holding {} lots", x.counterparty_entry->position)
                                  : " (below the logged top of the queue)");
  PrintScoreInputs(r, x.queue.effect.policy);
  fmt::print(
      "  It gave up {} and settled for {}, its share of the bankruptcy quote: exactly {}; "
      "versus a close at the mark it {} {}.\n",
      Lots(r.quantity, scale), Amount(r.quote, scale), SettledAt(r.quote, r.quantity, scale),
      r.gain_vs_mark < 0 ? "lost" : "gained",
      Amount(r.gain_vs_mark < 0 ? -r.gain_vs_mark : r.gain_vs_mark, scale));
  fmt::print("\nHow much was taken from whom\n");
  cells.clear();
  for (const auto& row : x.reductions) {
    const engine::AdlReduction& e = row.effect;
    cells.push_back({std::to_string(row.ref.seq.value()), FieldCell(e, "queue_position"),
                     FieldCell(e, "counterparty"), FieldCell(e, "quantity"), FieldCell(e, "quote"),
                     FieldCell(e, "deficit_covered"), FieldCell(e, "remaining_before")});
  }
  PrintTable(
      {"  SEQ", "RANK", "ACCOUNT", "QTY lots", "QUOTE", "DEFICIT COVERED", "REMAINING BEFORE"},
      {false, false, false, false, false, false, false}, cells);
  fmt::print("  Total: {} from {} counterpart{}; deficit covered {}.\n",
             Lots(x.quantity_total, scale), x.reductions.size(),
             x.reductions.size() == 1 ? "y" : "ies", Amount(x.deficit_total, scale));
}

}  // namespace

int RunAdlExplain(const AdlExplainOptions& options) {
  uint64_t seq = 0;
  Status parsed = ParseUnsigned(options.seq, "SEQ", UINT64_MAX, &seq);
  if (!parsed.ok()) return Exit(parsed);
  auto log = OpenLog(options.data_dir);
  if (!log.ok()) return Fail(log.status().message());
  auto explanation = query::ExplainAdl(**log, ledger::SequenceNumber{seq});
  if (!explanation.ok()) return Exit(explanation.status());
  const query::AdlExplanation& x = *explanation;
  const engine::AdlReduction& reduction = x.reduction.effect;
  auto scales = ScalesFor(**log, {reduction.market.value()}, {});
  if (!scales.ok()) return Exit(scales.status());
  std::optional<internal::FullAdlQueue> full;
  if (options.full) {
    auto loaded = internal::LoadFullAdlQueue(options.data_dir, **log, x.queue.ref.seq.value());
    if (!loaded.ok()) return Exit(loaded.status());
    full = std::move(*loaded);
  }
  if (options.json) {
    Json out = ExplainJson(x, *scales);
    if (full) out["full_queue"] = internal::FullAdlQueueJson(*full);
    fmt::print("{}\n", out.dump(2));
    return full && !full->matches_log ? kExitFinding : kExitOk;
  }
  const query::MarketScale* scale = ScaleOf(*scales, reduction.market.value());
  fmt::print("ADL reduction at seq {}, {} (group {}, market {})\n", seq,
             FormatTimeNs(x.reduction.ref.time_ns), x.reduction.ref.group,
             MarketLabel(*scales, reduction.market.value()));
  fmt::print(
      "  Account {} had {} closed by auto-deleveraging against the liquidated account "
      "{}.\n\n",
      reduction.counterparty_account, Lots(reduction.quantity, scale),
      reduction.liquidated_account);
  PrintWhoAndWhy(x, scale);
  PrintQueueAndTaken(x, scale);
  if (scale != nullptr) {
    fmt::print(
        "\nDecimals in parentheses use market {}'s listing (lot_decimals {}, "
        "quote_decimals {}); the integers are exact.\n",
        scale->symbol, scale->lot_decimals, scale->quote_decimals);
  }
  if (full) internal::PrintFullAdlQueue(*full, x.reduction.effect.counterparty_account.value());
  return full && !full->matches_log ? kExitFinding : kExitOk;
}

}  // namespace cli
