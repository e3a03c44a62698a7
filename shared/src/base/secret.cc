#include "latchkey/base/secret.h"

#include <openssl/crypto.h>

#include <cstring>
#include <utility>

namespace latchkey {

Secret::Secret(std::string_view bytes) : size_(bytes.size()) {
  if (size_ > 0) {
    data_ = new char[size_];
    std::memcpy(data_, bytes.data(), size_);
  }
}

Secret Secret::Take(std::string& s) {
  Secret out(s);
  WipeString(s);
  return out;
}

Secret Secret::OfSize(size_t n) {
  Secret out;
  if (n > 0) {
    out.data_ = new char[n]();
    out.size_ = n;
  }
  return out;
}

Secret::Secret(Secret&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)),
      size_(std::exchange(other.size_, 0)) {}

Secret& Secret::operator=(Secret&& other) noexcept {
  if (this != &other) {
    Clear();
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
  }
  return *this;
}

Secret::~Secret() { Clear(); }

void Secret::Clear() {
  if (data_ != nullptr) {
    OPENSSL_cleanse(data_, size_);
    delete[] data_;
  }
  data_ = nullptr;
  size_ = 0;
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

void WipeString(std::string& s) {
  // Wipe the full capacity: a shrunk string may still hold old bytes.
  s.resize(s.capacity());
  if (!s.empty()) OPENSSL_cleanse(s.data(), s.size());
  s.clear();
}

}  // namespace latchkey
