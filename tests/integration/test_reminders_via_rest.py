"""The reminder conversation through the real server, driven by the custom.asks protocol."""

from __future__ import annotations

import datetime as dt
import uuid
from zoneinfo import ZoneInfo

import pytest

from bot.reminders.schedule import add_months
from tests.conftest import topics

pytestmark = pytest.mark.server


def today() -> dt.date:
    return dt.datetime.now(ZoneInfo("Europe/Rome")).date()


def subscribe(bot_server, sender: str, date_6m: str, date_12m: str) -> list[dict]:
    replies = bot_server.send("voglio ricevere i promemoria degli esami", sender)
    assert replies[-1]["custom"] == {"topic": "promemoria.attiva", "asks": "consenso"}
    replies = bot_server.send("sì", sender)
    assert replies[-1]["custom"]["asks"] == "data_esami_6m"
    replies = bot_server.send(date_6m, sender)
    assert replies[-1]["custom"]["asks"] == "data_esami_12m"
    return bot_server.send(date_12m, sender)


def test_subscription_computes_due_dates(bot_server) -> None:
    sender = f"test-{uuid.uuid4().hex}"
    last_6m = today() - dt.timedelta(days=30)
    last_12m = today() - dt.timedelta(days=100)
    replies = subscribe(bot_server, sender, last_6m.strftime("%d/%m/%Y"), last_12m.strftime("%d/%m/%y"))
    done = replies[-1]
    assert done["custom"]["topic"] == "promemoria.attivato"
    assert done["custom"]["next_due"] == {
        "fosfato_6m": add_months(last_6m, 6).isoformat(),
        "completo_12m": add_months(last_12m, 12).isoformat(),
    }
    nxt = bot_server.send("quando devo fare i prossimi esami?", sender)
    assert nxt[-1]["custom"]["topic"] == "promemoria.prossimi"
    assert nxt[-1]["custom"]["next_due"] == done["custom"]["next_due"]


def test_future_date_is_refused_and_overdue_is_said(bot_server) -> None:
    sender = f"test-{uuid.uuid4().hex}"
    bot_server.send("attiva i promemoria", sender)
    bot_server.send("si", sender)
    future = (today() + dt.timedelta(days=20)).strftime("%d/%m/%Y")
    replies = bot_server.send(future, sender)
    assert replies[-1]["custom"] == {"topic": "promemoria.chiedi_data", "asks": "data_esami_6m"}
    replies = bot_server.send("ieri", sender)
    assert replies[-1]["custom"]["asks"] == "data_esami_12m"
    old = (today() - dt.timedelta(days=500)).strftime("%d/%m/%Y")
    replies = bot_server.send(old, sender)
    assert replies[-1]["custom"]["topic"] == "promemoria.attivato"
    assert "in ritardo" in replies[-1]["text"]


def test_nothing_is_stored_before_consent_and_no_stores_nothing(bot_server) -> None:
    sender = f"test-{uuid.uuid4().hex}"
    bot_server.send("ricordami gli esami", sender)
    replies = bot_server.send("no", sender)
    assert topics(replies)[-1] == "promemoria.disattivato"
    assert bot_server.subscriber_count(sender) == 0


def test_delete_my_data_removes_reminders_and_conversation(bot_server) -> None:
    sender = f"test-{uuid.uuid4().hex}"
    d = (today() - dt.timedelta(days=10)).strftime("%d/%m/%Y")
    subscribe(bot_server, sender, d, d)
    replies = bot_server.send("cancella i miei dati", sender)
    assert topics(replies)[-1] == "promemoria.dati_cancellati"
    assert bot_server.subscriber_count(sender) == 0
    assert bot_server.stored_event_count(sender) == 0
    # A new message starts from zero: the welcome again.
    assert topics(bot_server.send("ciao", sender))[0] == "bot.benvenuto"


def start_and_consent(bot_server, sender: str) -> None:
    replies = bot_server.send("attiva i promemoria degli esami", sender)
    assert replies[-1]["custom"]["asks"] == "consenso"
    replies = bot_server.send("sì", sender)
    assert replies[-1]["custom"]["asks"] == "data_esami_6m"


