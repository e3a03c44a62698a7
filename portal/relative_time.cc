#include "portal/relative_time.h"

#include "latchkey/base/clock.h"
#include "latchkey/mail/mail_texts.h"

namespace latchkey::portal {
namespace {

std::string Count(int64_t n, const char* unit) {
  std::string out = std::to_string(n) + " " + unit;
  if (n != 1) out += "s";
  return out;
}

}  // namespace

std::string RelativeTime(int64_t when, int64_t now) {
  const bool past = when <= now;
  const int64_t d = past ? now - when : when - now;
  if (d < 60) return "just now";
  std::string amount;
  if (d < 90 * 60) {
    amount = Count(d / 60, "minute");
  } else if (d < 48 * 3600) {
    amount = Count(d / 3600, "hour");
  } else {
    amount = Count(d / 86400, "day");
  }
  return past ? amount + " ago" : "in " + amount;
}

tmpl::Dict TimeView(int64_t when, int64_t now) {
  tmpl::Dict out;
  out["ago"] = RelativeTime(when, now);
  out["utc"] = mail_texts::FormatUtc(when);
  out["iso"] = IsoTime(when);
  return out;
}

}  // namespace latchkey::portal
