"""Interruptions in the middle of the reminder sign-up, through the real REST server.

Written blind (only the topic catalogue and the reminder protocol were known): every
assertion is about the protocol (``custom.topic``, ``custom.asks``, ``custom.next_due``,
stored counts), never about the wording of the answers.

While the bot waits for the consent or for a date:
  (1) a deletion request deletes everything (conversation included) and confirms;
  (2) a stop request ends the sign-up and nothing is stored;
  (3) an emergency gets ``sicurezza.urgenza`` first, then the pending question again;
  (4) a content question gets a content topic, then the pending question again;
  (5) help and privacy questions are answered, then the pending question again;
  (6) a refused consent stores nothing.
In (3)-(5) what was already given (consent, first date) is kept.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.reminders.dates import MONTH_NAMES
from bot.reminders.schedule import add_months
from tests.conftest import topics

pytestmark = pytest.mark.server

CONSENT, DATE_6M, DATE_12M = "consenso", "data_esami_6m", "data_esami_12m"
STEPS = (CONSENT, DATE_6M, DATE_12M)
TOPIC_OF_STEP = {
    CONSENT: "promemoria.attiva",
    DATE_6M: "promemoria.chiedi_data",
    DATE_12M: "promemoria.chiedi_data",
}

DIET = {"dieta.cibi_ricchi_fosforo", "dieta.cosa_mangiare", "dieta.povera_fosforo"}
ADDITIVES = {"dieta.additivi", "dieta.cibi_ricchi_fosforo", "dieta.cosa_mangiare"}
NOT_CANCER = {"condizione.non_e_cancro", "condizione.cos_e"}
EXEMPTION = {"rete.esenzione", "rete.centri"}
VITAMIN_D = {"evitare.vitamina_d", "evitare.riepilogo"}
CHECKS = {"controlli.esami_periodici", "condizione.diagnosi"}


# --------------------------------------------------------------------------- helpers


def today() -> dt.date:
    return dt.datetime.now(ZoneInfo("Europe/Rome")).date()


def days_ago(days: int) -> dt.date:
    return today() - dt.timedelta(days=days)


def slash(day: dt.date) -> str:
    """``15/09/2026``."""
    return day.strftime("%d/%m/%Y")


def in_words(day: dt.date) -> str:
    """``il 3 marzo`` (the year only when it is not the current one, to stay unambiguous)."""
    text = f"il {day.day} {MONTH_NAMES[day.month - 1]}"
    return text if day.year == today().year else f"{text} {day.year}"


def new_sender() -> str:
    return f"test-midflow-{uuid.uuid4().hex}"


def custom(message: dict[str, Any]) -> dict[str, Any]:
    return message.get("custom") or {}


def assert_asks(replies: list[dict[str, Any]], step: str) -> None:
    """The last message asks the question of ``step`` (consent or one of the dates)."""
    assert replies, "nessuna risposta"
    last = custom(replies[-1])
    assert last.get("asks") == step, topics(replies)
    assert last.get("topic") == TOPIC_OF_STEP[step], topics(replies)


def assert_no_pending_question(replies: list[dict[str, Any]]) -> None:
    assert all("asks" not in custom(m) for m in replies), [custom(m) for m in replies]


class SignUp:
    """One conversation walking through the sign-up, remembering the dates it gave."""

    def __init__(self, bot_server, opening: str = "vorrei i promemoria degli esami") -> None:
        self.bot = bot_server
        self.sender = new_sender()
        self.opening = opening
        self.date_6m = days_ago(45)
        self.date_12m = days_ago(200)

    def say(self, text: str) -> list[dict[str, Any]]:
        return self.bot.send(text, self.sender)

    def reach(self, step: str) -> None:
        """Walks the sign-up until the bot waits for ``step``."""
        replies = self.say(self.opening)
        assert topics(replies)[0] == "bot.benvenuto"
        assert_asks(replies, CONSENT)
        assert self.bot.subscriber_count(self.sender) == 0  # nothing before consent
        if step == CONSENT:
            return
        assert_asks(self.say("sì"), DATE_6M)
        if step == DATE_6M:
            return
        assert_asks(self.say(slash(self.date_6m)), DATE_12M)

    def finish_from(self, step: str) -> dict[str, Any]:
        """Answers the pending question and the following ones; returns the final message."""
        if step == CONSENT:
            assert_asks(self.say("si va bene"), DATE_6M)
            step = DATE_6M
        if step == DATE_6M:
            assert_asks(self.say(in_words(self.date_6m)), DATE_12M)
        replies = self.say(slash(self.date_12m))
        done = replies[-1]
        assert custom(done).get("topic") == "promemoria.attivato", topics(replies)
        return done

    def assert_activated_with_given_dates(self, done: dict[str, Any]) -> None:
        next_due = custom(done)["next_due"]
        assert set(next_due) == {"fosfato_6m", "completo_12m"}
        assert next_due["fosfato_6m"] == add_months(self.date_6m, 6).isoformat()
        assert next_due["completo_12m"] == add_months(self.date_12m, 12).isoformat()
        assert self.bot.subscriber_count(self.sender) == 1

    def assert_everything_deleted(self) -> None:
        assert self.bot.subscriber_count(self.sender) == 0
        assert self.bot.stored_event_count(self.sender) == 0


# ------------------------------------------------------------- (1) deletion mid-flow


@pytest.mark.parametrize(
    ("step", "text"),
    [
        (CONSENT, "eliminate tutto quello che avete su di me"),
        (DATE_6M, "aspetta, voglio che cancelliate i miei dati, anche la chat"),
        (DATE_12M, "ripensandoci cancella tutti i dati miei per favore"),
    ],
)
def test_deletion_request_mid_flow_deletes_everything(bot_server, step: str, text: str) -> None:
    signup = SignUp(bot_server, opening="mi ricordate voi quando fare gli esami del fosforo?")
    signup.reach(step)
    replies = signup.say(text)
    assert topics(replies)[-1] == "promemoria.dati_cancellati", topics(replies)
    signup.assert_everything_deleted()
    # The sign-up is gone with the conversation: a new message starts from the welcome.
    again = signup.say("buongiorno")
    assert topics(again)[0] == "bot.benvenuto"
    assert_no_pending_question(again)
    assert bot_server.subscriber_count(signup.sender) == 0


# ----------------------------------------------------------------- (2) stop mid-flow


@pytest.mark.parametrize(
    ("step", "text"),
    [
        (CONSENT, "lascia stare, non voglio più nessun promemoria"),
        (DATE_6M, "basta promemoria ho cambiato idea"),
        (DATE_12M, "stop promemoria, nn mi scrivete piu"),
    ],
)
def test_stop_request_mid_flow_ends_sign_up(bot_server, step: str, text: str) -> None:
    signup = SignUp(bot_server, opening="potete mandarmi un promemoria per i controlli?")
    signup.reach(step)
    replies = signup.say(text)
    assert topics(replies)[-1] == "promemoria.disattivato", topics(replies)
    assert_no_pending_question(replies)
    assert bot_server.subscriber_count(signup.sender) == 0
    # The sign-up is over: a date now does not resume it and nothing gets stored.
    after = signup.say(slash(signup.date_12m))
    assert "promemoria.attivato" not in topics(after)
    assert_no_pending_question(after)
    assert bot_server.subscriber_count(signup.sender) == 0


# ------------------------------------------------------------ (3) emergency mid-flow


@pytest.mark.parametrize(
    ("step", "text"),
    [
        (CONSENT, "aiuto mia madre è svenuta e non risponde"),
        (DATE_6M, "dolore fortissimo al gomito all'improvviso, nn riesco a muovere il braccio"),
        (DATE_12M, "la massa sulla spalla è diventata rossa e gonfia e ho la febbre a 39"),
    ],
)
def test_emergency_mid_flow_comes_first_then_question_again(
    bot_server, step: str, text: str
) -> None:
    signup = SignUp(bot_server, opening="voglio che mi ricordi gli esami ogni 6 mesi")
    signup.reach(step)
    replies = signup.say(text)
    assert topics(replies)[0] == "sicurezza.urgenza", topics(replies)
    assert_asks(replies, step)
    # What was given before is kept: the next answer moves on, never back to consent.
    done = signup.finish_from(step)
    signup.assert_activated_with_given_dates(done)


def test_chest_pain_while_waiting_for_date_keeps_consent(bot_server) -> None:
    signup = SignUp(bot_server, opening="attivami i promemoria x favore")
    signup.reach(DATE_6M)
    replies = signup.say("scusate ho un forte dolore al petto e faccio fatica a respirare")
    assert topics(replies)[0] == "sicurezza.urgenza", topics(replies)
    assert_asks(replies, DATE_6M)
    # A valid date goes straight to the 12-month question (consent is not asked again).
    replies = signup.say(slash(signup.date_6m))
    assert_asks(replies, DATE_12M)
    assert "promemoria.attiva" not in topics(replies)


# ------------------------------------------------------ (4) content question mid-flow


@pytest.mark.parametrize(
    ("step", "text", "acceptable"),
    [
        (CONSENT, "scusa ma il grana lo posso mangiare?", DIET),
        (CONSENT, "prima di dirti si, ogni quanto vanno fatti gli esami?", CHECKS),
        (DATE_6M, "ma sta calcinosi è un tumore? ho un po paura", NOT_CANCER),
        (DATE_6M, "la coca cola posso berla ogni tanto o ha i fosfati?", ADDITIVES),
        (DATE_12M, "x l'esenzione RCO230 a chi mi devo rivolgere?", EXEMPTION),
        (DATE_12M, "il mio medico mi ha dato la vitamina D, va bene con questa malattia?",
         VITAMIN_D | {"sicurezza.consiglio_personale"}),
    ],
)
def test_content_question_mid_flow_is_answered_then_question_again(
    bot_server, step: str, text: str, acceptable: set[str]
) -> None:
    signup = SignUp(bot_server, opening="ricordami quando devo rifare gli esami")
    signup.reach(step)
    replies = signup.say(text)
    answered = [t for t in topics(replies)[:-1] if not t.startswith("promemoria.")]
    assert answered, f"nessuna risposta di contenuto prima della domanda: {topics(replies)}"
    assert answered[0] in acceptable, topics(replies)
    assert "sicurezza.urgenza" not in topics(replies)
    assert_asks(replies, step)
    done = signup.finish_from(step)
    signup.assert_activated_with_given_dates(done)


# --------------------------------------------------- (5) help and privacy mid-flow


@pytest.mark.parametrize(
    ("step", "text", "acceptable"),
    [
        (CONSENT, "ma se dico di si che dati vi tenete e per quanto?", {"privacy.informativa"}),
        (DATE_6M, "non ho capito bene, cosa sai fare tu?", {"bot.aiuto"}),
        (DATE_12M, "dove finiscono le date che vi sto dando? chi le vede?",
         {"privacy.informativa"}),
    ],
)
def test_help_or_privacy_mid_flow_is_answered_then_question_again(
    bot_server, step: str, text: str, acceptable: set[str]
) -> None:
    signup = SignUp(bot_server, opening="mi serve un promemoria per gli esami del sangue")
    signup.reach(step)
    replies = signup.say(text)
    assert any(t in acceptable for t in topics(replies)[:-1]), topics(replies)
    assert_asks(replies, step)
    done = signup.finish_from(step)
    signup.assert_activated_with_given_dates(done)


# ------------------------------------------------------------- (6) refused consent


@pytest.mark.parametrize("text", ["no grazie", "mmh no, per ora preferisco di no"])
def test_refused_consent_stores_nothing(bot_server, text: str) -> None:
    signup = SignUp(bot_server, opening="vorrei i promemoria degli esami")
    signup.reach(CONSENT)
    replies = signup.say(text)
    assert topics(replies)[-1] == "promemoria.disattivato", topics(replies)
    assert_no_pending_question(replies)
    assert bot_server.subscriber_count(signup.sender) == 0
    # A date sent afterwards does not sneak a subscription in.
    after = signup.say(slash(signup.date_6m))
    assert "promemoria.attivato" not in topics(after)
    assert bot_server.subscriber_count(signup.sender) == 0


def test_refused_consent_after_an_interruption_stores_nothing(bot_server) -> None:
    signup = SignUp(bot_server, opening="mi puoi ricordare gli esami di controllo?")
    signup.reach(CONSENT)
    replies = signup.say("ma il parmigiano ha tanto fosforo?")
    assert_asks(replies, CONSENT)
    replies = signup.say("all'improvviso non riesco piu a respirare bene")
    assert topics(replies)[0] == "sicurezza.urgenza", topics(replies)
    assert_asks(replies, CONSENT)
    replies = signup.say("no, non voglio")
    assert topics(replies)[-1] == "promemoria.disattivato", topics(replies)
    assert bot_server.subscriber_count(signup.sender) == 0


# ------------------------------------------- several interruptions in one sign-up


def test_many_interruptions_keep_consent_and_dates(bot_server) -> None:
    signup = SignUp(bot_server, opening="salve, sono la mamma di un ragazzo con calcinosi "
                                        "tumorale, vorrei i promemoria per i suoi esami")
    signup.reach(DATE_6M)
    assert_asks(signup.say("che cosa registrate di noi?"), DATE_6M)
    assert_asks(signup.say(in_words(signup.date_6m)), DATE_12M)
    replies = signup.say("e le noci e la cioccolata? lui ne va matto")
    assert any(t in DIET for t in topics(replies)), topics(replies)
    assert_asks(replies, DATE_12M)
    replies = signup.say("ha la febbre alta e la ferita sul gomito è tutta rossa e gonfia")
    assert topics(replies)[0] == "sicurezza.urgenza", topics(replies)
    assert_asks(replies, DATE_12M)
    replies = signup.say(slash(signup.date_12m))
    assert topics(replies)[-1] == "promemoria.attivato", topics(replies)
    signup.assert_activated_with_given_dates(replies[-1])
