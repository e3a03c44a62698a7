#include "agent/directory_client.h"

#include <curl/curl.h>
#include <openssl/crypto.h>

#include <cstring>
#include <string>
#include <utility>

namespace latchkey::agent {
namespace {

constexpr size_t kMaxIdleHandles = 4;
constexpr long kMaxConnections = 16;
constexpr size_t kMaxBody = size_t{8} << 20;  // a map of many thousand users

struct Body {
  std::string bytes;
  bool too_big = false;
};

size_t WriteBody(char* data, size_t size, size_t count, void* user) {
  auto* body = static_cast<Body*>(user);
  const size_t n = size * count;
  if (body->bytes.size() + n > kMaxBody) {
    body->too_big = true;
    return 0;
  }
  body->bytes.append(data, n);
  return n;
}

// The header lists hold the token: wipe them before curl frees them.
void FreeHeaders(curl_slist* headers) {
  for (curl_slist* h = headers; h != nullptr; h = h->next)
    OPENSSL_cleanse(h->data, std::strlen(h->data));
  curl_slist_free_all(headers);
}

}  // namespace

// One connection cache and TLS session cache for every pooled handle.
struct DirectoryClient::Shared {
  CURLSH* share = nullptr;
  std::mutex locks[CURL_LOCK_DATA_LAST];

  Shared() {
    share = curl_share_init();
    curl_share_setopt(share, CURLSHOPT_LOCKFUNC, &Lock);
    curl_share_setopt(share, CURLSHOPT_UNLOCKFUNC, &Unlock);
    curl_share_setopt(share, CURLSHOPT_USERDATA, this);
    curl_share_setopt(share, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT);
    curl_share_setopt(share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
    curl_share_setopt(share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
  }
  ~Shared() { curl_share_cleanup(share); }

  static void Lock(CURL*, curl_lock_data data, curl_lock_access, void* user) {
    static_cast<Shared*>(user)->locks[data].lock();
  }
  static void Unlock(CURL*, curl_lock_data data, void* user) {
    static_cast<Shared*>(user)->locks[data].unlock();
  }
};

DirectoryClient::DirectoryClient(DirectoryClientOptions options)
    : options_(std::move(options)), shared_(std::make_unique<Shared>()) {}

DirectoryClient::~DirectoryClient() {
  for (void* h : idle_) curl_easy_cleanup(static_cast<CURL*>(h));
  idle_.clear();
}

void* DirectoryClient::TakeHandle() {
  {
    const std::lock_guard lock(mu_);
    if (!idle_.empty()) {
      void* h = idle_.back();
      idle_.pop_back();
      return h;
    }
  }
  CURL* h = curl_easy_init();
  if (h == nullptr) return nullptr;
  curl_easy_setopt(h, CURLOPT_SHARE, shared_->share);
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "https");
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
  if (!options_.tls_ca.empty())
    curl_easy_setopt(h, CURLOPT_CAINFO, options_.tls_ca.c_str());
  // Keep as many connections as calls can run at once (the socket
  // server's workers), so a burst does not churn TLS handshakes.
  curl_easy_setopt(h, CURLOPT_MAXCONNECTS, kMaxConnections);
  curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(h, CURLOPT_TCP_KEEPIDLE, 30L);
  curl_easy_setopt(h, CURLOPT_TCP_KEEPINTVL, 15L);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(options_.connect_timeout.count()));
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS,
                   static_cast<long>(options_.request_timeout.count()));
  curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(h, CURLOPT_USERAGENT, options_.user_agent.c_str());
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &WriteBody);
  return h;
}

void DirectoryClient::GiveHandle(void* handle) {
  if (handle == nullptr) return;
  auto* h = static_cast<CURL*>(handle);
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, nullptr);
  curl_easy_setopt(h, CURLOPT_POSTFIELDS, nullptr);
  {
    const std::lock_guard lock(mu_);
    if (idle_.size() < kMaxIdleHandles) {
      idle_.push_back(h);
      return;
    }
  }
  curl_easy_cleanup(h);
}

