// nlohmann::json support for base/strong_type.h: an id or an amount is written as its integer
// (`{"account", account}` gives "account": 7) and read back only by naming its type
// (`json.get<engine::AccountId>()`). Included by the modules that write JSON.
#pragma once

#include "base/strong_type.h"

namespace base {

template <class Json, class T>
requires kIsStrongType<T>
void to_json(Json& json, T value) { json = value.value(); }
template <class Json, class T>
requires kIsStrongType<T>
void from_json(const Json& json, T& value) { value = T{json.template get<typename T::rep_type>()}; }

}  // namespace base
