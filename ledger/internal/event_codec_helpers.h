// What the two halves of the event codec share (event_codec.cc encodes, event_decode.cc
// decodes): a visitor helper, the enum cast (engine and schema enums share numbering), and
// Data <-> std::string views.
#pragma once

#include <capnp/blob.h>

#include <string>
#include <type_traits>

namespace ledger::internal {

template <class... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

// Engine enums and schema enums share numbering (engine/events.h mirrors the schema).
template <typename To, typename From>
inline To CastEnum(From value) {
  return static_cast<To>(static_cast<std::underlying_type_t<To>>(value));
}

inline capnp::Data::Reader Bytes(const std::string& text) {
  return capnp::Data::Reader(reinterpret_cast<const kj::byte*>(text.data()), text.size());
}

inline std::string String(capnp::Data::Reader data) {
  return std::string(reinterpret_cast<const char*>(data.begin()), data.size());
}

}  // namespace ledger::internal