def test_deletion_while_a_date_is_asked_deletes_everything(bot_server) -> None:
    sender = f"test-{uuid.uuid4().hex}"
    start_and_consent(bot_server, sender)
    replies = bot_server.send("cancella i miei dati", sender)
    assert topics(replies) == ["promemoria.dati_cancellati"]
    assert all("cancella_conversazione" not in m["custom"] for m in replies)  # internal signal
    assert bot_server.subscriber_count(sender) == 0
    assert bot_server.stored_event_count(sender) == 0
    assert topics(bot_server.send("ciao", sender))[0] == "bot.benvenuto"


def test_stop_while_a_date_is_asked_ends_the_sign_up(bot_server) -> None:
    sender = f"test-{uuid.uuid4().hex}"
    start_and_consent(bot_server, sender)
    replies = bot_server.send("stop promemoria, non li voglio più", sender)
    assert topics(replies) == ["promemoria.disattivato"]
    assert "asks" not in replies[-1]["custom"]
    assert bot_server.subscriber_count(sender) == 0
    # The form is over: a date now is not an answer to anything.
    assert "asks" not in bot_server.send("15/09/2026", sender)[-1]["custom"]


def test_emergency_while_consent_is_asked_comes_first_then_the_question(bot_server) -> None:
    sender = f"test-{uuid.uuid4().hex}"
    bot_server.send("ricordami gli esami", sender)
    replies = bot_server.send("ho un dolore fortissimo al petto e faccio fatica a respirare", sender)
    assert topics(replies)[0] == "sicurezza.urgenza"
    assert replies[-1]["custom"] == {"topic": "promemoria.attiva", "asks": "consenso"}


def test_a_question_while_a_date_is_asked_is_answered_and_the_consent_kept(bot_server) -> None:
    sender = f"test-{uuid.uuid4().hex}"
    start_and_consent(bot_server, sender)
    replies = bot_server.send("scusa, ma il parmigiano lo posso mangiare?", sender)
    assert topics(replies)[0].startswith("dieta.")
    assert replies[-1]["custom"] == {"topic": "promemoria.chiedi_data", "asks": "data_esami_6m"}
    replies = bot_server.send("chi può leggere i miei dati?", sender)
    assert topics(replies)[0] == "privacy.informativa"
    assert replies[-1]["custom"]["asks"] == "data_esami_6m"
    d = (today() - dt.timedelta(days=10)).strftime("%d/%m/%Y")
    assert bot_server.send(d, sender)[-1]["custom"]["asks"] == "data_esami_12m"
    assert topics(bot_server.send(d, sender)) == ["promemoria.attivato"]
    assert bot_server.subscriber_count(sender) == 1


def test_yes_after_the_offer_starts_the_sign_up(bot_server) -> None:
    sender = f"test-{uuid.uuid4().hex}"
    replies = bot_server.send("ogni quanto devo fare gli esami del sangue?", sender)
    assert "controlli.esami_periodici" in topics(replies)
    assert bot_server.send("sì", sender)[-1]["custom"] == {"topic": "promemoria.attiva", "asks": "consenso"}
    # Only right after the offer: "sì" later is not a sign-up.
    other = f"test-{uuid.uuid4().hex}"
    bot_server.send("ogni quanto devo fare gli esami del sangue?", other)
    bot_server.send("grazie", other)
    assert "asks" not in bot_server.send("sì", other)[-1]["custom"]


def test_a_subscriber_asking_again_is_told_the_dates(bot_server) -> None:
    sender = f"test-{uuid.uuid4().hex}"
    d = (today() - dt.timedelta(days=10)).strftime("%d/%m/%Y")
    done = subscribe(bot_server, sender, d, d)[-1]
    replies = bot_server.send("attiva i promemoria", sender)
    assert topics(replies) == ["promemoria.prossimi"]
    assert replies[-1]["custom"]["next_due"] == done["custom"]["next_due"]
