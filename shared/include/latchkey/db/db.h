// The database layer over MariaDB Connector/C. Prepared statements with
// bound parameters only: no value is ever pasted into SQL text.
#ifndef LATCHKEY_DB_DB_H_
#define LATCHKEY_DB_DB_H_

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "latchkey/base/result.h"
#include "latchkey/base/secret.h"
#include "latchkey/config/config.h"

namespace latchkey::db {

struct Null {};
// A point in time, bound as a DATETIME(6) in UTC (the session time zone is
// forced to +00:00 on connect).
struct Timestamp {
  int64_t unix_micros;
  static Timestamp FromUnix(int64_t s) { return {s * 1'000'000}; }
};

// A bound parameter. std::string_view covers text and binary (bound as a
// blob); the referenced bytes must outlive the call.
using Value =
    std::variant<Null, int64_t, uint64_t, std::string_view, Timestamp>;

// Convenience for optional parameters.
template <typename T>
Value OrNull(const std::optional<T>& v) {
  if (!v) return Null{};
  return Value(*v);
}

// One fetched row. Columns are addressed by position in the SELECT list.
// Getters on a column index out of range return the NULL result.
class Row {
 public:
  explicit Row(std::vector<std::optional<std::string>> cells)
      : cells_(std::move(cells)) {}
  size_t size() const { return cells_.size(); }
  bool is_null(size_t i) const;
  // The raw bytes, "" for NULL.
  const std::string& str(size_t i) const;
  std::optional<std::string> opt_str(size_t i) const;
  // Integer value; 0 for NULL or non-numeric.
  int64_t i64(size_t i) const;
  std::optional<int64_t> opt_i64(size_t i) const;
  // A DATETIME/TIMESTAMP column as Unix seconds (UTC); nullopt for NULL.
  std::optional<int64_t> unix_time(size_t i) const;
  // The same with the microseconds kept (DATETIME(6) columns).
  std::optional<int64_t> unix_micros(size_t i) const;

 private:
  std::vector<std::optional<std::string>> cells_;
};

// Errors from this layer:
//   Unavailable    - no host could be reached, or the connection was lost
//                    and one reconnect did not help; the message names the
//                    hosts tried. Also: the connection was lost inside a
//                    transaction (the server rolled it back), or TLS is
//                    required and the server did not offer it;
//   AlreadyExists  - a unique key was violated (ER_DUP_ENTRY); the message
//                    names the key (never the duplicate value);
//   PermissionDenied - the server refused the user at connect ("database
//                    refused user 'x'"), or a statement lacks a privilege
//                    (table/column/specific access denied);
//   Internal       - any other server or client error, including a wrong
//                    number of parameters (message has the MariaDB error
//                    text; fine for logs, not for end users).
//
// A Connection is not thread-safe: use one per thread (or a pool). Nothing
// in this layer aborts the process or blocks longer than the configured
// timeouts (connect_timeout per host tried, read/write timeouts per
// statement; Connector/C counts them in whole seconds, rounded up).
class Connection {
 public:
  // Does not connect yet; the first statement (or Connect()) does.
  Connection(DatabaseConfig config, Secret password);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Opens a connection if none is open: the socket if configured, else
  // each host in order with connect_timeout each, read/write timeouts and
  // the TLS mode applied. Sets time_zone='+00:00', utf8mb4, strict mode.
  Status Connect();
  bool connected() const;
  // "host:port" or "socket path" of the open connection, "" if none.
  std::string peer() const;
  // Closes the connection (prepared statements are dropped).
  void Close();
  // For a forked child whose connection socket is shared with its parent
  // (a PAM cleanup with PAM_DATA_SILENT): drops the connection in this
  // process without a word to the server, so the parent's session goes
  // on. The socket's descriptor number is pointed at /dev/null first, so
  // nothing the library sends on the way out reaches the server. Only for
  // a single-threaded child; the object is then as after Close().
  void Abandon();
  // Pings (connecting first if needed).
  Status Ping();

