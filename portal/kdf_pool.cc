#include "portal/kdf_pool.h"

#include <sys/resource.h>
#include <unistd.h>

#include "portal/log.h"

namespace latchkey::portal {

KdfPool::KdfPool(Options options, ServicesPool& services)
    : options_(options), services_(services) {
  if (options_.threads == 0) options_.threads = 1;
  workers_.reserve(options_.threads);
  for (size_t i = 0; i < options_.threads; ++i) {
    workers_.emplace_back([this] { Work(); });
  }
}

KdfPool::~KdfPool() { Shutdown(); }

bool KdfPool::Submit(Run run, Reject reject) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_ || queue_.size() >= options_.queue_capacity) return false;
    queue_.push_back(Job{std::move(run), std::move(reject),
                         std::chrono::steady_clock::now()});
  }
  ready_.notify_one();
  return true;
}

size_t KdfPool::queued() const {
  std::lock_guard<std::mutex> lock(mu_);
  return queue_.size();
}

void KdfPool::Shutdown() {
  std::deque<Job> dropped;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    dropped.swap(queue_);
  }
  ready_.notify_all();
  for (Job& job : dropped) job.reject(Rejection::kShutdown);
  for (std::thread& t : workers_) {
    if (t.joinable()) t.join();
  }
  workers_.clear();
}

void KdfPool::Work() {
  if (options_.nice != 0) {
    // On Linux the nice value is per thread: this lowers only this worker,
    // so page requests on the HTTP threads win the CPU during a flood.
    const id_t tid = static_cast<id_t>(::gettid());
    const int current = ::getpriority(PRIO_PROCESS, tid);
    if (::setpriority(PRIO_PROCESS, tid, current + options_.nice) != 0) {
      LogLine("kdf worker: setpriority failed; running at normal priority");
    }
  }
  while (true) {
    Job job;
    {
      std::unique_lock<std::mutex> lock(mu_);
      ready_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping
      job = std::move(queue_.front());
      queue_.pop_front();
    }
    if (std::chrono::steady_clock::now() - job.queued_at > options_.max_wait) {
      job.reject(Rejection::kTooSlow);
      continue;
    }
    std::optional<ServicesPool::Lease> lease =
        services_.Acquire(options_.max_wait);
    if (!lease) {
      job.reject(Rejection::kNoServices);
      continue;
    }
    job.run(**lease);
  }
}

}  // namespace latchkey::portal
