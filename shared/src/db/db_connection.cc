// db::Connection over MariaDB Connector/C.
//
// Reconnecting is ours, not the library's (MYSQL_OPT_RECONNECT stays off):
// prepared statements die with their connection, so the cache is dropped
// and statements are prepared again on the new one.
#include <errmsg.h>
#include <fcntl.h>
#include <mysql.h>
#include <unistd.h>

#include <mutex>
#include <span>
#include <string>
#include <unordered_map>
#include <utility>

#include "db/db_error.h"
#include "db/db_statement.h"
#include "db/db_wait.h"
#include "latchkey/db/db.h"

namespace latchkey::db {
namespace {

// Session settings applied on every new connection. Strict mode turns
// silent truncation and zero dates into errors.
constexpr std::string_view kSessionSetup =
    "SET time_zone = '+00:00', sql_mode = 'STRICT_ALL_TABLES,NO_ZERO_DATE,"
    "NO_ZERO_IN_DATE,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION,"
    "NO_AUTO_CREATE_USER'";

Status LibraryInit() {
  // mysql_init() would call mysql_library_init() itself, but not in a
  // thread-safe way. Never paired with mysql_library_end(): we may be a
  // module inside a host process that uses the library too.
  static std::once_flag once;
  static int rc = 0;
  std::call_once(once, [] { rc = mysql_library_init(0, nullptr, nullptr); });
  if (rc != 0) return Internal("mysql_library_init failed");
  return Status::Ok();
}

// Connector/C takes whole seconds; round up so a timeout never shrinks.
unsigned int TimeoutSeconds(Millis ms) {
  auto count = ms.count();
  if (count <= 1000) return 1;
  return static_cast<unsigned int>((count + 999) / 1000);
}

std::string ClientErrorText(MYSQL* m) {
  return "MariaDB error " + std::to_string(mysql_errno(m)) + ": " +
         mysql_error(m);
}

// Marks the connection's socket close-on-exec, so that no program a host
// execs inherits an authenticated session: Connector/C opens it without
// SOCK_CLOEXEC, and has no option for it. False if there is a socket and
// the flag cannot be set.
bool MarkCloseOnExec(MYSQL* m) {
  const int fd = mysql_get_socket(m);
  if (fd < 0) return true;
  const int flags = fcntl(fd, F_GETFD);
  if (flags < 0) return false;
  if ((flags & FD_CLOEXEC) != 0) return true;
  return fcntl(fd, F_SETFD, flags | FD_CLOEXEC) == 0;
}

// Sends a text-protocol statement and discards any result sets.
Status RunText(MYSQL* m, std::string_view sql, const internal::Waiter& waiter) {
  int failed = 0;
  internal::Complete(
      m, waiter,
      [&] {
        return mysql_real_query_start(&failed, m, sql.data(),
                                      static_cast<unsigned long>(sql.size()));
      },
      [&](int events) { return mysql_real_query_cont(&failed, m, events); });
  if (failed != 0) {
    return internal::StatementError(mysql_errno(m), mysql_sqlstate(m),
                                    mysql_error(m));
  }
  for (;;) {
    MYSQL_RES* res = nullptr;
    internal::Complete(
        m, waiter, [&] { return mysql_store_result_start(&res, m); },
        [&](int events) { return mysql_store_result_cont(&res, m, events); });
    if (res != nullptr) mysql_free_result(res);
    if (mysql_errno(m) != 0) {
      return internal::StatementError(mysql_errno(m), mysql_sqlstate(m),
                                      mysql_error(m));
    }
    int next = 0;
    internal::Complete(
        m, waiter, [&] { return mysql_next_result_start(&next, m); },
        [&](int events) { return mysql_next_result_cont(&next, m, events); });
    if (next == -1) break;
    if (next > 0) {
      return internal::StatementError(mysql_errno(m), mysql_sqlstate(m),
                                      mysql_error(m));
    }
  }
  return Status::Ok();
}

Status LostInTransaction() {
  return Unavailable(
      "the database connection was lost inside a transaction (the server "
      "rolled it back); roll back and start again");
}

}  // namespace

struct Connection::Impl {
  DatabaseConfig config;
  Secret password;
  MYSQL* mysql = nullptr;
  std::string peer;
  // Declared before the statements, which keep a reference to it.
  internal::Waiter waiter;
  // Keyed by the SQL text. Emptied whenever `mysql` is closed.
  std::unordered_map<std::string, std::unique_ptr<internal::Statement>>
      statements;
  // A prepare sent by PrepareAhead whose answer is not read yet. Settled
  // before anything else uses `mysql`.
  std::unique_ptr<internal::Statement::Pending> ahead;
  bool in_tx = false;
  bool tx_broken = false;  // the connection died inside the transaction
  uint64_t last_insert_id = 0;
  uint64_t prepare_count = 0;
  uint64_t write_count = 0;

