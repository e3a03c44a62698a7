#include "agent_request.h"

#include <cstring>
#include <utility>

namespace latchkey::pam {

AgentRequest::AgentRequest(std::string_view op) : buffer_(Secret::OfSize(256)) {
  Append("{");
  Key("op");
  AppendString(op);
}

void AgentRequest::Append(std::string_view bytes) {
  // One spare byte for the closing brace Text() writes.
  if (size_ + bytes.size() + 1 > buffer_.size()) {
    size_t capacity = buffer_.size() * 2;
    while (size_ + bytes.size() + 1 > capacity) capacity *= 2;
    Secret bigger = Secret::OfSize(capacity);
    std::memcpy(bigger.mutable_data(), buffer_.view().data(), size_);
    buffer_ = std::move(bigger);  // the old buffer wipes itself
  }
  std::memcpy(buffer_.mutable_data() + size_, bytes.data(), bytes.size());
  size_ += bytes.size();
}

void AgentRequest::AppendString(std::string_view value) {
  static constexpr char kHex[] = "0123456789abcdef";
  Append("\"");
  size_t plain = 0;  // start of the run not yet appended
  for (size_t i = 0; i < value.size(); ++i) {
    const auto c = static_cast<unsigned char>(value[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    Append(value.substr(plain, i - plain));
    plain = i + 1;
    if (c == '"') {
      Append("\\\"");
    } else if (c == '\\') {
      Append("\\\\");
    } else {
      const char escaped[6] = {'\\', 'u',          '0',
                               '0',  kHex[c >> 4], kHex[c & 0xf]};
      Append(std::string_view(escaped, sizeof escaped));
    }
  }
  Append(value.substr(plain));
  Append("\"");
}

void AgentRequest::Key(std::string_view key) {
  if (size_ > 1) Append(",");
  AppendString(key);
  Append(":");
}

AgentRequest& AgentRequest::Add(std::string_view key, std::string_view value) {
  Key(key);
  AppendString(value);
  return *this;
}

AgentRequest& AgentRequest::Add(std::string_view key, const Secret& value) {
  return Add(key, value.view());
}

AgentRequest& AgentRequest::Add(std::string_view key, bool value) {
  Key(key);
  Append(value ? "true" : "false");
  return *this;
}

AgentRequest& AgentRequest::Add(std::string_view key,
                                std::optional<int64_t> value) {
  Key(key);
  Append(value ? std::to_string(*value) : "null");
  return *this;
}

AgentRequest& AgentRequest::AddNull(std::string_view key) {
  Key(key);
  Append("null");
  return *this;
}

AgentRequest& AgentRequest::Add(std::string_view key,
                                const std::vector<std::string>& values) {
  Key(key);
  Append("[");
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) Append(",");
    AppendString(values[i]);
  }
  Append("]");
  return *this;
}

std::string_view AgentRequest::Text() {
  buffer_.mutable_data()[size_] = '}';
  return buffer_.view().substr(0, size_ + 1);
}

}  // namespace latchkey::pam
