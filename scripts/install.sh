#!/usr/bin/env bash
# Creates .venv/ from the committed lock (requirements.lock), without dependency resolution.
# Idempotent: does nothing when the lock has not changed since the last install.
#
# Interpreter policy: Python 3.11 (the one every machine has). Rasa 3.6 declares <3.11 but
# runs on 3.11 when installed from a lock resolved for 3.10 with two pins moved to versions
# that ship cp311 wheels (matplotlib 3.6.3, multidict 6.0.5: see overrides.txt).
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-}"
if [ -z "$PYTHON" ]; then
  for candidate in python3.11 python3; do
    if command -v "$candidate" >/dev/null 2>&1 \
       && "$candidate" -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else 1)'; then
      PYTHON="$(command -v "$candidate")"
      break
    fi
  done
fi
if [ -z "$PYTHON" ]; then
  echo "ERRORE: serve Python 3.11 (python3.11 non trovato nel PATH). Installalo, oppure indica l'interprete con PYTHON=/percorso/python3.11 make install." >&2
  exit 1
fi

STAMP=.venv/.lock.sha256
WANT="$(cat requirements.lock scripts/install.sh | sha256sum | cut -d' ' -f1)"
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$WANT" ] && [ -x .venv/bin/rasa ]; then
  exit 0
fi

echo ">> Installazione delle dipendenze in .venv/ (Python: $PYTHON)"
start=$(date +%s)
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install --quiet --disable-pip-version-check "uv==0.13.8"
# --no-deps: the lock is complete and pinned; rasa's own metadata (<3.11) is not consulted.
# --compile-bytecode: these machines set PYTHONDONTWRITEBYTECODE=1, and without .pyc files
# every process recompiles TensorFlow (import 16 s instead of 4 s).
.venv/bin/uv pip install --python .venv/bin/python --no-deps --compile-bytecode \
  --quiet -r requirements.lock
.venv/bin/python -m pip check >/dev/null 2>&1 || true
.venv/bin/python -m bot setup
echo "$WANT" > "$STAMP"
echo ">> Installazione completata in $(( $(date +%s) - start )) s"
