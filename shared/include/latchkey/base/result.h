// Result<T>: a value or a non-OK Status (like absl::StatusOr).
#ifndef LATCHKEY_BASE_RESULT_H_
#define LATCHKEY_BASE_RESULT_H_

#include <cassert>
#include <type_traits>
#include <utility>
#include <variant>

#include "latchkey/base/status.h"

namespace latchkey {

template <typename T>
class [[nodiscard]] Result {
 public:
  // Implicit from a value or from a non-OK Status, so functions can
  // `return value;` and `return NotFound("...");`.
  Result(T value) : v_(std::move(value)) {}        // NOLINT
  Result(Status status) : v_(std::move(status)) {  // NOLINT
    // An OK status carries no value; turn that bug into an error value.
    if (std::get<Status>(v_).ok()) {
      v_ = Status(StatusCode::kInternal, "Result built from an OK status");
    }
  }

  bool ok() const { return std::holds_alternative<T>(v_); }
  // OK if a value is held, else the error.
  Status status() const { return ok() ? Status() : std::get<Status>(v_); }

  // Precondition: ok().
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace latchkey

#define LK_CONCAT_INNER_(a, b) a##b
#define LK_CONCAT_(a, b) LK_CONCAT_INNER_(a, b)

// LK_ASSIGN_OR_RETURN(auto x, Foo()); declares/assigns x from Foo()'s value,
// or returns Foo()'s error Status from the enclosing function.
#define LK_ASSIGN_OR_RETURN(lhs, expr) \
  LK_ASSIGN_OR_RETURN_IMPL_(LK_CONCAT_(lk_result_, __LINE__), lhs, expr)
#define LK_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                              \
  if (!tmp.ok()) return tmp.status();             \
  lhs = std::move(tmp).value()

#endif  // LATCHKEY_BASE_RESULT_H_
