#!/usr/bin/env bash
# The browser test (ctest label `browser`): installs Debian's chromium when it
# is missing (it is large, so only this test pulls it in) and playwright-core
# from npm into the build directory, then drives praxisd's web page headless.
#   tests/browser/run.sh BUILD_DIR
# Exit 77 (ctest: skipped) when chromium or playwright-core cannot be had.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
BUILD="$(cd "${1:?usage: run.sh BUILD_DIR}" && pwd)"
CHROMIUM="${PRAXIS_CHROMIUM:-/usr/bin/chromium}"

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif sudo -n true 2>/dev/null; then sudo "$@"; else return 1; fi
}

if [ ! -x "$CHROMIUM" ]; then
  echo "==> installing chromium (Debian package) for the browser test"
  # Several tests may start at once: one apt at a time.
  if ! as_root flock /var/lib/apt/praxis-browser.lock env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -qq --no-install-recommends chromium; then
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq || true
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      chromium || { echo "SKIP: cannot install chromium (needs root or sudo)"; exit 77; }
  fi
fi
command -v node >/dev/null && command -v npm >/dev/null || { echo "SKIP: node/npm missing"; exit 77; }

# playwright-core, pinned by the lockfile, installed beside the build.
NPM_DIR="$BUILD/browser-npm"
mkdir -p "$NPM_DIR"
if ! cmp -s "$HERE/package-lock.json" "$NPM_DIR/package-lock.json" ||
   [ ! -d "$NPM_DIR/node_modules/playwright-core" ]; then
  cp "$HERE/package.json" "$HERE/package-lock.json" "$NPM_DIR/"
  # --ignore-scripts: nothing downloads browsers; the system chromium is used.
  (cd "$NPM_DIR" && timeout 300 npm ci --ignore-scripts --no-audit --no-fund --loglevel=error) ||
    { echo "SKIP: npm ci of playwright-core failed"; exit 77; }
fi

export NODE_PATH="$NPM_DIR/node_modules"
export PRAXIS_CHROMIUM="$CHROMIUM"
export PRAXISD_BIN="$BUILD/daemon/praxisd" PRAXIS_BIN="$BUILD/cli/praxis"
export PRAXIS_SCREENSHOTS="$BUILD/screenshots"
mkdir -p "$PRAXIS_SCREENSHOTS"
exec node "$HERE/page_test.cjs"