  Impl(DatabaseConfig c, Secret p)
      : config(std::move(c)), password(std::move(p)) {}

  // Reads the answer to a PrepareAhead, if one is outstanding, and caches
  // the statement. A failed prepare is dropped: the statement is prepared
  // again when it is used, and reports its error (or the lost connection)
  // then.
  void Settle() {
    if (!ahead) return;
    std::unique_ptr<internal::Statement::Pending> pending = std::move(ahead);
    Result<std::unique_ptr<internal::Statement>> stmt = pending->Finish();
    if (!stmt.ok()) return;
    ++prepare_count;
    statements.emplace(pending->sql(), std::move(*stmt));
  }

  void Close() {
    Settle();
    // mysql_close() first: it detaches the statements, so closing them
    // afterwards frees memory without talking to a server that may be gone.
    if (mysql != nullptr) mysql_close(mysql);
    mysql = nullptr;
    statements.clear();
    peer.clear();
    if (in_tx) tx_broken = true;
  }

  // One attempt against one endpoint. On failure returns the library's
  // error number through `errnum` and the message.
  Result<MYSQL*> ConnectOne(const std::string& host, unsigned int port,
                            const std::string& socket, unsigned int* errnum) {
    *errnum = 0;
    MYSQL* m = mysql_init(nullptr);
    if (m == nullptr) return Internal("mysql_init: out of memory");
    unsigned int connect_s = TimeoutSeconds(config.connect_timeout);
    unsigned int read_s = TimeoutSeconds(config.read_timeout);
    unsigned int write_s = TimeoutSeconds(config.write_timeout);
    mysql_optionsv(m, MYSQL_OPT_CONNECT_TIMEOUT, &connect_s);
    mysql_optionsv(m, MYSQL_OPT_READ_TIMEOUT, &read_s);
    mysql_optionsv(m, MYSQL_OPT_WRITE_TIMEOUT, &write_s);
    mysql_optionsv(m, MYSQL_SET_CHARSET_NAME, "utf8mb4");
    unsigned int protocol =
        socket.empty() ? MYSQL_PROTOCOL_TCP : MYSQL_PROTOCOL_SOCKET;
    mysql_optionsv(m, MYSQL_OPT_PROTOCOL, &protocol);
    // Every call goes through the non-blocking API (db_wait.h), so the
    // layer does the waiting and PrepareAhead can leave a prepare in flight.
    mysql_optionsv(m, MYSQL_OPT_NONBLOCK, 0);
    // TLS (TCP only: a unix socket is local). With VERIFY_SERVER_CERT,
    // Connector/C makes TLS mandatory and checks the chain against the CA
    // file and the certificate against the host name. The CA is always
    // given: tls_ca, else the system bundle, never the library's own
    // fallback (which may skip the chain).
    const bool tls = socket.empty() && TlsRequiredFor(config, host);
    if (tls) {
      my_bool yes = 1;
      const std::string& ca =
          config.tls_ca.empty() ? std::string(kSystemCaFile) : config.tls_ca;
      mysql_optionsv(m, MYSQL_OPT_SSL_ENFORCE, &yes);
      mysql_optionsv(m, MYSQL_OPT_SSL_CA, ca.c_str());
      mysql_optionsv(m, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, &yes);
    }
    // Connector/C wants a NUL-terminated password; wipe the copy after.
    std::string pw(password.view());
    const char* db = config.name.empty() ? nullptr : config.name.c_str();
    MYSQL* ok = nullptr;
    // The socket is marked at each wait of the connect, so from the first
    // wait on, before the password is sent. Only a thread of the host that
    // forks and execs between Connector/C's socket() and that first wait
    // could still carry the descriptor into a program (the library has no
    // SOCK_CLOEXEC option); PAM hosts usually call modules from one thread.
    const auto marked = [m](int status) {
      if (status != 0) MarkCloseOnExec(m);
      return status;
    };
    internal::Complete(
        m, waiter,
        [&] {
          return marked(mysql_real_connect_start(
              &ok, m, socket.empty() ? host.c_str() : nullptr,
              config.user.c_str(), pw.c_str(), db, socket.empty() ? port : 0,
              socket.empty() ? nullptr : socket.c_str(), 0));
        },
        [&](int events) {
          return marked(mysql_real_connect_cont(&ok, m, events));
        });
    WipeString(pw);
    if (ok == nullptr) {
      *errnum = mysql_errno(m);
      std::string text = ClientErrorText(m);
      mysql_close(m);
      if (internal::IsAccessDenied(*errnum)) return PermissionDenied(text);
      if (internal::IsConnectFailure(*errnum)) return Unavailable(text);
      return Internal(text);
    }
    // Checked again on the finished connection: none is used without it.
    if (!MarkCloseOnExec(m)) {
      mysql_close(m);
      return Internal("cannot make the database socket close-on-exec");
    }
    if (tls && mysql_get_ssl_cipher(m) == nullptr) {
      mysql_close(m);
      *errnum = CR_SSL_CONNECTION_ERROR;
      return Unavailable("tls = required, but the server did not offer TLS");
    }
    Status setup = RunText(m, kSessionSetup, waiter);
    if (!setup.ok()) {
      *errnum = mysql_errno(m);
      mysql_close(m);
      return setup;
    }
    return m;
  }

