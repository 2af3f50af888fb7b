// Cap'n Proto reflection to JSON and to one-line text (see event_json.h).

#include "cli/event_json.h"

#include <capnp/schema.h>
#include <fmt/format.h>

#include <optional>
#include <string_view>

#include "engine/events.h"
#include "ledger/event_fields.h"
#include "ledger/schema/event.capnp.h"

namespace cli {
namespace {

nlohmann::json ValueToJson(const capnp::DynamicValue::Reader& value);

nlohmann::json ListToJson(capnp::DynamicList::Reader list) {
  nlohmann::json out = nlohmann::json::array();
  for (auto element : list) out.push_back(ValueToJson(element));
  return out;
}

nlohmann::json ValueToJson(const capnp::DynamicValue::Reader& value) {
  switch (value.getType()) {
    case capnp::DynamicValue::BOOL:
      return value.as<bool>();
    case capnp::DynamicValue::INT:
      return value.as<int64_t>();
    case capnp::DynamicValue::UINT:
      return value.as<uint64_t>();
    case capnp::DynamicValue::TEXT:
      return std::string(value.as<capnp::Text>().cStr());
    case capnp::DynamicValue::DATA: {
      auto data = value.as<capnp::Data>();
      return Hex(data.begin(), data.size());
    }
    case capnp::DynamicValue::LIST:
      return ListToJson(value.as<capnp::DynamicList>());
    case capnp::DynamicValue::ENUM: {
      auto enumerant = value.as<capnp::DynamicEnum>().getEnumerant();
      KJ_IF_MAYBE (e, enumerant) {
        return SnakeCase(e->getProto().getName().cStr());
      }
      return value.as<capnp::DynamicEnum>().getRaw();
    }
    case capnp::DynamicValue::STRUCT:
      return StructToJson(value.as<capnp::DynamicStruct>());
    default:
      return nullptr;  // VOID, and kinds our schema does not use.
  }
}

// "UnknownAccount" -> "unknown_account".
std::string SnakeCaseOfName(const char* name) {
  std::string out = SnakeCase(name);
  return out.size() > 1 && out[0] == '_' ? out.substr(1) : out;
}

// The name of `field` of `value` if it is a reason code (the `reason` of orderRejected,
// inputRejected and orderCancelled, stored as a number), else nothing.
std::optional<std::string> ReasonName(capnp::DynamicStruct::Reader value,
                                      capnp::StructSchema::Field field) {
  if (std::string_view(field.getProto().getName().cStr()) != "reason") return std::nullopt;
  const capnp::StructSchema schema = value.getSchema();
  if (schema == capnp::Schema::from<ledger::schema::OrderRejected>() ||
      schema == capnp::Schema::from<ledger::schema::InputRejected>()) {
    return RejectionReasonName(value.get(field).as<uint16_t>());
  }
  if (schema == capnp::Schema::from<ledger::schema::OrderCancelled>()) {
    return CancelReasonName(value.get(field).as<uint16_t>());
  }
  return std::nullopt;
}

std::string ScalarToText(const capnp::DynamicValue::Reader& value) {
  nlohmann::json json = ValueToJson(value);
  if (json.is_string()) return json.get<std::string>();
  return json.dump();
}

}  // namespace

std::string RejectionReasonName(uint16_t code) {
  return SnakeCaseOfName(engine::RejectionName(static_cast<engine::Rejection>(code)));
}

std::string CancelReasonName(uint16_t code) {
  if (code > UINT8_MAX) return "unknown";
  return SnakeCaseOfName(engine::CancelReasonName(static_cast<engine::CancelReason>(code)));
}

std::string SnakeCase(const std::string& name) { return ledger::SnakeCase(name); }

std::string Hex(const unsigned char* data, size_t size) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(size * 2, '0');
  for (size_t i = 0; i < size; ++i) {
    out[2 * i] = kDigits[data[i] >> 4];
    out[2 * i + 1] = kDigits[data[i] & 0xf];
  }
  return out;
}

nlohmann::json StructToJson(capnp::DynamicStruct::Reader value) {
  nlohmann::json out = nlohmann::json::object();
  for (auto field : value.getSchema().getNonUnionFields()) {
    if (field.getType().isStruct() && !value.has(field)) continue;
    if (const auto reason = ReasonName(value, field)) {  // Named, with the stable code beside.
      out["reason"] = *reason;
      out["reason_code"] = value.get(field).as<uint16_t>();
      continue;
    }
    out[SnakeCase(field.getProto().getName().cStr())] = ValueToJson(value.get(field));
  }
  KJ_IF_MAYBE (field, value.which()) {
    const std::string name = SnakeCase(field->getProto().getName().cStr());
    out["type"] = name;
    out[name] = ValueToJson(value.get(*field));
  }
  return out;
}

std::string StructToText(capnp::DynamicStruct::Reader value) {
  std::string out;
  for (auto field : value.getSchema().getNonUnionFields()) {
    auto v = value.get(field);
    const std::string name = SnakeCase(field.getProto().getName().cStr());
    if (const auto reason = ReasonName(value, field)) {
      fmt::format_to(std::back_inserter(out), "{}{}={}({})", out.empty() ? "" : " ", name, *reason,
                     v.as<uint16_t>());
      continue;
    }
    if (v.getType() == capnp::DynamicValue::STRUCT || v.getType() == capnp::DynamicValue::LIST) {
      nlohmann::json json = ValueToJson(v);
      fmt::format_to(std::back_inserter(out), "{}{}={}", out.empty() ? "" : " ", name, json.dump());
      continue;
    }
    fmt::format_to(std::back_inserter(out), "{}{}={}", out.empty() ? "" : " ", name,
                   ScalarToText(v));
  }
  return out;
}

}  // namespace cli
