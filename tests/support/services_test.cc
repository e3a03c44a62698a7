#include "support/services_test.h"

namespace latchkey::testing {

void ServicesTest::SetUp() {
  DatabaseTest::SetUp();
  if (HasFatalFailure()) return;
  config_.database = db().config();
  config_.security.secret_key_file = Sandbox().secret_key_file;
  config_.security.argon2_memory_kib = 1024;
  config_.security.argon2_time = 1;
  config_.portal.base_url = "https://accounts.example.org";
  config_.totp.issuer = "latchkey";
  Configure(config_);
  Rebuild();
  ctx_.service = "portal";
  ctx_.rhost = "198.51.100.7";
}

void ServicesTest::Rebuild() {
  services_ = Services::WithConnection(config_, db().Connect(), clock_, random_,
                                       &sink_);
}

int64_t ServicesTest::MakeUser(const std::string& name, bool verified,
                               bool active) {
  auto hash = services_->hasher().Hash(kTestPassword);
  EXPECT_TRUE(hash.ok());
  NewUser u;
  u.username = name;
  u.email = name + "@example.org";
  u.full_name = "User " + name;
  u.password_hash = hash.ok() ? *hash : "";
  u.email_verified = verified;
  u.is_active = active;
  auto id = services_->users().Create(u);
  EXPECT_TRUE(id.ok()) << id.status().ToString();
  return id.ok() ? *id : 0;
}

User ServicesTest::Load(int64_t id) {
  auto u = services_->users().FindById(id);
  EXPECT_TRUE(u.ok() && u->has_value());
  return u.ok() && u->has_value() ? **u : User{};
}

std::optional<User> ServicesTest::FindUser(const std::string& username) {
  auto u = services_->users().FindByUsername(username);
  EXPECT_TRUE(u.ok()) << u.status().ToString();
  return u.ok() ? *u : std::nullopt;
}

std::vector<QueuedMail> ServicesTest::Outbox(const std::string& to) {
  std::vector<QueuedMail> out;
  auto rendered = RenderQueuedMails(services_->db(), clock_, config_);
  EXPECT_TRUE(rendered.ok()) << rendered.status().ToString();
  auto rows = services_->db().Query(
      "SELECT id, to_addr, subject, body FROM mail_outbox "
      "WHERE to_addr IS NOT NULL ORDER BY id");
  EXPECT_TRUE(rows.ok()) << rows.status().ToString();
  if (!rows.ok()) return out;
  for (const db::Row& r : *rows) {
    if (!to.empty() && r.str(1) != to) continue;
    out.push_back({r.i64(0), r.str(1), r.str(2), r.str(3)});
  }
  return out;
}

void ServicesTest::AddSession(int64_t user_id, char tag) {
  const std::string id(32, tag);
  const std::string csrf(32, 'c');
  const auto now = db::Timestamp::FromUnix(clock_.NowUnix());
  auto done = services_->db().Execute(
      "INSERT INTO sessions (id_sha256, user_id, created_at, last_seen_at, "
      "expires_at, csrf_secret) VALUES (?, ?, ?, ?, ?, ?)",
      {std::string_view(id), user_id, now, now,
       db::Timestamp::FromUnix(clock_.NowUnix() + 3600),
       std::string_view(csrf)});
  EXPECT_TRUE(done.ok()) << done.status().ToString();
}

int64_t ServicesTest::Sessions(int64_t user_id) {
  auto row = services_->db().QueryOne(
      "SELECT COUNT(*) FROM sessions WHERE user_id = ?", {user_id});
  return row.ok() && row->has_value() ? (*row)->i64(0) : -1;
}

int64_t ServicesTest::Events(std::string_view event) {
  auto row = services_->db().QueryOne(
      "SELECT COUNT(*) FROM auth_events WHERE event = ?", {event});
  return row.ok() && row->has_value() ? (*row)->i64(0) : -1;
}

int64_t ServicesTest::CountRows(const std::string& table) {
  // Table names cannot be bound: only plain identifiers are accepted.
  for (const char c : table) {
    if (!((c >= 'a' && c <= 'z') || c == '_')) {
      ADD_FAILURE() << "not a table name: " << table;
      return -1;
    }
  }
  auto row = services_->db().QueryOne("SELECT COUNT(*) FROM " + table);
  return row.ok() && row->has_value() ? (*row)->i64(0) : -1;
}

}  // namespace latchkey::testing
