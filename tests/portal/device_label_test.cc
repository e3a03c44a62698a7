#include "portal/device_label.h"

#include <gtest/gtest.h>

#include <string>

namespace latchkey::portal {
namespace {

TEST(DeviceLabelTest, CommonBrowsers) {
  EXPECT_EQ(DeviceLabel("Mozilla/5.0 (X11; Linux x86_64; rv:109.0) "
                        "Gecko/20100101 Firefox/115.0"),
            "Firefox on Linux");
  EXPECT_EQ(DeviceLabel("Mozilla/5.0 (Windows NT 10.0; Win64; x64) "
                        "AppleWebKit/537.36 (KHTML, like Gecko) "
                        "Chrome/120.0.0.0 Safari/537.36 Edg/120.0.0.0"),
            "Edge on Windows");
  EXPECT_EQ(DeviceLabel("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) "
                        "AppleWebKit/605.1.15 (KHTML, like Gecko) "
                        "Version/17.1 Safari/605.1.15"),
            "Safari on macOS");
  EXPECT_EQ(DeviceLabel("Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS "
                        "X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
                        "Version/17.1 Mobile/15E148 Safari/604.1"),
            "Safari on iPhone");
  EXPECT_EQ(DeviceLabel("Mozilla/5.0 (Linux; Android 14; Pixel 8) "
                        "AppleWebKit/537.36 (KHTML, like Gecko) "
                        "Chrome/120.0.0.0 Mobile Safari/537.36"),
            "Chrome on Android");
}

TEST(DeviceLabelTest, ToolsAndUnknowns) {
  EXPECT_EQ(DeviceLabel("curl/7.88.1"), "curl");
  EXPECT_EQ(DeviceLabel("Python-urllib/3.11"), "Python");
  EXPECT_EQ(DeviceLabel(""), "Unknown device");
  EXPECT_EQ(DeviceLabel("SomeBot/2.0 (+https://example.org)"), "SomeBot/2.0");
  EXPECT_EQ(DeviceLabel(std::string(100, 'x')), std::string(40, 'x'));
}

}  // namespace
}  // namespace latchkey::portal
