#!/usr/bin/env bash
# NLU cross-validation on the training data (the held-out set is tested end to end by pytest).
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/python -m rasa test nlu --config config.yml --nlu data/nlu \
  --cross-validation --folds "${CALCINOSI_CV_FOLDS:-3}" --out var/results/nlu-cv
.venv/bin/python -m bot.evaluation cv-report var/results/nlu-cv
