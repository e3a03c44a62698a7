// latchkey-agent's client of the directories' /host/v1 API
// (docs/fleet-protocol.md): HTTPS through libcurl, verifying the
// directory's certificate against [fleet] tls_ca and its host name, with
// the host's bearer token on every request.
//
// Keep-alive: easy handles are pooled and share one connection cache and
// TLS session cache (a curl share handle), so calls reuse a warm TLS
// connection instead of a handshake per call (connects() counts the new
// connections curl opened). Failover: directories are tried in their list
// order starting with the one that answered last; a directory that cannot
// be reached within connect_timeout (TCP and TLS handshake), or answers
// 5xx/429, sends the call on to the next one. A call made with
// kFromFirst (the sync thread's first call of each sync) starts at the
// first of the list, so the agent goes back to it once it answers again.
//
// Thread-safe: calls may run on many threads at once.
#ifndef LATCHKEY_AGENT_DIRECTORY_CLIENT_H_
#define LATCHKEY_AGENT_DIRECTORY_CLIENT_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "latchkey/base/result.h"
#include "latchkey/base/secret.h"

namespace latchkey::agent {

struct DirectoryClientOptions {
  std::vector<std::string> directories;  // https://NAME[:PORT], in order
  std::string tls_ca;                    // "" = the system CAs
  std::chrono::milliseconds connect_timeout{2000};
  std::chrono::milliseconds request_timeout{5000};
  Secret token;  // the host's bearer token
  std::string user_agent = "latchkey-agent";
};

struct DirectoryAnswer {
  long http_status = 0;
  std::string directory;  // which one answered
  // The body. Wiped when dropped (answers carry challenges).
  Secret body;
};

class DirectoryClient {
 public:
  explicit DirectoryClient(DirectoryClientOptions options);
  ~DirectoryClient();
  DirectoryClient(const DirectoryClient&) = delete;
  DirectoryClient& operator=(const DirectoryClient&) = delete;

  // One request: `method` "GET" or "POST", `path` such as "/host/v1/ping"
  // (with its query string), `body` the JSON for a POST (wiped by the
  // caller: it may hold passwords). Returns the first answer that is not a
  // failover case, whatever its HTTP status (the caller reads 200, 401,
  // 400 ...); when every directory failed and one of them answered 5xx or
  // 429, that answer (a directory that answers is no outage). Errors:
  // Unavailable "no directory answered: ..." naming each directory's
  // failure when none answered at all (not reachable, TLS refused, timed
  // out).
  enum class Order { kPreferred, kFromFirst };
  Result<DirectoryAnswer> Call(std::string_view method, std::string_view path,
                               std::string_view body = {},
                               Order order = Order::kPreferred);

  // The directory that answered last, or nullopt after a call found none.
  std::optional<std::string> current() const;
  // Whether the last call reached a directory.
  bool online() const { return online_.load(); }
  // New connections curl opened (TCP + TLS) over this client's life.
  uint64_t connects() const { return connects_.load(); }

 private:
  struct Shared;
  void* TakeHandle();
  void GiveHandle(void* handle);
  // Performs the request against one directory. Sets *failover when the
  // next directory should be tried.
  Result<DirectoryAnswer> CallOne(void* handle, const std::string& base,
                                  std::string_view method,
                                  std::string_view path, std::string_view body,
                                  bool* failover);

  const DirectoryClientOptions options_;
  std::unique_ptr<Shared> shared_;
  mutable std::mutex mu_;
  std::vector<void*> idle_;  // pooled easy handles
  size_t preferred_ = 0;     // index of the directory that answered last
  std::atomic<bool> online_{false};
  std::atomic<uint64_t> connects_{0};
};

}  // namespace latchkey::agent

#endif  // LATCHKEY_AGENT_DIRECTORY_CLIENT_H_
