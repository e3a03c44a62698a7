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

// StringMember and SecretMember for a member that must be given: absent,
// null or "" adds the field error "required" (unless the member already has
// an error, such as "must be a string").
std::string RequiredString(const nlohmann::json& body, std::string_view name,
                           FieldErrors& errors);
Secret RequiredSecret(nlohmann::json& body, std::string_view name,
                      FieldErrors& errors);

// The "confirm" member that repeats `password`. Forms send it and then it
// must match (the core checks that); an API client that leaves it out has
// no second input box and means the password it sent, so the result is then
// a copy of `password`.
Secret ConfirmMember(nlohmann::json& body, const Secret& password,
                     FieldErrors& errors);

// 400 {"error": "bad_json"}, for a body that is not a JSON object.
Response BadJson(Context& ctx);

// 422 {"error": "invalid", "message", "fields"}.
Response InvalidFields(Context& ctx, const FieldErrors& errors);

}  // namespace latchkey::portal

#endif  // LATCHKEY_PORTAL_API_BODY_FIELDS_H_
