#include "portal/client_ip.h"

#include <gtest/gtest.h>

namespace latchkey::portal {
namespace {

ProxyList Proxies(std::vector<std::string> entries) {
  Result<ProxyList> list = ProxyList::Parse(entries);
  EXPECT_TRUE(list.ok()) << list.status().ToString();
  return list.ok() ? *list : ProxyList();
}

TEST(ParseIp, Formats) {
  EXPECT_EQ(FormatIp(*ParseIp("192.0.2.1")), "192.0.2.1");
  EXPECT_EQ(FormatIp(*ParseIp("::ffff:192.0.2.1")), "192.0.2.1");
  EXPECT_EQ(FormatIp(*ParseIp("2001:DB8::1")), "2001:db8::1");
  EXPECT_EQ(FormatIp(*ParseIp("[::1]")), "::1");
  EXPECT_EQ(FormatIp(*ParseIp(" 10.0.0.1 ")), "10.0.0.1");
  EXPECT_FALSE(ParseIp("").has_value());
  EXPECT_FALSE(ParseIp("unknown").has_value());
  EXPECT_FALSE(ParseIp("1.2.3").has_value());
  EXPECT_FALSE(ParseIp("1.2.3.4:80").has_value());
  EXPECT_FALSE(ParseIp("<script>").has_value());
}

TEST(ProxyList, AddressesAndRanges) {
  const ProxyList list =
      Proxies({"127.0.0.1", "10.0.0.0/8", "fd00::/8", "2001:db8::5"});
  EXPECT_TRUE(list.Contains(*ParseIp("127.0.0.1")));
  EXPECT_FALSE(list.Contains(*ParseIp("127.0.0.2")));
  EXPECT_TRUE(list.Contains(*ParseIp("10.200.3.4")));
  EXPECT_FALSE(list.Contains(*ParseIp("11.0.0.1")));
  EXPECT_TRUE(list.Contains(*ParseIp("fd12::1")));
  EXPECT_FALSE(list.Contains(*ParseIp("fe80::1")));
  EXPECT_TRUE(list.Contains(*ParseIp("2001:db8::5")));
  EXPECT_FALSE(list.Contains(*ParseIp("2001:db8::6")));
  // An IPv4 range never covers IPv6 addresses outside ::ffff:0:0/96.
  EXPECT_FALSE(Proxies({"0.0.0.0/0"}).Contains(*ParseIp("2001:db8::1")));
  EXPECT_TRUE(Proxies({"0.0.0.0/0"}).Contains(*ParseIp("203.0.113.9")));
  EXPECT_TRUE(Proxies({"192.168.1.77/24"}).Contains(*ParseIp("192.168.1.1")));
}

TEST(ProxyList, RejectsBadEntries) {
  EXPECT_FALSE(ProxyList::Parse({"nonsense"}).ok());
  EXPECT_FALSE(ProxyList::Parse({"10.0.0.0/33"}).ok());
  EXPECT_FALSE(ProxyList::Parse({"10.0.0.0/"}).ok());
  EXPECT_FALSE(ProxyList::Parse({"::/129"}).ok());
  EXPECT_TRUE(ProxyList::Parse({}).ok());
}

TEST(ResolveClient, UntrustedPeerIsTheClient) {
  const ProxyList list = Proxies({"127.0.0.1"});
  const ClientInfo c =
      ResolveClient("203.0.113.7", false, {"198.51.100.1"}, "https", list);
  EXPECT_EQ(c.ip, "203.0.113.7");
  EXPECT_FALSE(c.is_https);
}

TEST(ResolveClient, TrustedPeerRightmostUntrusted) {
  const ProxyList list = Proxies({"127.0.0.1", "10.0.0.0/8"});
  // spoofed, real client, inner proxy
  const ClientInfo c = ResolveClient(
      "127.0.0.1", false, {"1.1.1.1, 198.51.100.23", "10.1.2.3"}, "", list);
  EXPECT_EQ(c.ip, "198.51.100.23");
  EXPECT_FALSE(c.is_https);
}

TEST(ResolveClient, AllTrustedTakesLeftmost) {
  const ProxyList list = Proxies({"127.0.0.1", "10.0.0.0/8"});
  EXPECT_EQ(
      ResolveClient("127.0.0.1", false, {"10.0.0.9, 10.0.0.8"}, "", list).ip,
      "10.0.0.9");
}

TEST(ResolveClient, GarbageStopsTheWalk) {
  const ProxyList list = Proxies({"127.0.0.1", "10.0.0.0/8"});
  EXPECT_EQ(ResolveClient("127.0.0.1", false, {"198.51.100.1, junk, 10.0.0.4"},
                          "", list)
                .ip,
            "10.0.0.4");
  EXPECT_EQ(ResolveClient("127.0.0.1", false, {"junk"}, "", list).ip,
            "127.0.0.1");
  EXPECT_EQ(ResolveClient("127.0.0.1", false, {}, "", list).ip, "127.0.0.1");
}

TEST(ResolveClient, ForwardedProtoOnlyFromTrusted) {
  const ProxyList list = Proxies({"127.0.0.1"});
  EXPECT_TRUE(ResolveClient("127.0.0.1", false, {}, "https", list).is_https);
  EXPECT_TRUE(
      ResolveClient("127.0.0.1", false, {}, "http, HTTPS", list).is_https);
  EXPECT_FALSE(ResolveClient("127.0.0.1", false, {}, "http", list).is_https);
  EXPECT_TRUE(ResolveClient("203.0.113.1", true, {}, "", list).is_https);
}

TEST(ResolveClient, Ipv6AndMappedPeers) {
  const ProxyList list = Proxies({"::1"});
  EXPECT_EQ(ResolveClient("::1", false, {"2001:db8::7"}, "", list).ip,
            "2001:db8::7");
  EXPECT_EQ(ResolveClient("::ffff:203.0.113.4", false, {}, "", list).ip,
            "203.0.113.4");
}

}  // namespace
}  // namespace latchkey::portal
