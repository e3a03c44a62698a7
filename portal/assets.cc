#include "portal/assets.h"

namespace latchkey::portal {

const EmbeddedFile* FindEmbeddedFile(std::string_view path) {
  for (const EmbeddedFile& f : EmbeddedFiles()) {
    if (f.path == path) return &f;
  }
  return nullptr;
}

}  // namespace latchkey::portal
