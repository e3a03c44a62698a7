#include "portal/body_text.h"

#include <nlohmann/json.hpp>
#include <utility>
#include <vector>

#include "latchkey/auth/password_policy.h"
#include "latchkey/base/secret.h"
#include "latchkey/base/strings.h"

namespace latchkey::portal {
namespace {

// U+FFFF, a noncharacter: stands in for bytes that are not UTF-8 so the
// JSON parser accepts the body and the walk can tell which member held
// them. A body that already held U+FFFF is refused the same way.
constexpr std::string_view kNotText = "\xEF\xBF\xBF";

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void AppendDecoded(std::string_view s, std::string& out) {
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '+') {
      out.push_back(' ');
    } else if (c == '%' && i + 2 < s.size() && HexValue(s[i + 1]) >= 0 &&
               HexValue(s[i + 2]) >= 0) {
      out.push_back(
          static_cast<char>(HexValue(s[i + 1]) * 16 + HexValue(s[i + 2])));
      i += 2;
    } else {
      out.push_back(c);
    }
  }
}

// The length of the valid UTF-8 sequence at s[i], or 0.
size_t SequenceAt(std::string_view s, size_t i) {
  for (size_t n = 1; n <= 4 && i + n <= s.size(); ++n) {
    if (Utf8Length(s.substr(i, n)) == 1) return n;
  }
  return 0;
}

bool HasNonText(const nlohmann::json& value) {
  if (value.is_string()) {
    const std::string& s = value.get_ref<const std::string&>();
    return !IsFieldText(s) || s.find(kNotText) != std::string::npos;
  }
  if (value.is_array() || value.is_object()) {
    for (auto it = value.begin(); it != value.end(); ++it) {
      if (value.is_object() && (!IsFieldText(it.key()) ||
                                it.key().find(kNotText) != std::string::npos)) {
        return true;
      }
      if (HasNonText(*it)) return true;
    }
  }
  return false;
}

void WipeJson(nlohmann::json& value) {
  if (value.is_string()) {
    WipeString(value.get_ref<std::string&>());
  } else if (value.is_array() || value.is_object()) {
    for (nlohmann::json& member : value) WipeJson(member);
  }
}

}  // namespace

bool IsFieldText(std::string_view s) {
  return s.find('\0') == std::string_view::npos && Utf8Length(s) >= 0;
}

FormDecode DecodeUrlEncoded(std::string_view body, size_t max_fields,
                            size_t max_field_bytes, Form& form) {
  std::vector<FormField>& fields = form.mutable_fields();
  while (!body.empty()) {
    const size_t amp = body.find('&');
    const std::string_view part = body.substr(0, amp);
    body = amp == std::string_view::npos ? std::string_view()
                                         : body.substr(amp + 1);
    if (part.empty()) continue;
    if (fields.size() >= max_fields) return FormDecode::kTooLarge;
    const size_t eq = part.find('=');
    FormField f;
    AppendDecoded(part.substr(0, eq), f.name);
    if (eq != std::string_view::npos) {
      AppendDecoded(part.substr(eq + 1), f.value);
    }
    const bool too_long =
        f.value.size() > max_field_bytes || f.name.size() > max_field_bytes;
    fields.push_back(std::move(f));  // wiped with the form either way
    if (too_long) return FormDecode::kTooLarge;
  }
  return FormDecode::kOk;
}

std::optional<std::string> FirstNonTextField(const Form& form) {
  for (const FormField& f : form.fields()) {
    if (!f.filename.empty()) continue;
    if (!IsFieldText(f.name) || !IsFieldText(f.value)) return f.name;
  }
  return std::nullopt;
}

std::optional<std::string> FirstNonTextMember(std::string_view body) {
  std::string text;
  text.reserve(body.size());
  for (size_t i = 0; i < body.size();) {
    const size_t n = SequenceAt(body, i);
    if (n == 0) {
      text.append(kNotText);
      ++i;
    } else {
      text.append(body.substr(i, n));
      i += n;
    }
  }
  nlohmann::json parsed =
      nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  WipeString(text);
  std::optional<std::string> found;
  if (parsed.is_object()) {
    for (auto it = parsed.begin(); it != parsed.end(); ++it) {
      if (!IsFieldText(it.key()) ||
          it.key().find(kNotText) != std::string::npos || HasNonText(*it)) {
        found = it.key();
        break;
      }
    }
  }
  WipeJson(parsed);
  return found;
}

}  // namespace latchkey::portal
