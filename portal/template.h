// A small logic-less template renderer (a Mustache subset) whose only
// output of a value is HTML-escaped.
//
// Syntax:
//   {{name}}            the value, escaped (& < > " ' ` = / become entities),
//                       safe in text and in quoted attribute values;
//                       `name` may be dotted (user.full_name) or "." (the
//                       current item); a missing name renders nothing
//   {{#name}}..{{/name}} renders the inside once for true / a non-empty
//                       string / a dict (pushed as context), once per item
//                       of a non-empty list; nothing otherwise
//   {{^name}}..{{/name}} renders the inside iff the value is missing, false,
//                       "" or an empty list
//   {{> partial}}       another template of the same set, with the current
//                       context (the layout: {{> header}} ... {{> footer}})
//   {{! comment}}       nothing
// There is deliberately no syntax for unescaped output: "{{{" and "{{&"
// are parse errors. Names are [A-Za-z0-9_.-]+ with optional spaces
// around them.
//
// Limits (parse errors, or render errors for the last three): sections
// nest at most kMaxDepth deep; partials nest at most kMaxPartialDepth deep;
// a rendering stops with an error past kMaxOutput bytes or kMaxSteps nodes
// visited (nested sections over lists multiply).
#ifndef LATCHKEY_PORTAL_TEMPLATE_H_
#define LATCHKEY_PORTAL_TEMPLATE_H_

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "latchkey/base/result.h"
#include "latchkey/base/status.h"

namespace latchkey::portal::tmpl {

inline constexpr size_t kMaxDepth = 32;
inline constexpr size_t kMaxPartialDepth = 8;
inline constexpr size_t kMaxOutput = 4 * 1024 * 1024;
inline constexpr size_t kMaxSteps = 1'000'000;

class Value;
using Dict = std::map<std::string, Value, std::less<>>;
using List = std::vector<Value>;

// A context value: nothing, a bool, a string, a list or a dict.
class Value {
 public:
  Value() = default;
  Value(bool b) : v_(b) {}                           // NOLINT
  Value(const char* s) : v_(std::string(s)) {}       // NOLINT
  Value(std::string s) : v_(std::move(s)) {}         // NOLINT
  Value(std::string_view s) : v_(std::string(s)) {}  // NOLINT
  Value(int64_t n) : v_(std::to_string(n)) {}        // NOLINT
  Value(int n) : v_(std::to_string(n)) {}            // NOLINT
  Value(List l) : v_(std::move(l)) {}                // NOLINT
  Value(Dict d) : v_(std::move(d)) {}                // NOLINT

  bool is_null() const { return std::holds_alternative<std::monostate>(v_); }
  const bool* as_bool() const { return std::get_if<bool>(&v_); }
  const std::string* as_string() const { return std::get_if<std::string>(&v_); }
  const List* as_list() const { return std::get_if<List>(&v_); }
  const Dict* as_dict() const { return std::get_if<Dict>(&v_); }
  // false for null, false, "" and an empty list; true otherwise.
  bool truthy() const;

 private:
  std::variant<std::monostate, bool, std::string, List, Dict> v_;
};

// Appends `text` to `out` with & < > " ' ` = / as character references.
void EscapeHtml(std::string_view text, std::string& out);
std::string EscapeHtml(std::string_view text);

// A set of named, parsed templates. Thread-safe for Render once built.
class TemplateSet {
 public:
  TemplateSet();
  ~TemplateSet();
  TemplateSet(TemplateSet&&) noexcept;
  TemplateSet& operator=(TemplateSet&&) noexcept;

  // Parses `text` as template `name` (replacing one of that name). Errors:
  // InvalidArgument "<name>:<line>: <reason>".
  Status Add(std::string_view name, std::string_view text);
  bool Has(std::string_view name) const;

  // Checks that every partial named anywhere exists and that no template
  // includes itself (directly or not). Errors: InvalidArgument naming the
  // template and the partial.
  Status Check() const;

  // Renders template `name` with `context` as the root. Errors: NotFound
  // for an unknown template or partial; ResourceExhausted past kMaxOutput,
  // kMaxSteps or kMaxPartialDepth.
  Result<std::string> Render(std::string_view name, const Value& context) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace latchkey::portal::tmpl

#endif  // LATCHKEY_PORTAL_TEMPLATE_H_
