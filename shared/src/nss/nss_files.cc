#include "latchkey/nss/nss_files.h"

#include <algorithm>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "base/atomic_file.h"
#include "base/passwd_files.h"
#include "latchkey/store/user_store.h"
#include "nss/nss_names.h"

namespace latchkey {
namespace nss_internal {

std::string Shown(std::string_view name) {
  std::string out;
  for (const char c : name.substr(0, 64)) {
    const auto u = static_cast<unsigned char>(c);
    out.push_back(u < 0x20 || u == 0x7f ? '?' : c);
  }
  if (name.size() > 64) out += "...";
  return out;
}

std::optional<std::string> NameProblem(std::string_view name,
                                       const LocalAccounts& local) {
  if (!CheckUsernameForm(name).ok()) return "not a valid Unix user name";
  if (IsSystemUsername(name))
    return "the name is reserved for a system account";
  const std::string key(name);
  if (local.user_names.contains(key))
    return "a local account of that name exists";
  if (local.group_names.contains(key))
    return "a local group of that name exists";
  return std::nullopt;
}

}  // namespace nss_internal

namespace {

using nss_internal::LocalAccounts;
using nss_internal::NameProblem;
using nss_internal::Shown;

constexpr mode_t kFileMode = 0644;

// Replaces `path` unless it already holds exactly `text` with kFileMode.
Status WriteIfChanged(const std::string& path, const std::string& text,
                      bool& changed) {
  LK_ASSIGN_OR_RETURN(std::optional<nss_internal::FileState> now,
                      nss_internal::ReadFileState(path));
  if (now && now->bytes == text && now->mode == kFileMode) return Status::Ok();
  LK_RETURN_IF_ERROR(internal::ReplaceFileAtomically(path, text, kFileMode));
  changed = true;
  return Status::Ok();
}

// A home directory or shell for a passwd line: absolute, and nothing that
// ends a field or a line.
bool SafePath(std::string_view path) {
  if (path.empty() || path.front() != '/' || path.size() > 4096) return false;
  for (const char c : path) {
    const auto u = static_cast<unsigned char>(c);
    if (c == ':' || u < 0x20 || u == 0x7f) return false;
  }
  return true;
}

std::optional<std::string> IdProblem(std::string_view what, int64_t id,
                                     const NssConfig& config,
                                     const LocalAccounts& local) {
  if (id < static_cast<int64_t>(config.uid_min) ||
      id > static_cast<int64_t>(config.uid_max)) {
    return std::string(what) + " " + std::to_string(id) + " is outside " +
           std::to_string(config.uid_min) + ".." +
           std::to_string(config.uid_max);
  }
  const auto taken = local.ids.find(static_cast<uint32_t>(id));
  if (taken != local.ids.end()) {
    return std::string(what) + " " + std::to_string(id) + " is used by " +
           Shown(taken->second);
  }
  return std::nullopt;
}

}  // namespace

std::string NssGecos(std::string_view full_name) {
  std::string out;
  for (const char c : full_name) {
    const auto u = static_cast<unsigned char>(c);
    const bool space = c == ':' || c == ',' || u < 0x20 || u == 0x7f;
    if (space || c == ' ') {
      if (!out.empty() && out.back() != ' ') out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  if (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

Result<bool> WriteNssFiles(const NssConfig& config,
                           std::vector<NssPasswdEntry> users,
                           std::vector<NssGroupEntry> groups) {
  std::sort(users.begin(), users.end(),
            [](const NssPasswdEntry& a, const NssPasswdEntry& b) {
              return a.uid < b.uid;
            });
  std::sort(groups.begin(), groups.end(),
            [](const NssGroupEntry& a, const NssGroupEntry& b) {
              return a.gid < b.gid;
            });
  std::string passwd;
  for (const NssPasswdEntry& e : users) {
    passwd += e.name + ":x:" + std::to_string(e.uid) + ":" +
              std::to_string(e.gid) + ":" + e.gecos + ":" + e.home + ":" +
              e.shell + "\n";
  }
  std::string group;
  for (const NssGroupEntry& g : groups) {
    group += g.name + ":x:" + std::to_string(g.gid) + ":";
    for (size_t i = 0; i < g.members.size(); ++i) {
      if (i > 0) group += ",";
      group += g.members[i];
    }
    group += "\n";
  }
  bool changed = false;
  LK_RETURN_IF_ERROR(WriteIfChanged(config.group_file, group, changed));
  LK_RETURN_IF_ERROR(WriteIfChanged(config.passwd_file, passwd, changed));
  return changed;
}

Result<NssMapVerdict> FilterNssMap(const NssConfig& config,
                                   const std::vector<NssPasswdEntry>& users,
                                   const std::vector<NssGroupEntry>& groups,
                                   const std::string& local_passwd,
                                   const std::string& local_group) {
  LK_ASSIGN_OR_RETURN(LocalAccounts local, nss_internal::ReadLocalAccounts(
                                               local_passwd, local_group));
  NssMapVerdict verdict;
  std::set<std::string> names;
  std::set<int64_t> uids;
  for (const NssPasswdEntry& u : users) {
    std::optional<std::string> problem = NameProblem(u.name, local);
    if (!problem) problem = IdProblem("uid", u.uid, config, local);
    if (!problem) problem = IdProblem("gid", u.gid, config, local);
    if (!problem && !SafePath(u.home))
      problem = "the home directory is not a safe absolute path";
    if (!problem && !SafePath(u.shell))
      problem = "the shell is not a safe absolute path";
    if (!problem && names.contains(u.name)) problem = "the name is given twice";
    if (!problem && uids.contains(u.uid)) problem = "the uid is given twice";
    if (problem) {
      verdict.skipped.push_back(Shown(u.name) + ": " + *problem);
      continue;
    }
    names.insert(u.name);
    uids.insert(u.uid);
    NssPasswdEntry accepted = u;
    accepted.gecos = NssGecos(u.gecos);
    verdict.users.push_back(std::move(accepted));
  }
  std::set<std::string> group_names;
  std::set<int64_t> gids;
  for (const NssGroupEntry& g : groups) {
    std::optional<std::string> problem = NameProblem(g.name, local);
    if (!problem) problem = IdProblem("gid", g.gid, config, local);
    if (!problem && group_names.contains(g.name))
      problem = "the group name is given twice";
    if (!problem && gids.contains(g.gid)) problem = "the gid is given twice";
    if (problem) {
      verdict.skipped.push_back("group " + Shown(g.name) + ": " + *problem);
      continue;
    }
    group_names.insert(g.name);
    gids.insert(g.gid);
    NssGroupEntry accepted{g.name, g.gid, {}};
    for (const std::string& m : g.members) {
      if (!CheckUsernameForm(m).ok() || local.user_names.contains(m)) {
        verdict.skipped.push_back("group " + Shown(g.name) + ": member " +
                                  Shown(m) +
                                  ": not a valid name, or a local account");
        continue;
      }
      accepted.members.push_back(m);
    }
    verdict.groups.push_back(std::move(accepted));
  }
  return verdict;
}

}  // namespace latchkey
