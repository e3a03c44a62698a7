// Value parsers for the config file. Private to liblatchkey_core.
//
// Each returns the parsed value, or InvalidArgument whose message is only the
// reason ("must be an integer between 6 and 8 (got '9')"); the caller adds
// "<file>:<line>: <key>: " in front.
#ifndef LATCHKEY_SRC_CONFIG_CONFIG_VALUES_H_
#define LATCHKEY_SRC_CONFIG_CONFIG_VALUES_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "latchkey/base/result.h"
#include "latchkey/config/config.h"

namespace latchkey::config_internal {

// The value in single quotes for a message, cut at 64 characters, with
// control characters shown as '?'.
std::string Quote(std::string_view value);

// on/off, true/false, yes/no, 1/0 (any case).
Result<bool> ParseBool(std::string_view v);

// Decimal digits only (no sign, no 0x), within [min, max].
Result<uint64_t> ParseUint(std::string_view v, uint64_t min, uint64_t max);

// ParseDuration, then a range check. Seconds fields also refuse a value that
// is not a whole number of seconds.
Result<Millis> ParseMillisIn(std::string_view v, Millis min, Millis max);
Result<Seconds> ParseSecondsIn(std::string_view v, Seconds min, Seconds max);

// "500ms", "90s", "15m", "12h", "7d": the largest unit that divides evenly.
std::string FormatDuration(Millis d);

// "host", "host:port", "[v6]" or "[v6]:port"; the host is returned without
// brackets. A port is 1..65535; if `port_required`, it must be given.
Result<HostPort> ParseHostPort(std::string_view v, uint16_t default_port,
                               bool port_required);

// A comma-separated, non-empty list of ParseHostPort entries (port 3306 by
// default).
Result<std::vector<HostPort>> ParseHostList(std::string_view v);

// A comma-separated list of IP addresses or CIDR ranges; may be empty.
Result<std::vector<std::string>> ParseAddressList(std::string_view v);

// An absolute path. If `allow_empty`, "" is accepted too (meaning unset).
Result<std::string> ParsePath(std::string_view v, bool allow_empty);

}  // namespace latchkey::config_internal

#endif  // LATCHKEY_SRC_CONFIG_CONFIG_VALUES_H_
