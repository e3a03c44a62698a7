// ServicesPool: a fixed set of Services (each with its own database
// connection) shared by the threads of a server. A thread leases one for
// the length of a request and gives it back; no Services is ever used by
// two threads at once.
//
// All Services are opened up front, so the files they read (database
// password, secret key) are read before a server drops its privileges;
// their connections still connect lazily on first use.
#ifndef LATCHKEY_SERVICES_SERVICES_POOL_H_
#define LATCHKEY_SERVICES_SERVICES_POOL_H_

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "latchkey/base/clock.h"
#include "latchkey/base/random.h"
#include "latchkey/base/result.h"
#include "latchkey/config/config.h"
#include "latchkey/services/services.h"

namespace latchkey {

class ServicesPool {
 public:
  // Opens `size` (>= 1) Services from `config`. Errors: those of
  // Services::Open (e.g. an unreadable password file). `clock`, `random`
  // and `sink` are shared by all of them and must be thread-safe and
  // outlive the pool.
  static Result<std::unique_ptr<ServicesPool>> Open(
      const Config& config, size_t size,
      const Clock& clock = SystemClock::Shared(),
      Random& random = SystemRandom::Shared(), LogSink* sink = nullptr);
  // A pool over Services the caller built (tests). Precondition: non-empty.
  explicit ServicesPool(std::vector<std::unique_ptr<Services>> services);

  ServicesPool(const ServicesPool&) = delete;
  ServicesPool& operator=(const ServicesPool&) = delete;
  // Precondition: every Lease has been returned.
  ~ServicesPool();

  // Exclusive use of one Services until destroyed (or moved from).
  class Lease {
   public:
    Lease(Lease&& other) noexcept;
    Lease& operator=(Lease&& other) noexcept;
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    ~Lease();

    Services& operator*() const { return *services_; }
    Services* operator->() const { return services_; }
    Services* get() const { return services_; }

   private:
    friend class ServicesPool;
    Lease(ServicesPool* pool, Services* services)
        : pool_(pool), services_(services) {}
    void Return();

    ServicesPool* pool_ = nullptr;
    Services* services_ = nullptr;
  };

  // A free Services, waiting up to `timeout` for one; nullopt if none came
  // free in time. A Services given back in the middle of a transaction is
  // rolled back first.
  std::optional<Lease> Acquire(std::chrono::milliseconds timeout);

  // Every Services of the pool hashes within `slots` (at most that many
  // hashes at once, whichever threads hold the leases). Call before the
  // first Acquire; `slots` must outlive the pool.
  void LimitKdf(KdfSlots* slots);

  size_t size() const { return all_.size(); }
  size_t available() const;

 private:
  void Give(Services* services);

  std::vector<std::unique_ptr<Services>> all_;
  mutable std::mutex mu_;
  std::condition_variable freed_;
  std::vector<Services*> free_;
};

}  // namespace latchkey

#endif  // LATCHKEY_SERVICES_SERVICES_POOL_H_
