// latchkey-agent's work: the agent socket's ops (docs/fleet-protocol.md, "The
// agent socket") answered from the directories (/host/v1) and, while none
// answers, from the agent's caches and offline verifiers; and the sync
// (NSS map, offline-check, queued audit rows). docs/agent.md describes what
// is cached and for how long.
//
// Thread-safe: Handle runs on many worker threads at once, Sync on one.
#ifndef LATCHKEY_AGENT_AGENT_H_
#define LATCHKEY_AGENT_AGENT_H_

#include <sys/types.h>

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "agent/caches.h"
#include "agent/directory_client.h"
#include "agent/offline_store.h"
#include "latchkey/base/clock.h"
#include "latchkey/base/random.h"
#include "latchkey/base/result.h"
#include "latchkey/base/secret.h"
#include "latchkey/config/config.h"
#include "latchkey/crypto/password_hash.h"
#include "latchkey/nss/nss_files.h"

namespace latchkey::agent {

// Who is on the other end of a connection (from SO_PEERCRED).
enum class Peer { kRoot, kKeysUser, kOther };

// Whether `peer` may ask `op`: root everything, the keys user ssh_keys and
// passwd, anyone else nothing.
bool PeerMayAsk(Peer peer, std::string_view op);

// The answer to one request, and work to do after it was sent (storing an
// offline verifier costs a KDF the login should not wait for).
struct AgentReply {
  Secret answer;       // the JSON answer frame
  bool close = false;  // close the connection after sending
  std::function<void()> after;
};

class Agent {
 public:
  // `config` must have [fleet] directories; reads the host token file.
  // Errors: those of ReadSecretFile for the token (it must be owned by the
  // running user and 0600 or stricter); InvalidArgument for a config the
  // agent cannot run with; PermissionDenied/InvalidArgument from the state
  // files (OfflineStore::Load).
  static Result<std::unique_ptr<Agent>> Create(const Config& config,
                                               const Clock& clock);
  ~Agent();

  // Replaces the settings from a re-read config (SIGHUP): directories,
  // timeouts, token, TTLs, offline max_age, NSS rules. The socket path and
  // state_dir are kept. Errors as Create; the old settings stay on error.
  Status Reload(const Config& config);

  // Answers one request frame from `peer`. Never throws.
  AgentReply Handle(Peer peer, const Secret& request);

  // One sync: the map (and the NSS files), the offline-check of cached
  // verifiers, the queued audit rows. Errors: Unavailable when no
  // directory answered (nothing changed), others naming the step.
  Status Sync();

  // Runs Sync on a thread of its own every [fleet] sync_interval, and at
  // once when a call finds a directory again after none answered (so
  // queued audit rows go out on reconnect). Stop ends it (also done by the
  // destructor).
  void StartSyncThread();
  void StopSyncThread();

  // The keys user's uid, if [fleet] keys_user is set and exists.
  std::optional<uid_t> keys_uid() const;

 private:
  struct Settings;
  explicit Agent(const Clock& clock);
  static Result<std::shared_ptr<Settings>> MakeSettings(const Config& config);
  std::shared_ptr<Settings> settings() const;

  // A call to the directory that records online/offline transitions.
  Result<DirectoryAnswer> Call(
      Settings& s, std::string_view method, std::string_view path,
      std::string_view body,
      DirectoryClient::Order order = DirectoryClient::Order::kPreferred);

  AgentReply Ping(Settings& s);
  AgentReply SshKeys(Settings& s, const nlohmann::json& req);
  AgentReply Passwd(const nlohmann::json& req);
  AgentReply Authenticate(Settings& s, nlohmann::json& req);
  AgentReply SecondFactor(Settings& s, nlohmann::json& req);
  AgentReply Account(Settings& s, const nlohmann::json& req);
  AgentReply ChangePassword(Settings& s, nlohmann::json& req);
  AgentReply Session(Settings& s, const nlohmann::json& req, bool open);
  AgentReply AuthenticateOffline(Settings& s, const std::string& user,
                                 const Secret& password,
                                 const nlohmann::json& req);
  void StoreVerifier(Settings& s, const std::string& user,
                     const std::string& stamp, const Secret& password);
  Status SyncMap(Settings& s);
  Status SyncOffline(Settings& s);
  Status SyncAudit(Settings& s);
  void SyncLoop();

  const Clock& clock_;
  mutable std::mutex settings_mu_;
  std::shared_ptr<Settings> settings_;
  std::atomic<bool> reconnected_{false};
  std::atomic<bool> was_online_{true};

  SshKeyCache keys_;
  AccountCache accounts_;
  std::unique_ptr<OfflineStore> offline_;
  std::unique_ptr<AuditQueue> audit_;

  std::mutex map_mu_;
  std::string map_version_;
  std::vector<NssPasswdEntry> map_users_;

  std::mutex sync_mu_;
  std::condition_variable sync_wake_;
  bool sync_now_ = false;
  bool sync_stop_ = false;
  std::thread sync_thread_;
};

}  // namespace latchkey::agent

#endif  // LATCHKEY_AGENT_AGENT_H_
