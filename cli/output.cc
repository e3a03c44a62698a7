#include "output.h"

#include <time.h>

#include <algorithm>
#include <array>

#include "latchkey/auth/password_policy.h"
#include "latchkey/base/strings.h"

namespace latchkey::cli {
namespace {

size_t Width(std::string_view s) {
  const long n = Utf8Length(s);
  return n < 0 ? s.size() : static_cast<size_t>(n);
}

void Pad(std::ostream& out, std::string_view cell, size_t width) {
  out << cell;
  for (size_t w = Width(cell); w < width; ++w) out << ' ';
}

}  // namespace

std::string IsoTimeOr(const std::optional<int64_t>& unix_seconds,
                      std::string_view none) {
  return unix_seconds ? IsoTime(*unix_seconds) : std::string(none);
}

nlohmann::json JsonTime(const std::optional<int64_t>& unix_seconds) {
  if (!unix_seconds) return nullptr;
  return IsoTime(*unix_seconds);
}

void PrintJson(std::ostream& out, const nlohmann::json& doc) {
  out << doc.dump(2, ' ', false, nlohmann::json::error_handler_t::replace)
      << '\n';
}

Table::Table(std::vector<std::string> header) : header_(std::move(header)) {}

void Table::AddRow(std::vector<std::string> row) {
  row.resize(header_.size());
  rows_.push_back(std::move(row));
}

void Table::Print(std::ostream& out) const {
  std::vector<size_t> widths(header_.size(), 0);
  auto measure = [&widths](const std::vector<std::string>& row) {
    for (size_t i = 0; i < row.size(); ++i) {
      widths[i] = std::max(widths[i], Width(row[i]));
    }
  };
  measure(header_);
  for (const auto& row : rows_) measure(row);
  auto print = [&](const std::vector<std::string>& row) {
    for (size_t i = 0; i < row.size(); ++i) {
      if (i + 1 == row.size()) {
        out << row[i];
      } else {
        Pad(out, row[i], widths[i]);
        out << "  ";
      }
    }
    out << '\n';
  };
  print(header_);
  for (const auto& row : rows_) print(row);
}

void PrintFields(std::ostream& out,
                 const std::vector<std::pair<std::string, std::string>>& kv) {
  size_t width = 0;
  for (const auto& [key, value] : kv) width = std::max(width, Width(key) + 1);
  for (const auto& [key, value] : kv) {
    Pad(out, key + ":", width);
    out << "  " << value << '\n';
  }
}

std::string_view YesNo(bool b) { return b ? "yes" : "no"; }

}  // namespace latchkey::cli
