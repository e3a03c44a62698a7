#include "latchkey/account/ssh_keys.h"

#include <charconv>
#include <string>
#include <utility>

#include "latchkey/crypto/ssh_public_key.h"
#include "latchkey/mail/mail.h"
#include "latchkey/mail/mail_texts.h"

namespace latchkey {
namespace {

std::string Detail(const StoredSshKey& key, std::string_view by) {
  std::string detail = key.fingerprint + " " + key.algorithm;
  if (!by.empty()) detail += " by " + std::string(by);
  return detail;
}

}  // namespace

SshKeys::SshKeys(Services& services)
    : s_(services), store_(services.db(), services.clock()) {}

Result<AddedSshKey> SshKeys::AddKey(int64_t user_id, std::string_view line,
                                    std::optional<int64_t> expires_at,
                                    const SshKeyActor& actor) {
  AddedSshKey out;
  Result<SshPublicKey> parsed = ParseSshPublicKey(line);
  if (!parsed.ok()) {
    if (parsed.status().code() != StatusCode::kInvalidArgument) {
      return parsed.status();
    }
    out.errors.Add("key", Sentence(parsed.status().message()));
  }
  const int64_t now = s_.clock().NowUnix();
  if (expires_at) {
    if (*expires_at <= now) {
      out.errors.Add("expires_at", "The expiry must be in the future.");
    } else if (*expires_at - now > kMaxSshKeyLifetime.count()) {
      out.errors.Add("expires_at",
                     "The expiry may be at most 5 years from now.");
    }
  }
  if (!out.errors.empty()) return out;

  LK_ASSIGN_OR_RETURN(std::optional<User> user, s_.users().FindById(user_id));
  if (!user) return NotFound("no user with id " + std::to_string(user_id));

  StoredSshKey key;
  key.user_id = user_id;
  key.algorithm = parsed->algorithm;
  key.public_key = parsed->Base64();
  key.fingerprint = parsed->Fingerprint();
  key.comment = parsed->comment;
  key.expires_at = expires_at;

  LK_ASSIGN_OR_RETURN(db::Transaction tx, db::Transaction::Start(s_.db()));
  LK_ASSIGN_OR_RETURN(size_t count, store_.CountForUserLocked(user_id));
  if (count >= kMaxSshKeysPerUser) {
    return ResourceExhausted("an account may have at most " +
                             std::to_string(kMaxSshKeysPerUser) +
                             " SSH keys: remove one first");
  }
  LK_ASSIGN_OR_RETURN(out.key, store_.Add(std::move(key)));
  LK_RETURN_IF_ERROR(s_.audit().Record(
      AuditEvent::kSshKeyAdded, user->id, user->username, actor.ctx,
      AuditOutcome::kOk, Detail(out.key, actor.by)));
  // Only a verified address: an unverified one may be someone else's.
  if (user->email_verified() && !user->email.empty()) {
    MailOutbox outbox(s_.db(), s_.clock());
    LK_RETURN_IF_ERROR(
        outbox
            .Enqueue(user->email,
                     mail_texts::SshKeyAdded(
                         s_.config(), *user, out.key.fingerprint,
                         out.key.algorithm, actor.by, now, actor.ctx))
            .status());
  }
  LK_RETURN_IF_ERROR(tx.Commit());
  return out;
}

Result<StoredSshKey> SshKeys::RemoveKey(int64_t user_id, int64_t key_id,
                                        const SshKeyActor& actor) {
  LK_ASSIGN_OR_RETURN(std::optional<User> user, s_.users().FindById(user_id));
  if (!user) return NotFound("no user with id " + std::to_string(user_id));
  LK_ASSIGN_OR_RETURN(db::Transaction tx, db::Transaction::Start(s_.db()));
  LK_ASSIGN_OR_RETURN(StoredSshKey key, store_.Remove(user_id, key_id));
  LK_RETURN_IF_ERROR(
      s_.audit().Record(AuditEvent::kSshKeyRemoved, user->id, user->username,
                        actor.ctx, AuditOutcome::kOk, Detail(key, actor.by)));
  LK_RETURN_IF_ERROR(tx.Commit());
  return key;
}

Result<std::optional<StoredSshKey>> SshKeys::FindKey(
    int64_t user_id, std::string_view id_or_fingerprint) {
  if (id_or_fingerprint.starts_with("SHA256:")) {
    LK_ASSIGN_OR_RETURN(std::vector<StoredSshKey> keys,
                        store_.ListForUser(user_id));
    for (StoredSshKey& key : keys) {
      if (key.fingerprint == id_or_fingerprint) {
        return std::optional<StoredSshKey>(std::move(key));
      }
    }
    return std::optional<StoredSshKey>();
  }
  int64_t id = 0;
  const char* begin = id_or_fingerprint.data();
  const char* end = begin + id_or_fingerprint.size();
  auto [ptr, ec] = std::from_chars(begin, end, id);
  if (ec != std::errc() || ptr != end || id <= 0) {
    return std::optional<StoredSshKey>();
  }
  return store_.Find(user_id, id);
}

Result<std::vector<StoredSshKey>> SshKeys::ListKeys(int64_t user_id) {
  return store_.ListForUser(user_id);
}

}  // namespace latchkey
