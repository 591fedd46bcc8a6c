"""Assistente automatico per la calcinosi tumorale (RCO230)."""

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Clinic staff edit content/it/; CALCINOSI_CONTENT_DIR points elsewhere (tests, staging).
CONTENT_DIR = Path(os.environ.get("CALCINOSI_CONTENT_DIR") or ROOT / "content" / "it")
CATALOGUE_PATH = ROOT / "content" / "topics.yml"
