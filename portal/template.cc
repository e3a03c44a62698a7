#include "portal/template.h"

#include <algorithm>
#include <functional>
#include <set>

#include "latchkey/base/strings.h"

namespace latchkey::portal::tmpl {
namespace {

enum class NodeKind { kText, kVar, kSection, kInverted, kPartial };

struct Node {
  NodeKind kind = NodeKind::kText;
  std::string text;               // kText: the text; else: the name
  std::vector<std::string> path;  // kVar/kSection/kInverted: name split
  std::vector<Node> children;     // kSection/kInverted
};

bool IsNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
}
// "." -> {}, "a.b" -> {"a", "b"}; empty segments are invalid.
bool SplitName(std::string_view name, std::vector<std::string>& out) {
  if (name.empty()) return false;
  if (!std::all_of(name.begin(), name.end(), IsNameChar)) return false;
  if (name == ".") return true;
  size_t start = 0;
  while (true) {
    const size_t dot = name.find('.', start);
    const std::string_view part = name.substr(start, dot - start);
    if (part.empty()) return false;
    out.emplace_back(part);
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

class Parser {
 public:
  Parser(std::string_view name, std::string_view text)
      : name_(name), text_(text) {}

  Status Parse(std::vector<Node>& out) {
    struct Open {
      Node node;
      std::string name;
      int line;
    };
    std::vector<Open> stack;
    auto current = [&]() -> std::vector<Node>& {
      return stack.empty() ? out : stack.back().node.children;
    };
    size_t pos = 0;
    while (pos < text_.size()) {
      const size_t open = text_.find("{{", pos);
      const size_t text_end =
          open == std::string_view::npos ? text_.size() : open;
      if (text_end > pos) {
        Node t;
        t.kind = NodeKind::kText;
        t.text = std::string(text_.substr(pos, text_end - pos));
        current().push_back(std::move(t));
      }
      if (open == std::string_view::npos) break;
      const int line = LineOf(open);
      const size_t close = text_.find("}}", open + 2);
      if (close == std::string_view::npos) {
        return Error(line, "unclosed '{{'");
      }
      std::string_view tag = text_.substr(open + 2, close - open - 2);
      pos = close + 2;
      if (tag.empty()) return Error(line, "empty tag");
      const char sigil = tag.front();
      if (sigil == '{' || sigil == '&') {
        return Error(line, "unescaped output is not supported");
      }
      if (sigil == '!') continue;
      if (sigil == '#' || sigil == '^' || sigil == '/' || sigil == '>') {
        tag.remove_prefix(1);
      }
      const std::string_view name = Trim(tag);
      Node node;
      if (sigil != '>' && !SplitName(name, node.path)) {
        return Error(line, "bad tag name '" + Shorten(name) + "'");
      }
      if (sigil == '>' &&
          (name.empty() ||
           !std::all_of(name.begin(), name.end(), IsNameChar))) {
        return Error(line, "bad partial name '" + Shorten(name) + "'");
      }
      node.text = std::string(name);
      switch (sigil) {
        case '#':
        case '^':
          if (stack.size() >= kMaxDepth) {
            return Error(line, "sections nest too deeply");
          }
          node.kind = sigil == '#' ? NodeKind::kSection : NodeKind::kInverted;
          stack.push_back(Open{std::move(node), std::string(name), line});
          break;
        case '/': {
          if (stack.empty()) {
            return Error(line, "'{{/" + Shorten(name) + "}}' closes nothing");
          }
          if (stack.back().name != name) {
            return Error(line, "'{{/" + Shorten(name) + "}}' closes '" +
                                   Shorten(stack.back().name) + "' (line " +
                                   std::to_string(stack.back().line) + ")");
          }
          Node done = std::move(stack.back().node);
          stack.pop_back();
          current().push_back(std::move(done));
          break;
        }
        case '>':
          node.kind = NodeKind::kPartial;
          current().push_back(std::move(node));
          break;
        default:
          node.kind = NodeKind::kVar;
          current().push_back(std::move(node));
          break;
      }
    }
    if (!stack.empty()) {
      return Error(stack.back().line, "section '" + Shorten(stack.back().name) +
                                          "' is not closed");
    }
    return Status::Ok();
  }

 private:
  int LineOf(size_t offset) const {
    return 1 + static_cast<int>(std::count(
                   text_.begin(),
                   text_.begin() + static_cast<std::ptrdiff_t>(offset), '\n'));
  }
  static std::string Shorten(std::string_view s) {
    std::string out;
    for (char c : s.substr(0, 40)) {
      out.push_back(static_cast<unsigned char>(c) < 0x20 ? '?' : c);
    }
    return out;
  }
  Status Error(int line, const std::string& what) const {
    return InvalidArgument(std::string(name_) + ":" + std::to_string(line) +
                           ": " + what);
  }

  std::string_view name_;
  std::string_view text_;
};

void CollectPartials(const std::vector<Node>& nodes,
                     std::set<std::string>& out) {
  for (const Node& n : nodes) {
    if (n.kind == NodeKind::kPartial) out.insert(n.text);
    CollectPartials(n.children, out);
  }
}

}  // namespace

bool Value::truthy() const {
  if (is_null()) return false;
  if (const bool* b = as_bool()) return *b;
  if (const std::string* s = as_string()) return !s->empty();
  if (const List* l = as_list()) return !l->empty();
  return true;
}

void EscapeHtml(std::string_view text, std::string& out) {
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      case '`':
        out += "&#96;";
        break;
      case '=':
        out += "&#61;";
        break;
      case '/':
        out += "&#47;";
        break;
      default:
        out.push_back(c);
    }
  }
}

