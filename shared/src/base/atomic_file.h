// The core's own name for latchkey/base/atomic_file.h (public since
// latchkey-agent writes its state files with it too).
#ifndef LATCHKEY_SRC_BASE_ATOMIC_FILE_H_
#define LATCHKEY_SRC_BASE_ATOMIC_FILE_H_

#include "latchkey/base/atomic_file.h"

namespace latchkey::internal {

using ::latchkey::IfExists;
using ::latchkey::ReplaceFileAtomically;
using ::latchkey::WriteFileAtomically;

}  // namespace latchkey::internal

#endif  // LATCHKEY_SRC_BASE_ATOMIC_FILE_H_
