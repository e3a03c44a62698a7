// Request bodies as the handlers may see them: urlencoded forms decoded here
// (not by libmicrohttpd, which cuts a value at a raw NUL byte), and every
// form field and JSON string checked as text (valid UTF-8, no NUL) before
// any handler runs. The server calls these once per request (server.cc);
// handlers never see a field that failed.
#ifndef LATCHKEY_PORTAL_BODY_TEXT_H_
#define LATCHKEY_PORTAL_BODY_TEXT_H_

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "portal/request.h"

namespace latchkey::portal {

// Whether `s` is text a field may hold: valid UTF-8 without NUL bytes.
bool IsFieldText(std::string_view s);

enum class FormDecode { kOk, kTooLarge };

// Decodes an application/x-www-form-urlencoded body into `form` ('+' is a
// space, %XX a byte; a '%' not followed by two hex digits stays as it is;
// a part without '=' is a field with an empty value; empty parts are
// skipped). kTooLarge for more than `max_fields` fields or a decoded value
// over `max_field_bytes`. Raw bytes pass through as they are, NUL
// included, so IsFieldText can refuse them.
FormDecode DecodeUrlEncoded(std::string_view body, size_t max_fields,
                            size_t max_field_bytes, Form& form);

// The name of the first field of `form` (file parts excepted) whose name or
// value is not IsFieldText, or nullopt.
std::optional<std::string> FirstNonTextField(const Form& form);

// For a JSON object body: the name of the first top-level member whose
// name, or any string inside whose value, is not IsFieldText, or nullopt
// (also when the body is not a JSON object: the handler answers that).
// Bytes that are not UTF-8 inside strings are found too, although a JSON
// parser refuses them, so the answer names the field. Copies of the body
// made here are wiped.
std::optional<std::string> FirstNonTextMember(std::string_view body);

}  // namespace latchkey::portal

#endif  // LATCHKEY_PORTAL_BODY_TEXT_H_
