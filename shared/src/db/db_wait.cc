#include "db/db_wait.h"

#include <poll.h>

#include <cerrno>
#include <chrono>

namespace latchkey::db::internal {

int Waiter::Wait(MYSQL* mysql, int status) const {
  using Clock = std::chrono::steady_clock;
  pollfd pfd{};
  pfd.fd = mysql_get_socket(mysql);
  if (status & MYSQL_WAIT_READ) pfd.events |= POLLIN;
  if (status & MYSQL_WAIT_WRITE) pfd.events |= POLLOUT;
  if (status & MYSQL_WAIT_EXCEPT) pfd.events |= POLLPRI;
  const bool timed = (status & MYSQL_WAIT_TIMEOUT) != 0;
  const Clock::time_point deadline =
      timed ? Clock::now() +
                  std::chrono::milliseconds(mysql_get_timeout_value_ms(mysql))
            : Clock::time_point::max();
  bool idle_left = static_cast<bool>(idle);
  for (;;) {
    int timeout_ms = -1;
    if (idle_left) {
      timeout_ms = 0;  // only look
    } else if (timed) {
      const auto left =
          std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
      timeout_ms = left.count() > 0 ? static_cast<int>(left.count()) : 0;
    }
    const int n = poll(&pfd, 1, timeout_ms);
    if (n < 0) {
      if (errno == EINTR) continue;
      // poll itself failed: let the library find out what the socket says.
      return status & (MYSQL_WAIT_READ | MYSQL_WAIT_WRITE);
    }
    if (n > 0) {
      // A closed or failed socket: whatever the library waits for will now
      // tell it so.
      if (pfd.revents & (POLLHUP | POLLERR | POLLNVAL)) {
        return status &
               (MYSQL_WAIT_READ | MYSQL_WAIT_WRITE | MYSQL_WAIT_EXCEPT);
      }
      int happened = 0;
      if (pfd.revents & POLLIN) happened |= MYSQL_WAIT_READ;
      if (pfd.revents & POLLOUT) happened |= MYSQL_WAIT_WRITE;
      if (pfd.revents & POLLPRI) happened |= MYSQL_WAIT_EXCEPT;
      return happened;
    }
    if (timed && Clock::now() >= deadline) return MYSQL_WAIT_TIMEOUT;
    if (idle_left) idle_left = idle();
  }
}

}  // namespace latchkey::db::internal
