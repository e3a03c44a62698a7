// KdfPool: where password hashing runs, so a flood of logins cannot take
// the HTTP threads. A bounded queue feeds N worker threads that run at a
// lower scheduling priority (nice +10), each job with a Services leased
// from the ServicesPool. A job that waited longer than max_wait, or that
// arrives when the queue is full, is rejected instead (the caller answers
// 503 with Retry-After). Memory is bounded by the queue capacity.
//
// Fairness: each job names its client (the address the request came from,
// after trusted_proxies). One client holds at most client_share queued jobs
// (by default a quarter of the queue), and workers take the queued clients
// in turn, so during a flood from one address the others still get in and
// wait behind at most one of the flood's jobs per turn.
#ifndef LATCHKEY_PORTAL_KDF_POOL_H_
#define LATCHKEY_PORTAL_KDF_POOL_H_

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "latchkey/services/services.h"
#include "latchkey/services/services_pool.h"

namespace latchkey::portal {

class KdfPool {
 public:
  enum class Rejection { kQueueFull, kTooSlow, kShutdown, kNoServices };

  struct Options {
    size_t threads = 2;
    size_t queue_capacity = 64;
    std::chrono::milliseconds max_wait{2000};
    int nice = 10;  // added to the workers' priority (0: unchanged)
    // Most jobs one client may have queued (0: queue_capacity / 4, at
    // least 1). Jobs without a client name are not limited this way.
    size_t client_share = 0;
  };

  // Run: does the work with a leased Services. Reject: called instead of
  // Run (on a worker, or during Shutdown on its caller's thread). Exactly
  // one of them is called for every accepted job. Neither may throw.
  using Run = std::function<void(Services&)>;
  using Reject = std::function<void(Rejection)>;

  KdfPool(Options options, ServicesPool& services);
  ~KdfPool();  // Shutdown()
  KdfPool(const KdfPool&) = delete;
  KdfPool& operator=(const KdfPool&) = delete;

  // Queues a job for `client` ("" for none). False (and neither callback is
  // called) if the queue is full, `client` has its share queued already,
  // or the pool is shutting down.
  bool Submit(Run run, Reject reject, std::string_view client = {});

  // Rejects every queued job (kShutdown), waits for running ones and joins
  // the workers. Idempotent.
  void Shutdown();

  size_t queued() const;

 private:
  struct Job {
    Run run;
    Reject reject;
    std::chrono::steady_clock::time_point queued_at;
  };
  void Work();
  // The next job in turn; queue_ must not be empty. Holds mu_.
  Job PopInTurn();

  Options options_;
  ServicesPool& services_;
  mutable std::mutex mu_;
  std::condition_variable ready_;
  // The queued jobs by client, and the clients in their turn order (each
  // once, while it has jobs). size_ counts every queued job.
  std::map<std::string, std::deque<Job>, std::less<>> queue_;
  std::deque<std::string> turns_;
  size_t size_ = 0;
  bool stopping_ = false;
  std::vector<std::thread> workers_;
};

}  // namespace latchkey::portal

#endif  // LATCHKEY_PORTAL_KDF_POOL_H_
