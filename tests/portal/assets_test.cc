// The embedded files: every template parses, every partial exists, every
// page renders from an empty view, and nothing the pages load is missing.
#include "portal/assets.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "portal/app.h"

namespace latchkey::portal {
namespace {

TEST(Assets, TemplatesLoadAndRender) {
  tmpl::TemplateSet set;
  const Status loaded = LoadTemplates(set);
  ASSERT_TRUE(loaded.ok()) << loaded.ToString();
  for (const char* name :
       {"header", "footer", "login", "login_totp", "profile", "error"}) {
    EXPECT_TRUE(set.Has(name)) << name;
    Result<std::string> html = set.Render(name, tmpl::Value(tmpl::Dict{}));
    EXPECT_TRUE(html.ok()) << name << ": " << html.status().ToString();
  }
}

TEST(Assets, PagesUseTheLayoutAndTheirScriptsExist) {
  tmpl::TemplateSet set;
  ASSERT_TRUE(LoadTemplates(set).ok());
  tmpl::Dict view;
  view["title"] = "T";
  Result<std::string> html = set.Render("login", tmpl::Value(view));
  ASSERT_TRUE(html.ok());
  EXPECT_NE(html->find("<!doctype html>"), std::string::npos);
  EXPECT_NE(html->find("name=\"viewport\""), std::string::npos);
  EXPECT_NE(html->find("</html>"), std::string::npos);
  // No inline script or style: the CSP forbids them.
  EXPECT_EQ(html->find("<script>"), std::string::npos);
  EXPECT_EQ(html->find("style="), std::string::npos);
  EXPECT_NE(FindEmbeddedFile("static/style.css"), nullptr);
  EXPECT_NE(FindEmbeddedFile("static/app.js"), nullptr);
}

TEST(Assets, TypesAndEtags) {
  const EmbeddedFile* css = FindEmbeddedFile("static/style.css");
  ASSERT_NE(css, nullptr);
  EXPECT_EQ(css->content_type, "text/css; charset=utf-8");
  EXPECT_EQ(css->etag.size(), 18u);
  EXPECT_EQ(css->etag.front(), '"');
  EXPECT_GT(css->data.size(), 100u);
  EXPECT_EQ(css->data.data()[css->data.size()], '\0');
  EXPECT_EQ(FindEmbeddedFile("static/nope.css"), nullptr);
}

TEST(Assets, TheFaviconIsAnIcon) {
  const EmbeddedFile* icon = FindEmbeddedFile("static/favicon.ico");
  ASSERT_NE(icon, nullptr);
  EXPECT_EQ(icon->content_type, "image/x-icon");
  ASSERT_GE(icon->data.size(), 6u);
  EXPECT_EQ(icon->data.substr(0, 4), std::string_view("\0\0\1\0", 4));
}

TEST(Assets, PasswordFormsShareOnePartialWithTheRules) {
  tmpl::TemplateSet set;
  ASSERT_TRUE(LoadTemplates(set).ok());
  tmpl::Dict view;
  view["password_rules"] = "Use 12 to 256 characters.";
  view["form"] = true;  // reset.html shows its form
  for (const char* page : {"password", "reset", "register"}) {
    Result<std::string> html = set.Render(page, tmpl::Value(view));
    ASSERT_TRUE(html.ok()) << page << ": " << html.status().ToString();
    EXPECT_NE(html->find("<p class=\"hint\" id=\"password-rules\">Use 12 to "
                         "256 characters.</p>"),
              std::string::npos)
        << page;
    EXPECT_NE(html->find("<label for=\"password\">New password</label>"),
              std::string::npos)
        << page;
    EXPECT_NE(html->find("name=\"confirm\""), std::string::npos) << page;
  }
  view["new_account"] = true;
  Result<std::string> html = set.Render("register", tmpl::Value(view));
  ASSERT_TRUE(html.ok());
  EXPECT_NE(html->find("<label for=\"password\">Password</label>"),
            std::string::npos);
  EXPECT_NE(html->find("<label for=\"confirm\">Password again</label>"),
            std::string::npos);
  EXPECT_NE(html->find("id=\"full_name\""), std::string::npos);
}

}  // namespace
}  // namespace latchkey::portal
