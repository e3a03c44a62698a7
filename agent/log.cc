#include "agent/log.h"

#include <syslog.h>

#include <atomic>
#include <cstdio>
#include <mutex>
#include <string>

namespace latchkey::agent {
namespace {

std::atomic<bool> g_foreground{true};
std::mutex g_stderr_mu;

}  // namespace

void InitLog(bool foreground) {
  g_foreground = foreground;
  if (!foreground) openlog("latchkey-agent", LOG_PID, LOG_AUTHPRIV);
}

void Log(LogLevel level, std::string_view message) {
  std::string line;
  for (const char c : message.substr(0, 2000)) {
    const auto u = static_cast<unsigned char>(c);
    line.push_back(u < 0x20 || u == 0x7f ? '?' : c);
  }
  static constexpr const char* kNames[] = {"error", "warning", "info", "debug"};
  const int index = static_cast<int>(level);
  if (g_foreground) {
    const std::lock_guard lock(g_stderr_mu);
    std::fprintf(stderr, "latchkey-agent: %s: %s\n", kNames[index],
                 line.c_str());
    return;
  }
  static constexpr int kPriorities[] = {LOG_ERR, LOG_WARNING, LOG_INFO,
                                        LOG_DEBUG};
  syslog(LOG_AUTHPRIV | kPriorities[index], "%s", line.c_str());
}

}  // namespace latchkey::agent
