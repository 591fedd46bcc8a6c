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
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from chromium import MISSING, headless_chromium, installed

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOT = ROOT / "var" / "screenshots" / "chat.png"
QUESTION = "che cos'è la calcinosi tumorale?"
TOPIC = "condizione.cos_e"
REPLY_TIMEOUT = float(os.environ.get("CALCINOSI_BROWSER_TIMEOUT", "120"))
# axe-core from the npm registry, exact version in tests/e2e/axe/package-lock.json,
# installed by scripts/install-browser.sh (`make browser`, `make test`).
AXE = ROOT / "tests" / "e2e" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21aa", "best-practice"]
MIN_FONT_PX = 15

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not installed(), reason=MISSING),
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
    with headless_chromium(360, 640, console_log=True) as drv:
        drv.execute_cdp_cmd(
            "Emulation.setDeviceMetricsOverride",
            {"width": 360, "height": 640, "deviceScaleFactor": 2, "mobile": True},
        )
        drv.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": PROBE})
        yield drv


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


# ---------------------------------------------------------------- accessibility (axe-core)

AXE_RUN = """
var done = arguments[arguments.length - 1];
axe.run(document, {runOnly: {type: 'tag', values: arguments[0]}, resultTypes: ['violations']})
  .then(function (r) {
    done({
      version: axe.version,
      passes: r.passes.map(function (x) { return x.id; }),
      violations: r.violations.map(function (v) {
        return {
          id: v.id, impact: v.impact, help: v.help,
          nodes: v.nodes.map(function (n) {
            return {target: n.target, summary: n.failureSummary || ''};
          })
        };
      })
    });
  })
  .catch(function (e) { done({error: String(e && e.stack || e)}); });
"""


def run_axe(drv) -> dict[str, Any]:
    """axe-core's rules for AXE_TAGS on the page as it is now.

    axe is injected through WebDriver (not a <script> of the page), so the page's CSP
    stays as strict as in production."""
    if not AXE.exists():
        pytest.skip(f"axe-core non installato ({AXE}): esegui `make browser`")
    if drv.execute_script("return typeof window.axe === 'undefined';"):
        drv.execute_script(AXE.read_text(encoding="utf-8"))
    drv.set_script_timeout(120)
    result = drv.execute_async_script(AXE_RUN, AXE_TAGS)
    assert "error" not in result, result.get("error")
    # axe did run: the rules that matter for this page were evaluated
    assert {"region", "color-contrast", "landmark-one-main"} <= set(result["passes"]) | {
        v["id"] for v in result["violations"]
    }, result["passes"]
    return result


def format_violations(violations: list[dict[str, Any]]) -> str:
    lines = []
    for v in violations:
        lines.append(f"- {v['id']} [{v['impact']}]: {v['help']}")
        for node in v["nodes"]:
            target = " ".join(" > ".join(t) if isinstance(t, list) else t for t in node["target"])
            summary = " ".join(node["summary"].split())
            lines.append(f"    {target}: {summary[:300]}")
    return "\n".join(lines)


def assert_no_violations(drv, when: str) -> dict[str, Any]:
    result = run_axe(drv)
    violations = result["violations"]
    assert not violations, (
        f"axe-core {result['version']} ({', '.join(AXE_TAGS)}), {when}: "
        f"{len(violations)} regole violate\n{format_violations(violations)}"
    )
    return result


