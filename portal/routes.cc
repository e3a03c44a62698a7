// The route table. To add a page: write its handler in pages/<name>.cc (or
// api/<name>.cc for JSON under /api/v1/), declare it below, add one line to
// kRoutes, and put its template in templates/<name>.html.
#include "portal/route.h"

namespace latchkey::portal {

// Pages (pages/*.cc)
Response HomePage(Context& ctx);                // home.cc
Response LoginPage(Context& ctx);               // login.cc
Response LoginSubmit(Context& ctx);             // login.cc
Response LoginTotpPage(Context& ctx);           // login_totp.cc
Response LoginTotpSubmit(Context& ctx);         // login_totp.cc
Response LogoutSubmit(Context& ctx);            // logout.cc
Response ProfilePage(Context& ctx);             // profile.cc
Response ProfileSubmit(Context& ctx);           // profile.cc
Response AvatarImage(Context& ctx);             // avatar.cc
Response AvatarSubmit(Context& ctx);            // avatar.cc
Response AvatarRemove(Context& ctx);            // avatar.cc
Response EmailChangePage(Context& ctx);         // email_change.cc
Response EmailChangeSubmit(Context& ctx);       // email_change.cc
Response EmailConfirmPage(Context& ctx);        // email_change.cc
Response EmailConfirmSubmit(Context& ctx);      // email_change.cc
Response PasswordPage(Context& ctx);            // password.cc
Response PasswordSubmit(Context& ctx);          // password.cc
Response SecurityPage(Context& ctx);            // security.cc
Response TotpEnrolSubmit(Context& ctx);         // totp.cc
Response TotpConfirmSubmit(Context& ctx);       // totp.cc
Response TotpDisableSubmit(Context& ctx);       // totp.cc
Response RecoveryCodesSubmit(Context& ctx);     // recovery_codes.cc
Response SessionRevokeSubmit(Context& ctx);     // sessions.cc
Response OtherSessionsEndSubmit(Context& ctx);  // sessions.cc
Response StaticFile(Context& ctx);              // static_file.cc
Response Favicon(Context& ctx);                 // static_file.cc
Response HealthCheck(Context& ctx);             // healthz.cc
Response MetricsPage(Context& ctx);             // metrics.cc

Response RegisterPage(Context& ctx);          // register.cc
Response RegisterSubmit(Context& ctx);        // register.cc
Response ActivatePage(Context& ctx);          // activate.cc
Response ActivateSubmit(Context& ctx);        // activate.cc
Response ActivateResendPage(Context& ctx);    // activate.cc
Response ActivateResendSubmit(Context& ctx);  // activate.cc
Response ForgotPage(Context& ctx);            // forgot.cc
Response ForgotSubmit(Context& ctx);          // forgot.cc
Response ResetPage(Context& ctx);             // reset.cc
Response ResetSubmit(Context& ctx);           // reset.cc
Response InvitePage(Context& ctx);            // invite.cc
Response InviteSubmit(Context& ctx);          // invite.cc
// API (api/*.cc)
Response ApiCsrf(Context& ctx);               // csrf.cc
Response ApiLogin(Context& ctx);              // login.cc
Response ApiLoginTotp(Context& ctx);          // login.cc
Response ApiLogout(Context& ctx);             // logout.cc
Response ApiMe(Context& ctx);                 // me.cc
Response ApiProfileGet(Context& ctx);         // profile.cc
Response ApiProfilePatch(Context& ctx);       // profile.cc
Response ApiAvatarPut(Context& ctx);          // profile.cc
Response ApiAvatarDelete(Context& ctx);       // profile.cc
Response ApiEmailChange(Context& ctx);        // profile.cc
Response ApiEmailConfirm(Context& ctx);       // profile.cc
Response ApiPassword(Context& ctx);           // password.cc
Response ApiReauth(Context& ctx);             // reauth.cc
Response ApiTotpEnrol(Context& ctx);          // totp.cc
Response ApiTotpConfirm(Context& ctx);        // totp.cc
Response ApiTotpDisable(Context& ctx);        // totp.cc
Response ApiRecoveryCodes(Context& ctx);      // recovery_codes.cc
Response ApiSessionsList(Context& ctx);       // sessions.cc
Response ApiSessionRevoke(Context& ctx);      // sessions.cc
Response ApiSessionsEndOthers(Context& ctx);  // sessions.cc
Response ApiRegister(Context& ctx);           // register.cc
Response ApiActivate(Context& ctx);           // activate.cc
Response ApiActivateResend(Context& ctx);     // activate.cc
Response ApiForgot(Context& ctx);             // forgot.cc
Response ApiReset(Context& ctx);              // reset.cc
Response ApiInvite(Context& ctx);             // invite.cc
// Admin area (admin/*.cc; the gate is admin/gate.h)
Response AdminReauthPage(Context& ctx);    // reauth.cc
Response AdminReauthSubmit(Context& ctx);  // reauth.cc
Response ApiAdminReauth(Context& ctx);     // reauth.cc
// Admin area, roles and audit log part
Response AdminRolesPage(Context& ctx);       // roles.cc
Response AdminRolesCreate(Context& ctx);     // roles.cc
Response AdminRoleDelete(Context& ctx);      // roles.cc
Response ApiAdminRoles(Context& ctx);        // roles.cc
Response ApiAdminRoleCreate(Context& ctx);   // roles.cc
Response ApiAdminRoleDelete(Context& ctx);   // roles.cc
Response AdminAuditPage(Context& ctx);       // audit.cc
Response AdminAuditExport(Context& ctx);     // audit.cc
Response ApiAdminAudit(Context& ctx);        // audit.cc
Response ApiAdminAuditExport(Context& ctx);  // audit.cc
// Admin overview (issue 11, part "overview")
Response AdminOverviewPage(Context& ctx);  // overview.cc
Response ApiAdminStats(Context& ctx);      // overview.cc
// Admin area: invitations and reset links (issue 11, part "invite")
Response AdminInvitePage(Context& ctx);              // invite.cc
Response AdminInviteSubmit(Context& ctx);            // invite.cc
Response ApiAdminInvite(Context& ctx);               // invite.cc
Response AdminResetMailSubmit(Context& ctx);         // reset_links.cc
Response AdminResetLinkSubmit(Context& ctx);         // reset_links.cc
Response ApiAdminResetMail(Context& ctx);            // reset_links.cc
Response ApiAdminResetLink(Context& ctx);            // reset_links.cc
Response AdminResendInvitationSubmit(Context& ctx);  // reset_links.cc
Response ApiAdminResendInvitation(Context& ctx);     // reset_links.cc
// Admin area, one user's page and the actions on it (part "actions")
Response AdminUserPage(Context& ctx);                  // user_page.cc
Response AdminUserActivate(Context& ctx);              // user_actions.cc
Response AdminUserDeactivate(Context& ctx);            // user_actions.cc
Response AdminUserLock(Context& ctx);                  // user_actions.cc
Response AdminUserUnlock(Context& ctx);                // user_actions.cc
Response AdminUserClearPasswordLock(Context& ctx);     // user_actions.cc
Response AdminUserRoles(Context& ctx);                 // user_actions.cc
Response AdminUserVerifyEmail(Context& ctx);           // user_actions.cc
Response AdminUserResetTotp(Context& ctx);             // user_actions.cc
Response AdminUserRevokeSessions(Context& ctx);        // user_actions.cc
Response AdminUserRevokeSession(Context& ctx);         // user_actions.cc
Response AdminUserExpiry(Context& ctx);                // user_actions.cc
Response AdminUserDelete(Context& ctx);                // user_actions.cc
Response ApiAdminUserGet(Context& ctx);                // user_api.cc
Response ApiAdminUserActivate(Context& ctx);           // user_api.cc
Response ApiAdminUserDeactivate(Context& ctx);         // user_api.cc
Response ApiAdminUserLock(Context& ctx);               // user_api.cc
Response ApiAdminUserUnlock(Context& ctx);             // user_api.cc
Response ApiAdminUserClearPasswordLock(Context& ctx);  // user_api.cc
Response ApiAdminUserVerifyEmail(Context& ctx);        // user_api.cc
Response ApiAdminUserResetTotp(Context& ctx);          // user_api.cc
Response ApiAdminUserRevokeSessions(Context& ctx);     // user_api.cc
Response ApiAdminUserRevokeSession(Context& ctx);      // user_api.cc
Response ApiAdminUserRoles(Context& ctx);              // user_api.cc
Response ApiAdminUserExpiry(Context& ctx);             // user_api.cc
Response ApiAdminUserDelete(Context& ctx);             // user_api.cc
// Admin users list (issue 11, part "users")
Response AdminUsersPage(Context& ctx);  // users_list.cc
Response ApiAdminUsers(Context& ctx);   // users_list.cc
// SSH public keys (issue 12, part "sshkeys")
Response SshKeysPage(Context& ctx);         // pages/ssh_keys.cc
Response SshKeyAddSubmit(Context& ctx);     // pages/ssh_keys.cc
Response SshKeyRemoveSubmit(Context& ctx);  // pages/ssh_keys.cc
Response ApiSshKeysList(Context& ctx);      // api/ssh_keys.cc
Response ApiSshKeyAdd(Context& ctx);        // api/ssh_keys.cc
Response ApiSshKeyRemove(Context& ctx);     // api/ssh_keys.cc
// Fleet mode: hosts and host groups (issue 12, part "groups")
Response AdminHostsPage(Context& ctx);               // hosts.cc
Response AdminHostGroupSubmit(Context& ctx);         // hosts.cc
Response AdminHostMayResetSubmit(Context& ctx);      // hosts.cc
Response AdminHostRevokeSubmit(Context& ctx);        // hosts.cc
Response ApiAdminHosts(Context& ctx);                // hosts.cc
Response ApiAdminHostGet(Context& ctx);              // hosts.cc
Response ApiAdminHostPatch(Context& ctx);            // hosts.cc
Response ApiAdminHostRevoke(Context& ctx);           // hosts.cc
Response AdminHostGroupsPage(Context& ctx);          // host_groups.cc
Response AdminHostGroupsCreate(Context& ctx);        // host_groups.cc
Response AdminHostGroupPage(Context& ctx);           // host_groups.cc
Response AdminHostGroupRuleAdd(Context& ctx);        // host_groups.cc
Response AdminHostGroupRuleRemove(Context& ctx);     // host_groups.cc
Response AdminHostGroupDelete(Context& ctx);         // host_groups.cc
Response ApiAdminHostGroups(Context& ctx);           // host_groups.cc
Response ApiAdminHostGroupCreate(Context& ctx);      // host_groups.cc
Response ApiAdminHostGroupGet(Context& ctx);         // host_groups.cc
Response ApiAdminHostGroupDelete(Context& ctx);      // host_groups.cc
Response ApiAdminHostGroupRuleAdd(Context& ctx);     // host_groups.cc
Response ApiAdminHostGroupRuleRemove(Context& ctx);  // host_groups.cc

namespace {

// clang-format off
// clang-format off: the table is aligned by hand, one route a line.
constexpr Route kRoutes[] = {
  // pattern             methods  handler          flags
  {"/",                  kGet,    HomePage,        kNone},
  {"/login",             kGet,    LoginPage,       kNone},
  {"/login",             kPost,   LoginSubmit,     kKdfBound},
  {"/login/totp",        kGet,    LoginTotpPage,   kNone},
  {"/login/totp",        kPost,   LoginTotpSubmit, kNone},
  {"/logout",            kPost,   LogoutSubmit,    kNeedsSession},
  {"/profile",           kGet,    ProfilePage,     kNeedsSession},
  {"/profile",           kPost,   ProfileSubmit,   kNeedsSession},
  {"/avatar",            kGet,    AvatarImage,     kNeedsSession},
  {"/avatar",            kPost,   AvatarSubmit,    kNeedsSession, kAvatarLimit, kAvatarLimit},
  {"/avatar/remove",     kPost,   AvatarRemove,    kNeedsSession},
  {"/email",             kGet,    EmailChangePage,    kNeedsSession},
  {"/email",             kPost,   EmailChangeSubmit,  kNeedsSession | kKdfBound},
  {"/email/confirm",     kGet,    EmailConfirmPage,   kNone},
  {"/email/confirm",     kPost,   EmailConfirmSubmit, kNone},
  {"/password",          kGet,    PasswordPage,    kNeedsSession},
  {"/password",          kPost,   PasswordSubmit,  kNeedsSession | kKdfBound},
  {"/security",          kGet,    SecurityPage,    kNeedsSession},
  {"/security/totp",     kPost,   TotpEnrolSubmit, kNeedsSession},
  {"/security/totp/confirm",  kPost, TotpConfirmSubmit,   kNeedsSession},
  {"/security/totp/disable",  kPost, TotpDisableSubmit,   kNeedsSession | kKdfBound},
  {"/security/recovery-codes", kPost, RecoveryCodesSubmit, kNeedsSession | kKdfBound},
  {"/security/sessions/{id}/revoke", kPost, SessionRevokeSubmit, kNeedsSession},
  {"/security/sessions/others", kPost, OtherSessionsEndSubmit, kNeedsSession},
  {"/static/*",          kGet,    StaticFile,      kNone},
  {"/favicon.ico",       kGet,    Favicon,         kNone},
  {"/healthz",           kGet,    HealthCheck,     kNone},
  {"/metrics",           kGet,    MetricsPage,     kNone},
  {"/register",          kGet,    RegisterPage,    kNone},
  {"/register",          kPost,   RegisterSubmit,  kKdfBound},
  {"/activate",          kGet,    ActivatePage,    kNone},
  {"/activate",          kPost,   ActivateSubmit,  kNone},
  {"/activate/resend",   kGet,    ActivateResendPage,   kNone},
  {"/activate/resend",   kPost,   ActivateResendSubmit, kNone},
  {"/forgot",            kGet,    ForgotPage,      kNone},
  {"/forgot",            kPost,   ForgotSubmit,    kNone},
  {"/reset",             kGet,    ResetPage,       kNone},
  {"/reset",             kPost,   ResetSubmit,     kKdfBound},
  // Invitations (issue 11, part "invite"): the invitee's public page
  {"/invite",            kGet,    InvitePage,      kNone},
  {"/invite",            kPost,   InviteSubmit,    kKdfBound},

  {"/api/v1/csrf",       kGet,    ApiCsrf,         kApi},
  {"/api/v1/login",      kPost,   ApiLogin,        kApi | kKdfBound},
  {"/api/v1/login/totp", kPost,   ApiLoginTotp,    kApi},
  {"/api/v1/logout",     kPost,   ApiLogout,       kApi | kNeedsSession},
  {"/api/v1/me",         kGet,    ApiMe,           kApi | kNeedsSession},
  {"/api/v1/profile",    kGet,    ApiProfileGet,   kApi | kNeedsSession},
  {"/api/v1/profile",    kPatch,  ApiProfilePatch, kApi | kNeedsSession},
  {"/api/v1/profile/avatar", kGet,    AvatarImage,     kApi | kNeedsSession},
  {"/api/v1/profile/avatar", kPut,    ApiAvatarPut,    kApi | kNeedsSession, kAvatarLimit, kAvatarLimit},
  {"/api/v1/profile/avatar", kDelete, ApiAvatarDelete, kApi | kNeedsSession},
  {"/api/v1/profile/email",  kPost,   ApiEmailChange,  kApi | kNeedsSession},
  {"/api/v1/profile/email/confirm", kPost, ApiEmailConfirm, kApi},
  {"/api/v1/password",   kPost,   ApiPassword,     kApi | kNeedsSession | kKdfBound},
  {"/api/v1/reauth",     kPost,   ApiReauth,       kApi | kNeedsSession | kKdfBound},
  {"/api/v1/totp/enrol",   kPost, ApiTotpEnrol,    kApi | kNeedsSession},
  {"/api/v1/totp/confirm", kPost, ApiTotpConfirm,  kApi | kNeedsSession},
  {"/api/v1/totp/disable", kPost, ApiTotpDisable,  kApi | kNeedsSession | kKdfBound},
  {"/api/v1/recovery-codes", kPost,   ApiRecoveryCodes, kApi | kNeedsSession},
  {"/api/v1/sessions",   kGet,    ApiSessionsList, kApi | kNeedsSession},
  {"/api/v1/sessions/end-others", kPost, ApiSessionsEndOthers, kApi | kNeedsSession},
  {"/api/v1/sessions/{id}", kDelete, ApiSessionRevoke, kApi | kNeedsSession},
  {"/api/v1/register",   kPost,   ApiRegister,     kApi | kKdfBound},
  {"/api/v1/activate",   kPost,   ApiActivate,     kApi},
  {"/api/v1/activate/resend", kPost, ApiActivateResend, kApi},
  {"/api/v1/forgot",     kPost,   ApiForgot,       kApi},
  {"/api/v1/reset",      kPost,   ApiReset,        kApi | kKdfBound},
  {"/api/v1/invite",     kPost,   ApiInvite,       kApi | kKdfBound},  // invitations (issue 11)

  // Admin area: kAdminOnly on exactly these (CheckRoutes).
  {"/admin/reauth",      kGet,    AdminReauthPage,   kAdminOnly},
  {"/admin/reauth",      kPost,   AdminReauthSubmit, kAdminOnly | kKdfBound | kAdminReauth},
  {"/api/v1/admin/reauth", kPost, ApiAdminReauth,    kApi | kAdminOnly | kKdfBound | kAdminReauth},
  // Admin area, roles and audit log part.
  {"/admin/roles",       kGet,    AdminRolesPage,    kAdminOnly},
  {"/admin/roles",       kPost,   AdminRolesCreate,  kAdminOnly},
  {"/admin/roles/{name}/delete", kPost, AdminRoleDelete, kAdminOnly},
  {"/api/v1/admin/roles", kGet,   ApiAdminRoles,     kApi | kAdminOnly},
  {"/api/v1/admin/roles", kPost,  ApiAdminRoleCreate, kApi | kAdminOnly},
  {"/api/v1/admin/roles/{name}", kDelete, ApiAdminRoleDelete, kApi | kAdminOnly},
  {"/admin/audit",       kGet,    AdminAuditPage,    kAdminOnly},
  {"/admin/audit/export", kGet,   AdminAuditExport,  kAdminOnly},
  {"/api/v1/admin/audit", kGet,   ApiAdminAudit,     kApi | kAdminOnly},
  {"/api/v1/admin/audit/export", kGet, ApiAdminAuditExport, kApi | kAdminOnly},
  // Admin overview (part "overview"): the charts, top lists, locks, outbox.
  {"/admin",             kGet,    AdminOverviewPage, kAdminOnly},
  {"/api/v1/admin/stats", kGet,   ApiAdminStats,     kApi | kAdminOnly},
  // Invitations and reset links (issue 11, part "invite")
  {"/admin/invite",      kGet,    AdminInvitePage,   kAdminOnly},
  {"/admin/invite",      kPost,   AdminInviteSubmit, kAdminOnly | kKdfBound},
  {"/admin/users/{id}/reset-mail", kPost, AdminResetMailSubmit, kAdminOnly},
  {"/admin/users/{id}/reset-link", kPost, AdminResetLinkSubmit, kAdminOnly},
  {"/api/v1/admin/invitations",    kPost, ApiAdminInvite,    kApi | kAdminOnly | kKdfBound},
  {"/api/v1/admin/users/{id}/reset-mail", kPost, ApiAdminResetMail, kApi | kAdminOnly},
  {"/api/v1/admin/users/{id}/reset-link", kPost, ApiAdminResetLink, kApi | kAdminOnly},
  {"/admin/users/{id}/resend-invitation", kPost, AdminResendInvitationSubmit, kAdminOnly},
  {"/api/v1/admin/users/{id}/resend-invitation", kPost, ApiAdminResendInvitation, kApi | kAdminOnly},

  // Admin area, one user's page and the actions on it (part "actions").
  {"/admin/users/{id}",                     kGet,  AdminUserPage,              kAdminOnly},
  {"/admin/users/{id}/activate",            kPost, AdminUserActivate,          kAdminOnly},
  {"/admin/users/{id}/deactivate",          kPost, AdminUserDeactivate,        kAdminOnly},
  {"/admin/users/{id}/lock",                kPost, AdminUserLock,              kAdminOnly},
  {"/admin/users/{id}/unlock",              kPost, AdminUserUnlock,            kAdminOnly},
  {"/admin/users/{id}/clear-password-lock", kPost, AdminUserClearPasswordLock, kAdminOnly},
  {"/admin/users/{id}/roles",               kPost, AdminUserRoles,             kAdminOnly},
  {"/admin/users/{id}/verify-email",        kPost, AdminUserVerifyEmail,       kAdminOnly},
  {"/admin/users/{id}/reset-totp",          kPost, AdminUserResetTotp,         kAdminOnly},
  {"/admin/users/{id}/sessions/revoke",     kPost, AdminUserRevokeSessions,    kAdminOnly},
  {"/admin/users/{id}/sessions/{handle}/revoke", kPost, AdminUserRevokeSession, kAdminOnly},
  {"/admin/users/{id}/expiry",              kPost, AdminUserExpiry,            kAdminOnly},
  {"/admin/users/{id}/delete",              kPost, AdminUserDelete,            kAdminOnly},
  {"/api/v1/admin/users/{id}",              kGet,    ApiAdminUserGet,          kApi | kAdminOnly},
  {"/api/v1/admin/users/{id}",              kDelete, ApiAdminUserDelete,       kApi | kAdminOnly},
  {"/api/v1/admin/users/{id}/activate",     kPost, ApiAdminUserActivate,       kApi | kAdminOnly},
  {"/api/v1/admin/users/{id}/deactivate",   kPost, ApiAdminUserDeactivate,     kApi | kAdminOnly},
  {"/api/v1/admin/users/{id}/lock",         kPost, ApiAdminUserLock,           kApi | kAdminOnly},
  {"/api/v1/admin/users/{id}/unlock",       kPost, ApiAdminUserUnlock,         kApi | kAdminOnly},
  {"/api/v1/admin/users/{id}/clear-password-lock", kPost, ApiAdminUserClearPasswordLock, kApi | kAdminOnly},
  {"/api/v1/admin/users/{id}/verify-email", kPost, ApiAdminUserVerifyEmail,    kApi | kAdminOnly},
  {"/api/v1/admin/users/{id}/reset-totp",   kPost, ApiAdminUserResetTotp,      kApi | kAdminOnly},
  {"/api/v1/admin/users/{id}/sessions/revoke", kPost, ApiAdminUserRevokeSessions, kApi | kAdminOnly},
  {"/api/v1/admin/users/{id}/sessions/{handle}", kDelete, ApiAdminUserRevokeSession, kApi | kAdminOnly},
  {"/api/v1/admin/users/{id}/roles",        kPut,  ApiAdminUserRoles,          kApi | kAdminOnly},
  {"/api/v1/admin/users/{id}/expiry",       kPut,  ApiAdminUserExpiry,         kApi | kAdminOnly},
  // Admin users list (issue 11, part "users"): search, filters, paging.
  {"/admin/users",         kGet,  AdminUsersPage,    kAdminOnly},
  {"/api/v1/admin/users",  kGet,  ApiAdminUsers,     kApi | kAdminOnly},
  // SSH public keys (issue 12, part "sshkeys"): adding needs password + code.
  {"/ssh-keys",             kGet,    SshKeysPage,        kNeedsSession},
  {"/ssh-keys",             kPost,   SshKeyAddSubmit,    kNeedsSession | kKdfBound},
  {"/ssh-keys/{id}/remove", kPost,   SshKeyRemoveSubmit, kNeedsSession},
  {"/api/v1/ssh-keys",      kGet,    ApiSshKeysList,     kApi | kNeedsSession},
  {"/api/v1/ssh-keys",      kPost,   ApiSshKeyAdd,       kApi | kNeedsSession | kKdfBound},
  {"/api/v1/ssh-keys/{id}", kDelete, ApiSshKeyRemove,    kApi | kNeedsSession},
  // Fleet mode: hosts and host groups (issue 12, part "groups").
  {"/admin/hosts",                       kGet,  AdminHostsPage,          kAdminOnly},
  {"/admin/hosts/{host}/group",          kPost, AdminHostGroupSubmit,    kAdminOnly},
  {"/admin/hosts/{host}/may-reset",      kPost, AdminHostMayResetSubmit, kAdminOnly},
  {"/admin/hosts/{host}/revoke",         kPost, AdminHostRevokeSubmit,   kAdminOnly},
  {"/api/v1/admin/hosts",                kGet,   ApiAdminHosts,          kApi | kAdminOnly},
  {"/api/v1/admin/hosts/{host}",         kGet,   ApiAdminHostGet,        kApi | kAdminOnly},
  {"/api/v1/admin/hosts/{host}",         kPatch, ApiAdminHostPatch,      kApi | kAdminOnly},
  {"/api/v1/admin/hosts/{host}/revoke",  kPost,  ApiAdminHostRevoke,     kApi | kAdminOnly},
  {"/admin/host-groups",                 kGet,  AdminHostGroupsPage,     kAdminOnly},
  {"/admin/host-groups",                 kPost, AdminHostGroupsCreate,   kAdminOnly},
  {"/admin/host-groups/{group}",         kGet,  AdminHostGroupPage,      kAdminOnly},
  {"/admin/host-groups/{group}/rules",   kPost, AdminHostGroupRuleAdd,   kAdminOnly},
  {"/admin/host-groups/{group}/rules/remove", kPost, AdminHostGroupRuleRemove, kAdminOnly},
  {"/admin/host-groups/{group}/delete",  kPost, AdminHostGroupDelete,    kAdminOnly},
  {"/api/v1/admin/host-groups",          kGet,    ApiAdminHostGroups,      kApi | kAdminOnly},
  {"/api/v1/admin/host-groups",          kPost,   ApiAdminHostGroupCreate, kApi | kAdminOnly},
  {"/api/v1/admin/host-groups/{group}",  kGet,    ApiAdminHostGroupGet,    kApi | kAdminOnly},
  {"/api/v1/admin/host-groups/{group}",  kDelete, ApiAdminHostGroupDelete, kApi | kAdminOnly},
  {"/api/v1/admin/host-groups/{group}/rules", kPost,   ApiAdminHostGroupRuleAdd,    kApi | kAdminOnly},
  {"/api/v1/admin/host-groups/{group}/rules", kDelete, ApiAdminHostGroupRuleRemove, kApi | kAdminOnly},
};
// clang-format on
// clang-format on

}  // namespace

std::span<const Route> AllRoutes() { return kRoutes; }

}  // namespace latchkey::portal
