// The sql/*.sql files, embedded at build time (shared/CMakeLists.txt
// generates the definition from the files). Private to the core.
#ifndef LATCHKEY_SRC_DB_SQL_EMBEDDED_H_
#define LATCHKEY_SRC_DB_SQL_EMBEDDED_H_

#include <span>
#include <string_view>

namespace latchkey::internal {

struct EmbeddedSql {
  std::string_view file;  // "001_init.sql", "grants.sql"
  std::string_view text;
};

// Every sql/*.sql file, sorted by file name. Static storage.
std::span<const EmbeddedSql> EmbeddedSqlFiles();

}  // namespace latchkey::internal

#endif  // LATCHKEY_SRC_DB_SQL_EMBEDDED_H_
