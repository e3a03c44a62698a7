#include "portal/log.h"

#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <mutex>
#include <span>

#include "latchkey/base/encoding.h"
#include "latchkey/base/random.h"

namespace latchkey::portal {

namespace {

// Access lines wait here until FlushAccessLog (every second, from the main
// loop), until this much is buffered, or until any other line is written:
// one write(2) per request would cost a busy portal a tenth of its
// throughput.
constexpr size_t kAccessFlushBytes = 16 * 1024;

std::mutex& WriteMutex() {
  static std::mutex mu;
  return mu;
}

std::string& AccessBuffer() {
  static std::string buffer;
  return buffer;
}

void WriteAll(std::string_view text) {
  const char* p = text.data();
  size_t left = text.size();
  while (left > 0) {
    const ssize_t n = ::write(STDERR_FILENO, p, left);
    if (n <= 0) break;
    p += n;
    left -= static_cast<size_t>(n);
  }
}

// Writes out the buffered access lines; WriteMutex() is held.
void FlushLocked() {
  std::string& buffer = AccessBuffer();
  if (buffer.empty()) return;
  WriteAll(buffer);
  buffer.clear();
}

// "<prefix><time> latchkey-portal: <line>\n", newlines in `line` made spaces.
// The time text is made once a second per thread.
std::string Format(std::string_view prefix, std::string_view line) {
  thread_local time_t stamp_second = -1;
  thread_local char stamp[32] = "";
  const time_t now = ::time(nullptr);
  if (now != stamp_second) {
    struct tm tm_utc;
    stamp[0] = '\0';
    if (::gmtime_r(&now, &tm_utc) != nullptr) {
      ::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm_utc);
    }
    stamp_second = now;
  }
  std::string text;
  text.reserve(line.size() + 48);
  text += prefix;
  text += stamp;
  text += " latchkey-portal: ";
  for (char c : line) text.push_back(c == '\n' ? ' ' : c);
  text.push_back('\n');
  return text;
}

std::string_view PrefixOf(LogPriority priority, char (&out)[3]) {
  out[0] = '<';
  out[1] = static_cast<char>('0' + static_cast<int>(priority));
  out[2] = '>';
  return std::string_view(out, sizeof out);
}

void WriteLine(std::string_view prefix, std::string_view line) {
  const std::string text = Format(prefix, line);
  std::lock_guard<std::mutex> lock(WriteMutex());
  FlushLocked();  // the access lines before it stay before it
  WriteAll(text);
}

}  // namespace

void LogLine(std::string_view line) { WriteLine("", line); }

void LogLine(LogPriority priority, std::string_view line) {
  char prefix[3];
  WriteLine(PrefixOf(priority, prefix), line);
}

void LogAccess(LogPriority priority, std::string_view line) {
  char prefix[3];
  const std::string text = Format(PrefixOf(priority, prefix), line);
  std::lock_guard<std::mutex> lock(WriteMutex());
  std::string& buffer = AccessBuffer();
  buffer += text;
  if (buffer.size() >= kAccessFlushBytes) FlushLocked();
}

void FlushAccessLog() {
  std::lock_guard<std::mutex> lock(WriteMutex());
  FlushLocked();
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

std::string NewRequestId() {
  // A random prefix per process and a counter: unique, and no system call
  // per request.
  static const std::string prefix = NewIncidentId().substr(0, 6);
  static std::atomic<uint32_t> counter{0};
  char tail[8];
  std::snprintf(tail, sizeof tail, "%06x",
                counter.fetch_add(1, std::memory_order_relaxed) & 0xFFFFFFu);
  return prefix + tail;
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
