// JSON lines <-> engine inputs (see input_json.h and docs/INPUT.md). nlohmann-json is used in
// its non-throwing mode: parse with allow_exceptions = false and check every type before use.

#include "cli/input_json.h"

#include <fmt/format.h>

#include <limits>
#include <nlohmann/json.hpp>
#include <set>
#include <utility>
#include <vector>

#include "base/strong_type_json.h"
#include "ledger/event_codec.h"

namespace cli {
namespace {

using nlohmann::json;

template <typename E>
using EnumTable = std::vector<std::pair<const char*, E>>;

const EnumTable<engine::Side> kSides = {{"buy", engine::Side::kBuy}, {"sell", engine::Side::kSell}};
const EnumTable<engine::OrderType> kTypes = {{"limit", engine::OrderType::kLimit},
                                             {"market", engine::OrderType::kMarket}};
const EnumTable<engine::TimeInForce> kTifs = {{"gtc", engine::TimeInForce::kGtc},
                                              {"ioc", engine::TimeInForce::kIoc},
                                              {"fok", engine::TimeInForce::kFok},
                                              {"post_only", engine::TimeInForce::kPostOnly}};
const EnumTable<engine::AdlPolicy> kPolicies = {
    {"bitmex", engine::AdlPolicy::kBitmex},
    {"binance_leverage_pnl", engine::AdlPolicy::kBinanceLeveragePnl},
    {"pro_rata", engine::AdlPolicy::kProRata},
    {"hyperliquid", engine::AdlPolicy::kHyperliquid}};

// Typed access to one JSON object's fields, remembering the first problem and which fields
// were read (so that unknown fields can be refused).
class Fields {
 public:
  explicit Fields(const json& object) : object_(object) {}

  // `T` is an integer or a strong id (read as its integer, base/strong_type.h).
  template <typename T>
  void Int(const char* name, T* out, bool required = true) {
    using Rep = decltype(base::UnwrapStrong(*out));
    const json* value = Find(name, required);
    if (value == nullptr) return;
    const bool fits =
        value->is_number_unsigned()
            ? value->get<uint64_t>() <= static_cast<uint64_t>(std::numeric_limits<Rep>::max())
            : value->is_number_integer() &&
                  value->get<int64_t>() >= static_cast<int64_t>(std::numeric_limits<Rep>::min()) &&
                  (value->get<int64_t>() < 0 ||
                   static_cast<uint64_t>(value->get<int64_t>()) <=
                       static_cast<uint64_t>(std::numeric_limits<Rep>::max()));
    if (!value->is_number_integer() || !fits) {
      Fail(fmt::format("field '{}' must be an integer in [{}, {}]", name,
                       static_cast<int64_t>(std::numeric_limits<Rep>::min()),
                       static_cast<uint64_t>(std::numeric_limits<Rep>::max())));
      return;
    }
    *out = T(value->is_number_unsigned() ? static_cast<Rep>(value->get<uint64_t>())
                                         : static_cast<Rep>(value->get<int64_t>()));
  }

  void Bool(const char* name, bool* out) {
    const json* value = Find(name, false);
    if (value == nullptr) return;
    if (!value->is_boolean()) return Fail(fmt::format("field '{}' must be true or false", name));
    *out = value->get<bool>();
  }

  void String(const char* name, std::string* out) {
    const json* value = Find(name, true);
    if (value == nullptr) return;
    if (!value->is_string()) return Fail(fmt::format("field '{}' must be a string", name));
    *out = value->get<std::string>();
  }

  template <typename E>
  void Enum(const char* name, const EnumTable<E>& table, E* out, bool required = true) {
    const json* value = Find(name, required);
    if (value == nullptr) return;
    std::string names;
    for (const auto& [text, e] : table) {
      if (value->is_string() && value->get<std::string>() == text) {
        *out = e;
        return;
      }
      names += names.empty() ? text : std::string(", ") + text;
    }
    Fail(fmt::format("field '{}' must be one of: {}", name, names));
  }

  const json* Array(const char* name) {
    const json* value = Find(name, true);
    if (value != nullptr && !value->is_array()) {
      Fail(fmt::format("field '{}' must be an array", name));
      return nullptr;
    }
    return value;
  }

