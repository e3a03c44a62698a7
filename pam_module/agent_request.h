// One request to latchkey-agent as JSON text (docs/fleet-protocol.md, "The
// agent socket"), built in wiping memory: a request may hold a password or
// a verification code, so no copy of its text is ever left in freed heap.
// Move-only; not thread-safe.
#ifndef LATCHKEY_PAM_MODULE_AGENT_REQUEST_H_
#define LATCHKEY_PAM_MODULE_AGENT_REQUEST_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "latchkey/base/secret.h"

namespace latchkey::pam {

class AgentRequest {
 public:
  // {"op": op ...}
  explicit AgentRequest(std::string_view op);
  AgentRequest(AgentRequest&&) noexcept = default;
  AgentRequest& operator=(AgentRequest&&) noexcept = default;

  // Each adds one member. Strings are escaped as JSON needs (", \ and
  // control characters); other bytes are copied as they are.
  AgentRequest& Add(std::string_view key, std::string_view value);
  AgentRequest& Add(std::string_view key, const Secret& value);
  AgentRequest& Add(std::string_view key, bool value);
  // A number, or null for nullopt.
  AgentRequest& Add(std::string_view key, std::optional<int64_t> value);
  // null (e.g. "old_password": null).
  AgentRequest& AddNull(std::string_view key);
  AgentRequest& Add(std::string_view key,
                    const std::vector<std::string>& values);

  // The whole object, valid until the next Add or the request's end.
  std::string_view Text();

 private:
  void Append(std::string_view bytes);
  void AppendString(std::string_view value);
  void Key(std::string_view key);

  Secret buffer_;    // capacity; grows by copying into a new Secret
  size_t size_ = 0;  // bytes used, without the closing brace
};

}  // namespace latchkey::pam

#endif  // LATCHKEY_PAM_MODULE_AGENT_REQUEST_H_
