// Small text helpers that every area needs: trimming, ASCII case and
// counting UTF-8 characters. One home for each, so that "what counts as
// blank" and "what counts as a character" cannot drift between doors.
#ifndef LATCHKEY_BASE_STRINGS_H_
#define LATCHKEY_BASE_STRINGS_H_

#include <string>
#include <string_view>

namespace latchkey {

// `s` without leading and trailing spaces and tabs (config values, header
// fields, template tags, forwarded addresses).
std::string_view Trim(std::string_view s);

// `s` without leading and trailing ASCII whitespace (space, \t, \n, \r,
// \f, \v), e.g. around an SQL statement.
std::string_view TrimWhitespace(std::string_view s);

// `s` with A-Z lowered; every other byte (UTF-8 included) unchanged.
std::string AsciiLower(std::string_view s);

// Whether `a` and `b` are equal ignoring ASCII case.
bool EqualsIgnoreCase(std::string_view a, std::string_view b);

// The number of code points in `s`, or -1 if it is not well-formed UTF-8
// (stray continuation byte, overlong form, surrogate, beyond U+10FFFF or a
// truncated sequence).
long Utf8Length(std::string_view s);

}  // namespace latchkey

#endif  // LATCHKEY_BASE_STRINGS_H_
