"""The chat page in a real (headless) Chromium, driven with the keyboard only.

With CALCINOSI_WEB_URL set (the session fixture starts the real bot) the page under test
is the real one; otherwise this module serves ``bot.web.server.make_app`` against a fake
Rasa whose answer carries HTML/JS injection attempts inside Markdown.

Needs Debian's /usr/bin/chromium and /usr/bin/chromedriver (``make browser``); selenium
never downloads anything here (explicit driver path).
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
ROOT = Path(__file__).resolve().parents[2]
SCREENSHOT = ROOT / "var" / "screenshots" / "chat.png"
QUESTION = "che cos'è la calcinosi tumorale?"
TOPIC = "condizione.cos_e"
REPLY_TIMEOUT = float(os.environ.get("CALCINOSI_BROWSER_TIMEOUT", "120"))

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not (CHROMIUM.exists() and CHROMEDRIVER.exists()),
        reason=(
            "Chromium non installato: servono /usr/bin/chromium e /usr/bin/chromedriver "
            "(apt-get install -y chromium chromium-driver, oppure `make browser`)"
        ),
    ),
]

ANSWER = (
    "La **calcinosi tumorale** è una condizione *rara*: si formano depositi di calcio "
    "vicino alle grandi articolazioni.\n\n"
    "- spalla\n- gomito\n- anca\n\n"
    "Non è un tumore. <script>alert(1)</script> <img src=x onerror=alert(1)>\n\n"
    "Scheda: [informazioni](https://example.org/calcinosi) e [finto](javascript:alert(1)). "
    "Indirizzo lungo: https://example.org/un/indirizzo/molto/molto/lungo/che/non/deve/"
    "allargare/la/pagina/sul/telefono.html"
)
BUTTONS = [
    {"title": "Quali sono i sintomi?", "payload": "/condizione_sintomi"},
    {"title": "È un tumore?", "payload": "/condizione_non_e_cancro"},
]

# Runs before any page script (CDP bypasses the CSP): records alerts and CSP violations.
PROBE = """
window.__alerts = [];
window.alert = window.confirm = window.prompt = function (m) { window.__alerts.push(String(m)); };
window.__csp = [];
document.addEventListener('securitypolicyviolation', function (e) {
  window.__csp.push(e.violatedDirective + ' ' + e.blockedURI);
});
"""


# ---------------------------------------------------------------- fake Rasa + page server


class FakeBot:
    """make_app + a fake Rasa on 127.0.0.1, in a background event loop."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.runners: list[Any] = []
        self.url = ""

    async def webhook(self, request):
        from aiohttp import web

        body = await request.json()
        self.calls.append(body)
        message = body["message"]
        await asyncio.sleep(0.4)  # the typing indicator must be visible for a moment
        if "errore-simulato" in message:
            return web.json_response({"error": "boom"}, status=500)
        if message == "/condizione_sintomi":
            return web.json_response(
                [
                    {
                        "recipient_id": body["sender"],
                        "text": "I segni più comuni sono masse dure vicino alle articolazioni.",
                        "custom": {"topic": "condizione.sintomi"},
                    },
                    # Rasa's own REST channel sends custom as a separate message
                    {"recipient_id": body["sender"], "text": "Vuoi un promemoria per gli esami?"},
                    {"recipient_id": body["sender"], "custom": {"topic": "promemoria.offerta"}},
                    {
                        "recipient_id": body["sender"],
                        "text": "Ecco le date dei tuoi prossimi esami.",
                        "custom": {"topic": "promemoria.prossimi", "ics": True},
                    },
                ]
            )
        return web.json_response(
            [
                {
                    "recipient_id": body["sender"],
                    "text": ANSWER,
                    "buttons": BUTTONS,
                    "custom": {"topic": TOPIC},
                }
            ]
        )

    @staticmethod
    def notices(channel: str, user_id: str) -> list[dict[str, Any]]:
        if not user_id.startswith("promemoria-"):
            return []
        return [
            {
                "text": "Promemoria: gli **esami del fosfato** erano previsti entro il 17/04.",
                "custom": {"topic": "promemoria.avviso"},
            }
        ]

    @staticmethod
    def ics(channel: str, user_id: str) -> bytes:
        return b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n"

    async def _start(self) -> None:
        from aiohttp import web

        from bot.web.server import access_log_kwargs, make_app

        rasa = web.Application()
        rasa.router.add_post("/webhooks/rest/webhook", self.webhook)
        rasa_runner = web.AppRunner(rasa)
        await rasa_runner.setup()
        await web.TCPSite(rasa_runner, "127.0.0.1", 0).start()
        rasa_host, rasa_port = rasa_runner.addresses[0][:2]

        app = make_app(
            f"http://{rasa_host}:{rasa_port}",
            ics_provider=self.ics,
            notices_provider=self.notices,
        )
        page_runner = web.AppRunner(app, **access_log_kwargs())
        await page_runner.setup()
        await web.TCPSite(page_runner, "127.0.0.1", 0).start()
        host, port = page_runner.addresses[0][:2]
        self.runners = [page_runner, rasa_runner]
        self.url = f"http://{host}:{port}/"

    async def _stop(self) -> None:
        for runner in self.runners:
            await runner.cleanup()

    def start(self) -> str:
        self.thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self.loop).result(timeout=15)
        return self.url

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self._stop(), self.loop).result(timeout=15)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=5)


