// bench_hash: how long one password hash operation takes here.
//
//   bench_hash [--config PATH] [--runs N]
//
// Prints median and p90 milliseconds for Argon2id Hash and Verify at the
// configured parameters (the [security] section of PATH, or the built-in
// defaults), for DummyVerify (the unknown-user path), and for Verify of each
// legacy format latchkey imports, using the same known vectors as the unit
// tests. The DummyVerify/Verify ratio should be close to 1.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "latchkey/base/random.h"
#include "latchkey/config/config.h"
#include "latchkey/crypto/password_hash.h"

namespace {

using latchkey::HashParams;
using latchkey::HashScheme;
using latchkey::PasswordHasher;

constexpr std::string_view kPassword = "Tr0ub4dor&3-legacy";

struct Legacy {
  const char* name;
  const char* params;
  std::string_view stored;
};

// Made by other tools (see tests/unit/password_hash_test.cc).
constexpr Legacy kLegacy[] = {
    {"yescrypt $y$", "j9T (mkpasswd default)",
     "$y$j9T$ErufQH.1sB3nWimbBChoe/"
     "$VSIZ0gWT5Q9DN3hbV9lRA3viWCBPhsc7lPldiGeQ748"},
    {"sha512crypt $6$", "rounds=5000",
     "$6$iGGTWuMcdTa5kmb0$.n41SesYq43sD/4uZZ6.s8DAjWko5.UUHCZZZpOrUhv01Ep2L8Fih"
     "uYcvEw1fL4TiBty8jIeqHVJ0644X9Au30"},
    {"bcrypt $2b$", "cost=5",
     "$2b$05$x07Bdp1hFmRladZ3wLIxfum7p30anQQbZCDiHjijf4VHsHJZDjxXy"},
    {"Django pbkdf2_sha256", "600000 iterations",
     "pbkdf2_sha256$600000$nBX4FIUOPujHUBuPbZNBLV$"
     "KLWdXLUdpd1lC2QY3YlmPJ/6sbY+1haPJVq8jTuPrN8="},
    {"$pbkdf2-sha256$ (passlib)", "29000 iterations",
     "$pbkdf2-sha256$29000$8XRTsmCSUSU8nKafxu.zoQ$"
     "GA6m4XtpVmcnaC9e6oxTlJmsXvjJGdUKiWB4bGMJK7A"},
    {"$pbkdf2-sha256$ (PHC)", "i=20000",
     "$pbkdf2-sha256$i=20000$TnJUyAyTUsUtMrkTVW3+Tw$"
     "qETCA0u91G38wdm1BEYTwusq+3STkninJef0+NmJmPA"},
};

struct Stats {
  int runs = 0;
  double median_ms = 0;
  double p90_ms = 0;
};

// Two warm-up calls, then `runs` timed calls (half as many, at least 5, for
// operations slower than 100 ms).
Stats Measure(int runs, const std::function<bool()>& op) {
  using Clock = std::chrono::steady_clock;
  const auto time_one = [&] {
    const auto t0 = Clock::now();
    if (!op()) {
      std::fprintf(stderr, "bench_hash: operation failed\n");
      std::exit(1);
    }
    return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
  };
  time_one();
  if (time_one() > 100.0) runs = std::max(5, runs / 2);
  std::vector<double> ms;
  for (int i = 0; i < runs; ++i) ms.push_back(time_one());
  std::sort(ms.begin(), ms.end());
  Stats s;
  s.runs = runs;
  s.median_ms = ms[ms.size() / 2];
  const auto p90_index =
      static_cast<size_t>(std::ceil(0.9 * static_cast<double>(ms.size()))) - 1;
  s.p90_ms = ms[p90_index];
  return s;
}

void PrintRow(const char* name, const std::string& params, const Stats& s) {
  std::printf("%-32s %-30s %5d %10.2f %10.2f\n", name, params.c_str(), s.runs,
              s.median_ms, s.p90_ms);
}

int Usage() {
  std::fprintf(stderr, "usage: bench_hash [--config PATH] [--runs N]\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::string config_path;
  int runs = 20;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--config" && i + 1 < argc) {
      config_path = argv[++i];
    } else if (arg == "--runs" && i + 1 < argc) {
      runs = std::atoi(argv[++i]);
      if (runs < 1) return Usage();
    } else {
      return Usage();
    }
  }

