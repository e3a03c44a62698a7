// SMTP through libcurl: one connection per message (the worker sends a few
// mails at a time; connection reuse is not worth its failure modes).
#include <curl/curl.h>

#include <cstring>
#include <optional>

#include "latchkey/base/secret.h"
#include "mail/mail_transport_internal.h"

namespace latchkey::internal {
namespace {

enum class TlsPolicy { kTry, kRequired, kImplicit };

// Owns a string curl allocated.
struct CurlString {
  char* p = nullptr;
  ~CurlString() { curl_free(p); }
  std::string_view view() const { return p ? std::string_view(p) : ""; }
};

struct UrlHandle {
  CURLU* u = curl_url();
  ~UrlHandle() { curl_url_cleanup(u); }
  // The decoded part, or nullopt when the URL has none.
  std::optional<std::string> Get(CURLUPart part, unsigned flags = 0) const {
    CurlString s;
    if (curl_url_get(u, part, &s.p, flags) != CURLUE_OK) return std::nullopt;
    return std::string(s.view());
  }
};

struct ReadState {
  std::string_view data;
  size_t pos = 0;
};

size_t ReadBody(char* buffer, size_t size, size_t nitems, void* user) {
  auto* state = static_cast<ReadState*>(user);
  const size_t n = std::min(size * nitems, state->data.size() - state->pos);
  std::memcpy(buffer, state->data.data() + state->pos, n);
  state->pos += n;
  return n;
}

class SmtpTransport final : public MailTransport {
 public:
  SmtpTransport(std::string url, std::string described, bool auth, Secret user,
                Secret password, TlsPolicy tls, SmtpTls verify,
                SmtpTimeouts timeouts)
      : url_(std::move(url)),
        described_(std::move(described)),
        auth_(auth),
        user_(std::move(user)),
        password_(std::move(password)),
        tls_(tls),
        verify_(std::move(verify)),
        timeouts_(timeouts) {}

  Status Send(std::string_view from, std::string_view to,
              std::string_view message) override {
    CURL* curl = curl_easy_init();
    if (curl == nullptr) return Internal("curl_easy_init failed");
    const std::string mail_from = "<" + std::string(from) + ">";
    const std::string rcpt = "<" + std::string(to) + ">";
    curl_slist* rcpts = curl_slist_append(nullptr, rcpt.c_str());
    ReadState state{message, 0};
    char errbuf[CURL_ERROR_SIZE] = {0};

    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(curl, CURLOPT_URL, url_.c_str());
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    curl_easy_setopt(curl, CURLOPT_PROXY, "");  // ignore *_proxy variables
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
                     static_cast<long>(timeouts_.connect.count()));
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS,
                     static_cast<long>(timeouts_.total.count()));
    if (tls_ == TlsPolicy::kTry) {
      // STARTTLS when offered; once started, it is verified like any TLS.
      curl_easy_setopt(curl, CURLOPT_USE_SSL,
                       static_cast<long>(CURLUSESSL_TRY));
    } else if (tls_ == TlsPolicy::kRequired) {
      curl_easy_setopt(curl, CURLOPT_USE_SSL,
                       static_cast<long>(CURLUSESSL_ALL));
    }
    // Set explicitly rather than trusting libcurl's defaults.
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, verify_.verify ? 1L : 0L);
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, verify_.verify ? 2L : 0L);
    if (!verify_.ca.empty()) {
      curl_easy_setopt(curl, CURLOPT_CAINFO, verify_.ca.c_str());
    }
    if (auth_) {
      curl_easy_setopt(curl, CURLOPT_USERNAME, user_.view().data());
      curl_easy_setopt(curl, CURLOPT_PASSWORD, password_.view().data());
    }
    curl_easy_setopt(curl, CURLOPT_MAIL_FROM, mail_from.c_str());
    curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, rcpts);
    curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(curl, CURLOPT_READFUNCTION, ReadBody);
    curl_easy_setopt(curl, CURLOPT_READDATA, &state);
    curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE,
                     static_cast<curl_off_t>(message.size()));

    const CURLcode rc = curl_easy_perform(curl);
    long response = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response);
    curl_slist_free_all(rcpts);
    curl_easy_cleanup(curl);
    if (rc == CURLE_OK) return Status::Ok();

    std::string reason = errbuf[0] != '\0' ? errbuf : curl_easy_strerror(rc);
    if (response != 0)
      reason += " (last reply " + std::to_string(response) + ")";
    const std::string text = described_ + ": " + reason;
    // A 5xx reply is the server refusing for good; everything else
    // (no connection, timeouts, 4xx, TLS) may pass.
    if (response >= 500 && response < 600) return InvalidArgument(text);
    return Unavailable(text);
  }

  std::string Describe() const override { return described_; }

 private:
  std::string url_;
  std::string described_;
  bool auth_;
  Secret user_;  // NUL-terminated copies (see MakeSmtpTransport)
  Secret password_;
  TlsPolicy tls_;
  SmtpTls verify_;
  SmtpTimeouts timeouts_;
};

