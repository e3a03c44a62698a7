// A gtest fixture for core services over a real database: a migrated
// TestDatabase, a Services on it with a FakeClock, fast KDF parameters,
// the sandbox's secret key and a capturing log sink, plus helpers to make
// users and read what landed in mail_outbox, sessions and auth_events.
#ifndef LATCHKEY_TESTS_SUPPORT_SERVICES_TEST_H_
#define LATCHKEY_TESTS_SUPPORT_SERVICES_TEST_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "latchkey/base/clock.h"
#include "latchkey/base/random.h"
#include "latchkey/config/config.h"
#include "latchkey/services/services.h"
#include "latchkey/store/audit.h"
#include "support/fakes.h"
#include "support/sandbox.h"

namespace latchkey::testing {

inline constexpr char kTestPassword[] = "Correct-Horse-42-Battery";

// One mail_outbox row.
struct QueuedMail {
  int64_t id = 0;
  std::string to;
  std::string subject;
  std::string body;
};

class ServicesTest : public DatabaseTest {
 protected:
  // Builds config_ (base_url https://accounts.example.org, issuer latchkey,
  // cheap Argon2) and services_. Override Configure to change config_
  // before the Services is built.
  void SetUp() override;
  virtual void Configure(Config&) {}
  // Builds services_ anew from config_, on a new connection: for a test
  // that changed config_ after SetUp.
  void Rebuild();

  Services& s() { return *services_; }

  // A user with kTestPassword, email <name>@example.org, verified unless
  // told otherwise. Returns its id (0 after a test failure).
  int64_t MakeUser(const std::string& name, bool verified = true,
                   bool active = true);
  User Load(int64_t id);
  std::optional<User> FindUser(const std::string& username);

  // mail_outbox rows that have an address, oldest first (optionally only
  // those to `to`), after rendering the (user, kind) rows as the portal's
  // mail worker does (RenderQueuedMails with config_).
  std::vector<QueuedMail> Outbox(const std::string& to = "");
  // A session row for the user (id = 32 bytes of `tag`).
  void AddSession(int64_t user_id, char tag);
  int64_t Sessions(int64_t user_id);
  // auth_events rows with this event name.
  int64_t Events(std::string_view event);
  int64_t CountRows(const std::string& table);

  FakeClock clock_;
  SystemRandom random_;
  CapturingLogSink sink_;
  Config config_;
  std::unique_ptr<Services> services_;
  AuthContext ctx_;
};

}  // namespace latchkey::testing

#endif  // LATCHKEY_TESTS_SUPPORT_SERVICES_TEST_H_