  latchkey::SecurityConfig security;
  if (!config_path.empty()) {
    auto config = latchkey::LoadConfig(config_path);
    if (!config.ok()) {
      std::fprintf(stderr, "bench_hash: %s\n",
                   config.status().ToString().c_str());
      return 1;
    }
    security = config->security;
  }
  HashParams params = HashParams::FromConfig(security);
  // The first rows are Argon2id whatever the configured scheme.
  params.scheme = HashScheme::kArgon2id;
  PasswordHasher hasher(params, latchkey::SystemRandom::Shared());

  const std::string argon2_params =
      "m=" + std::to_string(params.argon2_memory_kib) +
      ",t=" + std::to_string(params.argon2_time) +
      ",p=" + std::to_string(params.argon2_parallelism);
  std::printf("config: %s\n", config_path.empty() ? "(built-in defaults)"
                                                  : config_path.c_str());
  std::printf("%-32s %-30s %5s %10s %10s\n", "operation", "parameters", "runs",
              "median ms", "p90 ms");

  auto stored = hasher.Hash(kPassword);
  if (!stored.ok()) {
    std::fprintf(stderr, "bench_hash: %s\n",
                 stored.status().ToString().c_str());
    return 1;
  }
  const Stats hash = Measure(runs, [&] { return hasher.Hash(kPassword).ok(); });
  PrintRow("argon2id Hash", argon2_params, hash);
  const Stats verify = Measure(runs, [&] {
    auto r = hasher.Verify(kPassword, *stored);
    return r.ok() && *r;
  });
  PrintRow("argon2id Verify", argon2_params, verify);
  {
    // As a busy portal hashes: two threads queue for one KdfSlots slot, so
    // the slot keeps its Argon2 memory between hashes (no fresh mapping and
    // page faults per hash). Per-hash time = wall time / hashes.
    latchkey::KdfSlots slots(1);
    PasswordHasher queued(hasher.params(), latchkey::SystemRandom::Shared());
    queued.LimitTo(&slots);
    std::vector<double> per_hash;
    for (int round = 0; round < 5; ++round) {
      const int each = std::max(2, runs / 5);
      const auto t0 = std::chrono::steady_clock::now();
      std::vector<std::thread> threads;
      for (int t = 0; t < 2; ++t) {
        threads.emplace_back([&] {
          for (int i = 0; i < each; ++i)
            (void)queued.Verify(kPassword, *stored);
        });
      }
      for (std::thread& th : threads) th.join();
      per_hash.push_back(std::chrono::duration<double, std::milli>(
                             std::chrono::steady_clock::now() - t0)
                             .count() /
                         (2.0 * each));
    }
    std::sort(per_hash.begin(), per_hash.end());
    Stats kept;
    kept.runs = 5;
    kept.median_ms = per_hash[2];
    kept.p90_ms = per_hash[4];
    PrintRow("argon2id Verify, kept memory", argon2_params, kept);
  }
  const Stats dummy = Measure(runs, [&] {
    hasher.DummyVerify("not the password");
    return true;
  });
  PrintRow("DummyVerify", argon2_params, dummy);

  for (const Legacy& l : kLegacy) {
    const Stats s = Measure(runs, [&] {
      auto r = hasher.Verify(kPassword, l.stored);
      return r.ok() && *r;
    });
    PrintRow(("Verify " + std::string(l.name)).c_str(), l.params, s);
  }
  std::printf("DummyVerify/Verify median ratio: %.3f\n",
              dummy.median_ms / verify.median_ms);
  return 0;
}
