// nlohmann::json support for base/strong_type.h: an id is written as its integer
// (`{"account", account}` gives "account": 7) and read back only by naming its type
// (`json.get<engine::AccountId>()`). Included by the modules that write JSON.
#pragma once

#include "base/strong_type.h"

namespace base {

template <class Json, class Tag, class Rep>
void to_json(Json& json, StrongId<Tag, Rep> id) {
  json = id.value();
}
template <class Json, class Tag, class Rep>
void to_json(Json& json, StrongOrdinal<Tag, Rep> id) {
  json = id.value();
}
template <class Json, class Tag, class Rep>
void from_json(const Json& json, StrongId<Tag, Rep>& id) {
  id = StrongId<Tag, Rep>{json.template get<Rep>()};
}
template <class Json, class Tag, class Rep>
void from_json(const Json& json, StrongOrdinal<Tag, Rep>& id) {
  id = StrongOrdinal<Tag, Rep>{json.template get<Rep>()};
}

}  // namespace base
