#include "portal/template.h"

#include <gtest/gtest.h>

#include <string>

namespace latchkey::portal::tmpl {
namespace {

std::string Render(std::string_view text, const Value& context) {
  TemplateSet set;
  Status added = set.Add("t", text);
  EXPECT_TRUE(added.ok()) << added.ToString();
  Result<std::string> out = set.Render("t", context);
  EXPECT_TRUE(out.ok()) << out.status().ToString();
  return out.ok() ? *out : std::string("<error>");
}

Status ParseError(std::string_view text) {
  TemplateSet set;
  return set.Add("t", text);
}

TEST(EscapeHtml, EscapesEveryDangerousCharacter) {
  EXPECT_EQ(EscapeHtml("&<>\"'`=/"), "&amp;&lt;&gt;&quot;&#39;&#96;&#61;&#47;");
  EXPECT_EQ(EscapeHtml("plain text 123 é"), "plain text 123 é");
  EXPECT_EQ(EscapeHtml(""), "");
}

TEST(Template, VariablesAreEscapedInTextAndAttributes) {
  Dict d;
  d["name"] = "<script>alert('x')</script>";
  d["attr"] = "\" onmouseover=\"evil()";
  const std::string out =
      Render("<p>{{name}}</p><input value=\"{{attr}}\">", Value(d));
  EXPECT_EQ(out,
            "<p>&lt;script&gt;alert(&#39;x&#39;)&lt;&#47;script&gt;</p>"
            "<input value=\"&quot; onmouseover&#61;&quot;evil()\">");
  EXPECT_EQ(out.find("<script"), std::string::npos);
}

TEST(Template, MissingNamesRenderNothing) {
  EXPECT_EQ(Render("a{{missing}}b{{x.y.z}}c", Value(Dict{})), "abc");
}

TEST(Template, SpacesInsideTagsAreAllowed) {
  Dict d;
  d["n"] = "v";
  EXPECT_EQ(Render("{{ n }}|{{#n }}s{{/ n}}", Value(d)), "v|s");
}

TEST(Template, DottedNamesWalkDicts) {
  Dict user;
  user["full_name"] = "Ada <Lovelace>";
  Dict d;
  d["user"] = user;
  EXPECT_EQ(Render("{{user.full_name}}", Value(d)), "Ada &lt;Lovelace&gt;");
  EXPECT_EQ(Render("{{user.full_name.more}}", Value(d)), "");
}

TEST(Template, SectionsOverBoolsStringsListsAndDicts) {
  Dict d;
  d["yes"] = true;
  d["no"] = false;
  d["empty"] = "";
  d["text"] = "hi";
  d["items"] = List{Value("a"), Value("<b>")};
  d["none"] = List{};
  Dict inner;
  inner["x"] = "1";
  d["obj"] = inner;
  EXPECT_EQ(
      Render("{{#yes}}Y{{/yes}}{{#no}}N{{/no}}{{#empty}}E{{/empty}}", Value(d)),
      "Y");
  EXPECT_EQ(Render("{{#text}}[{{.}}]{{/text}}", Value(d)), "[hi]");
  EXPECT_EQ(Render("{{#items}}<li>{{.}}</li>{{/items}}", Value(d)),
            "<li>a</li><li>&lt;b&gt;</li>");
  EXPECT_EQ(Render("{{#none}}x{{/none}}", Value(d)), "");
  EXPECT_EQ(Render("{{#obj}}{{x}}{{text}}{{/obj}}", Value(d)), "1hi");
}

TEST(Template, InvertedSections) {
  Dict d;
  d["yes"] = true;
  d["none"] = List{};
  EXPECT_EQ(Render("{{^yes}}A{{/yes}}{{^none}}B{{/none}}{{^gone}}C{{/gone}}",
                   Value(d)),
            "BC");
}

TEST(Template, ListOfDictsShadowsOuterNames) {
  Dict a;
  a["name"] = "first";
  Dict b;  // no name: falls back to the outer one
  Dict d;
  d["name"] = "outer";
  d["rows"] = List{Value(a), Value(b)};
  EXPECT_EQ(Render("{{#rows}}{{name}};{{/rows}}", Value(d)), "first;outer;");
}

TEST(Template, CommentsVanish) {
  EXPECT_EQ(Render("a{{! a comment }}b", Value(Dict{})), "ab");
}

TEST(Template, PartialsShareTheContext) {
  TemplateSet set;
  ASSERT_TRUE(set.Add("header", "<h1>{{title}}</h1>").ok());
  ASSERT_TRUE(set.Add("page", "{{> header}}<p>{{body}}</p>").ok());
  ASSERT_TRUE(set.Check().ok());
  Dict d;
  d["title"] = "T&C";
  d["body"] = "b";
  Result<std::string> out = set.Render("page", Value(d));
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(*out, "<h1>T&amp;C</h1><p>b</p>");
}

TEST(Template, CheckFindsMissingAndRecursivePartials) {
  TemplateSet missing;
  ASSERT_TRUE(missing.Add("page", "{{> nowhere}}").ok());
  EXPECT_FALSE(missing.Check().ok());
  Result<std::string> out = missing.Render("page", Value(Dict{}));
  EXPECT_EQ(out.status().code(), StatusCode::kNotFound);

  TemplateSet loop;
  ASSERT_TRUE(loop.Add("a", "{{> b}}").ok());
  ASSERT_TRUE(loop.Add("b", "{{> a}}").ok());
  const Status checked = loop.Check();
  EXPECT_FALSE(checked.ok());
  // Rendering anyway stops at the depth limit instead of recursing forever.
  EXPECT_EQ(loop.Render("a", Value(Dict{})).status().code(),
            StatusCode::kResourceExhausted);
}

TEST(Template, NoUnescapedOutputSyntax) {
  EXPECT_FALSE(ParseError("{{{raw}}}").ok());
  EXPECT_FALSE(ParseError("{{&raw}}").ok());
}

TEST(Template, ParseErrorsNameTheLine) {
  const Status unclosed = ParseError("a\nb\n{{#s}}x");
  ASSERT_FALSE(unclosed.ok());
  EXPECT_NE(unclosed.message().find("t:3:"), std::string::npos)
      << unclosed.message();
  EXPECT_FALSE(ParseError("{{#a}}{{/b}}").ok());
  EXPECT_FALSE(ParseError("{{/a}}").ok());
  EXPECT_FALSE(ParseError("{{name").ok());
  EXPECT_FALSE(ParseError("{{}}").ok());
  EXPECT_FALSE(ParseError("{{bad name}}").ok());
  EXPECT_FALSE(ParseError("{{a..b}}").ok());
  EXPECT_FALSE(ParseError("{{>}}").ok());
}

TEST(Template, NestingIsBounded) {
  std::string deep;
  for (size_t i = 0; i <= kMaxDepth; ++i) deep += "{{#a}}";
  for (size_t i = 0; i <= kMaxDepth; ++i) deep += "{{/a}}";
  EXPECT_FALSE(ParseError(deep).ok());
}

TEST(Template, OutputIsBounded) {
  // 32 nested sections over a 4-item list would be 4^32 copies.
  List four = {Value(true), Value(true), Value(true), Value(true)};
  Dict d;
  d["l"] = four;
  std::string t;
  for (int i = 0; i < 30; ++i) t += "{{#l}}";
  t += "xxxxxxxx";
  for (int i = 0; i < 30; ++i) t += "{{/l}}";
  TemplateSet set;
  ASSERT_TRUE(set.Add("t", t).ok());
  EXPECT_EQ(set.Render("t", Value(d)).status().code(),
            StatusCode::kResourceExhausted);
}

TEST(Template, WorkIsBoundedEvenWithoutOutput) {
  List three = {Value(true), Value(true), Value(true)};
  Dict d;
  d["l"] = three;
  std::string t;
  for (int i = 0; i < 20; ++i) t += "{{#l}}";  // 3^20 visits, no output
  for (int i = 0; i < 20; ++i) t += "{{/l}}";
  TemplateSet set;
  ASSERT_TRUE(set.Add("t", t).ok());
  EXPECT_EQ(set.Render("t", Value(d)).status().code(),
            StatusCode::kResourceExhausted);
}

TEST(Template, UnknownTemplate) {
  TemplateSet set;
  EXPECT_EQ(set.Render("nope", Value(Dict{})).status().code(),
            StatusCode::kNotFound);
}

}  // namespace
}  // namespace latchkey::portal::tmpl
