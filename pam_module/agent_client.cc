#include "agent_client.h"

#include <utility>

#include "latchkey/store/audit.h"

namespace latchkey::pam {
namespace {

// At most this much of an agent's "message" reaches the log.
constexpr size_t kLoggedMessageMax = 300;

}  // namespace

std::string AgentAnswer::String(std::string_view key) const {
  const auto it = object_.find(key);
  if (it == object_.end() || !it->is_string()) return {};
  return it->get<std::string>();
}

bool AgentAnswer::Bool(std::string_view key) const {
  const auto it = object_.find(key);
  return it != object_.end() && it->is_boolean() && it->get<bool>();
}

std::optional<int64_t> AgentAnswer::Int(std::string_view key) const {
  const auto it = object_.find(key);
  if (it == object_.end() || !it->is_number_integer()) return std::nullopt;
  return it->get<int64_t>();
}

AgentSession::AgentSession(const PamIo& io, const FleetConfig& fleet)
    : io_(io), fleet_(fleet) {}

std::optional<AgentAnswer> AgentSession::Call(AgentRequest& request) {
  if (failed_) return std::nullopt;
  const std::string& path = fleet_.agent_socket;
  if (!connection_) {
    Result<AgentConnection> opened =
        AgentConnection::Open(path, fleet_.connect_timeout);
    if (!opened.ok()) {
      failed_ = true;
      io_.LogError("cannot reach latchkey-agent: " + opened.status().message());
      return std::nullopt;
    }
    connection_.emplace(std::move(*opened));
  }
  Result<Secret> frame = connection_->Call(
      request.Text(), fleet_.connect_timeout + fleet_.request_timeout);
  std::optional<nlohmann::json> object;
  if (frame.ok()) {
    nlohmann::json parsed = nlohmann::json::parse(frame->view(), /*cb=*/nullptr,
                                                  /*allow_exceptions=*/false);
    if (parsed.is_object() && parsed.contains("status") &&
        parsed["status"].is_string()) {
      object.emplace(std::move(parsed));
    }
  }
  if (!object) {
    failed_ = true;
    Close();
    io_.LogError("latchkey-agent at " + path + ": " +
                 (frame.ok() ? std::string("an answer without a status")
                             : frame.status().message()));
    return std::nullopt;
  }
  AgentAnswer answer(std::move(*object));
  const std::string status = answer.status();
  if (status == "unavailable" || status == "forbidden" ||
      status == "bad_request") {
    io_.LogError("latchkey-agent answered " + LogValue(status, 40) + ": " +
                 LogValue(answer.String("message"), kLoggedMessageMax));
  }
  if (status == "forbidden" || status == "bad_request") {
    failed_ = true;  // the agent closes the connection after these
    Close();
  }
  return answer;
}

}  // namespace latchkey::pam
