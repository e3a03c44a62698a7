// The listening socket, bound before privileges are dropped (so a port
// below 1024 works) and handed to libmicrohttpd.
#ifndef LATCHKEY_PORTAL_LISTEN_H_
#define LATCHKEY_PORTAL_LISTEN_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "latchkey/base/result.h"

namespace latchkey::portal {

struct ListenAddress {
  std::string host;  // "127.0.0.1", "::1", "0.0.0.0", "::", or a name
  uint16_t port = 0;
};

// "127.0.0.1:8080", "[::1]:8080", "localhost:8080", ":8080" (all
// addresses). Errors: InvalidArgument naming the text.
Result<ListenAddress> ParseListen(std::string_view text);

// A non-blocking socket bound to `address` and listening (SO_REUSEADDR;
// IPv6 sockets are v6-only). Errors: IoError naming the address and errno.
Result<int> BindListenSocket(const ListenAddress& address);

// The port a bound socket ended up on (for port 0).
uint16_t BoundPort(int fd);

}  // namespace latchkey::portal

#endif  // LATCHKEY_PORTAL_LISTEN_H_
