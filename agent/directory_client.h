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
// 5xx/429, sends the call on to the next one. After primary_retry the
// first of the list is tried first again.
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
  std::chrono::seconds primary_retry{60};
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
  // 400 ...). Errors: Unavailable "no directory answered: ..." naming each
  // directory's failure when every directory failed (not reachable, TLS
  // refused, timed out, or 5xx/429).
  Result<DirectoryAnswer> Call(std::string_view method, std::string_view path,
                               std::string_view body = {});

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
  std::chrono::steady_clock::time_point left_primary_at_{};
  std::atomic<bool> online_{false};
  std::atomic<uint64_t> connects_{0};
};

}  // namespace latchkey::agent

#endif  // LATCHKEY_AGENT_DIRECTORY_CLIENT_H_
