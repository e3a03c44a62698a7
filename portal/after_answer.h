// AfterAnswer: one thread that runs work a request caused but need not wait
// for, so the answer's timing does not show that work (POST /forgot: the
// reset link and its mail exist only for a known address). Jobs run in
// order with a Services leased from the app's pool.
#ifndef LATCHKEY_PORTAL_AFTER_ANSWER_H_
#define LATCHKEY_PORTAL_AFTER_ANSWER_H_

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

#include "latchkey/services/services.h"
#include "latchkey/services/services_pool.h"

namespace latchkey::portal {

class AfterAnswer {
 public:
  using Job = std::function<void(Services&)>;

  // Starts the thread. `pool` must outlive this object (or its Shutdown).
  AfterAnswer(ServicesPool& pool, size_t capacity);
  // Shutdown()s.
  ~AfterAnswer();
  AfterAnswer(const AfterAnswer&) = delete;
  AfterAnswer& operator=(const AfterAnswer&) = delete;

  // Queues `job`; false when `capacity` jobs are waiting or after
  // Shutdown. Thread-safe, never blocks on the job. A job must not throw
  // (one that does is dropped) and logs its own errors.
  bool Submit(Job job);

  // Runs the jobs already queued, then stops the thread. Idempotent.
  void Shutdown();

 private:
  void Loop();

  ServicesPool& pool_;
  const size_t capacity_;
  std::mutex mu_;
  std::condition_variable wake_;
  std::deque<Job> jobs_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace latchkey::portal

#endif  // LATCHKEY_PORTAL_AFTER_ANSWER_H_
