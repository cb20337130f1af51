#!/usr/bin/env bash
# Debian packages Pamoja needs beyond Python: fonts for every script a
# certificate may print, gettext for compiling translations, and (for the
# browser and integration tests) Chromium and nginx. Installs them when run as
# root; otherwise names them.
set -euo pipefail

packages=(fonts-noto-core fonts-noto-cjk gettext)
if [ "${1:-}" = "--with-browser" ] || [ "${1:-}" = "--with-verifiers" ]; then
  # Independent verifiers the certificate tests check our output with.
  packages+=(poppler-utils zbar-tools mupdf-tools libnss3-tools)
fi
if [ "${1:-}" = "--with-browser" ]; then
  # The integration suite runs deploy/ behind Debian's nginx.
  packages+=(chromium nginx)
fi
if [ "${1:-}" = "--with-bench" ]; then
  # make bench loads gunicorn with wrk.
  packages+=(wrk)
fi

missing=()
for pkg in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
  echo "Installing system packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >/dev/null
  apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "Missing system packages: ${missing[*]}" >&2
  echo "Install them as root:  apt-get install ${missing[*]}" >&2
  exit 1
fi