  // The first problem, including fields that no reader asked for.
  std::string Error() const {
    if (!error_.empty()) return error_;
    for (const auto& [key, value] : object_.items()) {
      if (read_.count(key) == 0) return fmt::format("unknown field '{}'", key);
    }
    return "";
  }

  void Fail(std::string message) {
    if (error_.empty()) error_ = std::move(message);
  }

 private:
  const json* Find(const char* name, bool required) {
    read_.insert(name);
    auto it = object_.find(name);
    if (it == object_.end()) {
      if (required) Fail(fmt::format("missing field '{}'", name));
      return nullptr;
    }
    return &*it;
  }

  const json& object_;
  std::set<std::string> read_;
  std::string error_;
};

void ReadSpec(Fields& f, engine::MarketSpec* spec) {
  f.Int("market", &spec->market_id);
  f.String("symbol", &spec->symbol);
  f.Int("quote_asset", &spec->quote_asset);
  f.Int("tick_size", &spec->tick_size);
  f.Int("lot_decimals", &spec->lot_decimals, false);
  f.Int("quote_decimals", &spec->quote_decimals, false);
  f.Int("maker_fee_e8", &spec->maker_fee_e8, false);
  f.Int("taker_fee_e8", &spec->taker_fee_e8, false);
  f.Int("funding_interval_ns", &spec->funding_interval_ns, false);
  f.Enum("adl_policy", kPolicies, &spec->adl_policy, false);
  f.Int("max_slippage_e8", &spec->max_slippage_e8, false);
  const json* tiers = f.Array("tiers");
  if (tiers == nullptr) return;
  for (const json& tier : *tiers) {
    if (!tier.is_object()) return f.Fail("each tier must be an object");
    Fields t(tier);
    engine::RiskTier out;
    t.Int("notional_floor", &out.notional_floor);
    t.Int("mmr_e8", &out.mmr_e8);
    t.Int("max_leverage", &out.max_leverage);
    if (!t.Error().empty()) return f.Fail("tier: " + t.Error());
    spec->tiers.push_back(out);
  }
}

engine::Input ReadOrder(Fields& f) {
  engine::PlaceOrder order;
  f.Int("account", &order.account);
  f.Int("market", &order.market);
  f.Int("order_id", &order.order_id);
  f.Enum("side", kSides, &order.side);
  f.Enum("order_type", kTypes, &order.type, false);
  f.Enum("tif", kTifs, &order.tif, false);
  f.Bool("reduce_only", &order.reduce_only);
  f.Int("price", &order.price, order.type == engine::OrderType::kLimit);
  f.Int("quantity", &order.quantity);
  return order;
}

// The input named by `type`, or nullopt for an unknown type.
std::optional<engine::Input> ReadInput(const std::string& type, Fields& f) {
  if (type == "list_market" || type == "change_market") {
    engine::MarketSpec spec;
    ReadSpec(f, &spec);
    if (type == "list_market") return engine::Input(engine::ListMarket{spec});
    return engine::Input(engine::ChangeMarket{spec});
  }
  if (type == "open_account") {
    engine::OpenAccount in;
    f.Int("account", &in.account);
    return in;
  }
  if (type == "deposit" || type == "withdraw") {
    engine::Deposit in;
    f.Int("account", &in.account);
    f.Int("asset", &in.asset);
    f.Int("amount", &in.amount);
    if (type == "deposit") return in;
    return engine::Input(engine::Withdraw{in.account, in.asset, in.amount});
  }
  if (type == "place_order") return ReadOrder(f);
  if (type == "cancel_order") {
    engine::CancelOrder in;
    f.Int("account", &in.account);
    f.Int("order_id", &in.order_id);
    return in;
  }
  if (type == "mark") {
    engine::SetMark in;
    f.Int("market", &in.market);
    f.Int("mark_price", &in.mark_price);
    f.Int("index_price", &in.index_price, false);
    return in;
  }
  if (type == "funding") {
    engine::FundingTick in;
    f.Int("market", &in.market);
    f.Int("rate_e8", &in.rate_e8);
    return in;
  }
  if (type == "top_up") {
    engine::TopUpInsurance in;
    f.Int("asset", &in.asset);
    f.Int("amount", &in.amount);
    return in;
  }
  return std::nullopt;
}

template <typename E>
const char* EnumName(const EnumTable<E>& table, E value) {
  for (const auto& [text, e] : table) {
    if (e == value) return text;
  }
  return "?";
}

json SpecJson(const char* type, const engine::MarketSpec& spec) {
  json tiers = json::array();
  for (const auto& tier : spec.tiers) {
    tiers.push_back({{"notional_floor", tier.notional_floor},
                     {"mmr_e8", tier.mmr_e8},
                     {"max_leverage", tier.max_leverage}});
  }
  return {{"type", type},
          {"market", spec.market_id},
          {"symbol", spec.symbol},
          {"quote_asset", spec.quote_asset},
          {"tick_size", spec.tick_size},
          {"lot_decimals", spec.lot_decimals},
          {"quote_decimals", spec.quote_decimals},
          {"maker_fee_e8", spec.maker_fee_e8},
          {"taker_fee_e8", spec.taker_fee_e8},
          {"funding_interval_ns", spec.funding_interval_ns},
          {"adl_policy", EnumName(kPolicies, spec.adl_policy)},
          {"max_slippage_e8", spec.max_slippage_e8},
          {"tiers", tiers}};
}

template <class... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

}  // namespace

base::Result<engine::Input> ParseInputJson(std::string_view line) {
  const json object = json::parse(line.begin(), line.end(), nullptr, /*allow_exceptions=*/false);
  if (object.is_discarded()) return base::Status::InvalidArgument("input", "not valid JSON");
  if (!object.is_object()) return base::Status::InvalidArgument("input", "not a JSON object");
  Fields fields(object);
  std::string type;
  fields.String("type", &type);
  if (!fields.Error().empty() && type.empty()) {
    return base::Status::InvalidArgument("input", "missing string field 'type'");
  }
  std::optional<engine::Input> input = ReadInput(type, fields);
  if (!input) return base::Status::InvalidArgument("input", "unknown type '" + type + "'");
  const std::string error = fields.Error();
  if (!error.empty()) return base::Status::InvalidArgument("input", type + ": " + error);
  const base::Status encodable = ledger::CheckEncodable(*input);
  if (!encodable.ok()) {
    return base::Status::InvalidArgument("input", type + ": " + encodable.message());
  }
  return *input;
}

std::string InputToJson(const engine::Input& input) {
  json out = std::visit(
      Overloaded{
          [](const engine::ListMarket& e) { return SpecJson("list_market", e.spec); },
          [](const engine::ChangeMarket& e) { return SpecJson("change_market", e.spec); },
          [](const engine::OpenAccount& e) {
            return json{{"type", "open_account"}, {"account", e.account}};
          },
          [](const engine::Deposit& e) {
            return json{{"type", "deposit"},
                        {"account", e.account},
                        {"asset", e.asset},
                        {"amount", e.amount}};
          },
          [](const engine::Withdraw& e) {
            return json{{"type", "withdraw"},
                        {"account", e.account},
                        {"asset", e.asset},
                        {"amount", e.amount}};
          },
          [](const engine::PlaceOrder& e) {
            return json{{"type", "place_order"},
                        {"account", e.account},
                        {"market", e.market},
                        {"order_id", e.order_id},
                        {"side", EnumName(kSides, e.side)},
                        {"order_type", EnumName(kTypes, e.type)},
                        {"tif", EnumName(kTifs, e.tif)},
                        {"reduce_only", e.reduce_only},
                        {"price", e.price},
                        {"quantity", e.quantity}};
          },
          [](const engine::CancelOrder& e) {
            return json{{"type", "cancel_order"}, {"account", e.account}, {"order_id", e.order_id}};
          },
          [](const engine::SetMark& e) {
            return json{{"type", "mark"},
                        {"market", e.market},
                        {"mark_price", e.mark_price},
                        {"index_price", e.index_price}};
          },
          [](const engine::FundingTick& e) {
            return json{{"type", "funding"}, {"market", e.market}, {"rate_e8", e.rate_e8}};
          },
          [](const engine::TopUpInsurance& e) {
            return json{{"type", "top_up"}, {"asset", e.asset}, {"amount", e.amount}};
          },
          [](const engine::RotateKey&) {
            return json{{"type", "rotate_key"}};
          },
      },
      input);
  return out.dump();
}

}  // namespace cli
