// TempDir: a private directory under $TMPDIR, removed with its contents
// when the object is destroyed.
#ifndef LATCHKEY_TESTS_SUPPORT_TEMP_DIR_H_
#define LATCHKEY_TESTS_SUPPORT_TEMP_DIR_H_

#include <string>
#include <string_view>

namespace latchkey::testing {

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  // Writes `contents` to path()/name with `mode`; returns the full path.
  std::string WriteFile(std::string_view name, std::string_view contents,
                        int mode = 0600) const;

 private:
  std::string path_;
};

}  // namespace latchkey::testing

#endif  // LATCHKEY_TESTS_SUPPORT_TEMP_DIR_H_
