"""The staff report, generated from fixture databases, opened in headless Chromium.

Needs Debian's /usr/bin/chromium and /usr/bin/chromedriver (``make browser``); the file is
opened from disk (no server). Saves var/screenshots/report.png. The ``browser`` mark is on
the test, not on the module: the module-level fixture of tests/conftest.py would otherwise
start the whole bot, which this page does not need.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from chromium import MISSING, headless_chromium, installed

from bot.reminders.db import make_engine, upgrade
from bot.report import build_report
from bot.tracker_events import tracker_engine
from tests.report_fixtures import (
    HEADINGS,
    MASKED_QUESTION,
    NOW,
    PERSONAL_QUESTION,
    create_events_table,
    seed_conversations,
    seed_votes,
)

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOT = ROOT / "var" / "screenshots" / "report.png"
WIDTH = 1100

pytestmark = pytest.mark.skipif(not installed(), reason=MISSING)


@pytest.fixture
def report_file(tmp_path: Path) -> Path:
    tracker_url = f"sqlite:///{tmp_path / 'tracker.db'}"
    reminders_url = f"sqlite:///{tmp_path / 'calcinosi.db'}"
    create_events_table(tracker_url)
    upgrade(reminders_url)
    tracker, reminders = tracker_engine(tracker_url), make_engine(reminders_url)
    seed_conversations(tracker)
    seed_votes(reminders)
    path = tmp_path / "report.html"
    path.write_text(build_report(tracker, reminders, NOW, weeks=8), encoding="utf-8")
    tracker.dispose()
    reminders.dispose()
    return path


@pytest.fixture
def driver() -> Iterator[Any]:
    with headless_chromium(WIDTH, 900) as drv:
        yield drv


def visible_texts(drv: Any, selector: str) -> list[str]:
    from selenium.webdriver.common.by import By

    return [e.text for e in drv.find_elements(By.CSS_SELECTOR, selector) if e.is_displayed()]


@pytest.mark.browser
def test_report_in_chromium(driver: Any, report_file: Path) -> None:
    from selenium.webdriver.common.by import By

    driver.get(report_file.as_uri())
    assert driver.execute_script("return document.documentElement.lang") == "it"
    assert visible_texts(driver, "h1") == ["Rapporto dell'assistente sulla calcinosi tumorale"]
    assert visible_texts(driver, "h2") == HEADINGS
    assert len(visible_texts(driver, "caption")) == 5

    images = driver.find_elements(By.TAG_NAME, "img")
    assert len(images) == 4
    for image in images:  # decoded, drawn, described
        assert driver.execute_script("return arguments[0].naturalWidth", image) > 0
        assert image.get_attribute("alt")

    question = driver.find_element(By.XPATH, f'//td[normalize-space()="{MASKED_QUESTION}"]')
    driver.execute_script("arguments[0].scrollIntoView()", question)
    assert question.is_displayed()
    assert "Rossi" not in driver.find_element(By.TAG_NAME, "body").text
    assert PERSONAL_QUESTION not in driver.page_source
    # no horizontal scrolling of the page itself (wide tables scroll in their own box)
    assert driver.execute_script(
        "return document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )

    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(WIDTH, height + 120)
    driver.execute_script("window.scrollTo(0, 0)")
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    assert driver.save_screenshot(str(SCREENSHOT))
