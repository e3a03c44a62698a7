// Status: the one error currency of the core. Errors cross the core boundary
// as values; nothing in the core throws into its callers.
#ifndef LATCHKEY_BASE_STATUS_H_
#define LATCHKEY_BASE_STATUS_H_

#include <string>
#include <string_view>
#include <utility>

namespace latchkey {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,     // the caller's input is wrong (bad value, bad syntax)
  kNotFound,            // the thing named does not exist
  kAlreadyExists,       // a unique thing exists already
  kPermissionDenied,    // not allowed (file mode, role, credentials)
  kFailedPrecondition,  // state does not allow it (used token, locked, ...)
  kResourceExhausted,   // throttled
  kUnavailable,         // database or another dependency cannot be reached
  kIoError,             // a local file could not be read or written
  kInternal,            // a bug or a library failure we did not expect
};

// Returns a stable lower-case name such as "not_found".
std::string_view StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  Status(StatusCode code, std::string message)
      : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  // A message for a person; never contains a secret.
  const std::string& message() const { return message_; }
  // "not_found: no user named 'bob'", or "ok".
  std::string ToString() const;

  // Returns a copy whose message is "<context>: <message>".
  Status WithContext(std::string_view context) const;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

inline Status InvalidArgument(std::string m) {
  return Status(StatusCode::kInvalidArgument, std::move(m));
}
inline Status NotFound(std::string m) {
  return Status(StatusCode::kNotFound, std::move(m));
}
inline Status AlreadyExists(std::string m) {
  return Status(StatusCode::kAlreadyExists, std::move(m));
}
inline Status PermissionDenied(std::string m) {
  return Status(StatusCode::kPermissionDenied, std::move(m));
}
inline Status FailedPrecondition(std::string m) {
  return Status(StatusCode::kFailedPrecondition, std::move(m));
}
inline Status ResourceExhausted(std::string m) {
  return Status(StatusCode::kResourceExhausted, std::move(m));
}
inline Status Unavailable(std::string m) {
  return Status(StatusCode::kUnavailable, std::move(m));
}
inline Status IoError(std::string m) {
  return Status(StatusCode::kIoError, std::move(m));
}
inline Status Internal(std::string m) {
  return Status(StatusCode::kInternal, std::move(m));
}

}  // namespace latchkey

// Evaluates expr (a Status); returns it from the enclosing function if not ok.
#define LK_RETURN_IF_ERROR(expr)             \
  do {                                       \
    ::latchkey::Status lk_status_ = (expr);  \
    if (!lk_status_.ok()) return lk_status_; \
  } while (0)

#endif  // LATCHKEY_BASE_STATUS_H_