  Status Connect() {
    if (mysql != nullptr) return Status::Ok();
    LK_RETURN_IF_ERROR(LibraryInit());
    struct Endpoint {
      std::string host;
      unsigned int port = 0;
      std::string socket;
      std::string label;
    };
    std::vector<Endpoint> endpoints;
    if (!config.socket.empty()) {
      endpoints.push_back({"", 0, config.socket, config.socket});
    } else {
      for (const HostPort& hp : config.hosts) {
        endpoints.push_back(
            {hp.host, hp.port, "", hp.host + ":" + std::to_string(hp.port)});
      }
    }
    if (endpoints.empty()) {
      return Unavailable("no database host or socket is configured");
    }
    // Every endpoint is tried; if none works, a refusal of the user beats a
    // server error, which beats "unreachable", as the more useful message.
    std::string tried;
    Status denied;
    Status server_error;
    for (const Endpoint& e : endpoints) {
      unsigned int errnum = 0;
      Result<MYSQL*> m = ConnectOne(e.host, e.port, e.socket, &errnum);
      if (m.ok()) {
        mysql = *m;
        peer = e.label;
        return Status::Ok();
      }
      const Status& s = m.status();
      if (s.code() == StatusCode::kPermissionDenied) {
        if (denied.ok()) {
          denied = PermissionDenied("database refused user '" + config.user +
                                    "' at " + e.label + ": " + s.message());
        }
      } else if (s.code() != StatusCode::kUnavailable) {
        if (server_error.ok()) {
          server_error = s.WithContext("database at " + e.label);
        }
      }
      if (!tried.empty()) tried += "; ";
      tried += e.label + " (" + s.message() + ")";
    }
    if (!denied.ok()) return denied;
    if (!server_error.ok()) return server_error;
    return Unavailable("cannot reach the database: " + tried);
  }

  Result<internal::Statement*> Prepared(std::string_view sql) {
    Settle();
    auto it = statements.find(std::string(sql));
    if (it != statements.end()) return it->second.get();
    LK_ASSIGN_OR_RETURN(std::unique_ptr<internal::Statement> s,
                        internal::Statement::Prepare(mysql, sql, waiter));
    ++prepare_count;
    internal::Statement* raw = s.get();
    statements.emplace(std::string(sql), std::move(s));
    return raw;
  }

  // Runs `once` (one try at a statement, returning its Status) with the
  // reconnect rule: with no connection, connect first; when the connection
  // turns out to be gone (Unavailable), close it and, if `may_retry`, try
  // once more on a new one. Inside a transaction neither happens: a
  // reconnect would run the rest of it in autocommit mode on a new session,
  // so the transaction is lost and every later statement fails until
  // Rollback().
  template <typename Once>
  Status Reconnecting(bool may_retry, Once once) {
    if (in_tx && tx_broken) return LostInTransaction();
    for (int attempt = 0;; ++attempt) {
      if (mysql == nullptr) {
        if (in_tx) {
          tx_broken = true;
          return LostInTransaction();
        }
        LK_RETURN_IF_ERROR(Connect());
      }
      Status s = once();
      if (s.ok() || s.code() != StatusCode::kUnavailable) return s;
      // The connection is gone.
      Close();
      if (in_tx) return LostInTransaction();
      if (!may_retry || attempt > 0) return s;
    }
  }