@pytest.fixture(scope="module")
def page() -> Any:
    """(url, fake) - fake is None when testing the real bot at CALCINOSI_WEB_URL."""
    real = os.environ.get("CALCINOSI_WEB_URL")
    if real:
        yield real if real.endswith("/") else real + "/", None
        return
    fake = FakeBot()
    url = fake.start()
    try:
        yield url, fake
    finally:
        fake.stop()


@pytest.fixture()
def driver():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="calcinosi-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for arg in [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        f"--user-data-dir={profile}",
        "--window-size=360,640",
        "--lang=it-IT",
    ]:
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    drv = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    try:
        drv.execute_cdp_cmd(
            "Emulation.setDeviceMetricsOverride",
            {"width": 360, "height": 640, "deviceScaleFactor": 2, "mobile": True},
        )
        drv.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": PROBE})
        yield drv
    finally:
        drv.quit()
        shutil.rmtree(profile, ignore_errors=True)


# ---------------------------------------------------------------- helpers


def wait_for(drv, script: str, timeout: float = REPLY_TIMEOUT, what: str = "") -> Any:
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(drv, timeout, poll_frequency=0.1).until(
        lambda d: d.execute_script(script), message=what or script
    )


def open_page(drv, url: str) -> None:
    drv.get(url)
    wait_for(drv, "return document.documentElement.dataset.promemoria === '1'", 15, "pagina pronta")


def press(drv, *keys: str) -> None:
    from selenium.webdriver.common.action_chains import ActionChains

    chain = ActionChains(drv)
    for key in keys:
        chain.send_keys(key)
    chain.perform()


