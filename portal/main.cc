// latchkey-portal: the self-service web site and its JSON API.
//
//   latchkey-portal [--config PATH]
//
// Startup order matters: read every file (config, secret key, database
// password, TLS key) and bind the socket while still root, then drop to the
// [portal] user, then serve. The mail worker thread sends what requests
// queued in mail_outbox. SIGTERM/SIGINT stop it cleanly.
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <string>
#include <thread>

#include "latchkey/auth/challenge_store.h"
#include "latchkey/config/config.h"
#include "latchkey/services/services_pool.h"
#include "latchkey/store/rate_limit.h"
#include "latchkey/store/session_store.h"
#include "portal/app.h"
#include "portal/directory/host_api.h"
#include "portal/listen.h"
#include "portal/log.h"
#include "portal/mail_worker.h"
#include "portal/privileges.h"
#include "portal/route.h"
#include "portal/server.h"

namespace latchkey::portal {
namespace {

constexpr char kUsage[] =
    "usage: latchkey-portal [--config PATH] | --routes\n"
    "Serves the latchkey self-service portal as configured in [portal].\n"
    "--routes prints the route table (one JSON object a line: pattern,\n"
    "methods, flags) and exits.\n"
    "The config file: --config PATH, else $LATCHKEY_CONFIG, else "
    "/etc/latchkey/latchkey.conf.\n";

int Fail(const std::string& message) {
  std::fprintf(stderr, "latchkey-portal: %s\n", message.c_str());
  return 1;
}

Result<std::string> ReadPlainFile(const std::string& path) {
  FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) {
    return IoError(path + ": " + std::strerror(errno));
  }
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
  std::fclose(f);
  return out;
}

// Each connection is a descriptor: raise the soft limit to the hard one
// (capped), so thousands of idle keep-alive connections fit.
void RaiseFileLimit() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return;
  const rlim_t want = std::min<rlim_t>(limit.rlim_max, 65536);
  if (limit.rlim_cur < want) {
    limit.rlim_cur = want;
    (void)::setrlimit(RLIMIT_NOFILE, &limit);
  }
}

// Rate-limit counters older than this are forgotten (the longest window in
// use is an hour).
constexpr Seconds kRateLimitKeep{24 * 3600};

// Deletes timed-out sessions, expired sign-in challenges and old rate-limit
// counters now and then, so the tables do not grow.
void Maintain(App& app) {
  std::optional<ServicesPool::Lease> lease =
      app.pool().Acquire(std::chrono::milliseconds(100));
  if (!lease) return;
  Services& s = **lease;
  SessionStore store(s.db(), s.clock(), s.random(), app.config().session);
  Result<uint64_t> purged = store.PurgeExpired();
  if (!purged.ok()) {
    LogLine("purging expired sessions failed: " + purged.status().ToString());
  }
  ChallengeStore challenges(s.db(), s.clock(), s.random());
  Result<uint64_t> stale = challenges.PurgeExpired();
  if (!stale.ok()) {
    LogLine("purging expired sign-in challenges failed: " +
            stale.status().ToString());
  }
  RateLimiter limits(s.db(), s.clock());
  Result<uint64_t> forgotten = limits.PurgeOlderThan(kRateLimitKeep);
  if (!forgotten.ok()) {
    LogLine("purging rate-limit counters failed: " +
            forgotten.status().ToString());
  }
}

// The route table, for tests that must cover every route of a kind (the
// admin authorization matrix) and for admins who want to see it.
void PrintRoutes() {
  for (const Route& r : AllRoutes()) {
    nlohmann::json methods = nlohmann::json::array();
    for (Method m : {Method::kGet, Method::kPost, Method::kPut, Method::kPatch,
                     Method::kDelete}) {
      if ((r.methods & static_cast<Methods>(m)) != 0) {
        methods.push_back(MethodName(m));
      }
    }
    const nlohmann::json line = {{"pattern", r.pattern},
                                 {"methods", methods},
                                 {"flags", RouteFlagNames(r.flags)}};
    std::printf("%s\n", line.dump().c_str());
  }
}

