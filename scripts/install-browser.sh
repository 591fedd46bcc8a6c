#!/usr/bin/env bash
# Installs Debian's Chromium and ChromeDriver for the browser test (tests/e2e/test_browser.py).
set -euo pipefail
if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then
  exit 0
fi
if [ "$(id -u)" != "0" ] && ! command -v sudo >/dev/null 2>&1; then
  echo "ATTENZIONE: Chromium non è installato e non ho i permessi per installarlo:" >&2
  echo "  apt-get install chromium chromium-driver   (il test del browser verrà saltato)" >&2
  exit 0
fi
SUDO=""; [ "$(id -u)" = "0" ] || SUDO="sudo"
echo ">> Installo Chromium e ChromeDriver (pacchetti Debian)"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq chromium chromium-driver >/dev/null