std::string EscapeHtml(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  EscapeHtml(text, out);
  return out;
}

struct TemplateSet::Impl {
  std::map<std::string, std::vector<Node>, std::less<>> templates;
};

namespace {

class Renderer {
 public:
  Renderer(const std::map<std::string, std::vector<Node>, std::less<>>& set,
           std::string& out)
      : set_(set), out_(out) {}

  Status Render(const std::vector<Node>& nodes) {
    for (const Node& n : nodes) {
      if (out_.size() > kMaxOutput || ++steps_ > kMaxSteps) {
        return ResourceExhausted("the rendered page is too large");
      }
      switch (n.kind) {
        case NodeKind::kText:
          out_ += n.text;
          break;
        case NodeKind::kVar:
          if (const Value* v = Lookup(n.path)) {
            if (const std::string* s = v->as_string()) {
              EscapeHtml(*s, out_);
            } else if (const bool* b = v->as_bool()) {
              if (*b) out_ += "true";
            }
          }
          break;
        case NodeKind::kSection: {
          const Value* v = Lookup(n.path);
          if (v == nullptr || !v->truthy()) break;
          if (const List* list = v->as_list()) {
            for (const Value& item : *list) {
              stack_.push_back(&item);
              Status s = Render(n.children);
              stack_.pop_back();
              LK_RETURN_IF_ERROR(s);
            }
          } else {
            stack_.push_back(v);
            Status s = Render(n.children);
            stack_.pop_back();
            LK_RETURN_IF_ERROR(s);
          }
          break;
        }
        case NodeKind::kInverted: {
          const Value* v = Lookup(n.path);
          if (v == nullptr || !v->truthy()) {
            LK_RETURN_IF_ERROR(Render(n.children));
          }
          break;
        }
        case NodeKind::kPartial: {
          auto it = set_.find(n.text);
          if (it == set_.end()) {
            return NotFound("no template named '" + n.text + "'");
          }
          if (partial_depth_ >= kMaxPartialDepth) {
            return ResourceExhausted("partials nest too deeply");
          }
          ++partial_depth_;
          Status s = Render(it->second);
          --partial_depth_;
          LK_RETURN_IF_ERROR(s);
          break;
        }
      }
    }
    return Status::Ok();
  }

  void Push(const Value* v) { stack_.push_back(v); }

 private:
  // The innermost context holding path[0], then down the dicts.
  const Value* Lookup(const std::vector<std::string>& path) const {
    if (path.empty()) return stack_.empty() ? nullptr : stack_.back();
    const Value* found = nullptr;
    for (auto it = stack_.rbegin(); it != stack_.rend(); ++it) {
      if (const Dict* d = (*it)->as_dict()) {
        auto f = d->find(path[0]);
        if (f != d->end()) {
          found = &f->second;
          break;
        }
      }
    }
    for (size_t i = 1; found != nullptr && i < path.size(); ++i) {
      const Dict* d = found->as_dict();
      if (d == nullptr) return nullptr;
      auto f = d->find(path[i]);
      found = f == d->end() ? nullptr : &f->second;
    }
    return found;
  }

  const std::map<std::string, std::vector<Node>, std::less<>>& set_;
  std::string& out_;
  std::vector<const Value*> stack_;
  size_t partial_depth_ = 0;
  size_t steps_ = 0;
};

}  // namespace

TemplateSet::TemplateSet() : impl_(std::make_unique<Impl>()) {}
TemplateSet::~TemplateSet() = default;
TemplateSet::TemplateSet(TemplateSet&&) noexcept = default;
TemplateSet& TemplateSet::operator=(TemplateSet&&) noexcept = default;

Status TemplateSet::Add(std::string_view name, std::string_view text) {
  std::vector<Node> nodes;
  LK_RETURN_IF_ERROR(Parser(name, text).Parse(nodes));
  impl_->templates.insert_or_assign(std::string(name), std::move(nodes));
  return Status::Ok();
}

bool TemplateSet::Has(std::string_view name) const {
  return impl_->templates.find(name) != impl_->templates.end();
}

Status TemplateSet::Check() const {
  std::map<std::string, std::set<std::string>> uses;
  for (const auto& [name, nodes] : impl_->templates) {
    std::set<std::string> partials;
    CollectPartials(nodes, partials);
    for (const std::string& p : partials) {
      if (!Has(p)) {
        return InvalidArgument("template '" + name +
                               "' includes the missing partial '" + p + "'");
      }
    }
    uses[name] = std::move(partials);
  }
  // Depth-first search for a cycle: 0 new, 1 on the path, 2 done.
  std::map<std::string, int> state;
  std::function<Status(const std::string&)> visit =
      [&](const std::string& name) -> Status {
    state[name] = 1;
    for (const std::string& p : uses[name]) {
      if (state[p] == 1) {
        return InvalidArgument("template '" + name + "' includes '" + p +
                               "', which includes it again");
      }
      if (state[p] == 0) LK_RETURN_IF_ERROR(visit(p));
    }
    state[name] = 2;
    return Status::Ok();
  };
  for (const auto& entry : uses) {
    if (state[entry.first] == 0) LK_RETURN_IF_ERROR(visit(entry.first));
  }
  return Status::Ok();
}

Result<std::string> TemplateSet::Render(std::string_view name,
                                        const Value& context) const {
  auto it = impl_->templates.find(name);
  if (it == impl_->templates.end()) {
    return NotFound("no template named '" + std::string(name) + "'");
  }
  std::string out;
  Renderer r(impl_->templates, out);
  r.Push(&context);
  LK_RETURN_IF_ERROR(r.Render(it->second));
  return out;
}

}  // namespace latchkey::portal::tmpl
