// Names of the engine's enums as the schema spells them (see event_fields.h).

#include "ledger/event_fields.h"

#include <capnp/schema.h>

#include "ledger/schema/event.capnp.h"

namespace ledger {
namespace {

// The enumerant of `SchemaEnum` numbered `raw`, in snake_case.
template <typename SchemaEnum>
std::string NameOf(uint64_t raw) {
  const auto enumerants = capnp::Schema::from<SchemaEnum>().getEnumerants();
  if (raw >= enumerants.size()) return std::to_string(raw);
  return SnakeCase(enumerants[raw].getProto().getName().cStr());
}

}  // namespace

std::string SnakeCase(std::string_view lower_camel) {
  std::string out;
  for (const char c : lower_camel) {
    if (c >= 'A' && c <= 'Z') {
      out.push_back('_');
      out.push_back(static_cast<char>(c - 'A' + 'a'));
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string EnumName(engine::CreditReason value) {
  return NameOf<schema::FundCreditReason>(static_cast<uint64_t>(value));
}
std::string EnumName(engine::Side value) {
  return NameOf<schema::Side>(static_cast<uint64_t>(value));
}
std::string EnumName(engine::AdlPolicy value) {
  return NameOf<schema::AdlPolicy>(static_cast<uint64_t>(value));
}
std::string EnumName(engine::LiquidationPhase value) {
  return NameOf<schema::LiquidationPhase>(static_cast<uint64_t>(value));
}

}  // namespace ledger
