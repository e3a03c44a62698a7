// Command-line parsing for latchkeyctl: long options (--name, --name VALUE,
// --name=VALUE), a few short ones (-n 5), "--" to end options, and
// positional arguments anywhere in between.
#ifndef LATCHKEY_CLI_ARGS_H_
#define LATCHKEY_CLI_ARGS_H_

#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace latchkey::cli {

struct OptionSpec {
  std::string_view name;        // "--email"
  bool takes_value = false;     // else a flag
  std::string_view short_name;  // "-n", or "" for none
};

class ParsedArgs {
 public:
  bool has(std::string_view name) const;
  // The last value given for `name`, if any.
  std::optional<std::string> value(std::string_view name) const;
  // Every value given for a repeatable option, in order.
  std::vector<std::string> values(std::string_view name) const;
  const std::vector<std::string>& positionals() const { return positionals_; }

 private:
  friend std::optional<std::string> ParseArgs(std::span<const std::string>,
                                              std::span<const OptionSpec>,
                                              ParsedArgs&);
  std::set<std::string, std::less<>> flags_;
  std::map<std::string, std::vector<std::string>, std::less<>> values_;
  std::vector<std::string> positionals_;
};

// Parses `args` against `specs` into `out`. Returns nullopt on success, else
// a usage error message such as "unknown option '--frobnicate'" or
// "option '--email' needs a value".
std::optional<std::string> ParseArgs(std::span<const std::string> args,
                                     std::span<const OptionSpec> specs,
                                     ParsedArgs& out);

// A non-negative integer of at most `max`, or nullopt.
std::optional<unsigned long> ParseCount(std::string_view text,
                                        unsigned long max);

}  // namespace latchkey::cli

#endif  // LATCHKEY_CLI_ARGS_H_
