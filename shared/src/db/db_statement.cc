#include "db/db_statement.h"

#include <ctime>
#include <optional>
#include <string>
#include <type_traits>

#include "db/db_error.h"

namespace latchkey::db::internal {
namespace {

// Fetch buffers start at least this big; longer cells are read again with
// mysql_stmt_fetch_column.
constexpr unsigned long kMinCellBuffer = 64;

MYSQL_TIME ToMysqlTime(Timestamp ts) {
  int64_t secs = ts.unix_micros / 1'000'000;
  int64_t micros = ts.unix_micros % 1'000'000;
  if (micros < 0) {
    micros += 1'000'000;
    --secs;
  }
  time_t t = static_cast<time_t>(secs);
  std::tm tm{};
  gmtime_r(&t, &tm);
  MYSQL_TIME out{};
  out.year = static_cast<unsigned>(tm.tm_year + 1900);
  out.month = static_cast<unsigned>(tm.tm_mon + 1);
  out.day = static_cast<unsigned>(tm.tm_mday);
  out.hour = static_cast<unsigned>(tm.tm_hour);
  out.minute = static_cast<unsigned>(tm.tm_min);
  out.second = static_cast<unsigned>(tm.tm_sec);
  out.second_part = static_cast<unsigned long>(micros);
  out.neg = 0;
  out.time_type = MYSQL_TIMESTAMP_DATETIME;
  return out;
}

}  // namespace

Result<std::unique_ptr<Statement>> Statement::Prepare(MYSQL* mysql,
                                                      std::string_view sql,
                                                      const Waiter& waiter) {
  std::unique_ptr<Pending> pending = StartPrepare(mysql, sql, waiter);
  if (pending == nullptr) {
    return StatementError(mysql_errno(mysql), mysql_sqlstate(mysql),
                          mysql_error(mysql));
  }
  return pending->Finish();
}

void Statement::SetAttributes(MYSQL_STMT* stmt) {
  // Lets FetchAll size its buffers from the longest value in the result.
  my_bool update_max_length = 1;
  mysql_stmt_attr_set(stmt, STMT_ATTR_UPDATE_MAX_LENGTH, &update_max_length);
}

std::unique_ptr<Statement::Pending> Statement::StartPrepare(
    MYSQL* mysql, std::string_view sql, const Waiter& waiter) {
  MYSQL_STMT* stmt = mysql_stmt_init(mysql);
  if (stmt == nullptr) return nullptr;
  std::unique_ptr<Pending> p(
      new Pending(mysql, stmt, std::string(sql), waiter));
  p->wait_ =
      mysql_stmt_prepare_start(&p->result_, stmt, p->sql_.data(),
                               static_cast<unsigned long>(p->sql_.size()));
  return p;
}

Statement::Pending::~Pending() {
  // Abandoned before its answer was read (the connection is being torn
  // down): read it first, so the library is not left mid-command.
  if (stmt_ != nullptr) (void)Finish();
}

Result<std::unique_ptr<Statement>> Statement::Pending::Finish() {
  if (stmt_ == nullptr) return Internal("the prepare was already collected");
  while (wait_ != 0) {
    wait_ =
        mysql_stmt_prepare_cont(&result_, stmt_, waiter_.Wait(mysql_, wait_));
  }
  std::unique_ptr<Statement> s(new Statement(mysql_, stmt_, waiter_));
  stmt_ = nullptr;
  if (result_ != 0) return s->Error();
  SetAttributes(s->stmt_);
  return s;
}

Statement::~Statement() { mysql_stmt_close(stmt_); }

Status Statement::Error() const {
  return StatementError(mysql_stmt_errno(stmt_), mysql_stmt_sqlstate(stmt_),
                        mysql_stmt_error(stmt_));
}

uint64_t Statement::insert_id() const { return mysql_stmt_insert_id(stmt_); }

Result<uint64_t> Statement::Run(std::span<const Value> params,
                                std::vector<Row>* rows) {
  const unsigned long expected = mysql_stmt_param_count(stmt_);
  if (expected != params.size()) {
    return Internal("statement has " + std::to_string(expected) +
                    " parameter(s), but " + std::to_string(params.size()) +
                    " value(s) were given");
  }
  // Storage the binds point into; sized up front so it never moves.
  std::vector<MYSQL_BIND> binds(params.size());
  std::vector<MYSQL_TIME> times(params.size());
  std::vector<unsigned long> lengths(params.size());
  static const char kEmpty[1] = {0};
  for (size_t i = 0; i < params.size(); ++i) {
    MYSQL_BIND& b = binds[i];
    std::visit(
        [&](const auto& v) {
          using T = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<T, Null>) {
            b.buffer_type = MYSQL_TYPE_NULL;
          } else if constexpr (std::is_same_v<T, int64_t>) {
            b.buffer_type = MYSQL_TYPE_LONGLONG;
            b.buffer = const_cast<int64_t*>(&v);
            b.is_unsigned = 0;
          } else if constexpr (std::is_same_v<T, uint64_t>) {
            b.buffer_type = MYSQL_TYPE_LONGLONG;
            b.buffer = const_cast<uint64_t*>(&v);
            b.is_unsigned = 1;
          } else if constexpr (std::is_same_v<T, std::string_view>) {
            b.buffer_type = MYSQL_TYPE_BLOB;
            b.buffer = const_cast<char*>(v.empty() ? kEmpty : v.data());
            lengths[i] = static_cast<unsigned long>(v.size());
            b.buffer_length = lengths[i];
            b.length = &lengths[i];
          } else {
            static_assert(std::is_same_v<T, Timestamp>);
            times[i] = ToMysqlTime(v);
            b.buffer_type = MYSQL_TYPE_DATETIME;
            b.buffer = &times[i];
            b.buffer_length = sizeof(MYSQL_TIME);
          }
        },
        params[i]);
  }
  if (!binds.empty() && mysql_stmt_bind_param(stmt_, binds.data()) != 0) {
    return Error();
  }
  int failed = 0;
  Complete(
      mysql_, waiter_, [&] { return mysql_stmt_execute_start(&failed, stmt_); },
      [&](int events) {
        return mysql_stmt_execute_cont(&failed, stmt_, events);
      });
  if (failed != 0) return Error();
  if (mysql_stmt_field_count(stmt_) == 0) {
    return static_cast<uint64_t>(mysql_stmt_affected_rows(stmt_));
  }
  std::vector<Row> discard;
  Result<uint64_t> n = FetchAll(rows != nullptr ? rows : &discard);
  mysql_stmt_free_result(stmt_);
  return n;
}

