"""The review pack from the real content, opened in a real (headless) Chromium.

Checks what the clinician sees on screen and on paper, and saves screenshots to
var/screenshots/review-pack*.png. Needs Debian's /usr/bin/chromium and /usr/bin/chromedriver
(``make browser``). Not marked ``browser``: for that marker tests/conftest.py starts the whole
bot, which a static file does not need.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from chromium import MISSING, headless_chromium, installed
from test_browser import assert_no_violations  # axe-core, as for the chat page

from bot.content import ContentStore
from bot.review_pack import find_passages, load_source, main
from bot.topics import content_topics

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOT = ROOT / "var" / "screenshots" / "review-pack.png"

pytestmark = pytest.mark.skipif(not installed(), reason=MISSING)


@pytest.fixture(scope="module")
def pack(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("pack") / "review-pack.html"
    assert main(out) == 0
    return out


@pytest.fixture()
def driver() -> Iterator[Any]:
    with headless_chromium(1000, 1300) as drv:
        yield drv


def first_quoted_line(topic_id: str) -> str:
    """A line of plain text (no Markdown, no HTML) the pack quotes for ``topic_id``."""
    topic = ContentStore().topic(topic_id)
    for source in topic.sources:
        passages, _ = find_passages(load_source(source["documento"]), source["sezione"])
        for block in (b for p in passages for b in p.blocks if not b.level):
            line = block.text.split("\n")[0].strip()
            if not re.search(r"[*<|\t]", line):
                return line
    raise AssertionError(f"nessun passaggio citato per {topic_id}")


def scroll_to(drv: Any, selector: str) -> None:
    drv.execute_script("document.querySelector(arguments[0]).scrollIntoView();", selector)


def test_the_clinician_reads_and_prints_the_pack(pack: Path, driver: Any) -> None:
    from selenium.webdriver.common.by import By

    topic_id = next(iter(content_topics()))
    title = ContentStore().topic(topic_id).title
    driver.get(pack.as_uri())
    assert driver.execute_script("return document.documentElement.lang") == "it"
    text = driver.find_element(By.TAG_NAME, "body").text
    assert title in text and "Gulpease" in text
    first = driver.find_element(By.ID, "scheda-1")
    assert first.find_element(By.TAG_NAME, "h2").text == f"1. {title}"
    assert first_quoted_line(topic_id) in first.find_element(By.TAG_NAME, "blockquote").text
    box = first.find_element(By.CLASS_NAME, "firma")
    assert box.is_displayed()
    for label in (
        "Firma del clinico",
        "Nome e cognome",
        "Ruolo",
        "Data",
        "Approvato",
        "Modifiche richieste",
    ):
        assert label in box.text, label
    assert len(box.find_elements(By.CSS_SELECTOR, "input[type=checkbox]")) == 2
    # self-contained: nothing fetched besides the file itself
    assert driver.execute_script("return performance.getEntriesByType('resource').length") == 0
    assert_no_violations(driver, "pacchetto di revisione")

    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    scroll_to(driver, "#scheda-1")
    driver.save_screenshot(str(SCREENSHOT))
    scroll_to(driver, "#scheda-1 .firma")
    driver.save_screenshot(str(SCREENSHOT.with_name("review-pack-firma.png")))

    # on paper each topic starts on a new page
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    assert (
        driver.execute_script(
            "return getComputedStyle(document.getElementById('scheda-2')).breakBefore"
        )
        == "page"
    )
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
    pdf = base64.b64decode(
        driver.execute_cdp_cmd("Page.printToPDF", {"preferCSSPageSize": True})["data"]
    )
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
    assert pages > len(content_topics()), pages
    SCREENSHOT.with_name("review-pack.pdf").write_bytes(pdf)
