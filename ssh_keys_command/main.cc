// latchkey-ssh-keys USER: sshd's AuthorizedKeysCommand in fleet mode.
//
//   AuthorizedKeysCommand /usr/lib/latchkey/latchkey-ssh-keys %u
//   AuthorizedKeysCommandUser latchkey-keys
//
// Asks latchkey-agent (op ssh_keys, docs/fleet-protocol.md) for USER's
// keys and prints them as authorized_keys lines on stdout. It runs as the
// unprivileged AuthorizedKeysCommandUser, which cannot read the root-only
// config, so the socket is --socket PATH (default /run/latchkey/agent.sock).
//
// Exit 0 in every case sshd should simply see no keys: an unknown user, no
// agent, a refusal, a malformed answer (said on stderr and to syslog). Exit
// 2 only for a wrong command line. Links base and the agent wire codec
// only: no database client, no config, no key.
#include <syslog.h>

#include <chrono>
#include <cstdio>
#include <exception>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "latchkey/fleet/agent_wire.h"

namespace {

using std::chrono::milliseconds;

// sshd waits for this program; never longer than this.
constexpr milliseconds kConnectTimeout{2000};
// The agent answers from its cache, or asks a directory first (its own
// connect_timeout and request_timeout, 2 s + 5 s by default).
constexpr milliseconds kAnswerTimeout{10000};
constexpr size_t kUserMax = 256;

void Log(const std::string& text) {
  std::fprintf(stderr, "latchkey-ssh-keys: %s\n", text.c_str());
  syslog(LOG_AUTHPRIV | LOG_NOTICE, "%s", text.c_str());
}

// A name sshd could have passed: not empty, bounded, no control bytes.
bool PlausibleUser(std::string_view user) {
  if (user.empty() || user.size() > kUserMax) return false;
  for (const char c : user) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) return false;
  }
  return true;
}

// One authorized_keys line: no line break or NUL inside, so one key from
// the agent can never become two lines (or add options to another).
bool OneLine(std::string_view line) {
  if (line.empty()) return false;
  for (const char c : line) {
    if (c == '\n' || c == '\r' || c == '\0') return false;
  }
  return true;
}

int Usage() {
  std::fprintf(stderr, "usage: latchkey-ssh-keys [--socket PATH] USER\n");
  return 2;
}

int Run(int argc, char** argv) {
  std::string socket_path = latchkey::kDefaultAgentSocket;
  std::vector<std::string> args;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--socket") {
      if (i + 1 >= argc) return Usage();
      socket_path = argv[++i];
    } else if (arg.starts_with("--socket=")) {
      socket_path = std::string(arg.substr(9));
    } else if (arg == "--") {
      for (++i; i < argc; ++i) args.emplace_back(argv[i]);
    } else if (arg.starts_with("-") && arg.size() > 1) {
      return Usage();
    } else {
      args.emplace_back(arg);
    }
  }
  if (args.size() != 1 || socket_path.empty()) return Usage();
  const std::string& user = args[0];
  if (!PlausibleUser(user)) {
    Log("not a user name; no keys");
    return 0;
  }

  latchkey::Result<latchkey::AgentConnection> agent =
      latchkey::AgentConnection::Open(socket_path, kConnectTimeout);
  if (!agent.ok()) {
    Log("cannot reach latchkey-agent: " + agent.status().message() +
        "; no keys");
    return 0;
  }
  const std::string request =
      nlohmann::json{{"op", "ssh_keys"}, {"user", user}}.dump();
  latchkey::Result<latchkey::Secret> frame =
      agent->Call(request, kAnswerTimeout);
  agent->Close();
  if (!frame.ok()) {
    Log("latchkey-agent at " + socket_path + ": " + frame.status().message() +
        "; no keys");
    return 0;
  }
  const nlohmann::json answer =
      nlohmann::json::parse(frame->view(), nullptr, /*allow_exceptions=*/false);
  if (!answer.is_object() || !answer.contains("status") ||
      !answer["status"].is_string()) {
    Log("latchkey-agent sent an answer without a status; no keys");
    return 0;
  }
  const std::string status = answer["status"].get<std::string>();
  if (status == "unknown_user") return 0;
  if (status != "ok") {
    std::string why = "latchkey-agent answered " + status.substr(0, 40);
    if (answer.contains("message") && answer["message"].is_string()) {
      why += ": " + answer["message"].get<std::string>().substr(0, 300);
    }
    Log(why + "; no keys");
    return 0;
  }
  if (!answer.contains("keys") || !answer["keys"].is_array()) {
    Log("latchkey-agent answered ok without keys; no keys");
    return 0;
  }
  if (answer.contains("stale") && answer["stale"].is_boolean() &&
      answer["stale"].get<bool>()) {
    Log("serving cached keys while no directory answers");
  }
  std::string out;
  for (const nlohmann::json& key : answer["keys"]) {
    if (!key.is_string() || !OneLine(key.get_ref<const std::string&>())) {
      Log("skipped a key that is not one line of text");
      continue;
    }
    out += key.get_ref<const std::string&>();
    out += '\n';
  }
  if (std::fwrite(out.data(), 1, out.size(), stdout) != out.size() ||
      std::fflush(stdout) != 0) {
    return 1;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  openlog("latchkey-ssh-keys", LOG_PID, LOG_AUTHPRIV);
  try {
    return Run(argc, argv);
  } catch (const std::exception& e) {
    Log(std::string("internal error: ") + e.what() + "; no keys");
  } catch (...) {
    Log("internal error; no keys");
  }
  return 0;
}
