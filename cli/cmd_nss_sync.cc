// latchkeyctl nss-sync: the passwd and group files for libnss-extrausers.
#include "command.h"
#include "latchkey/nss/nss_sync.h"
#include "output.h"

namespace latchkey::cli {
namespace {

int Run(Context& ctx, const ParsedArgs&) {
  Result<Services*> services = ctx.services();
  if (!services.ok()) return ctx.Fail(services.status());
  NssLocalFiles local;
  local.passwd = (*services)->config().nss.local_passwd_file;
  Result<NssSyncReport> report =
      SyncNss((*services)->db(), (*services)->clock(),
              (*services)->config().nss, local);
  if (!report.ok()) return ctx.Fail(report.status());
  for (const std::string& line : report->skipped) {
    ctx.Warn("skipped " + line);
  }
  const std::string& passwd_file = (*services)->config().nss.passwd_file;
  if (ctx.json()) {
    PrintJson(ctx.out(), {{"changed", report->changed},
                          {"users_written", report->users_written},
                          {"uids_assigned", report->uids_assigned},
                          {"passwd_file", passwd_file},
                          {"skipped", report->skipped}});
    return kExitOk;
  }
  if (report->changed) {
    ctx.out() << "wrote " << report->users_written << " users to "
              << passwd_file << " (" << report->uids_assigned << " new uids)\n";
  } else {
    ctx.out() << "unchanged\n";
  }
  return kExitOk;
}

}  // namespace

const Command kNssSyncCommand = {
    .name = "nss-sync",
    .usage = "nss-sync",
    .summary = "write passwd/group files for libnss-extrausers",
    .help =
        "Gives every active user a uid from [nss] uid_min..uid_max (once, "
        "kept) and\nwrites the passwd and group files named in [nss] "
        "atomically. Users left out\nare listed as warnings on stderr.\n",
    .options = {},
    .run = Run,
};

}  // namespace latchkey::cli
