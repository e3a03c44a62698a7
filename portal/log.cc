#include "portal/log.h"

#include <unistd.h>

#include <cstdint>
#include <ctime>
#include <span>

#include "latchkey/base/encoding.h"
#include "latchkey/base/random.h"

namespace latchkey::portal {

void LogLine(std::string_view line) {
  char stamp[32] = "";
  const time_t now = ::time(nullptr);
  struct tm tm_utc;
  if (::gmtime_r(&now, &tm_utc) != nullptr) {
    ::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm_utc);
  }
  std::string text;
  text.reserve(line.size() + 48);
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

std::string NewIncidentId() {
  uint8_t raw[6] = {};
  if (!SystemRandom::Shared().Fill(std::span<uint8_t>(raw, sizeof raw)).ok()) {
    return "000000000000";
  }
  return HexEncode(
      std::string_view(reinterpret_cast<const char*>(raw), sizeof raw));
}

}  // namespace latchkey::portal
