// AgentRequest: the JSON text of an agent request, built in wiping memory.
#include "agent_request.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

namespace latchkey::pam {
namespace {

TEST(AgentRequestTest, BuildsTheObjectTheProtocolNames) {
  AgentRequest r("authenticate");
  r.Add("user", std::string_view("alice"))
      .Add("password", Secret("pw"))
      .Add("nss_uid", std::optional<int64_t>(20001))
      .Add("none", std::optional<int64_t>())
      .AddNull("old_password")
      .Add("flag", true)
      .Add("require_roles", std::vector<std::string>{"admin", "ops"})
      .Add("empty", std::vector<std::string>{});
  EXPECT_EQ(r.Text(),
            R"({"op":"authenticate","user":"alice","password":"pw",)"
            R"("nss_uid":20001,"none":null,"old_password":null,"flag":true,)"
            R"("require_roles":["admin","ops"],"empty":[]})");
}

TEST(AgentRequestTest, EscapesWhatJsonNeedsAndRoundTrips) {
  const std::string odd = std::string("qu\"ote\\back\tslash\n\x01 \xc3\xa9") +
                          std::string(1, '\0') + "end";
  AgentRequest r("x");
  r.Add("password", Secret(odd));
  const nlohmann::json parsed = nlohmann::json::parse(r.Text());
  EXPECT_EQ(parsed["password"].get<std::string>(), odd);
  EXPECT_NE(r.Text().find(R"(\u0001)"), std::string_view::npos);
  EXPECT_NE(r.Text().find(R"(\u0000)"), std::string_view::npos);
}

TEST(AgentRequestTest, GrowsPastItsFirstBuffer) {
  const std::string big(5000, 'a');
  AgentRequest r("x");
  for (int i = 0; i < 3; ++i) r.Add("k" + std::to_string(i), Secret(big));
  const nlohmann::json parsed = nlohmann::json::parse(r.Text());
  EXPECT_EQ(parsed["k2"].get<std::string>(), big);
  EXPECT_EQ(parsed["op"], "x");
  // Text() may be called again, and Add after it goes on.
  r.Add("last", std::string_view("y"));
  EXPECT_EQ(nlohmann::json::parse(r.Text())["last"], "y");
}

}  // namespace
}  // namespace latchkey::pam
