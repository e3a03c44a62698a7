#include "portal/kdf_pool.h"

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "latchkey/services/services.h"

namespace latchkey::portal {
namespace {

using namespace std::chrono_literals;

// Services over connections that never connect: the pool only hands them
// out, the jobs here never touch the database.
std::unique_ptr<ServicesPool> Pool(size_t n) {
  Config config;
  config.security.secret_key_file = "/nonexistent/latchkey.key";
  std::vector<std::unique_ptr<Services>> all;
  for (size_t i = 0; i < n; ++i) {
    all.push_back(Services::WithConnection(
        config, std::make_unique<db::Connection>(config.database, Secret()),
        SystemClock::Shared(), SystemRandom::Shared()));
  }
  return std::make_unique<ServicesPool>(std::move(all));
}

struct Gate {
  std::mutex mu;
  std::condition_variable cv;
  bool open = false;
  void Wait() {
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [this] { return open; });
  }
  void Open() {
    {
      std::lock_guard<std::mutex> lock(mu);
      open = true;
    }
    cv.notify_all();
  }
};

TEST(KdfPool, RunsJobsOnLowPriorityThreads) {
  auto services = Pool(2);
  KdfPool::Options o;
  o.threads = 2;
  KdfPool pool(o, *services);
  std::atomic<int> done{0};
  std::atomic<int> nice_seen{-100};
  std::atomic<bool> other_thread{false};
  const auto main_id = std::this_thread::get_id();
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(pool.Submit(
        [&](Services&) {
          nice_seen =
              ::getpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()));
          other_thread = std::this_thread::get_id() != main_id;
          ++done;
        },
        [](KdfPool::Rejection) { ADD_FAILURE() << "rejected"; }));
  }
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (done < 10 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(1ms);
  }
  pool.Shutdown();
  EXPECT_EQ(done.load(), 10);
  EXPECT_TRUE(other_thread.load());
  EXPECT_EQ(nice_seen.load(),
            ::getpriority(PRIO_PROCESS, static_cast<id_t>(::gettid())) + 10);
}

TEST(KdfPool, FullQueueRefuses) {
  auto services = Pool(1);
  KdfPool::Options o;
  o.threads = 1;
  o.queue_capacity = 2;
  KdfPool pool(o, *services);
  Gate gate;
  std::atomic<bool> started{false};
  ASSERT_TRUE(pool.Submit(
      [&](Services&) {
        started = true;
        gate.Wait();
      },
      [](KdfPool::Rejection) {}));
  while (!started) std::this_thread::sleep_for(1ms);
  std::atomic<int> rejected{0};
  auto noop = [](Services&) {};
  auto count = [&](KdfPool::Rejection) { ++rejected; };
  EXPECT_TRUE(pool.Submit(noop, count));
  EXPECT_TRUE(pool.Submit(noop, count));
  EXPECT_FALSE(pool.Submit(noop, count));  // queue holds 2
  EXPECT_EQ(pool.queued(), 2u);
  gate.Open();
  while (pool.queued() > 0) std::this_thread::sleep_for(1ms);
  pool.Shutdown();
  EXPECT_EQ(rejected.load(), 0);
}