def tab_until(drv, predicate_js: str, limit: int = 40, backwards: bool = False) -> None:
    """Press Tab (or Shift+Tab) until ``predicate_js`` (about ``el``) is true."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    for _ in range(limit):
        if drv.execute_script(f"var el = document.activeElement; return !!({predicate_js});"):
            return
        chain = ActionChains(drv)
        if backwards:
            chain.key_down(Keys.SHIFT).send_keys(Keys.TAB).key_up(Keys.SHIFT)
        else:
            chain.send_keys(Keys.TAB)
        chain.perform()
    raise AssertionError(f"nessun elemento raggiungibile con Tab per: {predicate_js}")


def bot_topics(drv) -> list[str]:
    return drv.execute_script(
        "return Array.from(document.querySelectorAll('#messaggi .msg--bot[data-topic]'))"
        ".map(function (e) { return e.dataset.topic; });"
    )


def count(drv, selector: str) -> int:
    return drv.execute_script(f"return document.querySelectorAll({selector!r}).length;")


def assert_clean(drv) -> None:
    """No alert, no CSP violation, no script/img injected, nothing from other hosts."""
    from selenium.common.exceptions import NoAlertPresentException

    try:
        text = drv.switch_to.alert.text
    except NoAlertPresentException:
        text = None
    assert text is None, f"alert aperto: {text}"
    assert drv.execute_script("return window.__alerts;") == []
    assert drv.execute_script("return window.__csp;") == []
    assert count(drv, "#messaggi script, #messaggi img, #messaggi iframe") == 0
    assert drv.execute_script("return document.scripts.length;") == 1
    origins = drv.execute_script(
        "return performance.getEntriesByType('resource')"
        ".map(function (e) { return new URL(e.name).origin; });"
    )
    here = drv.execute_script("return location.origin;")
    assert set(origins) <= {here}, origins
    severe = [e for e in drv.get_log("browser") if e.get("level") == "SEVERE"]
    assert not severe, severe


def assert_no_horizontal_scroll(drv) -> None:
    width = drv.execute_script("return document.documentElement.scrollWidth;")
    inner = drv.execute_script("return window.innerWidth;")
    assert inner == 360
    assert width <= 360, f"scroll orizzontale: scrollWidth={width}"


def assert_focus_visible(drv) -> None:
    style = drv.execute_script(
        "var s = getComputedStyle(document.activeElement);"
        "return [s.outlineStyle, parseFloat(s.outlineWidth)];"
    )
    assert style[0] != "none" and style[1] >= 2, f"focus non visibile: {style}"


# ---------------------------------------------------------------- tests


def test_chat_with_the_keyboard_on_a_phone(page, driver):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    url, fake = page
    open_page(driver, url)

    # the page, the notice, the sender id
    assert driver.execute_script("return document.documentElement.lang;") == "it"
    header = driver.find_element(By.CSS_SELECTOR, "header")
    assert "Assistente calcinosi tumorale" in header.text
    notice = driver.find_element(By.ID, "avviso")
    assert notice.is_displayed()
    assert (
        "Sono un assistente automatico, non un medico. In caso di emergenza chiama il 112."
        in notice.text
    )
    log = driver.find_element(By.ID, "messaggi")
    assert log.get_attribute("role") == "log"
    assert log.get_attribute("aria-live") == "polite"
    sender = driver.execute_script("return localStorage.getItem('calcinosi.sender');")
    assert re.fullmatch(
        r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", sender
    )
    assert count(driver, "#messaggi .msg") == 0  # nothing is sent on load
    assert_no_horizontal_scroll(driver)

    # keyboard only: Tab to the text field, Shift+Enter is a new line, Enter sends
    tab_until(driver, "el.id === 'testo'")
    assert_focus_visible(driver)
    from selenium.webdriver.common.action_chains import ActionChains

    ActionChains(driver).send_keys("riga uno").key_down(Keys.SHIFT).send_keys(Keys.ENTER).key_up(
        Keys.SHIFT
    ).send_keys("riga due").perform()
    assert driver.execute_script("return document.activeElement.value;") == "riga uno\nriga due"
    assert count(driver, "#messaggi .msg") == 0
    driver.execute_script("document.activeElement.select();")
    press(driver, Keys.BACKSPACE)
    press(driver, QUESTION, Keys.ENTER)

    user = wait_for(driver, "return document.querySelector('#messaggi .msg--utente');", 10)
    assert user.text == QUESTION
    assert driver.find_element(By.ID, "testo").get_attribute("value") == ""
    if fake is not None:
        # the typing indicator shows while waiting (fake Rasa answers after 0.4 s)
        assert driver.execute_script("return !document.getElementById('scrive').hidden;")

    # an answer with a topic
    wait_for(
        driver,
        f"return Array.from(document.querySelectorAll('#messaggi .msg--bot[data-topic]'))"
        f".some(function (e) {{ return e.dataset.topic === '{TOPIC}'; }});",
        what=f"risposta con data-topic={TOPIC}",
    )
    assert TOPIC in bot_topics(driver)
    assert driver.execute_script("return document.getElementById('scrive').hidden;")
    assert notice.is_displayed()
    assert_clean(driver)
    assert_no_horizontal_scroll(driver)

    if fake is not None:
        assert fake.calls[0] == {"sender": sender, "message": QUESTION}
        answer = driver.find_element(By.CSS_SELECTOR, f'#messaggi .msg--bot[data-topic="{TOPIC}"]')
        # Markdown rendered as DOM, HTML shown as plain text
        assert answer.find_element(By.TAG_NAME, "strong").text == "calcinosi tumorale"
        assert answer.find_element(By.TAG_NAME, "em").text == "rara"
        assert [li.text for li in answer.find_elements(By.CSS_SELECTOR, "ul > li")] == [
            "spalla",
            "gomito",
            "anca",
        ]
        assert "<script>alert(1)</script>" in answer.text
        assert "<img src=x onerror=alert(1)>" in answer.text
        links = answer.find_elements(By.TAG_NAME, "a")
        hrefs = [a.get_attribute("href") for a in links]
        assert hrefs[0] == "https://example.org/calcinosi"
        assert all(h.startswith("https://") for h in hrefs), hrefs
        for a in links:
            assert a.get_attribute("rel") == "noopener noreferrer"
            assert a.get_attribute("target") == "_blank"
        assert "finto" in answer.text  # the javascript: link is shown as text only
        assert len(answer.find_elements(By.CSS_SELECTOR, "button.scelta")) == 2

    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(SCREENSHOT))

    # a quick-reply button, with the keyboard: Tab to it, Enter
    if count(driver, "#messaggi button.scelta") == 0:
        pytest.skip("la risposta del bot reale non ha pulsanti da provare con la tastiera")
    before = count(driver, "#messaggi .msg--bot")
    driver.execute_script("document.activeElement.blur(); window.scrollTo(0, 0);")
    tab_until(driver, "el.classList.contains('scelta')")
    assert_focus_visible(driver)
    title = driver.execute_script("return document.activeElement.textContent;")
    press(driver, Keys.ENTER)
    wait_for(
        driver,
        f"return document.querySelectorAll('#messaggi .msg--bot').length > {before};",
        what="risposta al pulsante",
    )
    users = driver.find_elements(By.CSS_SELECTOR, "#messaggi .msg--utente")
    assert users[-1].text == title
    assert_clean(driver)
    assert_no_horizontal_scroll(driver)

    if fake is not None:
        assert fake.calls[-1] == {"sender": sender, "message": BUTTONS[0]["payload"]}
        topics = bot_topics(driver)
        assert topics[-3:] == ["condizione.sintomi", "promemoria.offerta", "promemoria.prossimi"]
        link = driver.find_element(By.CSS_SELECTOR, "#messaggi a.calendario")
        assert link.text == "Aggiungi al calendario"
        assert link.get_attribute("href") == f"{url}api/calendario/{sender}.ics"
        driver.save_screenshot(str(SCREENSHOT.with_name("chat-pulsante.png")))


def test_failed_request_keeps_the_text_and_shows_a_polite_error(page, driver):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    url, fake = page
    if fake is None:
        pytest.skip("serve la Rasa finta per simulare un guasto")
    open_page(driver, url)
    tab_until(driver, "el.id === 'testo'")
    text = "domanda con errore-simulato"
    press(driver, text, Keys.ENTER)
    error = wait_for(driver, "return document.querySelector('#messaggi .msg--errore');", 15)
    assert "non è raggiungibile" in error.text
    assert driver.find_element(By.ID, "testo").get_attribute("value") == text
    assert driver.execute_script(
        "return document.querySelector('#messaggi .msg--utente').classList"
        ".contains('msg--non-inviato');"
    )
    assert_no_horizontal_scroll(driver)
    driver.save_screenshot(str(SCREENSHOT.with_name("chat-errore.png")))


def test_pending_reminders_are_shown_on_load(page, driver):
    from selenium.webdriver.common.by import By

    url, fake = page
    if fake is None:
        pytest.skip("i promemoria in sospeso si provano con il fornitore finto")
    driver.get(url)
    driver.execute_script("localStorage.setItem('calcinosi.sender', 'promemoria-utente-1');")
    time.sleep(0.2)
    open_page(driver, url)
    notice = wait_for(
        driver,
        "return document.querySelector('#messaggi .msg--bot[data-topic=\"promemoria.avviso\"]');",
        10,
    )
    assert notice.find_element(By.TAG_NAME, "strong").text == "esami del fosfato"
    assert count(driver, "#messaggi .msg--utente") == 0
    assert [c["sender"] for c in fake.calls].count("promemoria-utente-1") == 0
    assert_clean(driver)