  // Runs a statement that returns no rows; returns the affected row count
  // (rows changed, MariaDB's default, not rows matched).
  // On a lost connection outside a transaction, reconnects once and
  // retries (so a statement whose reply was lost may run twice: keep
  // writes idempotent or run them in a transaction). Inside a transaction
  // a lost connection is Unavailable and the transaction is broken: every
  // later statement fails until Rollback(). Statements are prepared once
  // per connection and cached.
  Result<uint64_t> Execute(std::string_view sql,
                           std::initializer_list<Value> params = {});
  Result<uint64_t> Execute(std::string_view sql,
                           const std::vector<Value>& params);
  // Runs a statement that returns rows.
  Result<std::vector<Row>> Query(std::string_view sql,
                                 std::initializer_list<Value> params = {});
  Result<std::vector<Row>> Query(std::string_view sql,
                                 const std::vector<Value>& params);
  // The first row, or nullopt if there is none.
  Result<std::optional<Row>> QueryOne(std::string_view sql,
                                      std::initializer_list<Value> params = {});
  // Work to do while this connection waits for the server, instead of
  // sleeping (pam_latchkey faults in the KDF's memory meanwhile). `work` is
  // called again and again while no answer has come, until it returns
  // false; each call should take a fraction of a millisecond, because an
  // answer that arrives meanwhile waits for it to return. Timeouts count
  // as before. An empty function removes it; so must the caller before
  // whatever `work` uses goes away.
  void WhileWaiting(std::function<bool()> work);
  // Sends the prepare of `sql` and returns at once, so the server prepares
  // it while the caller computes (a KDF); the next use of the connection
  // reads the answer and caches the statement, and a later Execute/Query of
  // `sql` finds it prepared. Does nothing when not connected, when `sql` is
  // already prepared, or while another PrepareAhead is outstanding. An
  // error is not reported here: the statement is prepared again when used
  // and reports it then.
  void PrepareAhead(std::string_view sql);
  // AUTO_INCREMENT id of the last INSERT on this connection.
  uint64_t last_insert_id() const;

  // Runs trusted, constant SQL text that may hold several statements
  // separated by ";" at line ends (migration files). Never for values.
  // Each statement runs with mysql_real_query (DDL cannot always be
  // prepared). A lost connection is retried once only for the first
  // statement (before the script changed anything). A failure names the
  // statement number and line:
  // "statement 3 (line 12): <MariaDB error>". Statements before it stay
  // applied.
  Status ExecuteScript(std::string_view sql);

  Status Begin();
  Status Commit();
  Status Rollback();
  bool in_transaction() const;

  const DatabaseConfig& config() const;
  // Statements prepared on this object so far (across reconnects); lets
  // tests check that the statement cache works.
  uint64_t prepare_count() const;
  // Calls to Execute and ExecuteScript so far (whether or not they
  // succeeded or changed a row): a cheap "did anything write?" for callers
  // that keep copies of rows (the portal's SessionCache).
  uint64_t write_count() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// RAII transaction: Begin() on Start, Rollback() in the destructor unless
// Commit() succeeded.
class Transaction {
 public:
  static Result<Transaction> Start(Connection& conn);
  Transaction(Transaction&& other) noexcept;
  Transaction& operator=(Transaction&&) = delete;
  ~Transaction();
  Status Commit();

 private:
  explicit Transaction(Connection* conn) : conn_(conn) {}
  Connection* conn_;
};

// One statement of a script: its text without the closing ";" and the
// 1-based line where it starts.
struct ScriptStatement {
  std::string_view text;
  int line;
};
// Splits script text at each ";" that ends a line (trailing spaces and a
// "-- comment" may follow it). A ";" inside '...', "..." or `...` quotes, a
// "-- " or "#" comment or a /* */ comment does not split. Pieces holding only
// whitespace and comments are dropped. The views point into `sql`.
std::vector<ScriptStatement> SplitSqlScript(std::string_view sql);

// Reads the password file named in the config (empty name: empty password)
// and builds a Connection.
Result<std::unique_ptr<Connection>> OpenFromConfig(const DatabaseConfig& cfg);

}  // namespace latchkey::db

#endif  // LATCHKEY_DB_DB_H_
