"""Trains the Rasa model only when what it learns from has changed.

The fingerprint covers config.yml, domain.yml, data/ and the source of the NLU
components: every module in bot/nlu/ and every bot module they import, directly or not
(found by reading the imports, see ``bot.imports``). content/ is read at answer time and
never needs a retrain.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
import time
from pathlib import Path

from bot import ROOT
from bot.imports import import_graph, module_files, reachable
from bot.settings import MODEL_PATH, child_environment

TRAINING_INPUTS = ("config.yml", "domain.yml", "data")
NLU_PACKAGE = "bot.nlu"
FINGERPRINT_PATH = MODEL_PATH.with_suffix(".fingerprint")


def nlu_sources(root: Path = ROOT) -> list[Path]:
    """The files of bot/nlu/ and of every bot module they import, directly or not."""
    files = module_files(root, "bot")
    components = [m for m in files if m == NLU_PACKAGE or m.startswith(f"{NLU_PACKAGE}.")]
    return sorted(files[module] for module in reachable(import_graph(files), components))


def fingerprint(root: Path = ROOT) -> str:
    digest = hashlib.sha256()
    inputs: list[Path] = []
    for name in TRAINING_INPUTS:
        path = root / name
        inputs += sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    for file in [*inputs, *nlu_sources(root)]:
        digest.update(str(file.relative_to(root)).encode())
        digest.update(file.read_bytes())
    return digest.hexdigest()


def needs_training() -> bool:
    if not MODEL_PATH.exists() or not FINGERPRINT_PATH.exists():
        return True
    return FINGERPRINT_PATH.read_text().strip() != fingerprint()


def train(force: bool = False) -> bool:
    """Trains if needed; returns True when a new model was trained."""
    if not force and not needs_training():
        print(">> Modello già aggiornato: nessun addestramento necessario.")
        return False
    print(">> Addestramento del modello (config.yml, domain.yml, data/ o codice NLU cambiati)...")
    MODEL_PATH.parent.mkdir(parents=True, exist_ok=True)
    start = time.monotonic()
    command = [
        sys.executable, "-m", "rasa", "train",
        "--config", "config.yml", "--domain", "domain.yml", "--data", "data",
        "--out", str(MODEL_PATH.parent), "--fixed-model-name", MODEL_PATH.name.removesuffix(".tar.gz"),
    ]
    subprocess.run(command, cwd=ROOT, env=child_environment(), check=True)
    FINGERPRINT_PATH.write_text(fingerprint())
    print(f">> Modello addestrato in {time.monotonic() - start:.0f} s: {MODEL_PATH}")
    return True
