// TLS to the database means a verified peer: tls = required checks the
// server's certificate against tls_ca (or the system CAs when tls_ca is
// empty) and the host name. The sandbox serves a certificate from its own
// test CA, for the name localhost only (scripts/lib/mariadb-sandbox.sh).
#include <gtest/gtest.h>

#include <string>

#include "latchkey/db/db.h"
#include "support/sandbox.h"

namespace latchkey::db {
namespace {

using testing::Sandbox;
using testing::SandboxTcpConfig;

// A TCP config to the sandbox under `host` with tls = required.
DatabaseConfig TlsConfig(const std::string& host, const std::string& ca) {
  DatabaseConfig cfg = SandboxTcpConfig(Sandbox(), "");
  cfg.hosts.at(0).host = host;
  cfg.tls = TlsMode::kRequired;
  cfg.tls_ca = ca;
  return cfg;
}

std::string TlsFile(const char* name) { return Sandbox().dir + "/tls/" + name; }

Status ConnectWith(const DatabaseConfig& cfg) {
  auto conn = OpenFromConfig(cfg);
  if (!conn.ok()) return conn.status();
  Status s = (*conn)->Connect();
  if (!s.ok()) return s;
  // The session really is encrypted.
  auto row = (*conn)->QueryOne("SHOW SESSION STATUS LIKE 'Ssl_cipher'");
  if (!row.ok()) return row.status();
  if (!*row || (*row)->str(1).empty()) return Internal("no TLS cipher");
  return Status::Ok();
}

TEST(DbTlsTest, RightCaAndNameConnect) {
  Status s = ConnectWith(TlsConfig("localhost", TlsFile("ca.pem")));
  EXPECT_TRUE(s.ok()) << s.ToString();
}

TEST(DbTlsTest, WrongCaIsRefused) {
  Status s = ConnectWith(TlsConfig("localhost", TlsFile("other-ca.pem")));
  EXPECT_FALSE(s.ok());
}

TEST(DbTlsTest, WrongHostNameIsRefused) {
  // The certificate names localhost only; 127.0.0.1 is not in it.
  Status s = ConnectWith(TlsConfig("127.0.0.1", TlsFile("ca.pem")));
  EXPECT_FALSE(s.ok());
}

TEST(DbTlsTest, EmptyTlsCaVerifiesAgainstTheSystemCas) {
  // The sandbox's test CA is not among the system's, so a verifying client
  // must refuse; a client that skipped verification would connect.
  Status s = ConnectWith(TlsConfig("localhost", ""));
  EXPECT_FALSE(s.ok()) << "connected without verifying the certificate";
}

}  // namespace
}  // namespace latchkey::db
