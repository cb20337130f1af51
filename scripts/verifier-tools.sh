#!/usr/bin/env bash
# The Node.js tools the tests run, each at the versions pinned in its
# package-lock.json: the independent credential verifier of the certificate
# tests (tests/certificates/js: Digital Bazaar's VC libraries) and pagecheck,
# which the browser tests measure page weight and accessibility with
# (tools/pagecheck: playwright-core, axe-core, Lighthouse; it drives Debian's
# Chromium and never downloads a browser). Installs each with `npm ci` when
# its node_modules is missing or older than its lock file; otherwise does
# nothing.
set -euo pipefail
cd "$(dirname "$0")/.."

for tool in node npm; do
  if ! command -v "$tool" >/dev/null; then
    echo "scripts/verifier-tools.sh: '$tool' is not installed; the certificate" \
      "and browser tests run Node.js tools (20 or newer) and npm." >&2
    echo "Install Node.js and npm (Debian: apt-get install nodejs npm), then run make test again." >&2
    exit 1
  fi
done

install() {
  local dir=$1 what=$2
  if [ ! -d "$dir/node_modules" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules" ]; then
    echo "Installing $what ($dir, npm ci)"
    PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 PUPPETEER_SKIP_DOWNLOAD=1 \
      npm ci --prefix "$dir" --no-audit --no-fund --loglevel=error
    touch "$dir/node_modules"
  fi
}

install tests/certificates/js "the independent verifier"
install tools/pagecheck "pagecheck"
