#!/usr/bin/env bash
# Installs Debian's nginx (package nginx-light), needed by the tests of the production site
# (tests/unit/test_deploy.py: `nginx -t` and a real nginx on free ports). The tests start
# their own nginx (-p and -c in a temporary directory), never the system service, so this
# script does not touch it. Does nothing when nginx is already installed; without the
# permissions to install, it warns and the tests concerned are skipped.
set -euo pipefail

if command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ]; then
  exit 0
fi
SUDO=""
if [ "$(id -u)" != "0" ]; then
  if ! command -v sudo >/dev/null 2>&1; then
    echo "ATTENZIONE: nginx non è installato e non ho i permessi per installarlo:" >&2
    echo "  apt-get install nginx-light   (i test del sito nginx verranno saltati)" >&2
    exit 0
  fi
  SUDO="sudo"
fi
echo ">> Installo nginx (pacchetto Debian nginx-light)"
export DEBIAN_FRONTEND=noninteractive
if ! { $SUDO apt-get update -qq && $SUDO apt-get install -y -qq nginx-light >/dev/null; }; then
  echo "ATTENZIONE: installazione di nginx-light non riuscita (i test del sito nginx verranno saltati)" >&2
fi
