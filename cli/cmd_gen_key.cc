// latchkeyctl gen-key [--portal] [--force] [PATH]
#include <sys/stat.h>

#include "command.h"
#include "latchkey/base/random.h"
#include "latchkey/config/config.h"
#include "latchkey/crypto/key_file.h"
#include "output.h"

namespace latchkey::cli {
namespace {

int Run(Context& ctx, const ParsedArgs& args) {
  // --portal: the portal's own key ([portal] secret_key_file), which keys
  // its MACs; PAM hosts never get it. Replacing it only ends pending
  // sign-in forms.
  const bool portal = args.has("--portal");
  std::string path;
  if (!args.positionals().empty()) {
    path = args.positionals().front();
  } else if (Result<const Config*> config = ctx.config(); config.ok()) {
    path = portal ? (*config)->portal.secret_key_file
                  : (*config)->security.secret_key_file;
  } else {
    path = portal ? PortalConfig{}.secret_key_file
                  : SecurityConfig{}.secret_key_file;
    ctx.Warn(ErrorMessage(config.status()) + "; writing the default " + path);
  }
  const bool force = args.has("--force");
  struct stat st {};
  const bool replacing = ::lstat(path.c_str(), &st) == 0;
  Status written = WriteSecretKeyFile(path, SystemRandom::Shared(), force);
  if (written.code() == StatusCode::kAlreadyExists && portal) {
    return ctx.Fail(path +
                    " exists; refusing to overwrite it without --force "
                    "(forms the portal has served would stop working)");
  }
  if (written.code() == StatusCode::kAlreadyExists) {
    return ctx.Fail(path +
                    " exists; refusing to overwrite it without --force (TOTP "
                    "secrets encrypted under the old key would become "
                    "unreadable)");
  }
  if (!written.ok()) return ctx.Fail(written);
  if (replacing && !portal) {
    ctx.Warn(
        "replaced the old key: TOTP secrets encrypted under it are now "
        "unreadable, so those users must enrol TOTP again");
  }
  if (ctx.json()) {
    PrintJson(
        ctx.out(),
        {{"path", path}, {"bytes", kSecretKeyBytes}, {"replaced", replacing}});
    return kExitOk;
  }
  ctx.out() << "wrote a new " << kSecretKeyBytes << "-byte key to " << path
            << " (mode 0600)\n";
  return kExitOk;
}

constexpr OptionSpec kOptions[] = {{"--force", false, ""},
                                   {"--portal", false, ""}};

}  // namespace

const Command kGenKeyCommand = {
    .name = "gen-key",
    .usage = "gen-key [--portal] [--force] [PATH]",
    .summary = "write a new random secret key file (mode 0600)",
    .help =
        "Writes 32 random bytes to PATH (default: the config's "
        "secret_key_file, or\n/etc/latchkey/secret.key if the config "
        "cannot be read), atomically.\n\n"
        "  --portal  write the portal's own key instead (default: the "
        "config's\n            [portal] secret_key_file, or "
        "/etc/latchkey/portal.key); it keys\n            the portal's "
        "MACs and belongs on the portal host only, never on\n"
        "            PAM hosts\n"
        "  --force   replace an existing key; TOTP secrets encrypted "
        "under the\n            [security] key become unreadable and "
        "those users must enrol again\n",
    .options = kOptions,
    .operands = "PATH",
    .min_operands = 0,
    .max_operands = 1,
    .run = Run,
};

}  // namespace latchkey::cli
