// Maps MariaDB client and server error numbers to latchkey Status codes.
// Private to the db layer.
#ifndef LATCHKEY_SRC_DB_DB_ERROR_H_
#define LATCHKEY_SRC_DB_DB_ERROR_H_

#include <string_view>

#include "latchkey/base/status.h"

namespace latchkey::db::internal {

// True for errors that mean the connection itself is gone or unusable
// (server gone away, lost during a query, killed, shutting down, network
// read/write errors): the connection must be closed, and a statement may
// be retried on a new one.
bool IsConnectionLost(unsigned int errnum);

// True for errors from mysql_real_connect that mean "this host cannot be
// reached now" (try the next host).
bool IsConnectFailure(unsigned int errnum);

// True when the server refused the user's credentials or host.
bool IsAccessDenied(unsigned int errnum);

// Builds the Status for a failed statement:
//   lost connection   -> Unavailable
//   ER_DUP_ENTRY      -> AlreadyExists naming the key, never the value
//   privilege errors  -> PermissionDenied
//   anything else     -> Internal "MariaDB error N (SQLSTATE): text"
Status StatementError(unsigned int errnum, std::string_view sqlstate,
                      std::string_view message);

}  // namespace latchkey::db::internal

#endif  // LATCHKEY_SRC_DB_DB_ERROR_H_
