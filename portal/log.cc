#include "portal/log.h"

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <ctime>
#include <span>

#include "latchkey/base/encoding.h"
#include "latchkey/base/random.h"

namespace latchkey::portal {

namespace {

void WriteLine(std::string_view prefix, std::string_view line) {
  char stamp[32] = "";
  const time_t now = ::time(nullptr);
  struct tm tm_utc;
  if (::gmtime_r(&now, &tm_utc) != nullptr) {
    ::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm_utc);
  }
  std::string text;
  text.reserve(line.size() + 48);
  text += prefix;
  text += stamp;
  text += " latchkey-portal: ";
  for (char c : line) text.push_back(c == '\n' ? ' ' : c);
  text.push_back('\n');
  const char* p = text.data();
  size_t left = text.size();
  while (left > 0) {
    const ssize_t n = ::write(STDERR_FILENO, p, left);
    if (n <= 0) break;
    p += n;
    left -= static_cast<size_t>(n);
  }
}

}  // namespace

void LogLine(std::string_view line) { WriteLine("", line); }

void LogLine(LogPriority priority, std::string_view line) {
  const char prefix[] = {
      '<', static_cast<char>('0' + static_cast<int>(priority)), '>'};
  WriteLine(std::string_view(prefix, sizeof prefix), line);
}

LogPriority AccessPriority(int status) {
  if (status >= 500) return LogPriority::kErr;
  if (status >= 400) return LogPriority::kNotice;
  return LogPriority::kInfo;
}

std::string AccessLine(std::string_view method, std::string_view route,
                       int status, double seconds, std::string_view id) {
  char ms[32];
  std::snprintf(ms, sizeof ms, "%.1fms", seconds * 1000.0);
  std::string line = "access ";
  line += method;
  line += ' ';
  line += route.empty() ? "-" : route;
  line += ' ';
  line += std::to_string(status);
  line += ' ';
  line += ms;
  line += " id=";
  line += id;
  return line;
}

std::string NewIncidentId() {
  uint8_t raw[6] = {};
  if (!SystemRandom::Shared().Fill(std::span<uint8_t>(raw, sizeof raw)).ok()) {
    return "000000000000";
  }
  return HexEncode(
      std::string_view(reinterpret_cast<const char*>(raw), sizeof raw));
}

}  // namespace latchkey::portal
