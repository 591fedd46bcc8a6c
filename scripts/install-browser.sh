#!/usr/bin/env bash
# Installs what the browser tests (tests/e2e/test_browser.py) need:
#   - Debian's Chromium and ChromeDriver;
#   - axe-core, at the exact version of tests/e2e/axe/package-lock.json, from the npm
#     registry into tests/e2e/axe/node_modules/ (git-ignored). The test injects it into the
#     page through WebDriver: the page itself never loads it and its CSP stays as it is.
# Without the permissions to install, it warns and the tests concerned are skipped.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
[ "$(id -u)" = "0" ] || SUDO="sudo"
can_install() { [ "$(id -u)" = "0" ] || command -v sudo >/dev/null 2>&1; }
APT_UPDATED=""
apt_install() {
  export DEBIAN_FRONTEND=noninteractive
  if [ -z "$APT_UPDATED" ]; then
    $SUDO apt-get update -qq
    APT_UPDATED=1
  fi
  $SUDO apt-get install -y -qq "$@" >/dev/null
}

# ------------------------------------------------------------------ Chromium
if ! { [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; }; then
  if can_install; then
    echo ">> Installo Chromium e ChromeDriver (pacchetti Debian)"
    apt_install chromium chromium-driver
  else
    echo "ATTENZIONE: Chromium non è installato e non ho i permessi per installarlo:" >&2
    echo "  apt-get install chromium chromium-driver   (il test del browser verrà saltato)" >&2
  fi
fi

# ------------------------------------------------------------------ axe-core
AXE_DIR=tests/e2e/axe
STAMP="$AXE_DIR/node_modules/.installato-da-package-lock.json"
if [ -f "$AXE_DIR/node_modules/axe-core/axe.min.js" ] && cmp -s "$AXE_DIR/package-lock.json" "$STAMP"; then
  exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
  if can_install; then
    echo ">> Installo Node.js e npm (pacchetti Debian), per axe-core"
    apt_install nodejs npm
  else
    echo "ATTENZIONE: npm non è installato: il test di accessibilità (axe-core) verrà saltato" >&2
    exit 0
  fi
fi
echo ">> Installo axe-core (versione esatta da $AXE_DIR/package-lock.json)"
npm ci --prefix "$AXE_DIR" --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null
cp "$AXE_DIR/package-lock.json" "$STAMP"
