// The core reports form problems as latchkey::FieldErrors (one sentence per
// field); pages and the API show them through the portal's FieldErrors.
#ifndef LATCHKEY_PORTAL_CORE_FIELDS_H_
#define LATCHKEY_PORTAL_CORE_FIELDS_H_

#include "latchkey/base/field_errors.h"
#include "portal/context.h"

namespace latchkey::portal {

// Adds every field of `from` to `to` (a field `to` already has keeps its
// message).
inline void AddCoreErrors(const latchkey::FieldErrors& from, FieldErrors& to) {
  for (const auto& [field, message] : from.fields) to.Add(field, message);
}

}  // namespace latchkey::portal

#endif  // LATCHKEY_PORTAL_CORE_FIELDS_H_
