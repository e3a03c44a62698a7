// Reading the members of a JSON request body in the API handlers.
#ifndef LATCHKEY_PORTAL_API_BODY_FIELDS_H_
#define LATCHKEY_PORTAL_API_BODY_FIELDS_H_

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "latchkey/base/secret.h"
#include "portal/context.h"

namespace latchkey::portal {

// The string member `name` of the object `body`, or "" when it is absent or
// null. Another type gives "" and the field error "must be a string".
std::string StringMember(const nlohmann::json& body, std::string_view name,
                         FieldErrors& errors);

// The same for a password: the copy in the parsed body is wiped as well.
Secret SecretMember(nlohmann::json& body, std::string_view name,
                    FieldErrors& errors);

// 400 {"error": "bad_json"}, for a body that is not a JSON object.
Response BadJson(Context& ctx);

// 422 {"error": "invalid", "message", "fields"}.
Response InvalidFields(Context& ctx, const FieldErrors& errors);

}  // namespace latchkey::portal

#endif  // LATCHKEY_PORTAL_API_BODY_FIELDS_H_
