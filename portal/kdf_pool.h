// KdfPool: where password hashing runs, so a flood of logins cannot take
// the HTTP threads. A bounded queue feeds N worker threads that run at a
// lower scheduling priority (nice +10), each job with a Services leased
// from the ServicesPool. A job that waited longer than max_wait, or that
// arrives when the queue is full, is rejected instead (the caller answers
// 503 with Retry-After). Memory is bounded by the queue capacity.
#ifndef LATCHKEY_PORTAL_KDF_POOL_H_
#define LATCHKEY_PORTAL_KDF_POOL_H_

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "latchkey/services.h"
#include "latchkey/services_pool.h"

namespace latchkey::portal {

class KdfPool {
 public:
  enum class Rejection { kQueueFull, kTooSlow, kShutdown, kNoServices };

  struct Options {
    size_t threads = 2;
    size_t queue_capacity = 64;
    std::chrono::milliseconds max_wait{2000};
    int nice = 10;  // added to the workers' priority (0: unchanged)
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

  // Queues a job. False (and neither callback is called) if the queue is
  // full or the pool is shutting down.
  bool Submit(Run run, Reject reject);

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

  Options options_;
  ServicesPool& services_;
  mutable std::mutex mu_;
  std::condition_variable ready_;
  std::deque<Job> queue_;
  bool stopping_ = false;
  std::vector<std::thread> workers_;
};

}  // namespace latchkey::portal

#endif  // LATCHKEY_PORTAL_KDF_POOL_H_
