#!/usr/bin/env bash
# tests/browser/install.sh DIR: installs the browser test's node packages
# (playwright-core, pinned in package-lock.json) into DIR/node_modules with
# `npm ci`. No browser is downloaded: the test drives Debian's
# /usr/bin/chromium. Does nothing when DIR already holds this lockfile's
# packages. Run by scripts/test and by the ctest
# fixture browser.node_modules, both with DIR = <build>/browser.
set -euo pipefail
src="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
dir="${1:?usage: install.sh DIR}"
command -v npm >/dev/null 2>&1 ||
  { echo "install.sh: npm not found; install the Debian packages nodejs and npm" >&2; exit 1; }
stamp="$dir/node_modules/.latchkey-lock"
if [[ -f "$stamp" ]] && cmp -s "$src/package-lock.json" "$stamp"; then
  echo "install.sh: $dir/node_modules is up to date"
  exit 0
fi
mkdir -p "$dir"
cp "$src/package.json" "$src/package-lock.json" "$dir/"
cd "$dir"
PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --ignore-scripts --no-audit --no-fund
cp "$src/package-lock.json" "$stamp"
echo "install.sh: installed into $dir/node_modules"
