#include "portal/after_answer.h"

#include <chrono>
#include <optional>
#include <thread>
#include <utility>

#include "portal/log.h"

namespace latchkey::portal {
namespace {

constexpr std::chrono::milliseconds kLeaseWait{2000};
// A job starts no sooner than this after it was queued: by then the answer
// has left, so the work does not compete with it for the CPU either.
constexpr std::chrono::milliseconds kAfterAnswerDelay{50};

}  // namespace

AfterAnswer::AfterAnswer(ServicesPool& pool, size_t capacity)
    : pool_(pool), capacity_(capacity), thread_([this] { Loop(); }) {}

AfterAnswer::~AfterAnswer() { Shutdown(); }

bool AfterAnswer::Submit(Job job) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_ || jobs_.size() >= capacity_) return false;
    const auto ready_at = std::chrono::steady_clock::now() + kAfterAnswerDelay;
    jobs_.push_back([ready_at, job = std::move(job)](Services& services) {
      std::this_thread::sleep_until(ready_at);
      job(services);
    });
  }
  wake_.notify_one();
  return true;
}

void AfterAnswer::Shutdown() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
}

void AfterAnswer::Loop() {
  while (true) {
    Job job;
    {
      std::unique_lock<std::mutex> lock(mu_);
      wake_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
      if (jobs_.empty()) return;  // stopping, nothing left
      job = std::move(jobs_.front());
      jobs_.pop_front();
    }
    // Requests come first for the pool; this thread waits its turn.
    std::optional<ServicesPool::Lease> lease;
    while (!lease) {
      lease = pool_.Acquire(kLeaseWait);
      if (!lease) {
        std::lock_guard<std::mutex> lock(mu_);
        if (stopping_) break;
      }
    }
    if (!lease) {
      LogLine(
          "after-answer: no database connection came free; a job is "
          "dropped at shutdown");
      continue;
    }
    try {
      job(*lease->get());
    } catch (...) {
      LogLine("after-answer: a job threw; dropped");
    }
  }
}

}  // namespace latchkey::portal
