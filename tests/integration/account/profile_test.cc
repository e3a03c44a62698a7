// Profile against a real database: the full name, and avatars checked,
// stored and served with their true content type.
#include "latchkey/account/profile.h"

#include <gtest/gtest.h>

#include "support/services_test.h"
#include "support/test_images.h"

namespace latchkey {
namespace {

using testing::TestJpeg;
using testing::TestPng;

class ProfileTest : public testing::ServicesTest {
 protected:
  void Configure(Config& c) override { c.portal.avatar_max_bytes = 4096; }
  void SetUp() override {
    ServicesTest::SetUp();
    if (HasFatalFailure()) return;
    id_ = MakeUser("alice");
  }
  ImageCheck SetAvatar(std::string_view bytes, std::string_view type) {
    Profile profile(s());
    auto r = profile.SetAvatar(id_, bytes, type, ctx_);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : ImageCheck{};
  }

  int64_t id_ = 0;
};

TEST_F(ProfileTest, FullName) {
  Profile profile(s());
  auto r = profile.UpdateFullName(id_, "Alice Liddell-Ünal", ctx_);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->empty());
  EXPECT_EQ(Load(id_).full_name, "Alice Liddell-Ünal");
  EXPECT_EQ(Events("user_updated"), 1);
  // The same name again changes nothing and logs nothing.
  ASSERT_TRUE(profile.UpdateFullName(id_, "Alice Liddell-Ünal", ctx_).ok());
  EXPECT_EQ(Events("user_updated"), 1);

  r = profile.UpdateFullName(id_, "", ctx_);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->Get("full_name"), "Enter your name.");
  r = profile.UpdateFullName(id_, "Line\nbreak", ctx_);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->Get("full_name"), "The full name contains a control character.");
  r = profile.UpdateFullName(id_, std::string(201, 'a'), ctx_);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->Has("full_name"));
  EXPECT_EQ(Load(id_).full_name, "Alice Liddell-Ünal");
  EXPECT_EQ(profile.UpdateFullName(999999, "X", ctx_).status().code(),
            StatusCode::kNotFound);
}

TEST_F(ProfileTest, AvatarIsStoredAndServedWithItsTrueType) {
  Profile profile(s());
  EXPECT_EQ(profile.GetAvatar(id_).status().code(), StatusCode::kNotFound);

  const std::string png = TestPng(32, 32);
  ImageCheck c = SetAvatar(png, "image/png");
  ASSERT_TRUE(c.ok()) << c.message;
  EXPECT_EQ(c.info->width, 32u);
  auto got = profile.GetAvatar(id_);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->bytes, png);
  EXPECT_EQ(got->content_type, "image/png");
  EXPECT_TRUE(Load(id_).has_avatar);

  const std::string jpeg = TestJpeg(64, 48);
  ASSERT_TRUE(SetAvatar(jpeg, "image/jpeg").ok());
  got = profile.GetAvatar(id_);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->bytes, jpeg);
  EXPECT_EQ(got->content_type, "image/jpeg");

  // A label tampered with in the database does not change what is served.
  ASSERT_TRUE(s().db()
                  .Execute("UPDATE users SET avatar_type = 'text/html' "
                           "WHERE id = ?",
                           {id_})
                  .ok());
  got = profile.GetAvatar(id_);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->content_type, "image/jpeg");

  ASSERT_TRUE(profile.RemoveAvatar(id_, ctx_).ok());
  EXPECT_EQ(profile.GetAvatar(id_).status().code(), StatusCode::kNotFound);
  EXPECT_FALSE(Load(id_).has_avatar);
  ASSERT_TRUE(profile.RemoveAvatar(id_, ctx_).ok());  // idempotent
}

TEST_F(ProfileTest, BadUploadsStoreNothing) {
  ASSERT_TRUE(SetAvatar(TestPng(8, 8), "image/png").ok());
  auto stored = Profile(s()).GetAvatar(id_);
  ASSERT_TRUE(stored.ok());
  const std::string before = stored->bytes;
  struct Case {
    std::string bytes;
    std::string type;
    ImageProblem problem;
  };
  const std::vector<Case> cases = {
      {TestPng(8, 8), "image/jpeg", ImageProblem::kMislabelled},
      {TestJpeg(8, 8), "image/png", ImageProblem::kMislabelled},
      {TestPng(8, 8) + "<script>", "image/png", ImageProblem::kTrailingData},
      {TestPng(8, 8).substr(0, 40), "image/png", ImageProblem::kMalformed},
      {"GIF89a....", "image/gif", ImageProblem::kUnknownFormat},
      {TestPng(5000, 10), "image/png", ImageProblem::kTooManyPixels},
      {TestPng(8, 8) + std::string(5000, '\0'), "image/png",
       ImageProblem::kTooLarge},  // over avatar_max_bytes (4096)
      {"", "image/png", ImageProblem::kEmpty},
  };
  for (const Case& k : cases) {
    const ImageCheck c = SetAvatar(k.bytes, k.type);
    EXPECT_EQ(c.problem, k.problem) << k.type << ": " << c.message;
    EXPECT_FALSE(c.message.empty());
  }
  auto after = Profile(s()).GetAvatar(id_);
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->bytes, before);
  EXPECT_EQ(Events("user_updated"), 1);  // only the first, good upload
}

}  // namespace
}  // namespace latchkey
