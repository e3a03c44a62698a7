#include "portal/admin/view.h"

#include <string>

#include "latchkey/account/reauth.h"
#include "latchkey/mail/mail_texts.h"
#include "portal/admin/gate.h"

namespace latchkey::portal {
std::string QueryEscape(std::string_view raw) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : raw) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
        (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' ||
        c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

tmpl::Dict AdminView(Context& ctx, std::string_view title,
                     std::string_view section) {
  tmpl::Dict view = ctx.View(title);
  tmpl::Dict nav;
  nav[std::string(section)] = true;
  view["admin_nav"] = std::move(nav);
  const bool open = AdminWindowOpenNow(ctx);
  view["admin_window_open"] = open;
  if (open) {
    const Session& s = *ctx.session();
    view["admin_window_until"] =
        mail_texts::FormatUtc(*s.admin_reauth_at + kReauthWindow.count());
  }
  std::string here = ctx.req().path;
  char sep = '?';
  for (const auto& [name, value] : ctx.req().query) {
    if (name == "notice") continue;
    here += sep;
    here += QueryEscape(name) + "=" + QueryEscape(value);
    sep = '&';
  }
  view["return_to"] = AdminReturnPath(here);
  view["wide"] = true;
  return view;
}

}  // namespace latchkey::portal
