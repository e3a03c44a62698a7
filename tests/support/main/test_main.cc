// main() for every gtest binary. ctest's gtest_discover_tests passes only
// the first entry of an ENVIRONMENT list (CMake 3.25 flattens the list), so
// the paths the tests need are also baked in at build time and set here
// when the environment does not already name them.
#include <gtest/gtest.h>

#include <cstdlib>

int main(int argc, char** argv) {
  struct Default {
    const char* name;
    const char* value;
  };
  const Default defaults[] = {
      {"LATCHKEY_SANDBOX", LATCHKEY_TEST_SANDBOX_DIR},
      {"LATCHKEY_SANDBOX_SCRIPT", LATCHKEY_TEST_SANDBOX_SCRIPT},
      {"LATCHKEY_SOURCE_DIR", LATCHKEY_TEST_SOURCE_DIR},
      {"LATCHKEY_BINARY_DIR", LATCHKEY_TEST_BINARY_DIR},
      {"LATCHKEYCTL", LATCHKEY_TEST_LATCHKEYCTL},
  };
  for (const Default& d : defaults) {
    setenv(d.name, d.value, /*overwrite=*/0);
  }
  testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
