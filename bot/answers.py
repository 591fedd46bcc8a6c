"""Decides what action_rispondi answers to one user message (pure logic, no Rasa imports).

Order of precedence, whatever the message:
1. ``urgenza`` (set by the safety layer): the emergency answer first, then the rest.
2. Reminder commands (next tests, done, snooze, stop, delete); the sign-up itself is the
   Rasa form ``promemoria_form`` (actions/promemoria.py), not this module.
3. Content topics, follow-ups on the last topic, dialogue (greeting, help, ...), fallback.

The first answer of a conversation also gets the welcome (automated assistant, not a doctor).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bot.content import ContentStore, Topic, is_approved
from bot.followups import (
    asked_about,
    is_aspect_only,
    is_elliptical,
    matching_key,
    refers_back,
    text_mentions,
    text_names,
)
from bot.foods import CurrentFoodTable
from bot.safety import mentions_own_values, needs_specialist_only
from bot.senses import SPORT
from bot.text import normalize
from bot.topics import (
    DIALOGUE_INTENTS,
    FEEDBACK_INTENTS,
    REMINDER_INTENTS,
    content_intents,
    intent_for_topic,
)

# A content intent that the classifier ranks this high, behind an urgent override,
# is answered after the emergency message.
SECONDARY_TOPIC_CONFIDENCE = 0.35
# A personal question is answered with the caveat and the general answer of the topic it
# is about when the classifier's topic ranking (framing aside) gives that topic this share.
PERSONAL_TOPIC_SHARE = 0.4
# ... or, with less (at least the floor), when it has this many times the next topic's share.
PERSONAL_TOPIC_LEAD = 2.0
PERSONAL_TOPIC_FLOOR = 0.15
# How many topics the fallback offers as buttons.
FALLBACK_SUGGESTIONS = 3
FOOD_TOPIC = "dieta.cibi_ricchi_fosforo"
# The answer about follow-up tests offers reminders; a "sì" right after starts them.
REMINDER_OFFER_TOPIC = "controlli.esami_periodici"
OFFER_SLOT = "offerta_promemoria"
WELCOME_SLOT = "benvenuto_inviato"
# Marks the message that confirms "cancella i miei dati": the channel that delivers it
# then deletes the conversation from the tracker store (bot/channels/common.py).
FORGET_FLAG = "cancella_conversazione"

DIALOGUE_INTENT_FOR_TOPIC = {topic: intent for intent, topic in DIALOGUE_INTENTS.items()}
# A named food (content/it/alimenti.yml) is answered about that food, whatever topic the
# classifier guessed ("la coca cola fa male?" is not about pain), except under these.
NOT_ABOUT_FOOD = frozenset(
    {
        "riabilitazione_idrochinesiterapia",  # "l'acqua della piscina"
        "evitare_leganti_calcio",
        "evitare_vitamina_d",
        "terapia_farmaci",  # "prendo l'acetazolamide e le bibite hanno un gusto strano"
        "condizione_diagnosi_differenziale",
        "privacy", "aiuto", "chi_sei", "saluto", "grazie", "arrivederci",
    }
)
MAX_FOODS = 3  # foods named in one answer
# "Cosa mi resta da mangiare?", "che cosa può mangiare con tranquillità?": a question on what
# to eat in general, whatever foods its story names ("ho chiuso con salumi e formaggi").
WHAT_TO_EAT = re.compile(
    r"\b(?:cosa|che cosa|cos|quali cose|quali cibi|quali alimenti)\b(?:\s+\w+){0,4}?\s+"
    r"(?:mangi\w*|magn\w*|cucin\w*|prepar\w*|compr\w*|mett\w*)\b"
)
GENERAL_DIET_INTENTS = frozenset({"dieta_cosa_mangiare", "dieta_povera_fosforo"})
GENERAL_DIET_CONFIDENCE = 0.8
SURE_OUT_OF_SCOPE = 0.8


UNSURE_IN_CONTEXT = frozenset({*REMINDER_INTENTS, "affermazione", "negazione"})


def unsure_follow_up(turn: Turn) -> bool:
    """A short follow-up to a content answer ("come li contatto?" after the association, "e
    se non voglio cambiare?") that the classifier, unsure, took for a reminder request or a
    bare yes or no: it stays in the answer's context."""
    return (
        turn.intent in UNSURE_IN_CONTEXT
        and turn.confidence < SWITCH_TOPIC_CONFIDENCE
        and str(turn.slots.get("ultimo_argomento") or "") in content_intents().values()
        and (is_elliptical(turn.text) or refers_back(turn.text))
    )


def sure_out_of_scope(turn: Turn) -> bool:
    """"Una ricetta del tiramisù?", "terme con l'acqua calda per un weekend?": the classifier is
    sure the message is not about the illness, whatever food it names."""
    return turn.intent == "fuori_ambito" and turn.confidence >= SURE_OUT_OF_SCOPE


def food_may_decide(turn: Turn) -> bool:
    """A named food decides the answer unless the message is about something else the food
    does not change (NOT_ABOUT_FOOD, a personal question, what to eat in general, a sure
    out-of-scope request, the sport)."""
    return (
        turn.intent not in NOT_ABOUT_FOOD
        and turn.intent != "consiglio_personale"
        and not asks_what_to_eat(turn)
        and not sure_out_of_scope(turn)
        and not SPORT.search(normalize(turn.text))  # "il calcio giocato, non quello del latte"
    )


def asks_what_to_eat(turn: Turn) -> bool:
    """The message asks what to eat in general, and the classifier is sure it is about that."""
    return (
        turn.intent in GENERAL_DIET_INTENTS
        and turn.confidence >= GENERAL_DIET_CONFIDENCE
        and WHAT_TO_EAT.search(normalize(turn.text)) is not None
    )
# Ask instead of guessing when the two best topics are this close and neither is sure.
CLARIFY_MARGIN = 0.05
CLARIFY_BELOW = 0.3
# "il calcio va bene?": calcium or football? Asked only of a short message that says neither
# (bot/senses.py settles it when the message speaks of the sport).
CALCIUM_WORD = re.compile(r"\bcalcio\b")
CALCIUM_QUESTION_WORDS = 6
CALCIUM_CONTEXT = re.compile(
    r"\b(?:cib\w*|mangi\w*|latte|formagg\w*|dieta|integrator\w*|aliment\w*|acqua|bere|bev\w*|"
    r"sangue|esam\w*|prend\w*|compress\w*|pastigl\w*|quant\w*|ricc\w*|assorb\w*|vitamina|"
    r"legant\w*|chelant\w*|fosforo|oss[aoi]|carbonato|acetato|sali|latticin\w*|mozzarell\w*|"
    r"yogurt|troppo|poco|elimin\w*|togli\w*|soglia|crescit\w*|crescendo|serve|servono)\b"
)
CALCIUM_SENSES = ("evitare_calcio_dieta", "riabilitazione_esercizio")
# After an answer about the diet or what to avoid, "calcio" is the calcium in food.
FOOD_CONTEXT_TOPICS = ("dieta.", "evitare.")
# A follow-up after an answer stays on that answer's topic unless the classifier is this
# sure of another one and the message names more than an aspect (bot/followups.py).
SWITCH_TOPIC_CONFIDENCE = 0.5
# How sure the classifier must be of a question's topic to answer it as a second topic.
SECOND_QUESTION_CONFIDENCE = 0.9
# The intents a follow-up in context may get: the classifier does not see the context.
CONTEXT_INTENTS = frozenset({"seguito", "nlu_fallback", "fuori_ambito", "consiglio_personale", "data"})
# Dialogue answers that a follow-up may continue ("cosa salvate?" -> "e per quanto tempo?"):
# the answer's id -> its intent. They are remembered as the last topic and answered again.
DIALOGUE_CONTEXTS = {"privacy.informativa": "privacy"}
# A short question that points back ("c'è un medico apposta?") may look like these too.
POINTING_INTENTS = frozenset({"chi_sei", "aiuto"})
# Follow-ups that ask for more of the same, not about something ("e poi?", "cioè?").
NOTHING_NAMED = frozenset({"poi", "quindi", "allora", "cioe", "tipo", "in pratica", "perche", "come mai", "invece"})


@dataclass
class Turn:
    """One user message, as the NLU understood it, plus the conversation state."""

    intent: str
    text: str = ""
    confidence: float = 1.0
    ranking: list[dict[str, Any]] = field(default_factory=list)
    entities: list[dict[str, Any]] = field(default_factory=list)
    # The classifier's topics without the safety framing (bot/nlu/tfidf_classifier.py).
    topic_ranking: list[dict[str, Any]] = field(default_factory=list)
    # The best topic of each question of a message that asks two or more (same module).
    questions: list[dict[str, Any]] = field(default_factory=list)
    slots: dict[str, Any] = field(default_factory=dict)
    channel: str = "rest"
    sender: str = ""


@dataclass
class Reply:
    messages: list[dict[str, Any]] = field(default_factory=list)
    slots: dict[str, Any] = field(default_factory=dict)
    # The user asked to delete everything: the last message carries FORGET_FLAG.
    forget_conversation: bool = False

    def payload(self) -> list[dict[str, Any]]:
        """The messages as sent, the deletion signal on the last one."""
        if self.forget_conversation and self.messages:
            last = self.messages[-1]
            return [*self.messages[:-1], {**last, "custom": {**last["custom"], FORGET_FLAG: True}}]
        return list(self.messages)


def message(
    topic: str,
    text: str,
    buttons: list[dict[str, str]] | None = None,
    **custom: Any,
) -> dict[str, Any]:
    """A bot message in the channel format: text, buttons, and custom.topic."""
    payload: dict[str, Any] = {"text": text.strip(), "custom": {"topic": topic, **custom}}
    if buttons:
        payload["buttons"] = buttons
    return payload


# Stores one "Ti è stata utile?" vote: (topic id, vote, day). See bot/feedback.py.
VoteRecorder = Callable[[str, str, dt.date], None]


def feedback_buttons(topic_id: str) -> list[dict[str, str]]:
    """The vote buttons under a content answer (payloads fit Telegram's 64 bytes)."""
    return [
        {"title": "Sì, utile", "payload": f'/utile{{"argomento":"{topic_id}"}}'},
        {"title": "No", "payload": f'/non_utile{{"argomento":"{topic_id}"}}'},
    ]


class Answerer:
    """Turns a :class:`Turn` into the bot's messages, reading texts from the content store."""

    def __init__(
        self,
        content: ContentStore,
        reminders: Any = None,
        record_vote: VoteRecorder | None = None,
        today: Callable[[], dt.date] = dt.date.today,
    ) -> None:
        self.content = content
        self.reminders = reminders  # bot.reminders.conversation.ReminderDialogue or None
        self.record_vote = record_vote
        self.today = today
        self.foods = CurrentFoodTable(content)

    # -- building blocks -------------------------------------------------------------

    def button_for(self, topic_id: str) -> dict[str, str] | None:
        if topic_id in DIALOGUE_INTENT_FOR_TOPIC:
            title = {"bot.aiuto": "Cosa sai fare?", "privacy.informativa": "Privacy"}.get(
                topic_id, topic_id
            )
            return {"title": title, "payload": f"/{DIALOGUE_INTENT_FOR_TOPIC[topic_id]}"}
        topic = self.content.topic(topic_id)
        if topic is None:
            return None
        return {"title": topic.title, "payload": f"/{intent_for_topic(topic_id)}"}

    def buttons_for(self, topic_ids: list[str]) -> list[dict[str, str]]:
        return [b for b in (self.button_for(t) for t in topic_ids) if b is not None]

    def dialogue(self, topic_id: str, **custom: Any) -> dict[str, Any]:
        entry = self.content.dialogue(topic_id)
        buttons = self.buttons_for([str(t) for t in entry.get("pulsanti") or []])
        return message(topic_id, str(entry.get("testo", "")), buttons, **custom)

    def topic_message(
        self, topic: Topic, text: str | None = None, preface: str = ""
    ) -> dict[str, Any]:
        """A content answer: ``preface`` (the personal-advice caveat) first, the title, the
        text (the topic's or a follow-up's), sources and review date, the vote buttons."""
        body = text if text is not None else topic.body
        extra = {"consiglio_personale": True} if preface else {}
        texts = self.content.texts("schede")
        footer = source_footer(topic, texts)
        question = str(texts.get("domanda_utile") or "Ti è stata utile questa risposta?")
        head = f"{preface.strip()}\n\n" if preface else ""
        return message(
            topic.id,
            f"{head}**{topic.title}**\n\n{body}\n\n" + "\n".join(footer) + f"\n\n{question}",
            self.buttons_for(topic.related) + feedback_buttons(topic.id),
            title=topic.title,
            sources=[_source_label(s) for s in topic.sources],
            fonte=footer[0],
            stato=topic_status(topic),
            **extra,
        )

    # -- the decision ----------------------------------------------------------------

    def welcome(self, slots: dict[str, Any]) -> dict[str, Any] | None:
        """The welcome, on the first answer of a conversation only (then WELCOME_SLOT)."""
        return None if slots.get(WELCOME_SLOT) else self.dialogue("bot.benvenuto")

    def answer(self, turn: Turn) -> Reply:
        reply = Reply()
        if turn.slots.get(OFFER_SLOT):
            reply.slots[OFFER_SLOT] = False  # the offer holds for one answer only
        urgent = turn.intent == "urgenza"
        if urgent:  # first, even before the welcome
            reply.messages.append(self.dialogue("sicurezza.urgenza"))
        welcome = self.welcome(turn.slots)
        if welcome is not None:
            reply.messages.append(welcome)
            reply.slots[WELCOME_SLOT] = True
        if urgent:
            secondary = self._secondary_topic(turn)
            if secondary is not None:
                reply.messages.append(self.topic_message(secondary))
                reply.slots["ultimo_argomento"] = secondary.id
            return reply

        if self.reminders is not None and not unsure_follow_up(turn):
            handled = self.reminders.handle(turn)
            if handled is not None:
                reply.messages.extend(handled.messages)
                reply.slots.update(handled.slots)
                reply.forget_conversation = handled.forget_conversation
                return reply

        reply.messages.extend(self._answer_intent(turn, reply))
        second = self._second_question(turn, reply.messages)
        if second is not None:
            reply.messages.append(self.topic_message(second))
        return reply

    def _second_question(self, turn: Turn, answered: list[dict[str, Any]]) -> Topic | None:
        """The topic of another question of the message, when it clearly asks two
        ("Cosa posso mangiare? E come si chiede l'esenzione?") and the answer so far is a
        content answer about a different one: at most two topics per answer."""
        topics = {str((m.get("custom") or {}).get("topic")) for m in answered}
        if not any(self.content.topic(topic_id) is not None for topic_id in topics):
            return None
        for question in turn.questions:
            topic_id = content_intents().get(str(question.get("name")))
            confident = float(question.get("confidence", 0)) >= SECOND_QUESTION_CONFIDENCE
            if topic_id and topic_id not in topics and confident:
                return self.content.topic(topic_id)
        return None

    def _answer_intent(self, turn: Turn, reply: Reply) -> list[dict[str, Any]]:
        intent = turn.intent
        clarification = self._clarification(turn)
        if clarification is not None:
            return [clarification]
        if food_may_decide(turn):
            food = self._foods(turn, reply)
            if food is not None:
                return [food]
        in_context = self._in_context(turn, reply)
        if in_context is not None:
            return [in_context]
        topic_id = content_intents().get(intent)
        if topic_id is not None:
            topic = self.content.topic(topic_id)
            if topic is not None:
                reply.slots["ultimo_argomento"] = topic_id
                if topic_id == REMINDER_OFFER_TOPIC:
                    reply.slots[OFFER_SLOT] = True  # "sì" now starts the sign-up
                return [self.topic_message(topic)]
        if intent == "consiglio_personale":
            return [self._personal(turn, reply)]
        if intent == "seguito":
            return [self._follow_up(turn, reply)]
        if intent in FEEDBACK_INTENTS:
            return [self._vote(turn)]
        if intent in ("affermazione", "negazione", "data"):
            return [self._fallback(turn)]
        if intent in DIALOGUE_INTENTS and intent != "nlu_fallback":
            topic_id = DIALOGUE_INTENTS[intent]
            if topic_id in DIALOGUE_CONTEXTS:
                reply.slots["ultimo_argomento"] = topic_id
            return [self.dialogue(topic_id)]
        return [self._fallback(turn)]

    def _secondary_topic(self, turn: Turn) -> Topic | None:
        """The content topic the classifier saw behind an urgent message, if clear enough."""
        for entry in turn.ranking[1:3]:
            topic_id = content_intents().get(str(entry.get("name")))
            if topic_id and float(entry.get("confidence", 0)) >= SECONDARY_TOPIC_CONFIDENCE:
                return self.content.topic(topic_id)
        return None

    def _follow_up(self, turn: Turn, reply: Reply) -> dict[str, Any]:
        """A follow-up with no answer before it ("e gli occhi?" as a first message): the
        first topic with an "approfondimento" on what it names, foods first; not a bare
        aspect ("e nei bambini?" of what?)."""
        if is_aspect_only(asked_about(turn.text) or turn.text):
            return self._fallback(turn)
        for topic_id in dict.fromkeys([FOOD_TOPIC, *content_intents().values()]):
            topic = self.content.topic(topic_id)
            key = matching_key(topic.follow_ups, turn.text, self._synonyms()) if topic else None
            if topic is not None and key is not None:
                reply.slots["ultimo_argomento"] = topic.id
                return self.topic_message(topic, topic.follow_ups[key])
        return self._fallback(turn)

    def _synonyms(self) -> dict[str, list[str]]:
        synonyms = self.content.texts("schede").get("sinonimi_approfondimenti") or {}
        return {str(k): [str(w) for w in v or []] for k, v in synonyms.items()}

    def _in_context(self, turn: Turn, reply: Reply) -> dict[str, Any] | None:
        """A short follow-up to the last answer ("e nei bambini?", "anche per mio figlio?"),
        answered on that answer's topic: its "approfondimento" on what was asked, or else
        the topic again, saying first whether the sources speak of what was asked. None when
        there is no last topic, the message is not a follow-up, or it clearly asks about
        another topic (then answered as that topic)."""
        last_id = str(turn.slots.get("ultimo_argomento") or "")
        elliptical = is_elliptical(turn.text)
        pointing = not elliptical and refers_back(turn.text)
        if last_id in DIALOGUE_CONTEXTS and (elliptical or pointing or turn.intent == "seguito"):
            if turn.intent in {"seguito", "nlu_fallback", "fuori_ambito", DIALOGUE_CONTEXTS[last_id]}:
                reply.slots["ultimo_argomento"] = last_id  # "e per quanto tempo?" after privacy
                return self.dialogue(last_id)
        last = self.content.topic(last_id)
        allowed = CONTEXT_INTENTS | set(content_intents()) | (POINTING_INTENTS if pointing else set())
        if last is None or (turn.intent not in allowed and not unsure_follow_up(turn)):
            return None
        if not (elliptical or pointing) and turn.intent != "seguito":
            return None
        personal = turn.intent == "consiglio_personale"
        if personal and needs_specialist_only(turn.text):
            return None
        asked = asked_about(turn.text) if elliptical else None
        if asked is not None and normalize(asked) in NOTHING_NAMED:
            asked = None
        best = (turn.topic_ranking[:1] if personal else [{"name": turn.intent, "confidence": turn.confidence}])
        other = content_intents().get(str(best[0].get("name"))) if best else None
        sure = bool(best) and float(best[0].get("confidence") or 0.0) >= SWITCH_TOPIC_CONFIDENCE
        # "hanno un sito?" names no aspect, but a sure classifier may still find another topic.
        aspect = not pointing and (asked is None or is_aspect_only(asked))
        key = matching_key(last.follow_ups, turn.text, self._synonyms())
        if key is None and other not in (None, last.id) and sure and not aspect:
            return None
        caveat = ""
        if personal:
            caveat = str(self.content.dialogue("sicurezza.avvertenza_personale").get("testo", ""))
        reply.slots["ultimo_argomento"] = last.id
        if key is not None:
            detail = last.follow_ups[key]
            if asked is not None and not text_names(detail, asked):  # name what was asked
                note = str(self.content.dialogue("seguito.nella_scheda").get("testo", "")).replace("{cosa}", asked)
                detail = f"{note.strip()}\n\n{detail}"
            return self.topic_message(last, detail, preface=caveat)
        if asked is None:
            note = str(self.content.dialogue("seguito.non_trovato").get("testo", ""))
        else:
            said = (other == last.id and sure and aspect) or text_mentions(last.body, asked)
            entry = "seguito.nella_scheda" if said else "seguito.non_trovato_su"
            note = str(self.content.dialogue(entry).get("testo", "")).replace("{cosa}", asked)
        return self.topic_message(last, f"{note.strip()}\n\n{last.body}", preface=caveat)

    def _clarification(self, turn: Turn) -> dict[str, Any] | None:
        """A question with 2-3 buttons when the message could mean two topics: an ambiguous
        word ("calcio"), or two topics the classifier finds about as likely. The choice is
        then answered (and remembered for follow-ups) like any topic."""
        form = normalize(turn.text)
        if (
            turn.intent in CALCIUM_SENSES + ("seguito",)
            and len(form.split()) <= CALCIUM_QUESTION_WORDS
            and CALCIUM_WORD.search(form)
            and not CALCIUM_CONTEXT.search(form)
            and not SPORT.search(form)
            and not str(turn.slots.get("ultimo_argomento") or "").startswith(FOOD_CONTEXT_TOPICS)
        ):
            entry = self.content.dialogue("chiarimento.calcio")
            options = [content_intents()[i] for i in CALCIUM_SENSES]
        elif turn.slots.get("ultimo_argomento") and is_elliptical(turn.text):
            return None  # a follow-up: answered in the context of the last answer
        else:
            ranked = [e for e in turn.ranking[:3] if str(e.get("name")) in content_intents()]
            if len(ranked) < 2 or turn.ranking[0] is not ranked[0]:
                return None
            if any(e.get("entity") == "alimento" for e in turn.entities):
                return None  # a named food decides (the food's answer)
            best, second = (float(e.get("confidence") or 0.0) for e in ranked[:2])
            if best >= CLARIFY_BELOW or best - second >= CLARIFY_MARGIN:
                return None
            entry = self.content.dialogue("chiarimento.argomenti")
            options = [content_intents()[str(e["name"])] for e in ranked]
        clarify = message("bot.non_capito", str(entry.get("testo", "")), chiarimento=True)
        clarify["buttons"] = self.buttons_for(options)
        return clarify

    def _foods(self, turn: Turn, reply: Reply, preface: str = "") -> dict[str, Any] | None:
        """The answer about the foods the message names (the table's group of each), under
        the topic of the one to limit first (FoodTable.first_to_limit); None when it names none."""
        table = self.foods.get()
        written: dict[str, str] = {}  # generic name -> the word the message used
        for e in turn.entities:
            if e.get("entity") == "alimento":
                written.setdefault(str(e.get("value")), turn.text[int(e.get("start") or 0) : int(e.get("end") or 0)])
        foods = [f for f in (table.food(n, w) for n, w in written.items()) if f is not None]
        if not foods:
            return None
        lead = table.first_to_limit(foods[:MAX_FOODS])
        topic = self.content.topic(lead.topic_for(turn.text, content_intents().get(turn.intent)))
        if topic is None:
            return None
        reply.slots["ultimo_argomento"] = topic.id
        text = "\n\n".join(f.text for f in foods[:MAX_FOODS])
        return self.topic_message(topic, text, preface=preface)

    def _personal(self, turn: Turn, reply: Reply) -> dict[str, Any]:
        """The caveat (the bot cannot decide for you, your specialist does) with the general
        answer of the topic the question is about; the bare caveat when there is none, or
        when only the specialist can answer (a dose, one's own values)."""
        if needs_specialist_only(turn.text):
            return self.dialogue("sicurezza.consiglio_personale")
        # Values told only as context ("il fosforo era 7. Si cura uguale?"): the caveat
        # also says that the bot does not read them.
        entry = "sicurezza.avvertenza_valori" if mentions_own_values(turn.text) else "sicurezza.avvertenza_personale"
        caveat = str(self.content.dialogue(entry).get("testo", ""))
        food = self._foods(turn, reply, preface=caveat)  # "posso mangiare il grana?"
        if food is not None:
            return food
        topic = self._personal_topic(turn)
        if topic is None:
            return self.dialogue("sicurezza.consiglio_personale")
        reply.slots["ultimo_argomento"] = topic.id
        return self.topic_message(topic, preface=caveat)

    def _personal_topic(self, turn: Turn) -> Topic | None:
        """The content topic a personal question is about: the classifier's best topic when
        it has PERSONAL_TOPIC_SHARE, or at least PERSONAL_TOPIC_FLOOR and PERSONAL_TOPIC_LEAD
        times the next topic's share."""
        if not turn.topic_ranking:
            return None
        best = content_intents().get(str(turn.topic_ranking[0].get("name")))
        share, second = ([float(e.get("confidence") or 0.0) for e in turn.topic_ranking[:2]] + [0.0])[:2]
        leads = share >= PERSONAL_TOPIC_FLOOR and share >= PERSONAL_TOPIC_LEAD * second
        if best is None or not (share >= PERSONAL_TOPIC_SHARE or leads):
            return None
        return self.content.topic(best)

    def _vote(self, turn: Turn) -> dict[str, Any]:
        """Stores the vote (topic, yes/no, day: no text, no sender) and thanks."""
        voted = [str(e.get("value")) for e in turn.entities if e.get("entity") == "argomento"]
        topic_id = next(iter(voted), None) or turn.slots.get("ultimo_argomento")
        if self.record_vote is not None and topic_id in content_intents().values():
            self.record_vote(str(topic_id), FEEDBACK_INTENTS[turn.intent], self.today())
        thanks = self.content.dialogue("valutazione.ricevuta").get("testo", "")
        return message("bot.grazie", str(thanks))

    def _fallback(self, turn: Turn) -> dict[str, Any]:
        suggestions: list[str] = []
        for entry in turn.ranking:
            topic_id = content_intents().get(str(entry.get("name")))
            if topic_id and topic_id not in suggestions:
                suggestions.append(topic_id)
            if len(suggestions) == FALLBACK_SUGGESTIONS:
                break
        if not suggestions:
            suggestions = ["condizione.cos_e", "dieta.povera_fosforo", "bot.aiuto"]
        fallback = self.dialogue("bot.non_capito")
        fallback["buttons"] = self.buttons_for(suggestions)
        return fallback


SECTION = re.compile(r"§\s*\d+(?:\.\d+)*")


def topic_status(topic: Topic) -> str:
    """"approvato" only for a valid, current clinical approval (bot.content.is_approved)."""
    return "approvato" if is_approved(topic) else "bozza"


def source_footer(topic: Topic, texts: dict[str, Any]) -> list[str]:
    """What every content answer shows under its text, from the front matter: the sources
    (short names from content/it/schede.yml, sections as §N) and the review date; then,
    for a draft, that it awaits clinical review."""
    names = texts.get("fonti") or {}
    cited: dict[str, list[str]] = {}  # document name -> its sections, in order
    for source in topic.sources:
        entry = source if isinstance(source, dict) else {"documento": source}
        name = str(names.get(str(entry.get("documento"))) or entry.get("documento"))
        sections = cited.setdefault(name, [])
        for section in SECTION.findall(str(entry.get("sezione", ""))):
            if section.replace(" ", "") not in sections:
                sections.append(section.replace(" ", ""))
    cited_text = [", ".join([name, *sections]) for name, sections in cited.items()]
    line = "Fonte: " + "; ".join(cited_text) if cited_text else "Fonte: redazione dei contenuti"
    reviewed = (topic.meta.get("revisione") or {}).get("data")
    if isinstance(reviewed, dt.date):
        line += f" · Rivisto il {reviewed:%d/%m/%Y}"
    lines = [line]
    if topic_status(topic) == "bozza":
        lines.append(str(texts.get("nota_bozza") or "Testo in attesa di revisione clinica."))
    return lines


def _source_label(source: Any) -> str:
    if isinstance(source, dict):
        document = str(source.get("documento", "")).strip()
        section = str(source.get("sezione", "")).strip()
        return f"{document}: {section}" if section else document
    return str(source)
