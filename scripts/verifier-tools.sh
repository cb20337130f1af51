#!/usr/bin/env bash
# The independent credential verifier the certificate tests run
# (tests/certificates/js): Digital Bazaar's VC libraries at the versions pinned
# in its package-lock.json. Installs them with `npm ci` when node_modules is
# missing or older than the lock file; otherwise does nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=tests/certificates/js

for tool in node npm; do
  if ! command -v "$tool" >/dev/null; then
    echo "scripts/verifier-tools.sh: '$tool' is not installed; the certificate" \
      "tests verify credentials with Node.js (20 or newer) and npm." >&2
    echo "Install Node.js and npm (Debian: apt-get install nodejs npm), then run make test again." >&2
    exit 1
  fi
done

if [ ! -d "$dir/node_modules" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules" ]; then
  echo "Installing the independent verifier ($dir, npm ci)"
  npm ci --prefix "$dir" --no-audit --no-fund --loglevel=error
  touch "$dir/node_modules"
fi