def assert_readable_text(drv) -> None:
    """Every visible piece of text is at least MIN_FONT_PX (lay, possibly elderly readers)."""
    small = drv.execute_script(
        """
        var out = [];
        var walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
        var node;
        while ((node = walker.nextNode())) {
          var el = node.parentElement;
          if (!node.nodeValue.trim() || !el || el.closest('.sr, [hidden], noscript')) continue;
          if (!el.getClientRects().length) continue;
          var size = parseFloat(getComputedStyle(el).fontSize);
          if (size < arguments[0]) out.push(el.tagName + '.' + el.className + ' ' + size + 'px');
        }
        return out;
        """,
        MIN_FONT_PX,
    )
    assert not small, f"testo più piccolo di {MIN_FONT_PX}px: {small}"


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_accessibility_after_a_question_and_its_answer(page, driver, scheme):
    """WCAG 2.1 AA with axe-core on the page served by the stack, in both colour schemes:
    when it opens, after a question and its answer, then after an error and a quick reply."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    url, fake = page
    driver.execute_cdp_cmd(
        "Emulation.setEmulatedMedia",
        {"features": [{"name": "prefers-color-scheme", "value": scheme}]},
    )
    open_page(driver, url)
    assert driver.execute_script(f"return matchMedia('(prefers-color-scheme: {scheme})').matches;")
    assert_no_violations(driver, "pagina appena aperta")

    # the landmarks a screen reader lists, with their names
    landmarks = driver.execute_script(
        "return Array.from(document.querySelectorAll('header, main, form')).map(function (e) {"
        " return e.tagName.toLowerCase() + ':' + (e.getAttribute('aria-label') || ''); });"
    )
    assert landmarks == ["header:", "main:Conversazione", "form:Scrivi all'assistente"]

    tab_until(driver, "el.id === 'testo'")
    assert_focus_visible(driver)
    # what the screen-reader status region says while waiting (the dots are hidden to it)
    driver.execute_script(
        "window.__stato = []; var s = document.getElementById('stato');"
        "new MutationObserver(function () { window.__stato.push(s.textContent); })"
        ".observe(s, {childList: true, characterData: true, subtree: true});"
    )
    press(driver, QUESTION, Keys.ENTER)
    wait_for(
        driver,
        "return document.querySelector('#messaggi .msg--bot:not([hidden])') !== null &&"
        " document.getElementById('scrive').hidden;",
        what="risposta del bot",
    )
    assert driver.execute_script("return window.__stato;") == ["L'assistente sta scrivendo…", ""]
    assert driver.execute_script("return document.activeElement.id;") == "testo"
    assert_clean(driver)
    assert_readable_text(driver)
    assert_no_horizontal_scroll(driver)

    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    name = "chat-a11y.png" if scheme == "light" else f"chat-a11y-{scheme}.png"
    driver.save_screenshot(str(SCREENSHOT.with_name(name)))
    result = assert_no_violations(driver, "dopo una domanda e la sua risposta")
    print(f"axe-core {result['version']}: {len(result['passes'])} regole superate, 0 violate")

    # an error bubble (too long, refused in the page) and, if there is one, a quick reply
    field = driver.find_element(By.ID, "testo")
    driver.execute_script("arguments[0].value = 'a'.repeat(2001);", field)
    press(driver, Keys.ENTER)
    wait_for(driver, "return document.querySelector('#messaggi .msg--errore') !== null;", 10)
    driver.execute_script("arguments[0].value = '';", field)
    if count(driver, "#messaggi button.scelta"):
        before = count(driver, "#messaggi .msg--bot")
        driver.execute_script("document.activeElement.blur(); window.scrollTo(0, 0);")
        tab_until(driver, "el.classList.contains('scelta')")
        assert_focus_visible(driver)
        press(driver, Keys.ENTER)
        wait_for(
            driver,
            f"return document.querySelectorAll('#messaggi .msg--bot').length > {before} &&"
            " document.getElementById('scrive').hidden;",
            what="risposta al pulsante",
        )
    assert_readable_text(driver)
    assert_no_violations(driver, "dopo un errore e una risposta rapida")


def test_a_content_answer_shows_its_source_review_date_and_the_vote(page, driver):
    """What the patient sees under a content answer (real bot only): where it comes from,
    when it was reviewed, that it awaits clinical review, and "Ti è stata utile?"."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    url, fake = page
    if fake is not None:
        pytest.skip("serve il bot vero (le fonti vengono dalle schede in content/it/)")
    open_page(driver, url)
    driver.find_element(By.ID, "testo").click()
    press(driver, "quali cibi hanno tanto fosforo?", Keys.ENTER)
    wait_for(
        driver,
        "return Array.from(document.querySelectorAll('#messaggi .msg--bot'))"
        ".some(function (m) { return m.innerText.indexOf('Fonte:') >= 0; });",
        what="risposta con la fonte",
    )
    answer = [m for m in driver.find_elements(By.CSS_SELECTOR, "#messaggi .msg--bot") if "Fonte:" in m.text][-1]
    assert answer.is_displayed()
    assert re.search(r"Fonte: PDTA Regione Toscana, calcinosi tumorale \(RCO230\)", answer.text)
    assert re.search(r"Rivisto il \d{2}/\d{2}/\d{4}", answer.text)
    assert "Testo in attesa di revisione clinica." in answer.text
    assert "Ti è stata utile questa risposta?" in answer.text
    titles = [b.text for b in driver.find_elements(By.CSS_SELECTOR, "#messaggi button.scelta")]
    assert "Sì, utile" in titles and "No" in titles
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    driver.execute_script("arguments[0].scrollIntoView({block: 'end'});", answer)
    driver.save_screenshot(str(SCREENSHOT.with_name("chat-fonte.png")))
