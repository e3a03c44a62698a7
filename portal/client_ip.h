// Who is on the other end: the client address and whether the request came
// over TLS, believing X-Forwarded-For / X-Forwarded-Proto only from the
// proxies listed in [portal] trusted_proxies. Pure functions; no I/O.
#ifndef LATCHKEY_PORTAL_CLIENT_IP_H_
#define LATCHKEY_PORTAL_CLIENT_IP_H_

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "latchkey/base/result.h"

namespace latchkey::portal {

// An IPv4 or IPv6 address as 16 bytes (IPv4 as ::ffff:a.b.c.d).
using IpBytes = std::array<uint8_t, 16>;

// Parses a literal address ("192.0.2.1", "2001:db8::1", "::ffff:192.0.2.1";
// "[2001:db8::1]" brackets allowed). nullopt if it is not one.
std::optional<IpBytes> ParseIp(std::string_view text);
// The canonical text: IPv4 (also for IPv4-mapped IPv6) as dotted quad,
// IPv6 as inet_ntop prints it.
std::string FormatIp(const IpBytes& ip);

// A set of addresses and CIDR ranges ("127.0.0.1", "10.0.0.0/8",
// "::1", "fd00::/8").
class ProxyList {
 public:
  // Errors: InvalidArgument naming the entry.
  static Result<ProxyList> Parse(const std::vector<std::string>& entries);
  bool Contains(const IpBytes& ip) const;
  bool empty() const { return ranges_.empty(); }

 private:
  struct Range {
    IpBytes base;
    int prefix;  // in bits over the 16 bytes
  };
  std::vector<Range> ranges_;
};

struct ClientInfo {
  std::string ip;  // canonical text
  bool is_https = false;
};

// `peer` is the socket's address (canonical text), `tls` whether the
// connection itself is TLS. If the peer is a trusted proxy, the client is
// the rightmost address of X-Forwarded-For (all its headers, in order)
// that is not itself trusted; when every listed address is trusted, the
// leftmost; a malformed entry ends the walk at the last address read.
// is_https is `tls`, or, from a trusted peer, the last value of
// X-Forwarded-Proto being "https".
ClientInfo ResolveClient(std::string_view peer, bool tls,
                         const std::vector<std::string_view>& forwarded_for,
                         std::string_view forwarded_proto,
                         const ProxyList& trusted);

}  // namespace latchkey::portal

#endif  // LATCHKEY_PORTAL_CLIENT_IP_H_
