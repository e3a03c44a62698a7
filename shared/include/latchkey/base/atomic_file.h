// Replacing a file atomically (temp file, fsync, rename): what nss-sync,
// the key files and latchkey-agent's state files are written with.
// Thread-compatible: concurrent writers of one path must serialise
// themselves (each write is atomic for readers, the last rename wins).
#ifndef LATCHKEY_BASE_ATOMIC_FILE_H_
#define LATCHKEY_BASE_ATOMIC_FILE_H_

#include <sys/types.h>

#include <string>
#include <string_view>

#include "latchkey/base/status.h"

namespace latchkey {

// Replaces `path` with `bytes`: creates the missing directories above it
// (mode 0755, whatever the umask), writes a temp file in the same
// directory, sets `mode`, fsyncs, renames it over `path` and fsyncs the
// directory. Readers see the old or the new file, never a partial one; on
// failure the temp file is removed and `path` is untouched. Errors: IoError
// naming the path and the errno text.
Status ReplaceFileAtomically(const std::string& path, std::string_view bytes,
                             mode_t mode);

// The same without creating directories (the directory must exist).
// kFail is for a file that must not exist yet (a new secret key): the temp
// file is linked, not renamed, into place, so a file that appeared
// meanwhile is never replaced. Errors: AlreadyExists "<path> exists" (kFail);
// IoError as above.
enum class IfExists { kReplace, kFail };
Status WriteFileAtomically(const std::string& path, std::string_view bytes,
                           mode_t mode, IfExists if_exists);

}  // namespace latchkey

#endif  // LATCHKEY_BASE_ATOMIC_FILE_H_
