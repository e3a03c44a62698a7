#include "portal/client_ip.h"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>
#include <cstring>

#include "latchkey/base/strings.h"

namespace latchkey::portal {
namespace {
bool IsV4Mapped(const IpBytes& ip) {
  static constexpr uint8_t kPrefix[12] = {0, 0, 0, 0, 0,    0,
                                          0, 0, 0, 0, 0xff, 0xff};
  return std::memcmp(ip.data(), kPrefix, sizeof kPrefix) == 0;
}

}  // namespace

std::optional<IpBytes> ParseIp(std::string_view text) {
  text = Trim(text);
  if (text.size() >= 2 && text.front() == '[' && text.back() == ']') {
    text = text.substr(1, text.size() - 2);
  }
  if (text.empty() || text.size() > 45) return std::nullopt;
  const std::string s(text);
  IpBytes out{};
  in_addr v4;
  if (::inet_pton(AF_INET, s.c_str(), &v4) == 1) {
    out[10] = 0xff;
    out[11] = 0xff;
    std::memcpy(out.data() + 12, &v4, 4);
    return out;
  }
  in6_addr v6;
  if (::inet_pton(AF_INET6, s.c_str(), &v6) == 1) {
    std::memcpy(out.data(), &v6, 16);
    return out;
  }
  return std::nullopt;
}

std::string FormatIp(const IpBytes& ip) {
  char buf[INET6_ADDRSTRLEN] = "";
  if (IsV4Mapped(ip)) {
    ::inet_ntop(AF_INET, ip.data() + 12, buf, sizeof buf);
  } else {
    ::inet_ntop(AF_INET6, ip.data(), buf, sizeof buf);
  }
  return buf;
}

Result<ProxyList> ProxyList::Parse(const std::vector<std::string>& entries) {
  ProxyList list;
  for (const std::string& entry : entries) {
    std::string_view text = Trim(entry);
    if (text.empty()) continue;
    int prefix = -1;
    const size_t slash = text.find('/');
    std::string_view addr = text.substr(0, slash);
    const std::optional<IpBytes> ip = ParseIp(addr);
    if (!ip) {
      return InvalidArgument("trusted_proxies: '" + entry +
                             "' is not an address or CIDR range");
    }
    const bool v4 = IsV4Mapped(*ip) && addr.find(':') == std::string_view::npos;
    if (slash != std::string_view::npos) {
      const std::string_view bits = text.substr(slash + 1);
      int n = -1;
      auto [end, ec] =
          std::from_chars(bits.data(), bits.data() + bits.size(), n);
      if (ec != std::errc() || end != bits.data() + bits.size() || n < 0 ||
          n > (v4 ? 32 : 128)) {
        return InvalidArgument("trusted_proxies: '" + entry +
                               "' has a bad prefix length");
      }
      prefix = v4 ? 96 + n : n;
    } else {
      prefix = 128;
    }
    Range r{*ip, prefix};
    // Clear the host bits so Contains can compare the masked bytes.
    for (int bit = prefix; bit < 128; ++bit) {
      r.base[static_cast<size_t>(bit / 8)] &=
          static_cast<uint8_t>(~(0x80u >> (bit % 8)));
    }
    list.ranges_.push_back(r);
  }
  return list;
}

bool ProxyList::Contains(const IpBytes& ip) const {
  for (const Range& r : ranges_) {
    bool match = true;
    for (int bit = 0; bit < r.prefix && match; bit += 8) {
      const size_t i = static_cast<size_t>(bit / 8);
      const int bits = std::min(8, r.prefix - bit);
      const uint8_t mask = static_cast<uint8_t>(0xff00u >> bits);
      match = (ip[i] & mask) == r.base[i];
    }
    if (match) return true;
  }
  return false;
}

ClientInfo ResolveClient(std::string_view peer, bool tls,
                         const std::vector<std::string_view>& forwarded_for,
                         std::string_view forwarded_proto,
                         const ProxyList& trusted) {
  ClientInfo info;
  info.is_https = tls;
  const std::optional<IpBytes> peer_ip = ParseIp(peer);
  info.ip = peer_ip ? FormatIp(*peer_ip) : std::string(peer);
  if (!peer_ip || !trusted.Contains(*peer_ip)) return info;

  // Every comma-separated entry of every header, left to right.
  std::vector<std::string_view> hops;
  for (std::string_view header : forwarded_for) {
    size_t start = 0;
    while (start <= header.size()) {
      const size_t comma = header.find(',', start);
      const std::string_view part = Trim(header.substr(start, comma - start));
      if (!part.empty()) hops.push_back(part);
      if (comma == std::string_view::npos) break;
      start = comma + 1;
    }
  }
  for (auto it = hops.rbegin(); it != hops.rend(); ++it) {
    const std::optional<IpBytes> hop = ParseIp(*it);
    if (!hop) break;  // written by someone we do not trust: stop here
    info.ip = FormatIp(*hop);
    if (!trusted.Contains(*hop)) break;
  }

  if (!forwarded_proto.empty()) {
    const size_t comma = forwarded_proto.rfind(',');
    std::string_view last = Trim(comma == std::string_view::npos
                                     ? forwarded_proto
                                     : forwarded_proto.substr(comma + 1));
    std::string lower(last);
    std::transform(
        lower.begin(), lower.end(), lower.begin(),
        [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (lower == "https") info.is_https = true;
  }
  return info;
}

}  // namespace latchkey::portal
