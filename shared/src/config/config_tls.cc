// Which database connections use verified TLS (config.h).
#include <arpa/inet.h>

#include <string>
#include <string_view>

#include "latchkey/config/config.h"

namespace latchkey {

bool IsLoopbackHost(std::string_view host) {
  const std::string text(host);
  in_addr v4{};
  if (inet_pton(AF_INET, text.c_str(), &v4) == 1) {
    return (ntohl(v4.s_addr) >> 24) == 127;
  }
  in6_addr v6{};
  if (inet_pton(AF_INET6, text.c_str(), &v6) == 1) {
    return IN6_IS_ADDR_LOOPBACK(&v6);
  }
  return false;
}

bool TlsRequiredFor(const DatabaseConfig& db, std::string_view host) {
  if (db.tls) return *db.tls == TlsMode::kRequired;
  return !IsLoopbackHost(host);
}

}  // namespace latchkey