// Secret whose view is followed by a NUL, for curl's C strings.
Secret CString(std::string& s) {
  s.push_back('\0');
  Secret out = Secret::Take(s);
  return out;
}

}  // namespace

Result<std::unique_ptr<MailTransport>> MakeSmtpTransport(
    const SmtpTls& verify, std::string_view url, const SmtpTimeouts& timeouts) {
  // Thread-safe and reference-counted in this libcurl ("threadsafe"
  // feature, 7.84+); never cleaned up, like mysql_library_end.
  if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
    return Internal("curl_global_init failed");
  }
  const bool implicit_tls = url.starts_with("smtps://");
  UrlHandle h;
  if (h.u == nullptr) return Internal("curl_url failed");
  const std::string text(url);
  if (curl_url_set(h.u, CURLUPART_URL, text.c_str(), 0) != CURLUE_OK) {
    // Never echo the URL: it may hold a password.
    return InvalidArgument("the mail transport is not a valid smtp URL");
  }
  std::optional<std::string> user = h.Get(CURLUPART_USER, CURLU_URLDECODE);
  std::optional<std::string> password =
      h.Get(CURLUPART_PASSWORD, CURLU_URLDECODE);
  const std::optional<std::string> query = h.Get(CURLUPART_QUERY);
  const std::optional<std::string> host = h.Get(CURLUPART_HOST);
  const std::optional<std::string> port =
      h.Get(CURLUPART_PORT, CURLU_DEFAULT_PORT);
  if (!host || host->empty()) {
    return InvalidArgument("the mail transport names no server");
  }
  std::optional<TlsPolicy> asked;
  if (query) {
    if (*query == "starttls=required") {
      asked = TlsPolicy::kRequired;
    } else if (*query == "starttls=try") {
      asked = TlsPolicy::kTry;
    } else {
      return InvalidArgument(
          "the mail transport's only option is starttls=required or "
          "starttls=try");
    }
    if (implicit_tls) {
      return InvalidArgument("smtps:// uses TLS from the start: drop ?" +
                             *query);
    }
  }
  TlsPolicy tls = TlsPolicy::kImplicit;
  if (!implicit_tls) {
    tls = asked.value_or(user ? TlsPolicy::kRequired : TlsPolicy::kTry);
  }
  curl_url_set(h.u, CURLUPART_USER, nullptr, 0);
  curl_url_set(h.u, CURLUPART_PASSWORD, nullptr, 0);
  curl_url_set(h.u, CURLUPART_QUERY, nullptr, 0);
  std::optional<std::string> clean = h.Get(CURLUPART_URL);
  if (!clean) return Internal("curl_url_get failed");
  const std::string described =
      std::string(implicit_tls ? "smtps://" : "smtp://") + *host + ":" +
      port.value_or("");
  std::string u = user.value_or("");
  std::string p = password.value_or("");
  if (user) WipeString(*user);
  if (password) WipeString(*password);
  return std::unique_ptr<MailTransport>(
      new SmtpTransport(std::move(*clean), described, user.has_value(),
                        CString(u), CString(p), tls, verify, timeouts));
}

}  // namespace latchkey::internal
