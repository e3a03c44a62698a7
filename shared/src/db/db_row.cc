// db::Row: typed views of the text cells a statement fetched.
#include <charconv>
#include <ctime>

#include "latchkey/db/db.h"

namespace latchkey::db {
namespace {

const std::string& EmptyString() {
  static const std::string kEmpty;
  return kEmpty;
}

// Reads exactly `n` digits at `*p` into `out`.
bool TakeDigits(std::string_view s, size_t* p, size_t n, int* out) {
  if (*p + n > s.size()) return false;
  int v = 0;
  for (size_t k = 0; k < n; ++k) {
    char c = s[*p + k];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *p += n;
  *out = v;
  return true;
}

bool TakeChar(std::string_view s, size_t* p, char c) {
  if (*p >= s.size() || s[*p] != c) return false;
  ++*p;
  return true;
}

// "YYYY-MM-DD[ HH:MM:SS[.f...]]" (UTC) to Unix microseconds.
std::optional<int64_t> ParseDateTimeMicros(std::string_view s) {
  size_t p = 0;
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!TakeDigits(s, &p, 4, &year) || !TakeChar(s, &p, '-') ||
      !TakeDigits(s, &p, 2, &month) || !TakeChar(s, &p, '-') ||
      !TakeDigits(s, &p, 2, &day)) {
    return std::nullopt;
  }
  int64_t micros = 0;
  if (p < s.size()) {
    if (!(TakeChar(s, &p, ' ') || TakeChar(s, &p, 'T')) ||
        !TakeDigits(s, &p, 2, &hour) || !TakeChar(s, &p, ':') ||
        !TakeDigits(s, &p, 2, &minute) || !TakeChar(s, &p, ':') ||
        !TakeDigits(s, &p, 2, &second)) {
      return std::nullopt;
    }
    if (TakeChar(s, &p, '.')) {
      int64_t scale = 100'000;
      size_t digits = 0;
      while (p < s.size() && s[p] >= '0' && s[p] <= '9') {
        if (digits < 6) micros += (s[p] - '0') * scale;
        scale /= 10;
        ++digits;
        ++p;
      }
      if (digits == 0) return std::nullopt;
    }
  }
  if (p != s.size()) return std::nullopt;
  // MariaDB's zero date and other out-of-range values mean "no time".
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 ||
      minute > 59 || second > 59) {
    return std::nullopt;
  }
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  time_t t = timegm(&tm);
  return static_cast<int64_t>(t) * 1'000'000 + micros;
}

}  // namespace

bool Row::is_null(size_t i) const {
  return i >= cells_.size() || !cells_[i].has_value();
}

const std::string& Row::str(size_t i) const {
  if (is_null(i)) return EmptyString();
  return *cells_[i];
}

std::optional<std::string> Row::opt_str(size_t i) const {
  if (is_null(i)) return std::nullopt;
  return *cells_[i];
}

int64_t Row::i64(size_t i) const { return opt_i64(i).value_or(0); }

std::optional<int64_t> Row::opt_i64(size_t i) const {
  if (is_null(i)) return std::nullopt;
  const std::string& s = *cells_[i];
  int64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

std::optional<int64_t> Row::unix_micros(size_t i) const {
  if (is_null(i)) return std::nullopt;
  return ParseDateTimeMicros(*cells_[i]);
}

std::optional<int64_t> Row::unix_time(size_t i) const {
  std::optional<int64_t> us = unix_micros(i);
  if (!us) return std::nullopt;
  // Floor, so times before 1970 round the same way as after.
  int64_t s = *us / 1'000'000;
  if (*us % 1'000'000 < 0) --s;
  return s;
}

}  // namespace latchkey::db
