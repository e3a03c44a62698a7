// How latchkeyctl prints: UTC times in ISO 8601, aligned text tables and
// "key: value" blocks for people, one JSON document for scripts.
#ifndef LATCHKEY_CLI_OUTPUT_H_
#define LATCHKEY_CLI_OUTPUT_H_

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "latchkey/base/clock.h"

namespace latchkey::cli {

// latchkey::IsoTime (base/clock.h), or `none` for nullopt.
std::string IsoTimeOr(const std::optional<int64_t>& unix_seconds,
                      std::string_view none);
// An ISO string, or JSON null.
nlohmann::json JsonTime(const std::optional<int64_t>& unix_seconds);

// Writes `doc` indented, followed by a newline. Bytes that are not UTF-8
// are replaced rather than throwing.
void PrintJson(std::ostream& out, const nlohmann::json& doc);

// Columns padded to the widest cell (counted in code points), separated by
// two spaces; the last column is not padded.
class Table {
 public:
  explicit Table(std::vector<std::string> header);
  void AddRow(std::vector<std::string> row);
  size_t rows() const { return rows_.size(); }
  void Print(std::ostream& out) const;

 private:
  std::vector<std::string> header_;
  std::vector<std::vector<std::string>> rows_;
};

// "key:" padded so the values line up.
void PrintFields(std::ostream& out,
                 const std::vector<std::pair<std::string, std::string>>& kv);

std::string_view YesNo(bool b);

}  // namespace latchkey::cli

#endif  // LATCHKEY_CLI_OUTPUT_H_
