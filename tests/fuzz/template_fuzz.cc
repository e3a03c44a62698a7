// Fuzz target for the portal's template renderer (portal/template.h).
//
// The input is a template. It is parsed; if it parses, it is rendered twice
// with contexts of the same shape: once with hostile values (markup,
// quotes, entities) and once with the same values replaced by "x". The
// renderer must never crash or hang, and escaping must hold: the hostile
// rendering may not contain more of the characters that open markup or end
// an attribute than the harmless one (those can only come from the template
// text, never from a value).
//
// Built as a libFuzzer binary with LATCHKEY_FUZZ=ON and clang; the same
// entry point runs over tests/fuzz/corpus/template in every ctest run
// (run_corpus.cc).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "portal/template.h"

namespace {

using latchkey::portal::tmpl::Dict;
using latchkey::portal::tmpl::List;
using latchkey::portal::tmpl::TemplateSet;
using latchkey::portal::tmpl::Value;

Value MakeContext(bool hostile) {
  auto v = [hostile](const char* evil) {
    return Value(hostile ? std::string(evil) : std::string("x"));
  };
  Dict item1;
  item1["name"] = v("<img src=x onerror=alert(1)>");
  item1["id"] = v("\" autofocus onfocus=\"x");
  Dict item2;
  item2["name"] = v("'><script>alert(2)</script>");
  item2["flag"] = true;
  Dict user;
  user["full_name"] = v("<script>alert(document.cookie)</script>");
  user["email"] = v("a@b.c`=/&amp;");
  Dict errors;
  errors["login"] = v("</p><iframe src=//evil>");
  Dict root;
  root["title"] = v("T</title><script>x</script>");
  root["csrf"] = v("\"><svg/onload=alert(3)>");
  root["user"] = user;
  root["errors"] = errors;
  root["items"] = List{Value(item1), Value(item2), v("<b>")};
  root["yes"] = true;
  root["no"] = false;
  root["empty"] = "";
  root["none"] = List{};
  root["a"] = v("&lt;");
  return root;
}

size_t CountSpecial(const std::string& s) {
  size_t n = 0;
  for (char c : s) {
    if (c == '<' || c == '>' || c == '"' || c == '\'' || c == '`' || c == '=') {
      ++n;
    }
  }
  return n;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 64 * 1024) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  TemplateSet set;
  if (!set.Add("t", text).ok()) return 0;
  // A partial that exists, so {{> p}} is exercised; "t" may include
  // itself, which the depth limit must stop.
  if (!set.Add("p", "<i>{{title}}</i>").ok()) std::abort();
  (void)set.Check();
  static const Value hostile = MakeContext(true);
  static const Value harmless = MakeContext(false);
  auto evil = set.Render("t", hostile);
  auto plain = set.Render("t", harmless);
  if (evil.ok() != plain.ok()) {
    // Only the output cap may differ: hostile values are longer.
    if (!evil.ok() &&
        evil.status().code() == latchkey::StatusCode::kResourceExhausted) {
      return 0;
    }
    std::fprintf(stderr, "render results differ\n");
    std::abort();
  }
  if (!evil.ok()) return 0;
  if (CountSpecial(*evil) != CountSpecial(*plain)) {
    std::fprintf(stderr, "a value escaped its escaping:\n%s\n", evil->c_str());
    std::abort();
  }
  if (evil->find("<script") != std::string::npos &&
      plain->find("<script") == std::string::npos) {
    std::abort();
  }
  return 0;
}
