// latchkey-agent: the host agent of fleet mode (docs/agent.md). A root
// daemon that serves pam_latchkey.so and latchkey-ssh-keys on a unix socket
// and asks the directories over TLS. It holds no database login and no
// secret key: only the host token.
//
//   latchkey-agent [--config PATH] [--foreground]
//
// It does not fork (systemd Type=simple). --foreground logs to stderr
// instead of syslog. SIGTERM/SIGINT stop it cleanly, SIGHUP re-reads the
// config.
#include <curl/curl.h>
#include <malloc.h>
#include <signal.h>
#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>

#include "agent/agent.h"
#include "agent/log.h"
#include "agent/server.h"
#include "latchkey/base/clock.h"
#include "latchkey/config/config.h"

namespace {

using latchkey::agent::Log;
using latchkey::agent::LogLevel;

constexpr char kUsage[] =
    "usage: latchkey-agent [--config PATH] [--foreground]\n"
    "  --config PATH  the config file (default /etc/latchkey/latchkey.conf,\n"
    "                 or $LATCHKEY_CONFIG)\n"
    "  --foreground   log to stderr instead of syslog\n";

latchkey::Result<latchkey::Config> Load(const std::string& path) {
  latchkey::Result<latchkey::Config> config = latchkey::LoadConfig(path);
  if (!config.ok()) return config;
  if (!config->fleet.enabled) {
    return latchkey::InvalidArgument(
        path + ": [fleet] enabled is off; the agent serves fleet mode only");
  }
  return config;
}

}  // namespace

int main(int argc, char** argv) {
  std::string config_path = "/etc/latchkey/latchkey.conf";
  if (const char* env = std::getenv("LATCHKEY_CONFIG"); env && *env)
    config_path = env;
  bool foreground = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--config" && i + 1 < argc) {
      config_path = argv[++i];
    } else if (arg == "--foreground") {
      foreground = true;
    } else if (arg == "--help" || arg == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    } else if (arg == "--version") {
      std::printf("latchkey-agent %s\n", LATCHKEY_VERSION);
      return 0;
    } else {
      std::fprintf(stderr, "latchkey-agent: unknown argument %s\n%s",
                   arg.c_str(), kUsage);
      return 2;
    }
  }
  latchkey::agent::InitLog(foreground);
  ::umask(077);
  // Idle memory: few malloc arenas for the worker threads, and the KDF's
  // big blocks always mmapped (so they go back to the kernel at once).
  mallopt(M_ARENA_MAX, 2);
  mallopt(M_MMAP_THRESHOLD, 128 * 1024);
  mallopt(M_TRIM_THRESHOLD, 128 * 1024);

  // Every thread inherits this mask; the main thread takes the signals.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  ::signal(SIGPIPE, SIG_IGN);

  if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
    Log(LogLevel::kError, "curl_global_init failed");
    return 1;
  }
  latchkey::Result<latchkey::Config> config = Load(config_path);
  if (!config.ok()) {
    Log(LogLevel::kError, config.status().message());
    return 1;
  }
  latchkey::Result<std::unique_ptr<latchkey::agent::Agent>> agent =
      latchkey::agent::Agent::Create(*config, latchkey::SystemClock::Shared());
  if (!agent.ok()) {
    Log(LogLevel::kError, agent.status().message());
    return 1;
  }
  latchkey::agent::ServerOptions options;
  options.socket_path = config->fleet.agent_socket;
  latchkey::agent::Server server(**agent, options);
  if (const latchkey::Status started = server.Start(); !started.ok()) {
    Log(LogLevel::kError, started.message());
    return 1;
  }
  (*agent)->StartSyncThread();
  Log(LogLevel::kInfo, "listening on " + options.socket_path);

  while (true) {
    int sig = 0;
    if (sigwait(&signals, &sig) != 0) continue;
    if (sig == SIGHUP) {
      latchkey::Result<latchkey::Config> fresh = Load(config_path);
      latchkey::Status reloaded =
          fresh.ok() ? (*agent)->Reload(*fresh) : fresh.status();
      if (!reloaded.ok()) {
        Log(LogLevel::kError,
            "reload failed, keeping the old settings: " + reloaded.message());
      } else {
        if (fresh->fleet.agent_socket != options.socket_path) {
          Log(LogLevel::kWarning,
              "agent_socket changed: restart the agent to move the socket");
        }
        Log(LogLevel::kInfo, "config reloaded");
      }
      continue;
    }
    Log(LogLevel::kInfo, "stopping");
    break;
  }
  server.Stop();
  (*agent)->StopSyncThread();
  agent->reset();
  curl_global_cleanup();
  return 0;
}
