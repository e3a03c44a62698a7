// Secret: a move-only byte string (password, token, key) that wipes its
// memory with OPENSSL_cleanse when destroyed or overwritten. Never log it.
#ifndef LATCHKEY_BASE_SECRET_H_
#define LATCHKEY_BASE_SECRET_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace latchkey {

class Secret {
 public:
  Secret() = default;
  // Copies the bytes; the caller remains responsible for its own copy.
  explicit Secret(std::string_view bytes);
  // Takes the bytes and wipes `s` (its whole capacity) afterwards.
  static Secret Take(std::string& s);
  // A zero-filled secret of n bytes, to be filled through mutable_data().
  static Secret OfSize(size_t n);

  Secret(Secret&& other) noexcept;
  Secret& operator=(Secret&& other) noexcept;
  Secret(const Secret&) = delete;
  Secret& operator=(const Secret&) = delete;
  ~Secret();

  // An explicit copy, so copies are visible in code review.
  Secret Clone() const { return Secret(view()); }

  std::string_view view() const { return {data_, size_}; }
  std::span<const uint8_t> bytes() const {
    return {reinterpret_cast<const uint8_t*>(data_), size_};
  }
  char* mutable_data() { return data_; }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }

  // Wipes and empties.
  void Clear();

 private:
  char* data_ = nullptr;
  size_t size_ = 0;
};

// Constant-time equality (CRYPTO_memcmp); lengths are compared first, and
// length is not treated as a secret.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

// Wipes a std::string's whole buffer (not just size()).
void WipeString(std::string& s);

}  // namespace latchkey

#endif  // LATCHKEY_BASE_SECRET_H_
