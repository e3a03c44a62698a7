#include "portal/request.h"

#include <strings.h>

#include "latchkey/base/secret.h"

namespace latchkey::portal {
namespace {

std::optional<std::string_view> FindIn(const Pairs& pairs,
                                       std::string_view name) {
  for (const auto& [k, v] : pairs) {
    if (k == name) return std::string_view(v);
  }
  return std::nullopt;
}

bool EqualsNoCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         ::strncasecmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace

Method ParseMethod(std::string_view name) {
  if (name == "GET") return Method::kGet;
  if (name == "HEAD") return Method::kHead;
  if (name == "POST") return Method::kPost;
  if (name == "PUT") return Method::kPut;
  if (name == "PATCH") return Method::kPatch;
  if (name == "DELETE") return Method::kDelete;
  if (name == "OPTIONS") return Method::kOptions;
  return Method::kOther;
}

std::string_view MethodName(Method m) {
  switch (m) {
    case Method::kGet:
      return "GET";
    case Method::kHead:
      return "HEAD";
    case Method::kPost:
      return "POST";
    case Method::kPut:
      return "PUT";
    case Method::kPatch:
      return "PATCH";
    case Method::kDelete:
      return "DELETE";
    case Method::kOptions:
      return "OPTIONS";
    case Method::kOther:
      break;
  }
  return "OTHER";
}

bool IsStateChanging(Method m) {
  return m != Method::kGet && m != Method::kHead && m != Method::kOptions;
}

Form::~Form() {
  for (FormField& f : fields_) WipeString(f.value);
}

const FormField* Form::Find(std::string_view name) const {
  for (const FormField& f : fields_) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

std::string_view Form::Get(std::string_view name) const {
  const FormField* f = Find(name);
  return f == nullptr ? std::string_view() : std::string_view(f->value);
}

Request::~Request() { WipeString(body); }

std::optional<std::string_view> Request::Query(std::string_view name) const {
  return FindIn(query, name);
}

std::optional<std::string_view> Request::Header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (EqualsNoCase(k, name)) return std::string_view(v);
  }
  return std::nullopt;
}

std::optional<std::string_view> Request::Cookie(std::string_view name) const {
  return FindIn(cookies, name);
}

std::string_view Request::Param(std::string_view name) const {
  return FindIn(path_params, name).value_or(std::string_view());
}

nlohmann::json Request::Json() const {
  return nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
}

bool Request::WantsJson() const {
  return path.rfind("/api/", 0) == 0 || path.rfind("/host/", 0) == 0;
}

}  // namespace latchkey::portal
