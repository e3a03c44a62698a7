// FieldErrors: what was wrong with each field of a form, one sentence per
// field, for the portal's pages (next to each input) and the API's 422
// "fields" object. Field names are the form's input names ("username",
// "email", "full_name", "password", "confirm", "code", "avatar", ...).
#ifndef LATCHKEY_BASE_FIELD_ERRORS_H_
#define LATCHKEY_BASE_FIELD_ERRORS_H_

#include <functional>
#include <map>
#include <string>
#include <string_view>

namespace latchkey {

// A message as a form shows it: first letter upper-case, a final period
// ("must be at least 12 characters" -> "Must be at least 12 characters.").
inline std::string Sentence(std::string_view message) {
  std::string out(message);
  if (!out.empty() && out[0] >= 'a' && out[0] <= 'z') {
    out[0] = static_cast<char>(out[0] - 'a' + 'A');
  }
  if (!out.empty() && out.back() != '.') out += '.';
  return out;
}

struct FieldErrors {
  std::map<std::string, std::string, std::less<>> fields;

  // Keeps the first message given for a field.
  void Add(std::string_view field, std::string_view message) {
    fields.emplace(std::string(field), std::string(message));
  }
  bool empty() const { return fields.empty(); }
  bool Has(std::string_view field) const { return fields.contains(field); }
  // The message for `field`, or "" if it has none.
  std::string_view Get(std::string_view field) const {
    auto it = fields.find(field);
    return it == fields.end() ? std::string_view() : it->second;
  }
};

}  // namespace latchkey

#endif  // LATCHKEY_BASE_FIELD_ERRORS_H_
