"""The training fingerprint: data, configuration and the NLU code, not content/."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot import ROOT
from bot.training import fingerprint, nlu_sources

FILES = {
    "config.yml": "pipeline: []\n",
    "domain.yml": "intents: []\n",
    "data/nlu/a.yml": "nlu: []\n",
    "bot/__init__.py": "",
    "bot/nlu/__init__.py": "",
    "bot/nlu/component.py": "from bot.safety import classify\n",
    "bot/safety.py": "def classify():\n    from bot.text import normalize\n",
    "bot/text.py": "def normalize(): ...\n",
    "bot/answers.py": "from bot.safety import classify\n",
    "content/it/dieta.md": "---\nid: dieta\n---\nTesto.\n",
}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    for name, text in FILES.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    return tmp_path


@pytest.mark.parametrize(
    "name", ["config.yml", "data/nlu/a.yml", "bot/nlu/component.py", "bot/safety.py", "bot/text.py"]
)
def test_a_change_the_model_depends_on_changes_the_fingerprint(project: Path, name: str) -> None:
    before = fingerprint(project)
    with (project / name).open("a") as handle:
        handle.write("# changed\n")
    assert fingerprint(project) != before


@pytest.mark.parametrize("name", ["content/it/dieta.md", "bot/answers.py"])
def test_content_and_modules_outside_the_nlu_do_not_change_it(project: Path, name: str) -> None:
    before = fingerprint(project)
    with (project / name).open("a") as handle:
        handle.write("# altro testo\n")
    assert fingerprint(project) == before


def test_the_real_nlu_sources() -> None:
    sources = {path.relative_to(ROOT).as_posix() for path in nlu_sources()}
    assert {"bot/nlu/tfidf_classifier.py", "bot/nlu/safety_override.py", "bot/safety.py", "bot/text.py"} <= sources
    assert not any(name.startswith(("bot/reminders/", "bot/web/")) for name in sources)
