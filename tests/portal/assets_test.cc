// The embedded files: every template parses, every partial exists, every
// page renders from an empty view, and nothing the pages load is missing.
#include "portal/assets.h"

#include <gtest/gtest.h>

#include <string>

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

}  // namespace
}  // namespace latchkey::portal
