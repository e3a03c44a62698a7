#include "latchkey/base/strings.h"

#include "base/utf8_seq.h"

namespace latchkey {
namespace {

char LowerAscii(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

template <typename IsBlank>
std::string_view TrimIf(std::string_view s, IsBlank blank) {
  while (!s.empty() && blank(s.front())) s.remove_prefix(1);
  while (!s.empty() && blank(s.back())) s.remove_suffix(1);
  return s;
}

}  // namespace

std::string_view Trim(std::string_view s) {
  return TrimIf(s, [](char c) { return c == ' ' || c == '\t'; });
}

std::string_view TrimWhitespace(std::string_view s) {
  return TrimIf(s, [](char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' ||
           c == '\v';
  });
}

std::string AsciiLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = LowerAscii(c);
  return out;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (LowerAscii(a[i]) != LowerAscii(b[i])) return false;
  }
  return true;
}

long Utf8Length(std::string_view s) {
  long count = 0;
  for (size_t i = 0; i < s.size(); ++count) {
    const size_t n = internal::Utf8SequenceAt(s, i);
    if (n == 0) return -1;
    i += n;
  }
  return count;
}

}  // namespace latchkey
