#include "portal/api/body_fields.h"

namespace latchkey::portal {
namespace {

nlohmann::json* FindMember(nlohmann::json& body, std::string_view name) {
  auto it = body.find(name);
  if (it == body.end() || it->is_null()) return nullptr;
  return &*it;
}

}  // namespace

std::string StringMember(const nlohmann::json& body, std::string_view name,
                         FieldErrors& errors) {
  auto it = body.find(name);
  if (it == body.end() || it->is_null()) return {};
  if (!it->is_string()) {
    errors.Add(name, "must be a string");
    return {};
  }
  return it->get<std::string>();
}

Secret SecretMember(nlohmann::json& body, std::string_view name,
                    FieldErrors& errors) {
  nlohmann::json* member = FindMember(body, name);
  if (member == nullptr) return Secret();
  if (!member->is_string()) {
    errors.Add(name, "must be a string");
    return Secret();
  }
  return Secret::Take(member->get_ref<std::string&>());
}

std::string RequiredString(const nlohmann::json& body, std::string_view name,
                           FieldErrors& errors) {
  std::string value = StringMember(body, name, errors);
  if (value.empty() && !errors.Has(name)) errors.Add(name, "required");
  return value;
}

Secret RequiredSecret(nlohmann::json& body, std::string_view name,
                      FieldErrors& errors) {
  Secret value = SecretMember(body, name, errors);
  if (value.empty() && !errors.Has(name)) errors.Add(name, "required");
  return value;
}

Secret ConfirmMember(nlohmann::json& body, const Secret& password,
                     FieldErrors& errors) {
  if (!body.contains("confirm")) return password.Clone();
  return SecretMember(body, "confirm", errors);
}

Response BadJson(Context& ctx) {
  return ctx.ApiError(400, "bad_json", "The body must be a JSON object.");
}

Response InvalidFields(Context& ctx, const FieldErrors& errors) {
  return ctx.ApiError(422, "invalid", "Some fields are missing or wrong.",
                      errors.Json());
}

}  // namespace latchkey::portal
