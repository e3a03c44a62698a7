#include "command.h"

#include <pwd.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <utility>
#include <vector>

namespace latchkey::cli {
namespace {

constexpr size_t kMaxPasswordBytes = 4096;

std::string UnixUserName(uid_t uid) {
  std::vector<char> buf(16384);
  struct passwd pw {};
  struct passwd* found = nullptr;
  if (getpwuid_r(uid, &pw, buf.data(), buf.size(), &found) == 0 &&
      found != nullptr) {
    return found->pw_name;
  }
  return "uid" + std::to_string(uid);
}

// Restores the terminal's echo when it goes out of scope.
class EchoOff {
 public:
  EchoOff() {
    if (tcgetattr(STDIN_FILENO, &saved_) != 0) return;
    struct termios quiet = saved_;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    active_ = tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) == 0;
  }
  ~EchoOff() {
    if (active_) tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_);
  }
  EchoOff(const EchoOff&) = delete;
  EchoOff& operator=(const EchoOff&) = delete;

 private:
  struct termios saved_ {};
  bool active_ = false;
};

}  // namespace

void PrintCommandHelp(std::ostream& out, const Command& command) {
  out << "usage: " << kProgram << ' ' << command.usage << "\n\n"
      << command.summary << '\n';
  if (!command.help.empty()) out << '\n' << command.help;
  out << "\nGlobal options: --config PATH, --json, --help.\n";
}

Context::Context(const Command& command, std::string config_path, bool json,
                 std::ostream& out, std::ostream& err)
    : command_(command),
      config_path_(std::move(config_path)),
      json_(json),
      out_(out),
      err_(err) {}

Context::~Context() = default;

Result<const Config*> Context::config() {
  if (!config_) {
    Result<Config> loaded = LoadConfig(config_path_);
    if (!loaded.ok() && ConfigFileMissing(config_path_)) {
      loaded = Status(loaded.status().code(),
                      loaded.status().message() +
                          "; name the config file with --config PATH or "
                          "LATCHKEY_CONFIG=PATH");
    }
    config_.emplace(std::move(loaded));
  }
  if (!config_->ok()) return config_->status();
  return &config_->value();
}

Result<Services*> Context::services() {
  if (services_) return services_.get();
  LK_ASSIGN_OR_RETURN(const Config* config, this->config());
  LK_ASSIGN_OR_RETURN(services_, Services::Open(*config));
  return services_.get();
}

const AdminActor& Context::actor() {
  if (actor_) return *actor_;
  AdminActor actor;
  actor.ctx.service = "cli";
  actor.ctx.pid = static_cast<int64_t>(getpid());
  if (const char* tty = ttyname(STDIN_FILENO); tty != nullptr) {
    std::string_view t = tty;
    if (t.starts_with("/dev/")) t.remove_prefix(5);
    actor.ctx.tty = std::string(t);
  }
  const uid_t uid = getuid();
  actor.name = UnixUserName(uid) + " (uid " + std::to_string(uid);
  // Set by sudo itself; informational only, as the uid above is what counts.
  if (const char* sudo_user = std::getenv("SUDO_USER");
      sudo_user != nullptr && *sudo_user != '\0') {
    actor.name += ", sudo from " + std::string(sudo_user).substr(0, 32);
  }
  actor.name += ")";
  actor_ = std::move(actor);
  return *actor_;
}

std::string ErrorMessage(const Status& status) {
  // "cannot reach the database: ..." says it already.
  if (status.code() == StatusCode::kUnavailable &&
      status.message().find("database") == std::string::npos) {
    return "database unavailable: " + status.message();
  }
  return status.message();
}

int Context::Fail(const Status& status) { return Fail(ErrorMessage(status)); }

int Context::Fail(std::string_view message) {
  err_ << kProgram << ": " << message << '\n';
  return kExitFailure;
}

int Context::Usage(std::string_view message) {
  err_ << kProgram << ": " << message << " (see " << kProgram << ' '
       << command_.name << " --help)\n"
       << "usage: " << kProgram << ' ' << command_.usage << '\n';
  return kExitUsage;
}

void Context::Warn(std::string_view message) {
  err_ << kProgram << ": warning: " << message << '\n';
}

Result<Secret> ReadPasswordFromStdin(std::string_view prompt) {
  const bool tty = isatty(STDIN_FILENO) == 1;
  std::optional<EchoOff> echo_off;
  if (tty) {
    std::string p(prompt);
    (void)!::write(STDERR_FILENO, p.data(), p.size());
    echo_off.emplace();
  }
  // Read byte by byte so nothing past the first line is consumed and no
  // copy of the password is left in a stdio buffer.
  Secret buf = Secret::OfSize(kMaxPasswordBytes + 1);
  size_t used = 0;
  bool newline = false;
  while (used < buf.size()) {
    char c = 0;
    const ssize_t n = ::read(STDIN_FILENO, &c, 1);
    if (n < 0) {
      if (errno == EINTR) continue;
      return IoError(std::string("standard input: cannot read: ") +
                     std::strerror(errno));
    }
    if (n == 0) break;
    if (c == '\n') {
      newline = true;
      break;
    }
    buf.mutable_data()[used++] = c;
  }
  if (tty) (void)!::write(STDERR_FILENO, "\n", 1);
  if (!newline && used > kMaxPasswordBytes) {
    return InvalidArgument("password: longer than 4096 bytes");
  }
  if (used > 0 && buf.view()[used - 1] == '\r') --used;
  if (used == 0) return InvalidArgument("no password on standard input");
  return Secret(buf.view().substr(0, used));
}

}  // namespace latchkey::cli
