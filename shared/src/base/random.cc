#include "latchkey/base/random.h"

#include <openssl/rand.h>

#include <algorithm>
#include <climits>

namespace latchkey {

Status SystemRandom::Fill(std::span<uint8_t> out) {
  size_t done = 0;
  while (done < out.size()) {
    const size_t n = std::min<size_t>(out.size() - done, INT_MAX);
    if (RAND_bytes(out.data() + done, static_cast<int>(n)) != 1) {
      return Internal("the system random generator failed");
    }
    done += n;
  }
  return Status::Ok();
}

SystemRandom& SystemRandom::Shared() {
  static SystemRandom random;
  return random;
}

}  // namespace latchkey