Result<DirectoryAnswer> DirectoryClient::CallOne(
    void* handle, const std::string& base, std::string_view method,
    std::string_view path, std::string_view body, bool* failover) {
  auto* h = static_cast<CURL*>(handle);
  *failover = true;
  const std::string url = base + std::string(path);
  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  if (method == "POST") {
    curl_easy_setopt(h, CURLOPT_POST, 1L);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
  } else {
    curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
  }
  std::string auth = "Authorization: Bearer ";
  auth.append(options_.token.view());
  curl_slist* headers = curl_slist_append(nullptr, auth.c_str());
  WipeString(auth);
  const std::string agent = "X-Latchkey-Agent: " + options_.user_agent;
  headers = curl_slist_append(headers, agent.c_str());
  headers = curl_slist_append(headers, "Content-Type: application/json");
  headers = curl_slist_append(headers, "Accept: application/json");
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
  Body received;
  received.bytes.reserve(4096);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &received);
  const CURLcode rc = curl_easy_perform(h);
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, nullptr);
  FreeHeaders(headers);
  long opened = 0;
  if (curl_easy_getinfo(h, CURLINFO_NUM_CONNECTS, &opened) == CURLE_OK &&
      opened > 0) {
    connects_ += static_cast<uint64_t>(opened);
  }
  if (rc != CURLE_OK) {
    WipeString(received.bytes);
    if (received.too_big) {
      *failover = false;
      return Unavailable(base + ": the answer is larger than " +
                         std::to_string(kMaxBody) + " bytes");
    }
    return Unavailable(base + ": " + curl_easy_strerror(rc));
  }
  long status = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
  // Busy or broken (5xx, 429): the next directory may do better, but this
  // one did answer.
  *failover = status >= 500 || status == 429;
  DirectoryAnswer answer;
  answer.http_status = status;
  answer.directory = base;
  answer.body = Secret::Take(received.bytes);
  return answer;
}

Result<DirectoryAnswer> DirectoryClient::Call(std::string_view method,
                                              std::string_view path,
                                              std::string_view body,
                                              Order order) {
  const size_t n = options_.directories.size();
  if (n == 0) return Unavailable("no directory is configured");
  size_t start = 0;
  if (order == Order::kPreferred) {
    const std::lock_guard lock(mu_);
    start = preferred_;
  }
  void* handle = TakeHandle();
  if (handle == nullptr) return Unavailable("curl_easy_init failed");
  std::string failures;
  std::optional<DirectoryAnswer> busy;  // the last 5xx/429 answer
  for (size_t i = 0; i < n; ++i) {
    const size_t index = (start + i) % n;
    bool failover = true;
    Result<DirectoryAnswer> answer = CallOne(
        handle, options_.directories[index], method, path, body, &failover);
    if (answer.ok() && failover) {
      failures += (failures.empty() ? "" : "; ") + answer->directory +
                  ": HTTP " + std::to_string(answer->http_status);
      busy = std::move(*answer);
      continue;
    }
    if (answer.ok() || !failover) {
      GiveHandle(handle);
      if (answer.ok()) {
        const std::lock_guard lock(mu_);
        preferred_ = index;
        online_ = true;
      }
      return answer;
    }
    if (!failures.empty()) failures += "; ";
    failures += answer.status().message();
  }
  GiveHandle(handle);
  if (busy) {
    // Answered, if only to say it cannot: online, not an outage.
    online_ = true;
    return std::move(*busy);
  }
  online_ = false;
  return Unavailable("no directory answered: " + failures);
}

std::optional<std::string> DirectoryClient::current() const {
  if (!online_) return std::nullopt;
  const std::lock_guard lock(mu_);
  return options_.directories[preferred_];
}

}  // namespace latchkey::agent