Result<uint64_t> Statement::FetchAll(std::vector<Row>* rows) {
  int failed = 0;
  Complete(
      mysql_, waiter_,
      [&] { return mysql_stmt_store_result_start(&failed, stmt_); },
      [&](int events) {
        return mysql_stmt_store_result_cont(&failed, stmt_, events);
      });
  if (failed != 0) return Error();
  MYSQL_RES* meta = mysql_stmt_result_metadata(stmt_);
  if (meta == nullptr) return Error();
  const unsigned int ncols = mysql_num_fields(meta);
  MYSQL_FIELD* fields = mysql_fetch_fields(meta);

  std::vector<MYSQL_BIND> binds(ncols);
  std::vector<std::string> buffers(ncols);
  std::vector<unsigned long> lengths(ncols);
  std::vector<my_bool> nulls(ncols);
  std::vector<my_bool> truncated(ncols);
  for (unsigned int c = 0; c < ncols; ++c) {
    unsigned long size = fields[c].max_length + 1;
    if (size < kMinCellBuffer) size = kMinCellBuffer;
    buffers[c].resize(size);
    MYSQL_BIND& b = binds[c];
    b.buffer_type = MYSQL_TYPE_STRING;
    b.buffer = buffers[c].data();
    b.buffer_length = size;
    b.length = &lengths[c];
    b.is_null = &nulls[c];
    b.error = &truncated[c];
  }
  mysql_free_result(meta);
  if (mysql_stmt_bind_result(stmt_, binds.data()) != 0) return Error();

  uint64_t count = 0;
  for (;;) {
    int rc = mysql_stmt_fetch(stmt_);
    if (rc == MYSQL_NO_DATA) break;
    if (rc == 1) return Error();
    std::vector<std::optional<std::string>> cells(ncols);
    for (unsigned int c = 0; c < ncols; ++c) {
      if (nulls[c]) continue;
      if (lengths[c] <= binds[c].buffer_length && !truncated[c]) {
        cells[c].emplace(buffers[c].data(), lengths[c]);
        continue;
      }
      // Longer than the buffer (MYSQL_DATA_TRUNCATED): read it whole.
      std::string whole(lengths[c], '\0');
      MYSQL_BIND one{};
      unsigned long got = 0;
      one.buffer_type = MYSQL_TYPE_STRING;
      one.buffer = whole.data();
      one.buffer_length = lengths[c];
      one.length = &got;
      if (mysql_stmt_fetch_column(stmt_, &one, c, 0) != 0) return Error();
      whole.resize(got < lengths[c] ? got : lengths[c]);
      cells[c] = std::move(whole);
    }
    rows->emplace_back(std::move(cells));
    ++count;
  }
  return count;
}

}  // namespace latchkey::db::internal
