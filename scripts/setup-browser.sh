#!/usr/bin/env bash
# Makes sure a Chromium for the browser tests (test/browser) is installed: Debian's `chromium`
# package at /usr/bin/chromium, driven by playwright-core. Playwright's own browser downloads
# (`npx playwright install`) are not used: they fail on machines that reach only the package
# registries. Idempotent, and immediate when Chromium is already there.
#
# MINIBATCH_CHROMIUM=/path/to/chrome skips the install and makes the tests use that binary
# instead (a developer laptop with its own Chrome or Chromium, say).
set -euo pipefail

chromium="${MINIBATCH_CHROMIUM:-/usr/bin/chromium}"
if [ -x "$chromium" ]; then
  exit 0
fi
if [ -n "${MINIBATCH_CHROMIUM:-}" ]; then
  echo "setup-browser: MINIBATCH_CHROMIUM=$chromium is not an executable file" >&2
  exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "setup-browser: /usr/bin/chromium is missing and this is not a Debian-like system (no apt-get)." >&2
  echo "  Install Chromium or Chrome and set MINIBATCH_CHROMIUM to its executable." >&2
  exit 1
fi

if [ "$(id -u)" -eq 0 ]; then
  sudo=()
elif command -v sudo >/dev/null 2>&1; then
  sudo=(sudo)
else
  echo "setup-browser: installing chromium needs root, and sudo is missing" >&2
  exit 1
fi

echo "setup-browser: installing Debian's chromium (once per machine)..." >&2
start=$(date +%s)
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null
if [ ! -x /usr/bin/chromium ]; then
  echo "setup-browser: apt-get installed chromium but /usr/bin/chromium is missing" >&2
  exit 1
fi
echo "setup-browser: $(/usr/bin/chromium --version 2>/dev/null || echo chromium) installed in $(( $(date +%s) - start )) s" >&2
