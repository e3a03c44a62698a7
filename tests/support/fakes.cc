#include "support/fakes.h"

#include <openssl/evp.h>

#include <algorithm>

namespace latchkey {

Status FakeRandom::Fill(std::span<uint8_t> out) {
  std::lock_guard<std::mutex> lock(mu_);
  size_t done = 0;
  while (done < out.size()) {
    uint8_t block[32];
    unsigned int len = 0;
    uint64_t input[2] = {seed_, counter_++};
    if (EVP_Digest(input, sizeof(input), block, &len, EVP_sha256(), nullptr) !=
        1) {
      return Internal("SHA-256 failed");
    }
    const size_t n = std::min<size_t>(out.size() - done, len);
    std::copy_n(block, n, out.data() + done);
    done += n;
  }
  return Status::Ok();
}

}  // namespace latchkey
