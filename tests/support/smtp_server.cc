#include "support/smtp_server.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace latchkey::testing {
namespace {

uint16_t FreePort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return 0;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  uint16_t port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  ::close(fd);
  return port;
}

std::string Script() {
  if (const char* src = std::getenv("LATCHKEY_SOURCE_DIR");
      src != nullptr && *src != '\0') {
    return std::string(src) + "/tests/support/smtp_server.py";
  }
  const std::string here = __FILE__;
  return here.substr(0, here.rfind('/') + 1) + "smtp_server.py";
}

std::string Python() {
  // Debian's interpreter has python3-aiosmtpd; a python3 earlier on PATH
  // (pyenv, venv) may not.
  if (const char* py = std::getenv("LATCHKEY_PYTHON"); py && *py) return py;
  return "/usr/bin/python3";
}

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) {
    return static_cast<char>(std::tolower(c));
  });
  return out;
}

}  // namespace

SmtpTestServer::SmtpTestServer(Options options)
    : options_(std::move(options)), port_(FreePort()) {}

SmtpTestServer::~SmtpTestServer() { (void)Stop(); }

std::string SmtpTestServer::url() const {
  return "smtp://127.0.0.1:" + std::to_string(port_);
}

Status SmtpTestServer::Run(const std::vector<std::string>& args) const {
  std::vector<std::string> argv = {Python(), Script()};
  argv.insert(argv.end(), args.begin(), args.end());
  std::vector<char*> c_argv;
  for (std::string& a : argv) c_argv.push_back(a.data());
  c_argv.push_back(nullptr);
  const pid_t pid = fork();
  if (pid < 0) return Internal("fork failed");
  if (pid == 0) {
    execv(c_argv[0], c_argv.data());
    _exit(127);
  }
  int wstatus = 0;
  while (waitpid(pid, &wstatus, 0) < 0) {
    if (errno != EINTR) return Internal("waitpid failed");
  }
  if (!WIFEXITED(wstatus) || WEXITSTATUS(wstatus) != 0) {
    return Internal("smtp_server.py " + args.front() + " failed (status " +
                    std::to_string(wstatus) + "); see " + dir() + "/smtp.log");
  }
  return Status::Ok();
}

Status SmtpTestServer::Start() {
  if (port_ == 0) return Internal("no free port");
  std::vector<std::string> args = {"start", "--dir", dir(), "--port",
                                   std::to_string(port_)};
  if (!options_.auth.empty()) {
    args.push_back("--auth");
    args.push_back(options_.auth);
  }
  if (options_.tls) args.push_back("--tls-self-signed");
  return Run(args);
}

Status SmtpTestServer::Stop() { return Run({"stop", "--dir", dir()}); }

std::vector<std::string> SmtpTestServer::Messages() const {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& entry :
       std::filesystem::directory_iterator(dir() + "/new", ec)) {
    names.push_back(entry.path().filename().string());
  }
  // <nanoseconds>.<n>.eml: numeric order is arrival order.
  std::sort(names.begin(), names.end(),
            [](const std::string& a, const std::string& b) {
              return std::make_pair(a.size(), a) < std::make_pair(b.size(), b);
            });
  std::vector<std::string> out;
  for (const std::string& name : names) {
    std::ifstream in(dir() + "/new/" + name, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    out.push_back(ss.str());
  }
  return out;
}

std::vector<std::string> SmtpTestServer::WaitForMessages(
    size_t n, std::chrono::milliseconds timeout) const {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    std::vector<std::string> got = Messages();
    if (got.size() >= n || std::chrono::steady_clock::now() > deadline) {
      return got;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

std::string MailHeader(std::string_view message, std::string_view name) {
  const std::string want = Lower(name) + ":";
  size_t pos = 0;
  while (pos < message.size()) {
    size_t end = message.find('\n', pos);
    if (end == std::string_view::npos) end = message.size();
    std::string_view line = message.substr(pos, end - pos);
    if (line.ends_with('\r')) line.remove_suffix(1);
    if (line.empty()) return "";  // end of the headers
    if (Lower(line.substr(0, want.size())) == want) {
      std::string value(line.substr(want.size()));
      // Continuation lines start with a space or tab.
      size_t next = end + 1;
      while (next < message.size() &&
             (message[next] == ' ' || message[next] == '\t')) {
        size_t e = message.find('\n', next);
        if (e == std::string_view::npos) e = message.size();
        std::string_view cont = message.substr(next, e - next);
        if (cont.ends_with('\r')) cont.remove_suffix(1);
        value += cont;
        next = e + 1;
      }
      const size_t first = value.find_first_not_of(" \t");
      return first == std::string::npos ? "" : value.substr(first);
    }
    pos = end + 1;
  }
  return "";
}

std::string MailBody(std::string_view message) {
  size_t at = message.find("\r\n\r\n");
  if (at != std::string_view::npos) return std::string(message.substr(at + 4));
  at = message.find("\n\n");
  return at == std::string_view::npos ? ""
                                      : std::string(message.substr(at + 2));
}

std::string DecodeQuotedPrintable(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '=') {
      out += text[i];
      continue;
    }
    if (i + 1 < text.size() && text[i + 1] == '\n') {
      i += 1;
    } else if (i + 2 < text.size() && text[i + 1] == '\r' &&
               text[i + 2] == '\n') {
      i += 2;
    } else if (i + 2 < text.size()) {
      out += static_cast<char>(
          std::stoi(std::string(text.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    }
  }
  return out;
}

std::string TokenFromLink(std::string_view text, std::string_view path) {
  const std::string needle = std::string(path) + "?token=";
  const size_t at = text.find(needle);
  if (at == std::string_view::npos) return "";
  size_t end = at + needle.size();
  while (end < text.size() &&
         (std::isalnum(static_cast<unsigned char>(text[end])) ||
          text[end] == '-' || text[end] == '_')) {
    ++end;
  }
  return std::string(text.substr(at + needle.size(), end - at - needle.size()));
}

}  // namespace latchkey::testing
