#include "portal/kdf_pool.h"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>

#include "portal/log.h"

namespace latchkey::portal {

KdfPool::KdfPool(Options options, ServicesPool& services)
    : options_(options), services_(services) {
  if (options_.threads == 0) options_.threads = 1;
  if (options_.client_share == 0) {
    options_.client_share = std::max<size_t>(1, options_.queue_capacity / 4);
  }
  workers_.reserve(options_.threads);
  for (size_t i = 0; i < options_.threads; ++i) {
    workers_.emplace_back([this] { Work(); });
  }
}

KdfPool::~KdfPool() { Shutdown(); }

bool KdfPool::Submit(Run run, Reject reject, std::string_view client) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_ || size_ >= options_.queue_capacity) return false;
    auto it = queue_.find(client);
    if (it == queue_.end()) {
      it = queue_.emplace(std::string(client), std::deque<Job>()).first;
      turns_.push_back(it->first);
    } else if (!client.empty() && it->second.size() >= options_.client_share) {
      return false;
    }
    it->second.push_back(Job{std::move(run), std::move(reject),
                             std::chrono::steady_clock::now()});
    ++size_;
  }
  ready_.notify_one();
  return true;
}

size_t KdfPool::queued() const {
  std::lock_guard<std::mutex> lock(mu_);
  return size_;
}

KdfPool::Job KdfPool::PopInTurn() {
  const std::string client = std::move(turns_.front());
  turns_.pop_front();
  auto it = queue_.find(client);
  Job job = std::move(it->second.front());
  it->second.pop_front();
  --size_;
  if (it->second.empty()) {
    queue_.erase(it);
  } else {
    turns_.push_back(client);  // its next job waits for the others' turns
  }
  return job;
}

void KdfPool::Shutdown() {
  std::deque<Job> dropped;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    while (size_ > 0) dropped.push_back(PopInTurn());
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
      ready_.wait(lock, [this] { return stopping_ || size_ > 0; });
      if (size_ == 0) return;  // stopping
      job = PopInTurn();
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
