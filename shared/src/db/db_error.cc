#include "db/db_error.h"

#include <errmsg.h>
#include <mysqld_error.h>

#include <string>

namespace latchkey::db::internal {

bool IsConnectionLost(unsigned int errnum) {
  switch (errnum) {
    case CR_SERVER_GONE_ERROR:
    case CR_SERVER_LOST:
    case CR_SERVER_LOST_EXTENDED:
    case CR_CONNECTION_ERROR:
    case CR_CONN_HOST_ERROR:
    case CR_ERR_NET_READ:
    case CR_ERR_NET_WRITE:
    case ER_SERVER_SHUTDOWN:
    case ER_CONNECTION_KILLED:
    case ER_NET_READ_ERROR:
    case ER_NET_READ_INTERRUPTED:
    case ER_NET_ERROR_ON_WRITE:
      return true;
    default:
      return false;
  }
}

bool IsConnectFailure(unsigned int errnum) {
  switch (errnum) {
    case CR_CONNECTION_ERROR:
    case CR_CONN_HOST_ERROR:
    case CR_UNKNOWN_HOST:
    case CR_IPSOCK_ERROR:
    case CR_SOCKET_CREATE_ERROR:
    case CR_SERVER_HANDSHAKE_ERR:
    case CR_SSL_CONNECTION_ERROR:
    case ER_CON_COUNT_ERROR:
    case ER_HOST_IS_BLOCKED:
      return true;
    default:
      return IsConnectionLost(errnum);
  }
}

bool IsAccessDenied(unsigned int errnum) {
  return errnum == ER_ACCESS_DENIED_ERROR ||
         errnum == ER_DBACCESS_DENIED_ERROR ||
         errnum == ER_HOST_NOT_PRIVILEGED ||
         errnum == ER_ACCOUNT_HAS_BEEN_LOCKED;
}

namespace {

// "Duplicate entry 'v' for key 'k'" -> "k"; the value may be a user's
// input, so it is not repeated.
std::string DuplicateKeyName(std::string_view message) {
  constexpr std::string_view kForKey = "for key '";
  size_t at = message.rfind(kForKey);
  if (at == std::string_view::npos) return "?";
  std::string_view rest = message.substr(at + kForKey.size());
  size_t end = rest.find('\'');
  return std::string(rest.substr(0, end));
}

}  // namespace

Status StatementError(unsigned int errnum, std::string_view sqlstate,
                      std::string_view message) {
  std::string text = "MariaDB error " + std::to_string(errnum) + " (" +
                     std::string(sqlstate) + "): " + std::string(message);
  if (IsConnectionLost(errnum)) {
    return Unavailable("lost the database connection: " + text);
  }
  switch (errnum) {
    case ER_DUP_ENTRY:
    case ER_DUP_ENTRY_WITH_KEY_NAME:
      return AlreadyExists("duplicate value for unique key '" +
                           DuplicateKeyName(message) + "'");
    case ER_DUP_KEY:
      return AlreadyExists("duplicate key: " + text);
    case ER_TABLEACCESS_DENIED_ERROR:
    case ER_COLUMNACCESS_DENIED_ERROR:
    case ER_SPECIFIC_ACCESS_DENIED_ERROR:
    case ER_DBACCESS_DENIED_ERROR:
    case ER_PROCACCESS_DENIED_ERROR:
    case ER_ACCESS_DENIED_ERROR:
      return PermissionDenied(text);
    default:
      return Internal(text);
  }
}

}  // namespace latchkey::db::internal