// One client address gets at most its fair share of the queue (issue 9,
// section 6): during a flood from one address, others still get in, and
// are served in turn rather than behind the whole flood.
TEST(KdfPool, OneAddressGetsAtMostAFairShare) {
  auto services = Pool(1);
  KdfPool::Options o;
  o.threads = 1;
  o.queue_capacity = 8;
  o.max_wait = 10s;
  KdfPool pool(o, *services);
  Gate gate;
  std::atomic<bool> started{false};
  ASSERT_TRUE(pool.Submit(
      [&](Services&) {
        started = true;
        gate.Wait();
      },
      [](KdfPool::Rejection) {}, "192.0.2.1"));
  while (!started) std::this_thread::sleep_for(1ms);
  std::mutex mu;
  std::vector<std::string> order;
  const auto job = [&](std::string who) {
    return [&, who](Services&) {
      std::lock_guard<std::mutex> lock(mu);
      order.push_back(who);
    };
  };
  auto reject = [](KdfPool::Rejection) { ADD_FAILURE() << "rejected"; };
  int flood_in = 0;
  for (int i = 0; i < 20; ++i) {
    if (pool.Submit(job("flood"), reject, "192.0.2.1")) ++flood_in;
  }
  EXPECT_GE(flood_in, 1);
  EXPECT_LE(flood_in, 2) << "a quarter of 8, less the running job's share";
  EXPECT_TRUE(pool.Submit(job("b"), reject, "198.51.100.7"));
  EXPECT_TRUE(pool.Submit(job("c"), reject, "2001:db8::1"));
  gate.Open();
  while (pool.queued() > 0) std::this_thread::sleep_for(1ms);
  pool.Shutdown();
  ASSERT_EQ(order.size(), static_cast<size_t>(flood_in) + 2);
  // In turn: the flood's second job does not run before b and c.
  EXPECT_EQ(order[0], "flood");
  EXPECT_EQ(order[1], "b");
  EXPECT_EQ(order[2], "c");
}

TEST(KdfPool, SlowQueueRejectsStaleJobs) {
  auto services = Pool(1);
  KdfPool::Options o;
  o.threads = 1;
  o.max_wait = 50ms;
  KdfPool pool(o, *services);
  Gate gate;
  ASSERT_TRUE(
      pool.Submit([&](Services&) { gate.Wait(); }, [](KdfPool::Rejection) {}));
  std::atomic<int> ran{0};
  std::atomic<int> too_slow{0};
  ASSERT_TRUE(pool.Submit([&](Services&) { ++ran; },
                          [&](KdfPool::Rejection why) {
                            if (why == KdfPool::Rejection::kTooSlow) ++too_slow;
                          }));
  std::this_thread::sleep_for(150ms);
  gate.Open();
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (too_slow == 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(1ms);
  }
  pool.Shutdown();
  EXPECT_EQ(ran.load(), 0);
  EXPECT_EQ(too_slow.load(), 1);
}

TEST(KdfPool, ShutdownRejectsWaitingJobs) {
  auto services = Pool(1);
  KdfPool::Options o;
  o.threads = 1;
  KdfPool pool(o, *services);
  Gate gate;
  std::atomic<bool> started{false};
  ASSERT_TRUE(pool.Submit(
      [&](Services&) {
        started = true;
        gate.Wait();
      },
      [](KdfPool::Rejection) {}));
  while (!started) std::this_thread::sleep_for(1ms);
  std::atomic<int> shutdown{0};
  ASSERT_TRUE(pool.Submit([](Services&) {},
                          [&](KdfPool::Rejection why) {
                            if (why == KdfPool::Rejection::kShutdown)
                              ++shutdown;
                          }));
  std::thread stopper([&] { pool.Shutdown(); });
  std::this_thread::sleep_for(50ms);
  gate.Open();
  stopper.join();
  EXPECT_EQ(shutdown.load(), 1);
  EXPECT_FALSE(pool.Submit([](Services&) {}, [](KdfPool::Rejection) {}));
}

TEST(ServicesPool, LeasesAreExclusiveAndReturned) {
  auto pool = Pool(2);
  EXPECT_EQ(pool->available(), 2u);
  {
    auto a = pool->Acquire(10ms);
    auto b = pool->Acquire(10ms);
    ASSERT_TRUE(a && b);
    EXPECT_NE(a->get(), b->get());
    EXPECT_EQ(pool->available(), 0u);
    EXPECT_FALSE(pool->Acquire(20ms).has_value());
  }
  EXPECT_EQ(pool->available(), 2u);
  // A waiter gets the Services another thread gives back.
  auto held = pool->Acquire(10ms);
  auto held2 = pool->Acquire(10ms);
  std::thread giver([&] {
    std::this_thread::sleep_for(30ms);
    held.reset();
  });
  auto got = pool->Acquire(2000ms);
  giver.join();
  EXPECT_TRUE(got.has_value());
}

}  // namespace
}  // namespace latchkey::portal
