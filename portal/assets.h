// Files embedded into the binary at build time (portal/templates/*.html and
// portal/static/*; see embed.cmake), so the portal needs nothing on disk
// but its config.
#ifndef LATCHKEY_PORTAL_ASSETS_H_
#define LATCHKEY_PORTAL_ASSETS_H_

#include <span>
#include <string_view>

namespace latchkey::portal {

struct EmbeddedFile {
  std::string_view path;          // "templates/login.html", "static/style.css"
  std::string_view data;          // lives as long as the process
  std::string_view content_type;  // from the extension
  std::string_view etag;          // "\"<16 hex of SHA-256>\""
};

std::span<const EmbeddedFile> EmbeddedFiles();

// The file at `path`, or nullptr.
const EmbeddedFile* FindEmbeddedFile(std::string_view path);

}  // namespace latchkey::portal

#endif  // LATCHKEY_PORTAL_ASSETS_H_
