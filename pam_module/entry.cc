// The six entry points libpam looks up with dlsym. Each is a shim: it
// calls Run(), which is noexcept and catches everything, so no exception
// ever reaches the C code of sshd, sudo or login. (The entry points keep
// the exact declarations of <security/pam_modules.h>, which carry no
// noexcept; the guarantee lives in Run.)
#include <security/pam_ext.h>
#include <security/pam_modules.h>
#include <syslog.h>

#include <exception>
#include <new>

#include "options.h"
#include "pam_codes.h"
#include "pam_io.h"
#include "phases.h"

#define LATCHKEY_PAM_EXPORT extern "C" __attribute__((visibility("default")))

namespace latchkey::pam {
namespace {

using Group = int (*)(PamIo&, const ModuleOptions&);

int Run(Group group, Phase phase, pam_handle_t* pamh, int flags, int argc,
        const char** argv) noexcept {
  try {
    const ParsedOptions parsed = ParseOptions(argc, argv);
    PamIo io(pamh, flags, parsed.options.debug);
    for (const std::string& problem : parsed.problems) io.LogError(problem);
    return group(io, parsed.options);
  } catch (const std::bad_alloc&) {
    pam_syslog(pamh, LOG_CRIT, "out of memory");
  } catch (const std::exception& e) {
    pam_syslog(pamh, LOG_CRIT, "internal error: %s", e.what());
  } catch (...) {
    pam_syslog(pamh, LOG_CRIT, "internal error: unknown exception");
  }
  return PamCode(phase, Verdict::kInternalError);
}

int SetCred(PamIo& /*io*/, const ModuleOptions& /*options*/) {
  return PAM_SUCCESS;  // no credentials to establish
}

}  // namespace
}  // namespace latchkey::pam

namespace lp = latchkey::pam;

LATCHKEY_PAM_EXPORT int pam_sm_authenticate(pam_handle_t* pamh, int flags,
                                            int argc, const char** argv) {
  return lp::Run(&lp::Authenticate, lp::Phase::kAuth, pamh, flags, argc, argv);
}

LATCHKEY_PAM_EXPORT int pam_sm_setcred(pam_handle_t* pamh, int flags, int argc,
                                       const char** argv) {
  return lp::Run(&lp::SetCred, lp::Phase::kAuth, pamh, flags, argc, argv);
}

LATCHKEY_PAM_EXPORT int pam_sm_acct_mgmt(pam_handle_t* pamh, int flags,
                                         int argc, const char** argv) {
  return lp::Run(&lp::CheckAccount, lp::Phase::kAccount, pamh, flags, argc,
                 argv);
}

LATCHKEY_PAM_EXPORT int pam_sm_chauthtok(pam_handle_t* pamh, int flags,
                                         int argc, const char** argv) {
  const lp::Phase phase = (flags & PAM_PRELIM_CHECK) != 0
                              ? lp::Phase::kPasswordPrelim
                              : lp::Phase::kPasswordUpdate;
  return lp::Run(&lp::ChangePassword, phase, pamh, flags, argc, argv);
}

LATCHKEY_PAM_EXPORT int pam_sm_open_session(pam_handle_t* pamh, int flags,
                                            int argc, const char** argv) {
  return lp::Run(&lp::OpenSession, lp::Phase::kSession, pamh, flags, argc,
                 argv);
}

LATCHKEY_PAM_EXPORT int pam_sm_close_session(pam_handle_t* pamh, int flags,
                                             int argc, const char** argv) {
  return lp::Run(&lp::CloseSession, lp::Phase::kSession, pamh, flags, argc,
                 argv);
}
