// latchkeyctl user ssh-key list|add|remove: a user's SSH public keys at
// the CLI (issue 12, part "sshkeys"), through the same core calls as the
// portal (account/ssh_keys.h: validation, the limit, audit and mail).
// Root needs no re-authentication; the audit row says "by root (uid 0)".
#include <fstream>
#include <iostream>
#include <iterator>
#include <optional>
#include <sstream>
#include <string>

#include "command.h"
#include "latchkey/account/ssh_keys.h"
#include "latchkey/account/user_admin.h"
#include "output.h"
#include "user_common.h"

namespace latchkey::cli {
namespace {

nlohmann::json KeyJson(const StoredSshKey& key, int64_t now) {
  return {{"id", key.id},
          {"algorithm", key.algorithm},
          {"fingerprint", key.fingerprint},
          {"comment", key.comment},
          {"created_at", JsonTime(key.created_at)},
          {"expires_at", JsonTime(key.expires_at)},
          {"expired", SshKeys::Expired(key, now)}};
}

SshKeyActor ActorFor(Context& ctx) {
  const AdminActor& admin = ctx.actor();
  return SshKeyActor{admin.ctx, admin.name};
}

int RunList(Context& ctx, const UserTarget& target) {
  Result<std::vector<StoredSshKey>> keys =
      SshKeys(*target.services).ListKeys(target.user.id);
  if (!keys.ok()) return ctx.Fail(keys.status());
  const int64_t now = target.services->clock().NowUnix();
  if (ctx.json()) {
    nlohmann::json list = nlohmann::json::array();
    for (const StoredSshKey& k : *keys) list.push_back(KeyJson(k, now));
    PrintJson(ctx.out(), {{"username", target.user.username}, {"keys", list}});
    return kExitOk;
  }
  Table table({"ID", "TYPE", "FINGERPRINT", "ADDED", "EXPIRES", "COMMENT"});
  for (const StoredSshKey& k : *keys) {
    std::string expires = IsoTimeOr(k.expires_at, "never");
    if (SshKeys::Expired(k, now)) expires += " (expired)";
    table.AddRow({std::to_string(k.id), k.algorithm, k.fingerprint,
                  IsoTime(k.created_at), expires, k.comment});
  }
  if (table.rows() == 0) {
    ctx.out() << target.user.username << " has no SSH keys\n";
  } else {
    table.Print(ctx.out());
  }
  return kExitOk;
}

// The key line: the operands after USERNAME (joined, so an unquoted line
// works), "-" for standard input, or --file.
Result<std::string> ReadKeyLine(const ParsedArgs& args) {
  const std::vector<std::string>& ops = args.positionals();
  const std::optional<std::string> file = args.value("--file");
  if (file) {
    if (ops.size() > 2) {
      return InvalidArgument("give the key or --file, not both");
    }
    std::ifstream in(*file);
    if (!in) return IoError("cannot read " + *file);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
  }
  if (ops.size() < 3) {
    return InvalidArgument("give the key line, --file PATH or - (stdin)");
  }
  if (ops.size() == 3 && ops[2] == "-") {
    std::string text((std::istreambuf_iterator<char>(std::cin)),
                     std::istreambuf_iterator<char>());
    return text;
  }
  std::string line;
  for (size_t i = 2; i < ops.size(); ++i) {
    if (!line.empty()) line += ' ';
    line += ops[i];
  }
  return line;
}

int RunAdd(Context& ctx, const ParsedArgs& args, const UserTarget& target) {
  Result<std::string> line = ReadKeyLine(args);
  if (!line.ok()) {
    if (line.status().code() == StatusCode::kInvalidArgument) {
      return ctx.Usage(line.status().message());
    }
    return ctx.Fail(line.status());
  }
  std::optional<int64_t> expires;
  if (std::optional<std::string> text = args.value("--expires")) {
    if (*text != "never") {
      Result<int64_t> at = ParseAdminTime(*text);
      if (!at.ok()) return ctx.Usage("--expires: " + at.status().message());
      expires = *at;
    }
  }
  Result<AddedSshKey> added =
      SshKeys(*target.services)
          .AddKey(target.user.id, *line, expires, ActorFor(ctx));
  if (!added.ok()) return ctx.Fail(added.status());
  if (!added->errors.empty()) {
    std::string message;
    for (const auto& [field, text] : added->errors.fields) {
      if (!message.empty()) message += " ";
      message += (field == "expires_at" ? "--expires: " : "") + text;
    }
    return ctx.Fail(message);
  }
  const StoredSshKey& key = added->key;
  if (ctx.json()) {
    PrintJson(ctx.out(), {{"username", target.user.username},
                          {"key", KeyJson(key, key.created_at)}});
  } else {
    ctx.out() << "added " << key.algorithm << ' ' << key.fingerprint << " (id "
              << key.id << ") to " << target.user.username << '\n';
  }
  return kExitOk;
}

int RunRemove(Context& ctx, const ParsedArgs& args, const UserTarget& target) {
  const std::vector<std::string>& ops = args.positionals();
  if (ops.size() != 3) return ctx.Usage("give the key's FINGERPRINT or ID");
  SshKeys keys(*target.services);
  Result<std::optional<StoredSshKey>> found =
      keys.FindKey(target.user.id, ops[2]);
  if (!found.ok()) return ctx.Fail(found.status());
  if (!*found) {
    return ctx.Fail("no SSH key " + ops[2] + " on " + target.user.username);
  }
  Result<StoredSshKey> removed =
      keys.RemoveKey(target.user.id, (*found)->id, ActorFor(ctx));
  if (!removed.ok()) return ctx.Fail(removed.status());
  if (ctx.json()) {
    PrintJson(ctx.out(), {{"username", target.user.username},
                          {"removed", removed->fingerprint}});
  } else {
    ctx.out() << "removed " << removed->algorithm << ' ' << removed->fingerprint
              << " from " << target.user.username << '\n';
  }
  return kExitOk;
}

int RunSshKey(Context& ctx, const ParsedArgs& args) {
  const std::vector<std::string>& ops = args.positionals();
  const std::string& action = ops[0];
  if (action != "list" && action != "add" && action != "remove") {
    return ctx.Usage("unknown action '" + action +
                     "': use list, add or remove");
  }
  if (action == "list" && ops.size() != 2) {
    return ctx.Usage("list takes USERNAME only");
  }
  if (action != "add" && (args.has("--file") || args.has("--expires"))) {
    return ctx.Usage("--file and --expires are for add");
  }
  Result<UserTarget> target = FindTarget(ctx, ops[1]);
  if (!target.ok()) return ctx.Fail(target.status());
  if (action == "list") return RunList(ctx, *target);
  if (action == "add") return RunAdd(ctx, args, *target);
  return RunRemove(ctx, args, *target);
}

constexpr OptionSpec kSshKeyOptions[] = {{"--file", true, ""},
                                         {"--expires", true, ""}};

}  // namespace

const Command kUserSshKeyCommand = {
    .name = "user ssh-key",
    .usage =
        "user ssh-key list USERNAME | add USERNAME (KEYLINE | --file PATH | -) "
        "[--expires DATE] | remove USERNAME FINGERPRINT|ID",
    .summary = "list, add or remove a user's SSH public keys",
    .help =
        "KEYLINE is one line of a .pub file (quote it). Accepted: "
        "ssh-ed25519,\n"
        "ecdsa-sha2-nistp256/384/521, sk-ssh-ed25519@openssh.com,\n"
        "sk-ecdsa-sha2-nistp256@openssh.com and ssh-rsa of at least 3072 "
        "bits.\n"
        "Every added key is audited and mailed to the user; removals are\n"
        "audited. DATE is UTC: 2027-01-31 or 2027-01-31T18:00.\n\n"
        "  --file PATH      read the key from PATH (- on the line: stdin)\n"
        "  --expires DATE   the key stops working then (at most 5 years)\n",
    .options = kSshKeyOptions,
    .operands = "list|add|remove USERNAME",
    .min_operands = 2,
    .max_operands = 64,
    .run = RunSshKey,
};

}  // namespace latchkey::cli
