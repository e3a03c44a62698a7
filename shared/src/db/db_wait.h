// Waiting for the server on behalf of Connector/C's non-blocking calls.
// Private to the db layer.
//
// Every call that waits for the server goes through its _start/_cont pair
// (the connection has MYSQL_OPT_NONBLOCK), so the layer, not the library,
// does the waiting: with the library's own connect/read/write timeouts, and
// with work of the caller's running while no answer has come
// (Connection::WhileWaiting).
#ifndef LATCHKEY_SRC_DB_DB_WAIT_H_
#define LATCHKEY_SRC_DB_DB_WAIT_H_

#include <mysql.h>

#include <functional>

namespace latchkey::db::internal {

class Waiter {
 public:
  // Waits for the events in `status` (what a _start or _cont call returned:
  // MYSQL_WAIT_READ/WRITE/EXCEPT, and MYSQL_WAIT_TIMEOUT with the library's
  // timeout) and returns those that happened, for the next _cont call:
  // MYSQL_WAIT_TIMEOUT alone when the time ran out.
  int Wait(MYSQL* mysql, int status) const;

  // Called again and again while the server has not answered, until it
  // returns false (for that wait); empty for none.
  std::function<bool()> idle;
};

// Runs one non-blocking call to its end. `start()` and `cont(events)` call
// the library's _start and _cont functions and return their status (0 when
// the call is done; its result is in the caller's out-parameter).
template <typename Start, typename Cont>
void Complete(MYSQL* mysql, const Waiter& waiter, Start&& start, Cont&& cont) {
  for (int status = start(); status != 0;) {
    status = cont(waiter.Wait(mysql, status));
  }
}

}  // namespace latchkey::db::internal

#endif  // LATCHKEY_SRC_DB_DB_WAIT_H_
