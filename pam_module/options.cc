#include "options.h"

#include <string_view>

#include "latchkey/store/user_store.h"

namespace latchkey::pam {
namespace {

// Arguments are attacker-free (root wrote the service file) but may be
// long or odd; keep what we echo into a log line short.
std::string Quoted(std::string_view arg) {
  constexpr size_t kMax = 100;
  std::string out = "'";
  out += arg.substr(0, kMax);
  if (arg.size() > kMax) out += "...";
  out += "'";
  return out;
}

bool ParseRoles(std::string_view list, std::vector<std::string>& roles,
                std::string& problem) {
  std::vector<std::string> parsed;
  size_t start = 0;
  while (start <= list.size()) {
    size_t comma = list.find(',', start);
    if (comma == std::string_view::npos) comma = list.size();
    const std::string_view role = list.substr(start, comma - start);
    if (Status s = ValidateRoleName(role); !s.ok()) {
      problem = s.message();
      return false;
    }
    parsed.emplace_back(role);
    start = comma + 1;
  }
  roles = std::move(parsed);
  return true;
}

}  // namespace

ParsedOptions ParseOptions(int argc, const char** argv) {
  ParsedOptions out;
  ModuleOptions& o = out.options;
  for (int i = 0; i < argc; ++i) {
    if (argv == nullptr || argv[i] == nullptr) continue;
    const std::string_view arg = argv[i];
    const size_t eq = arg.find('=');
    const std::string_view key = arg.substr(0, eq);
    const bool has_value = eq != std::string_view::npos;
    const std::string_view value =
        has_value ? arg.substr(eq + 1) : std::string_view();

    if (key == "config" && has_value) {
      if (value.empty() || value.front() != '/') {
        out.problems.push_back("bad value in " + Quoted(arg) +
                               ": config= needs an absolute path");
      } else {
        o.config = std::string(value);
      }
    } else if (key == "require_role" && has_value) {
      std::string problem;
      if (!ParseRoles(value, o.require_roles, problem)) {
        // Failing open here would drop the role check: refuse everyone
        // instead by requiring a role nobody can hold.
        o.require_roles = {"!invalid-require_role"};
        out.problems.push_back("bad value in " + Quoted(arg) + ": " + problem +
                               "; every account is refused");
      }
    } else if (key == "totp" && has_value) {
      if (value == "auto") {
        o.totp = TotpMode::kAuto;
      } else if (value == "required") {
        o.totp = TotpMode::kRequired;
      } else if (value == "off") {
        o.totp = TotpMode::kOff;
      } else {
        o.totp = TotpMode::kRequired;  // fail closed, as above
        out.problems.push_back("bad value in " + Quoted(arg) +
                               ": expected auto, required or off; using "
                               "required");
      }
    } else if (arg == "use_first_pass") {
      o.use_first_pass = true;
    } else if (arg == "try_first_pass") {
      o.try_first_pass = true;
    } else if (arg == "use_authtok") {
      o.use_authtok = true;
    } else if (arg == "root_may_reset") {
      o.root_may_reset = true;
    } else if (arg == "debug") {
      o.debug = true;
    } else if (key == "authtok_type" && has_value) {
      // Read by libpam's pam_get_authtok itself ("New TYPE password: ").
    } else {
      out.problems.push_back("unknown option " + Quoted(arg) + " ignored");
    }
  }
  return out;
}

}  // namespace latchkey::pam
