#include "latchkey/services/services_pool.h"

#include <cassert>
#include <utility>

namespace latchkey {

Result<std::unique_ptr<ServicesPool>> ServicesPool::Open(const Config& config,
                                                         size_t size,
                                                         const Clock& clock,
                                                         Random& random,
                                                         LogSink* sink) {
  if (size == 0) return InvalidArgument("a services pool needs size >= 1");
  std::vector<std::unique_ptr<Services>> services;
  services.reserve(size);
  for (size_t i = 0; i < size; ++i) {
    LK_ASSIGN_OR_RETURN(std::unique_ptr<Services> s,
                        Services::Open(config, clock, random, sink));
    services.push_back(std::move(s));
  }
  return std::make_unique<ServicesPool>(std::move(services));
}

ServicesPool::ServicesPool(std::vector<std::unique_ptr<Services>> services)
    : all_(std::move(services)) {
  free_.reserve(all_.size());
  for (const auto& s : all_) free_.push_back(s.get());
}

ServicesPool::~ServicesPool() { assert(free_.size() == all_.size()); }

void ServicesPool::LimitKdf(KdfSlots* slots) {
  for (const auto& s : all_) s->LimitKdf(slots);
}

std::optional<ServicesPool::Lease> ServicesPool::Acquire(
    std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  if (!freed_.wait_for(lock, timeout, [this] { return !free_.empty(); })) {
    return std::nullopt;
  }
  Services* s = free_.back();
  free_.pop_back();
  return Lease(this, s);
}

size_t ServicesPool::available() const {
  std::lock_guard<std::mutex> lock(mu_);
  return free_.size();
}

void ServicesPool::Give(Services* services) {
  if (services->db().in_transaction()) {
    // A request that failed half-way must not leave its transaction to the
    // next request; the rollback's own failure changes nothing here.
    (void)services->db().Rollback();
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    free_.push_back(services);
  }
  freed_.notify_one();
}

ServicesPool::Lease::Lease(Lease&& other) noexcept
    : pool_(std::exchange(other.pool_, nullptr)),
      services_(std::exchange(other.services_, nullptr)) {}

ServicesPool::Lease& ServicesPool::Lease::operator=(Lease&& other) noexcept {
  if (this != &other) {
    Return();
    pool_ = std::exchange(other.pool_, nullptr);
    services_ = std::exchange(other.services_, nullptr);
  }
  return *this;
}

ServicesPool::Lease::~Lease() { Return(); }

void ServicesPool::Lease::Return() {
  if (pool_ != nullptr && services_ != nullptr) pool_->Give(services_);
  pool_ = nullptr;
  services_ = nullptr;
}

}  // namespace latchkey
