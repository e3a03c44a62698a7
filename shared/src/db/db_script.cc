// SplitSqlScript: cuts trusted SQL files into statements for
// Connection::ExecuteScript.
#include "latchkey/base/strings.h"
#include "latchkey/db/db.h"

namespace latchkey::db {
namespace {

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' ||
         c == '\v';
}

// MariaDB: "--" starts a comment only when followed by a space, a control
// character or the end of the text.
bool DashCommentAt(std::string_view s, size_t i) {
  if (i + 1 >= s.size() || s[i] != '-' || s[i + 1] != '-') return false;
  return i + 2 >= s.size() || static_cast<unsigned char>(s[i + 2]) <= ' ';
}

// True if only blanks and a line comment follow position `i` up to the end
// of its line.
bool RestOfLineIsEmpty(std::string_view s, size_t i) {
  while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r')) ++i;
  return i >= s.size() || s[i] == '\n' || s[i] == '#' || DashCommentAt(s, i);
}
}  // namespace

std::vector<ScriptStatement> SplitSqlScript(std::string_view sql) {
  std::vector<ScriptStatement> out;
  int line = 1;          // line of position i
  int first_line = 0;    // line of the piece's first real token, 0 if none
  size_t first_pos = 0;  // its position
  size_t i = 0;
  auto finish = [&](size_t end) {
    if (first_line != 0) {
      std::string_view text =
          TrimWhitespace(sql.substr(first_pos, end - first_pos));
      if (!text.empty()) out.push_back({text, first_line});
    }
    first_line = 0;
  };
  while (i < sql.size()) {
    char c = sql[i];
    if (c == '\n') {
      ++line;
      ++i;
      continue;
    }
    if (IsSpace(c)) {
      ++i;
      continue;
    }
    if (c == '#' || DashCommentAt(sql, i)) {
      while (i < sql.size() && sql[i] != '\n') ++i;
      continue;
    }
    if (c == '/' && i + 1 < sql.size() && sql[i + 1] == '*') {
      i += 2;
      while (i < sql.size() &&
             !(sql[i] == '*' && i + 1 < sql.size() && sql[i + 1] == '/')) {
        if (sql[i] == '\n') ++line;
        ++i;
      }
      i = i < sql.size() ? i + 2 : i;
      continue;
    }
    if (c == ';' && RestOfLineIsEmpty(sql, i + 1)) {
      finish(i);
      ++i;
      continue;
    }
    if (first_line == 0) {
      first_line = line;
      first_pos = i;
    }
    if (c == '\'' || c == '"' || c == '`') {
      // A quoted string or name: backslash escapes (not in `names`), and a
      // doubled quote stands for itself.
      ++i;
      while (i < sql.size()) {
        char q = sql[i];
        if (q == '\n') ++line;
        if (q == '\\' && c != '`' && i + 1 < sql.size()) {
          if (sql[i + 1] == '\n') ++line;
          i += 2;
          continue;
        }
        if (q == c) {
          if (i + 1 < sql.size() && sql[i + 1] == c) {
            i += 2;
            continue;
          }
          ++i;
          break;
        }
        ++i;
      }
      continue;
    }
    ++i;
  }
  finish(sql.size());
  return out;
}

}  // namespace latchkey::db
