#include "config/config_values.h"

#include <arpa/inet.h>

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "latchkey/base/strings.h"

namespace latchkey::config_internal {
namespace {

bool IsDigits(std::string_view s) {
  if (s.empty()) return false;
  for (const char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}
// Splits on ',' and trims each item. "" gives no items; an empty item
// between commas is reported by the caller.
std::vector<std::string_view> SplitList(std::string_view v) {
  std::vector<std::string_view> out;
  if (Trim(v).empty()) return out;
  size_t start = 0;
  while (true) {
    const size_t comma = v.find(',', start);
    out.push_back(Trim(v.substr(start, comma == std::string_view::npos
                                           ? std::string_view::npos
                                           : comma - start)));
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return out;
}

bool IsIpv6(std::string_view s) {
  if (s.empty() || s.size() >= INET6_ADDRSTRLEN) return false;
  std::string z(s);
  std::array<unsigned char, 16> buf{};
  return inet_pton(AF_INET6, z.c_str(), buf.data()) == 1;
}

bool IsIpv4(std::string_view s) {
  if (s.empty() || s.size() >= INET_ADDRSTRLEN) return false;
  std::string z(s);
  std::array<unsigned char, 4> buf{};
  return inet_pton(AF_INET, z.c_str(), buf.data()) == 1;
}

// A DNS name or IPv4 literal: letters, digits, '.', '-' and '_'.
bool IsHostName(std::string_view s) {
  if (s.empty() || s.size() > 253) return false;
  for (const char c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                    (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

std::string Quote(std::string_view value) {
  std::string out = "'";
  for (const char c : value.substr(0, 64)) {
    const auto u = static_cast<unsigned char>(c);
    out += (u < 0x20 || u == 0x7f) ? '?' : c;
  }
  if (value.size() > 64) out += "...";
  out += "'";
  return out;
}
Result<bool> ParseBool(std::string_view v) {
  for (const std::string_view t : {"on", "true", "yes", "1"}) {
    if (EqualsIgnoreCase(v, t)) return true;
  }
  for (const std::string_view f : {"off", "false", "no", "0"}) {
    if (EqualsIgnoreCase(v, f)) return false;
  }
  return InvalidArgument("must be on or off (or true/false, yes/no, 1/0; got " +
                         Quote(v) + ")");
}

Result<uint64_t> ParseUint(std::string_view v, uint64_t min, uint64_t max) {
  const auto bad = [&] {
    return InvalidArgument("must be an integer between " + std::to_string(min) +
                           " and " + std::to_string(max) + " (got " + Quote(v) +
                           ")");
  };
  if (!IsDigits(v)) return bad();
  uint64_t n = 0;
  for (const char c : v) {
    const auto digit = static_cast<uint64_t>(c - '0');
    if (n > (UINT64_MAX - digit) / 10) return bad();
    n = n * 10 + digit;
  }
  if (n < min || n > max) return bad();
  return n;
}

std::string FormatDuration(Millis d) {
  const int64_t ms = d.count();
  struct Unit {
    int64_t millis;
    const char* suffix;
  };
  constexpr Unit kUnits[] = {
      {86400000, "d"}, {3600000, "h"}, {60000, "m"}, {1000, "s"}};
  for (const Unit& u : kUnits) {
    if (ms != 0 && ms % u.millis == 0)
      return std::to_string(ms / u.millis) + u.suffix;
  }
  return ms == 0 ? "0s" : std::to_string(ms) + "ms";
}

Result<Millis> ParseMillisIn(std::string_view v, Millis min, Millis max) {
  Result<Millis> d = ParseDuration(v);
  if (!d.ok()) return d.status();
  if (*d < min || *d > max) {
    return InvalidArgument("must be between " + FormatDuration(min) + " and " +
                           FormatDuration(max) + " (got " + Quote(v) + ")");
  }
  return d;
}

Result<Seconds> ParseSecondsIn(std::string_view v, Seconds min, Seconds max) {
  Result<Millis> d = ParseMillisIn(v, min, max);
  if (!d.ok()) return d.status();
  if (d->count() % 1000 != 0) {
    return InvalidArgument("must be a whole number of seconds (got " +
                           Quote(v) + ")");
  }
  return std::chrono::duration_cast<Seconds>(*d);
}

Result<HostPort> ParseHostPort(std::string_view v, uint16_t default_port,
                               bool port_required) {
  const std::string example =
      port_required ? "host:port, e.g. 127.0.0.1:8080 or [::1]:8080"
                    : "host[:port], e.g. db1.example:3306 or [::1]:3306";
  HostPort out;
  std::string_view host;
  std::string_view port;
  bool has_port = false;
  if (!v.empty() && v.front() == '[') {
    const size_t close = v.find(']');
    if (close == std::string_view::npos) {
      return InvalidArgument(Quote(v) + " has '[' without ']' (expected " +
                             example + ")");
    }
    host = v.substr(1, close - 1);
    if (!IsIpv6(host)) {
      return InvalidArgument(Quote(host) +
                             " in brackets is not an IPv6 address");
    }
    const std::string_view rest = v.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') {
        return InvalidArgument("unexpected " + Quote(rest) +
                               " after ']' (expected " + example + ")");
      }
      port = rest.substr(1);
      has_port = true;
    }
  } else {
    const size_t colon = v.find(':');
    if (colon != std::string_view::npos &&
        v.find(':', colon + 1) != std::string_view::npos) {
      return InvalidArgument(
          Quote(v) + ": write an IPv6 address in brackets, e.g. [::1]:3306");
    }
    host = v.substr(0, colon);
    if (colon != std::string_view::npos) {
      port = v.substr(colon + 1);
      has_port = true;
    }
    if (!IsHostName(host)) {
      return InvalidArgument(Quote(v) +
                             " is not a valid host name or address (expected " +
                             example + ")");
    }
  }
  if (has_port) {
    Result<uint64_t> p = ParseUint(port, 1, 65535);
    if (!p.ok()) {
      return InvalidArgument(
          Quote(v) + " has a bad port: must be an integer between 1 and 65535");
    }
    out.port = static_cast<uint16_t>(*p);
  } else if (port_required) {
    return InvalidArgument(Quote(v) + " has no port (expected " + example +
                           ")");
  } else {
    out.port = default_port;
  }
  out.host = std::string(host);
  return out;
}

Result<std::vector<HostPort>> ParseHostList(std::string_view v) {
  const std::vector<std::string_view> items = SplitList(v);
  if (items.empty()) {
    return InvalidArgument(
        "must list at least one host[:port], e.g. db1.example:3306");
  }
  std::vector<HostPort> out;
  for (const std::string_view item : items) {
    if (item.empty())
      return InvalidArgument("empty entry in the list " + Quote(v));
    Result<HostPort> hp = ParseHostPort(item, 3306, /*port_required=*/false);
    if (!hp.ok()) return hp.status();
    out.push_back(std::move(*hp));
  }
  return out;
}

Result<std::vector<std::string>> ParseAddressList(std::string_view v) {
  std::vector<std::string> out;
  for (const std::string_view item : SplitList(v)) {
    if (item.empty())
      return InvalidArgument("empty entry in the list " + Quote(v));
    const size_t slash = item.find('/');
    const std::string_view addr = item.substr(0, slash);
    const bool v4 = IsIpv4(addr);
    if (!v4 && !IsIpv6(addr)) {
      return InvalidArgument(
          Quote(item) +
          " is not an IP address or CIDR range (e.g. 127.0.0.1, "
          "10.0.0.0/8, ::1)");
    }
    if (slash != std::string_view::npos) {
      const uint64_t max_prefix = v4 ? 32 : 128;
      if (!ParseUint(item.substr(slash + 1), 0, max_prefix).ok()) {
        return InvalidArgument(Quote(item) +
                               " has a bad prefix length: must be 0.." +
                               std::to_string(max_prefix));
      }
    }
    out.emplace_back(item);
  }
  return out;
}

Result<std::string> ParsePath(std::string_view v, bool allow_empty) {
  if (v.empty() && allow_empty) return std::string();
  if (v.empty() || v.front() != '/') {
    return InvalidArgument("must be an absolute path (got " + Quote(v) + ")");
  }
  return std::string(v);
}

}  // namespace latchkey::config_internal
