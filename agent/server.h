// latchkey-agent's unix socket server (docs/fleet-protocol.md, "The agent
// socket"). One poller thread accepts (SOCK_CLOEXEC), watches connections
// with epoll and reads their frames without blocking; a bounded pool of
// worker threads gets only whole frames, answers them and hands the
// connection back. So neither a connection waiting for its next frame (a
// user typing a TOTP code) nor a slow or hostile client sending half a
// frame holds a worker; a frame must arrive whole within frame_timeout.
//
// Who may ask is decided per connection from SO_PEERCRED (PeerMayAsk): a
// peer that may ask nothing gets {"status":"forbidden"} to its first frame
// from the poller itself, without a worker, and is closed. Connections are
// bounded: kMaxConnections in all and kMaxPerUid per non-root uid.
//
// Thread-safe: Start once, Stop once (from any thread).
#ifndef LATCHKEY_AGENT_SERVER_H_
#define LATCHKEY_AGENT_SERVER_H_

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "agent/agent.h"
#include "latchkey/base/secret.h"
#include "latchkey/base/status.h"

namespace latchkey::agent {

struct ServerOptions {
  std::string socket_path;
  size_t workers = 16;
  // A frame must arrive whole within this once it started (and the first
  // frame within it of the connect).
  std::chrono::milliseconds frame_timeout{5000};
  // How long a root connection may wait between frames (the PAM
  // conversation: prompting for a code), and a keys-user connection.
  std::chrono::milliseconds root_idle{300000};
  std::chrono::milliseconds other_idle{5000};
};

inline constexpr size_t kMaxConnections = 1024;
inline constexpr size_t kMaxPerUid = 32;

class Server {
 public:
  Server(Agent& agent, ServerOptions options);
  ~Server();

  // Creates the socket's directory (0755) if missing, removes a stale
  // socket at the path (only a socket), binds, sets mode 0666 (access is
  // SO_PEERCRED's), listens, and starts the threads. Errors: IoError naming
  // the path and errno text; FailedPrecondition if something that is not a
  // socket is at the path.
  Status Start();
  // Stops accepting, closes every connection, joins the threads, removes
  // the socket file.
  void Stop();

 private:
  struct Conn {
    Peer peer = Peer::kOther;
    uid_t uid = 0;
    std::chrono::steady_clock::time_point deadline;
    bool with_worker = false;
    std::string buf;  // a frame being read (wiped: it may hold a password)
  };
  struct Work {
    int fd;
    Peer peer;
    Secret frame;
  };
  void PollLoop();
  void WorkerLoop();
  void Accept();
  void CloseConn(int fd);
  void Arm(int fd);
  // Reads what `fd` has; queues a whole frame for a worker, or closes.
  void ReadReady(int fd, Conn& conn);
  Peer PeerOf(uid_t uid) const;

  Agent& agent_;
  const ServerOptions options_;
  int listen_fd_ = -1;
  int epoll_fd_ = -1;
  int wake_fd_ = -1;
  std::atomic<bool> stopping_{false};
  std::thread poller_;
  std::vector<std::thread> workers_;

  // Poller's: the connections it owns (also those lent to a worker).
  std::map<int, Conn> conns_;
  std::map<uid_t, size_t> per_uid_;

  std::mutex mu_;
  std::condition_variable work_ready_;
  std::deque<Work> work_;  // whole frames, for the workers
  // Connections workers hand back: fd and whether to keep it open.
  std::deque<std::pair<int, bool>> returned_;
};

}  // namespace latchkey::agent

#endif  // LATCHKEY_AGENT_SERVER_H_