  Result<uint64_t> Run(std::string_view sql, std::span<const Value> params,
                       std::vector<Row>* rows) {
    uint64_t count = 0;
    LK_RETURN_IF_ERROR(Reconnecting(/*may_retry=*/true, [&]() -> Status {
      LK_ASSIGN_OR_RETURN(internal::Statement * stmt, Prepared(sql));
      const size_t before = rows != nullptr ? rows->size() : 0;
      Result<uint64_t> n = stmt->Run(params, rows);
      if (!n.ok()) {
        // No half-fetched rows from a try that failed.
        if (rows != nullptr) rows->erase(rows->begin() + before, rows->end());
        return n.status();
      }
      count = *n;
      last_insert_id = stmt->insert_id();
      return Status::Ok();
    }));
    return count;
  }

  // A text-protocol statement with the same reconnect rule as Run().
  Status RunSimple(std::string_view sql, bool may_retry) {
    return Reconnecting(may_retry, [&] {
      Settle();
      return RunText(mysql, sql, waiter);
    });
  }
};

Connection::Connection(DatabaseConfig config, Secret password)
    : impl_(std::make_unique<Impl>(std::move(config), std::move(password))) {}

Connection::~Connection() { impl_->Close(); }

Status Connection::Connect() { return impl_->Connect(); }

bool Connection::connected() const { return impl_->mysql != nullptr; }

std::string Connection::peer() const { return impl_->peer; }

void Connection::Close() { impl_->Close(); }

void Connection::Abandon() {
  if (impl_->mysql != nullptr) {
    const int fd = mysql_get_socket(impl_->mysql);
    if (fd >= 0) {
      // dup3 closes this process's copy of the socket and leaves the
      // number open on /dev/null: writes vanish, reads see end of file.
      const int null = open("/dev/null", O_RDWR | O_CLOEXEC);
      if (null < 0 || dup3(null, fd, O_CLOEXEC) < 0) close(fd);
      if (null >= 0) close(null);
    }
  }
  impl_->Close();
}

Status Connection::Ping() {
  if (impl_->in_tx && impl_->tx_broken) return LostInTransaction();
  for (int attempt = 0;; ++attempt) {
    if (impl_->mysql == nullptr) {
      if (impl_->in_tx) {
        impl_->tx_broken = true;
        return LostInTransaction();
      }
      LK_RETURN_IF_ERROR(impl_->Connect());
    }
    impl_->Settle();
    int failed = 0;
    MYSQL* m = impl_->mysql;
    internal::Complete(
        m, impl_->waiter, [&] { return mysql_ping_start(&failed, m); },
        [&](int events) { return mysql_ping_cont(&failed, m, events); });
    if (failed == 0) return Status::Ok();
    Status s = internal::StatementError(mysql_errno(impl_->mysql),
                                        mysql_sqlstate(impl_->mysql),
                                        mysql_error(impl_->mysql));
    if (s.code() != StatusCode::kUnavailable) return s;
    impl_->Close();
    if (impl_->in_tx) return LostInTransaction();
    if (attempt > 0) return s;
  }
}

Result<uint64_t> Connection::Execute(std::string_view sql,
                                     std::initializer_list<Value> params) {
  ++impl_->write_count;
  return impl_->Run(sql, std::span<const Value>(params.begin(), params.size()),
                    nullptr);
}

Result<uint64_t> Connection::Execute(std::string_view sql,
                                     const std::vector<Value>& params) {
  ++impl_->write_count;
  return impl_->Run(sql, params, nullptr);
}

Result<std::vector<Row>> Connection::Query(
    std::string_view sql, std::initializer_list<Value> params) {
  std::vector<Row> rows;
  LK_RETURN_IF_ERROR(
      impl_
          ->Run(sql, std::span<const Value>(params.begin(), params.size()),
                &rows)
          .status());
  return rows;
}

Result<std::vector<Row>> Connection::Query(std::string_view sql,
                                           const std::vector<Value>& params) {
  std::vector<Row> rows;
  LK_RETURN_IF_ERROR(impl_->Run(sql, params, &rows).status());
  return rows;
}

Result<std::optional<Row>> Connection::QueryOne(
    std::string_view sql, std::initializer_list<Value> params) {
  LK_ASSIGN_OR_RETURN(std::vector<Row> rows, Query(sql, params));
  if (rows.empty()) return std::optional<Row>();
  return std::optional<Row>(std::move(rows.front()));
}

void Connection::WhileWaiting(std::function<bool()> work) {
  impl_->waiter.idle = std::move(work);
}

void Connection::PrepareAhead(std::string_view sql) {
  Impl& i = *impl_;
  if (i.mysql == nullptr || i.ahead || (i.in_tx && i.tx_broken)) return;
  if (i.statements.find(std::string(sql)) != i.statements.end()) return;
  i.ahead = internal::Statement::StartPrepare(i.mysql, sql, i.waiter);
}

uint64_t Connection::last_insert_id() const { return impl_->last_insert_id; }

Status Connection::ExecuteScript(std::string_view sql) {
  ++impl_->write_count;
  std::vector<ScriptStatement> statements = SplitSqlScript(sql);
  for (size_t i = 0; i < statements.size(); ++i) {
    // Only the first statement may be retried on a new connection: after
    // it, the script has changed something.
    Status s = impl_->RunSimple(statements[i].text, /*may_retry=*/i == 0);
    if (!s.ok()) {
      return s.WithContext("statement " + std::to_string(i + 1) + " (line " +
                           std::to_string(statements[i].line) + ")");
    }
  }
  return Status::Ok();
}

Status Connection::Begin() {
  if (impl_->in_tx) return Internal("a transaction is already open");
  // Nothing is open yet, so a lost connection may be retried here.
  LK_RETURN_IF_ERROR(impl_->RunSimple("START TRANSACTION", true));
  impl_->in_tx = true;
  impl_->tx_broken = false;
  return Status::Ok();
}

Status Connection::Commit() {
  if (!impl_->in_tx) return Internal("no transaction is open");
  if (impl_->tx_broken) {
    impl_->in_tx = false;
    impl_->tx_broken = false;
    return LostInTransaction();
  }
  Status s = impl_->RunSimple("COMMIT", false);
  // On a lost connection the outcome is unknown, but the transaction is
  // over either way. Other errors leave it open for Rollback().
  if (s.ok() || s.code() == StatusCode::kUnavailable) {
    impl_->in_tx = false;
    impl_->tx_broken = false;
  }
  return s;
}

Status Connection::Rollback() {
  if (!impl_->in_tx) return Status::Ok();
  bool broken = impl_->tx_broken || impl_->mysql == nullptr;
  impl_->in_tx = false;
  impl_->tx_broken = false;
  // A server rolls back a transaction whose connection died: done.
  if (broken) return Status::Ok();
  impl_->Settle();
  Status s = RunText(impl_->mysql, "ROLLBACK", impl_->waiter);
  if (s.code() == StatusCode::kUnavailable) {
    impl_->Close();
    return Status::Ok();
  }
  return s;
}

bool Connection::in_transaction() const { return impl_->in_tx; }

const DatabaseConfig& Connection::config() const { return impl_->config; }

uint64_t Connection::prepare_count() const { return impl_->prepare_count; }
uint64_t Connection::write_count() const { return impl_->write_count; }

Result<Transaction> Transaction::Start(Connection& conn) {
  LK_RETURN_IF_ERROR(conn.Begin());
  return Transaction(&conn);
}

Transaction::Transaction(Transaction&& other) noexcept : conn_(other.conn_) {
  other.conn_ = nullptr;
}

Transaction::~Transaction() {
  if (conn_ != nullptr) static_cast<void>(conn_->Rollback());
}

Status Transaction::Commit() {
  if (conn_ == nullptr) return Internal("transaction already finished");
  Status s = conn_->Commit();
  if (s.ok() || !conn_->in_transaction()) conn_ = nullptr;
  return s;
}

Result<std::unique_ptr<Connection>> OpenFromConfig(const DatabaseConfig& cfg) {
  Secret password;
  if (!cfg.password_file.empty()) {
    LK_ASSIGN_OR_RETURN(password, ReadSecretFile(cfg.password_file, true));
  }
  return std::make_unique<Connection>(cfg, std::move(password));
}

}  // namespace latchkey::db