int Run(int argc, char** argv) {
  std::string config_path;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--config" && i + 1 < argc) {
      config_path = argv[++i];
    } else if (arg.rfind("--config=", 0) == 0) {
      config_path = arg.substr(9);
    } else if (arg == "--help" || arg == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    } else if (arg == "--version") {
      std::printf("latchkey-portal %s\n", LATCHKEY_VERSION);
      return 0;
    } else if (arg == "--routes") {
      PrintRoutes();
      return 0;
    } else {
      std::fputs(kUsage, stderr);
      return 2;
    }
  }

  if (config_path.empty()) {
    const char* env = std::getenv("LATCHKEY_CONFIG");
    config_path = (env != nullptr && *env != '\0') ? env : kDefaultConfigPath;
  }

  // Signals are taken by sigtimedwait in this thread only: block them
  // before any thread starts, so every thread inherits the mask.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  RaiseFileLimit();
  Result<Config> config = LoadConfig(config_path);
  if (!config.ok()) {
    if (ConfigFileMissing(config_path)) {
      return Fail(config.status().message() +
                  "; name the config file with --config PATH or "
                  "LATCHKEY_CONFIG=PATH");
    }
    return Fail(config.status().message());
  }
  const PortalConfig& portal = config->portal;

  ServerOptions server;
  if (portal.tls_cert.empty() != portal.tls_key.empty()) {
    return Fail(config_path + ": [portal] tls_cert and tls_key go together");
  }
  if (!portal.tls_cert.empty()) {
    Result<std::string> cert = ReadPlainFile(portal.tls_cert);
    if (!cert.ok()) return Fail(cert.status().message());
    Result<Secret> key = ReadSecretFile(portal.tls_key, false);
    if (!key.ok()) return Fail(key.status().message());
    server.tls_cert_pem = std::move(*cert);
    server.tls_key_pem = std::move(*key);
  }

  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  AppOptions options;
  options.http_threads = cores;
  options.kdf_threads = 2 * cores;
  options.kdf_slots = cores;
  options.kdf_keep_warm = !config->directory.listen.empty();
  options.kdf_queue = 32 * cores;
  Result<std::unique_ptr<App>> app = App::Create(*config, options);
  if (!app.ok()) return Fail(app.status().message());

  // Its database connection and transport are made now, while the
  // password file is readable; the thread starts after the drop.
  Result<std::unique_ptr<MailWorker>> mail =
      MailWorker::Create(*config, MailWorker::Options{});
  if (!mail.ok()) return Fail(mail.status().message());
  (*mail)->RegisterMetrics((*app)->metrics());
  (*app)->SetMailNudge([worker = mail->get()] { worker->Nudge(); });

  Result<ListenAddress> address = ParseListen(portal.listen);
  if (!address.ok())
    return Fail(config_path + ": " + address.status().message());
  Result<int> fd = BindListenSocket(*address);
  if (!fd.ok()) return Fail(fd.status().message());
  const uint16_t port = BoundPort(*fd);

  // [directory]: the hosts' listener (fleet mode), TLS only, with its own
  // route table; its files are read and its socket bound before the drop.
  const DirectoryConfig& directory = config->directory;
  std::unique_ptr<HostApi> host_api;
  ServerOptions directory_server;
  int directory_fd = -1;
  std::string directory_url;
  if (!directory.listen.empty()) {
    Result<std::string> cert = ReadPlainFile(directory.tls_cert);
    if (!cert.ok()) return Fail(cert.status().message());
    Result<Secret> key = ReadSecretFile(directory.tls_key, false);
    if (!key.ok()) return Fail(key.status().message());
    directory_server.tls_cert_pem = std::move(*cert);
    directory_server.tls_key_pem = std::move(*key);
    Result<ListenAddress> where = ParseListen(directory.listen);
    if (!where.ok()) {
      return Fail(config_path +
                  ": [directory] listen: " + where.status().message());
    }
    Result<int> bound = BindListenSocket(*where);
    if (!bound.ok()) return Fail(bound.status().message());
    directory_fd = *bound;
    directory_url =
        "https://" +
        (where->host.find(':') != std::string::npos ? "[" + where->host + "]"
                                                    : where->host) +
        ":" + std::to_string(BoundPort(directory_fd));
    host_api = std::make_unique<HostApi>(**app);
  }

  const Status dropped = DropPrivileges(portal.user);
  if (!dropped.ok()) {
    ::close(*fd);
    if (directory_fd >= 0) ::close(directory_fd);
    return Fail(dropped.message());
  }

  server.listen_fd = *fd;
  server.threads = cores;
  Result<std::unique_ptr<Server>> running =
      Server::Start(**app, std::move(server));
  if (!running.ok()) {
    if (directory_fd >= 0) ::close(directory_fd);
    return Fail(running.status().message());
  }
  std::unique_ptr<Server> directory_running;
  if (host_api) {
    directory_server.listen_fd = directory_fd;
    directory_server.threads = cores;
    directory_server.route_set = host_api.get();
    Result<std::unique_ptr<Server>> started =
        Server::Start(**app, std::move(directory_server));
    if (!started.ok()) {
      return Fail("[directory] listener: " + started.status().message());
    }
    directory_running = std::move(*started);
    LogLine("directory for hosts listening on " + directory_url +
            " (/host/v1)");
  }
  (*mail)->Start();
  LogLine(std::string("listening on ") +
          ((*running)->tls() ? "https://" : "http://") +
          (address->host.find(':') != std::string::npos
               ? "[" + address->host + "]"
               : address->host) +
          ":" + std::to_string(port) + " (" + std::to_string(cores) +
          " HTTP threads; " + std::to_string(options.kdf_threads) +
          " threads for password requests, at most " +
          std::to_string(options.kdf_slots) + " hashes at once)");

  constexpr int kMaintainEverySeconds = 600;
  // The loop wakes every second to write the buffered access lines.
  const timespec tick{1, 0};
  auto last_maintained = std::chrono::steady_clock::now();
  while (true) {
    const int sig = sigtimedwait(&stop_signals, nullptr, &tick);
    if (sig == SIGTERM || sig == SIGINT) {
      LogLine(std::string("stopping on ") +
              (sig == SIGTERM ? "SIGTERM" : "SIGINT"));
      break;
    }
    FlushAccessLog();
    const auto now = std::chrono::steady_clock::now();
    if (now - last_maintained >= std::chrono::seconds(kMaintainEverySeconds)) {
      Maintain(**app);
      last_maintained = now;
    }
  }
  if (directory_running) directory_running->Stop();
  directory_running.reset();
  host_api.reset();
  (*running)->Stop();
  running->reset();
  // The worker's thread ends before the metrics it counts into; the
  // object outlives the App, whose KDF jobs may still nudge it.
  (*mail)->Stop();
  app->reset();
  mail->reset();
  LogLine("stopped");  // after the last access lines, which it flushes
  return 0;
}

}  // namespace
}  // namespace latchkey::portal

int main(int argc, char** argv) {
  try {
    return latchkey::portal::Run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "latchkey-portal: fatal: %s\n", e.what());
  } catch (...) {
    std::fprintf(stderr, "latchkey-portal: fatal: unknown exception\n");
  }
  return 1;
}
