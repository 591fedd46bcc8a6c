"""The SMS form of the chat page, in a real (headless) Chromium, against a stand-in Rasa.

Under the confirmation of the reminders (``custom.sms``, sent only when the centre has SMS)
the page shows a form: the mobile number and an explicit consent. Without the tick nothing
is sent; with it the number goes to /api/sms and the confirmation is shown. Not marked
``browser`` (that marker starts the whole bot in tests/conftest.py).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from chromium import MISSING, installed
from test_browser import (  # the chat page's own browser helpers and axe-core check
    assert_no_violations,
    driver,  # noqa: F401 (fixture)
    open_page,
    press,
    wait_for,
)

pytestmark = pytest.mark.skipif(not installed(), reason=MISSING)

OFFER = {
    "domanda": "Vuoi ricevere i promemoria anche per SMS? Scrivi qui sotto il tuo numero di cellulare.",
    "consenso": "Acconsento a ricevere i promemoria degli esami per SMS a questo numero.",
}


class Stand:
    """The page (make_app) with a stand-in Rasa that confirms the reminders."""

    def __init__(self) -> None:
        self.saved: list[tuple[str, str]] = []
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.runners: list[Any] = []

    async def webhook(self, request: Any) -> Any:
        from aiohttp import web

        body = await request.json()
        return web.json_response(
            [
                {
                    "recipient_id": body["sender"],
                    "text": "Fatto! I promemoria sono attivi.",
                    "custom": {"topic": "promemoria.attivato", "next_due": {}, "sms": OFFER},
                }
            ]
        )

    def sms(self, *, channel: str, user_id: str, number: str) -> str:
        if not number.replace(" ", "").isdigit():
            raise ValueError("non è un cellulare")
        self.saved.append((channel, number))
        return "Fatto: riceverai i promemoria anche per SMS."

    async def _start(self) -> str:
        from aiohttp import web

        from bot.web.server import make_app

        rasa = web.Application()
        rasa.router.add_post("/webhooks/rest/webhook", self.webhook)
        runners = [web.AppRunner(rasa)]
        await runners[0].setup()
        await web.TCPSite(runners[0], "127.0.0.1", 0).start()
        host, port = runners[0].addresses[0][:2]
        runners.append(web.AppRunner(make_app(f"http://{host}:{port}", sms_provider=self.sms)))
        await runners[1].setup()
        await web.TCPSite(runners[1], "127.0.0.1", 0).start()
        self.runners = runners
        page_host, page_port = runners[1].addresses[0][:2]
        return f"http://{page_host}:{page_port}/"

    def start(self) -> str:
        self.thread.start()
        return asyncio.run_coroutine_threadsafe(self._start(), self.loop).result(timeout=15)

    def stop(self) -> None:
        async def cleanup() -> None:
            for runner in self.runners:
                await runner.cleanup()

        asyncio.run_coroutine_threadsafe(cleanup(), self.loop).result(timeout=15)
        self.loop.call_soon_threadsafe(self.loop.stop)


@pytest.fixture()
def stand() -> Iterator[tuple[str, Stand]]:
    fake = Stand()
    url = fake.start()
    try:
        yield url, fake
    finally:
        fake.stop()


def test_sms_needs_the_number_and_the_ticked_consent(stand, driver) -> None:  # noqa: F811
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    url, fake = stand
    open_page(driver, url)
    driver.find_element(By.ID, "testo").click()
    press(driver, "15/09/2026", Keys.ENTER)
    wait_for(driver, "return document.querySelector('form.sms') !== null;", what="modulo SMS")
    form = driver.find_element(By.CSS_SELECTOR, "form.sms")
    assert OFFER["domanda"] in form.text and OFFER["consenso"] in form.text
    assert_no_violations(driver, "con il modulo per gli SMS")

    number = form.find_element(By.CSS_SELECTOR, "input[type=tel]")
    number.send_keys("333 123 4567")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait_for(driver, "return document.querySelector('form.sms .sms__esito').textContent !== '';")
    assert "consenso" in form.find_element(By.CSS_SELECTOR, ".sms__esito").text
    assert fake.saved == []  # not without the tick

    form.find_element(By.CSS_SELECTOR, "input[type=checkbox]").click()
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait_for(driver, "return document.querySelector('form.sms input[type=tel]').disabled;")
    assert "riceverai i promemoria anche per SMS" in form.find_element(By.CSS_SELECTOR, ".sms__esito").text
    assert fake.saved == [("rest", "333 123 4567")]
    assert_no_violations(driver, "dopo l'attivazione degli SMS")
