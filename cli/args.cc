#include "args.h"

#include <charconv>

namespace latchkey::cli {

bool ParsedArgs::has(std::string_view name) const {
  return flags_.contains(name) || values_.contains(name);
}

std::optional<std::string> ParsedArgs::value(std::string_view name) const {
  auto it = values_.find(name);
  if (it == values_.end() || it->second.empty()) return std::nullopt;
  return it->second.back();
}

std::vector<std::string> ParsedArgs::values(std::string_view name) const {
  auto it = values_.find(name);
  if (it == values_.end()) return {};
  return it->second;
}

namespace {

const OptionSpec* Find(std::span<const OptionSpec> specs,
                       std::string_view name) {
  for (const OptionSpec& spec : specs) {
    if (spec.name == name ||
        (!spec.short_name.empty() && spec.short_name == name)) {
      return &spec;
    }
  }
  return nullptr;
}

}  // namespace

std::optional<std::string> ParseArgs(std::span<const std::string> args,
                                     std::span<const OptionSpec> specs,
                                     ParsedArgs& out) {
  bool options_done = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (options_done || arg.size() < 2 || arg[0] != '-') {
      out.positionals_.push_back(arg);
      continue;
    }
    if (arg == "--") {
      options_done = true;
      continue;
    }
    std::string_view name = arg;
    std::optional<std::string> inline_value;
    if (arg.starts_with("--")) {
      const size_t eq = arg.find('=');
      if (eq != std::string::npos) {
        name = std::string_view(arg).substr(0, eq);
        inline_value = arg.substr(eq + 1);
      }
    }
    const OptionSpec* spec = Find(specs, name);
    if (spec == nullptr) {
      return "unknown option '" + std::string(name) + "'";
    }
    const std::string key(spec->name);
    if (!spec->takes_value) {
      if (inline_value) {
        return "option '" + key + "' takes no value";
      }
      out.flags_.insert(key);
      continue;
    }
    if (inline_value) {
      out.values_[key].push_back(*inline_value);
    } else if (i + 1 < args.size()) {
      out.values_[key].push_back(args[++i]);
    } else {
      return "option '" + key + "' needs a value";
    }
  }
  return std::nullopt;
}

std::optional<unsigned long> ParseCount(std::string_view text,
                                        unsigned long max) {
  unsigned long n = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, n);
  if (text.empty() || ec != std::errc() || ptr != end || n > max) {
    return std::nullopt;
  }
  return n;
}

}  // namespace latchkey::cli
