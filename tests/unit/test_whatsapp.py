"""The pure parts of WhatsApp: signature, webhook bodies, Markdown, buttons and lists,
templates, configuration; and the received-message log (idempotency, 24-hour window)."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import func, select

from bot.reminders.db import make_engine, upgrade
from bot.reminders.models import WhatsAppMessage, idempotency_key, kind_and_due
from bot.whatsapp.config import DEFAULT_API_URL, WhatsAppConfig
from bot.whatsapp.inbound_log import InboundLog
from bot.whatsapp.messages import (
    bot_message,
    choices,
    interactive_message,
    template_message,
    text_chunks,
    whatsapp_markdown,
)
from bot.whatsapp.webhook import Inbound, inbound_messages, signature, valid_signature

SECRET = "segreto"
ENV = {
    "WHATSAPP_TOKEN": "tok",
    "WHATSAPP_PHONE_NUMBER_ID": "123",
    "WHATSAPP_APP_SECRET": SECRET,
    "WHATSAPP_VERIFY_TOKEN": "verifica",
}


# -- signature -----------------------------------------------------------------------------


def test_signature_is_the_hmac_of_the_raw_body() -> None:
    raw = b'{"entry": []}'
    good = signature(raw, SECRET)
    assert good.startswith("sha256=") and len(good) == 7 + 64
    assert valid_signature(raw, good, SECRET)
    assert valid_signature(raw, f" {good} ", SECRET)


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "sha256=",
        signature(b'{"entry":[]}', SECRET),
        signature(b'{"entry": []}', "altro"),
        signature(b'{"entry": []}', SECRET).replace("sha256=", "sha1="),
    ],
)
def test_wrong_or_missing_signatures(header: str | None) -> None:
    assert not valid_signature(b'{"entry": []}', header, SECRET)


def test_no_secret_no_valid_signature() -> None:
    assert not valid_signature(b"x", signature(b"x", ""), "")


# -- webhook bodies ------------------------------------------------------------------------


def body(*messages: dict[str, Any], phone: str = "123", **value: Any) -> dict[str, Any]:
    content = {"metadata": {"phone_number_id": phone}, "messages": list(messages), **value}
    return {
        "object": "whatsapp_business_account",
        "entry": [{"changes": [{"field": "messages", "value": content}]}],
    }


def msg(kind: str, **content: Any) -> dict[str, Any]:
    return {"from": "39333", "id": f"wamid.{kind}", "type": kind, **content}


def test_text_buttons_lists_and_template_buttons_are_read() -> None:
    found = inbound_messages(
        body(
            msg("text", text={"body": "ciao"}),
            msg(
                "interactive",
                interactive={
                    "type": "button_reply",
                    "button_reply": {"id": "/affermazione", "title": "Sì"},
                },
            ),
            {
                **msg(
                    "interactive",
                    interactive={
                        "type": "list_reply",
                        "list_reply": {"id": "/condizione_cause", "title": "C"},
                    },
                ),
                "id": "wamid.list",
            },
            msg("button", button={"text": "Fatto", "payload": "x"}),
        ),
        "123",
    )
    assert [(m.kind, m.text) for m in found] == [
        ("text", "ciao"),
        ("interactive", "/affermazione"),
        ("interactive", "/condizione_cause"),
        ("button", "Fatto"),
    ]
    assert found[0] == Inbound("wamid.text", "39333", "text", "ciao")


def test_other_types_have_no_text_and_reactions_are_left_out() -> None:
    found = inbound_messages(
        body(
            msg("image", image={"id": "1"}),
            msg("sticker"),
            msg("audio"),
            msg("reaction", reaction={"emoji": "👍"}),
            msg("system"),
        ),
        "123",
    )
    assert [(m.kind, m.text) for m in found] == [
        ("image", None),
        ("sticker", None),
        ("audio", None),
    ]


@pytest.mark.parametrize(
    "update",
    [
        None,
        [],
        "x",
        {"entry": "x"},
        {"entry": [{"changes": [None, {"value": []}]}]},
        body(msg("text", text={"body": "ciao"}), phone="999"),  # another number of the account
        body(statuses=[{"id": "wamid.x", "status": "read"}]),
        body({"id": 5, "from": "39333", "type": "text"}, {"id": "w", "from": None, "type": "text"}),
        body(msg("text", text={"body": ["lista"]})) | {"x": 1},
    ],
)
def test_malformed_parts_statuses_and_other_numbers_give_nothing_to_answer(update: Any) -> None:
    found = inbound_messages(update, "123")
    assert all(m.text is None for m in found)
    assert len(found) <= 1


# -- outbound ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("markdown", "whatsapp"),
    [
        ("**Sei d'accordo?** Rispondi sì o no.", "*Sei d'accordo?* Rispondi sì o no."),
        ("un *corsivo* e un **grassetto**", "un _corsivo_ e un *grassetto*"),
        ("__anche__ così, ~~no~~", "*anche* così, ~no~"),
        ("## Titolo\ntesto", "*Titolo*\ntesto"),
        ("vedi [AIFOSF](https://www.aifosf.it)", "vedi AIFOSF (https://www.aifosf.it)"),
        ("2 * 3 * 4 e 5*6", "2 * 3 * 4 e 5*6"),
        ("- elenco\n- puntato", "- elenco\n- puntato"),
    ],
)
def test_markdown_to_whatsapp(markdown: str, whatsapp: str) -> None:
    assert whatsapp_markdown(markdown) == whatsapp


def test_text_chunks_cut_at_paragraphs() -> None:
    text = ("a" * 3000) + "\n\n" + ("b" * 3000)
    assert text_chunks(text) == ["a" * 3000, "b" * 3000]
    assert text_chunks("x" * 5000) == ["x" * 4096, "x" * 904]
    assert text_chunks("") == []


YES_NO = [{"title": "Sì", "payload": "/affermazione"}, {"title": "No", "payload": "/negazione"}]


def test_up_to_three_short_buttons_are_reply_buttons() -> None:
    [out] = bot_message("39333", {"text": "**Sei d'accordo?**", "buttons": YES_NO})
    assert out == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": "39333",
        "type": "interactive",
        "interactive": {
            "type": "button",
            "body": {"text": "*Sei d'accordo?*"},
            "action": {
                "buttons": [
                    {"type": "reply", "reply": {"id": "/affermazione", "title": "Sì"}},
                    {"type": "reply", "reply": {"id": "/negazione", "title": "No"}},
                ]
            },
        },
    }


def test_more_buttons_or_long_titles_make_a_list() -> None:
    long = [{"title": "Che cos'è la calcinosi tumorale", "payload": "/condizione_cos_e"}]
    listed = interactive_message("39333", "Scegli", choices(long))["interactive"]
    assert listed["type"] == "list"
    [row] = listed["action"]["sections"][0]["rows"]
    assert row == {
        "id": "/condizione_cos_e",
        "title": "Che cos'è la calcinosi…",
        "description": "Che cos'è la calcinosi tumorale",
    }
    assert len(row["title"]) <= 24 and len(listed["action"]["button"]) <= 20
    many = [{"title": f"Argomento {n}", "payload": f"/a{n}"} for n in range(12)]
    rows = interactive_message("39333", "Scegli", choices(many))["interactive"]["action"][
        "sections"
    ][0]["rows"]
    assert len(rows) == 10


def test_choices_keep_what_whatsapp_can_carry() -> None:
    buttons = [
        *YES_NO,
        {"title": "Doppio", "payload": "/affermazione"},
        {"title": "", "payload": "/x"},
        {"title": "Lungo", "payload": "/" + "x" * 300},
        "non un pulsante",
        {"payload": "/y"},
    ]
    assert choices(buttons) == [("/affermazione", "Sì"), ("/negazione", "No")]
    assert choices(None) == []


def test_a_long_text_with_buttons_goes_as_text_then_the_choices_under_its_question() -> None:
    text = "**Titolo**\n\n" + "parole " * 300 + "\n\nTi è stata utile questa risposta?"
    out = bot_message("39333", {"text": text, "buttons": YES_NO})
    assert [m["type"] for m in out] == ["text", "interactive"]
    assert out[0]["text"]["body"].startswith("*Titolo*") and "utile" not in out[0]["text"]["body"]
    assert out[1]["interactive"]["body"]["text"] == "Ti è stata utile questa risposta?"


def test_text_only_and_custom_stays_internal() -> None:
    out = bot_message("39333", {"text": "Ciao **tu**", "custom": {"topic": "bot.saluto"}})
    assert out == [
        {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": "39333",
            "type": "text",
            "text": {"preview_url": False, "body": "Ciao *tu*"},
        }
    ]
    assert bot_message("39333", {"custom": {"topic": "x"}}) == []


def test_template_message() -> None:
    out = template_message("39333", "promemoria_esami_6m", "it", ["15 marzo 2027"])
    assert out["type"] == "template" and out["to"] == "39333"
    assert json.dumps(out["template"]) == json.dumps(
        {
            "name": "promemoria_esami_6m",
            "language": {"code": "it"},
            "components": [
                {"type": "body", "parameters": [{"type": "text", "text": "15 marzo 2027"}]}
            ],
        }
    )


def test_kind_and_due_from_the_idempotency_key() -> None:
    key = idempotency_key(7, "completo_12m", date(2027, 3, 15), date(2027, 3, 1))
    assert kind_and_due(key) == ("completo_12m", date(2027, 3, 15))


# -- configuration -------------------------------------------------------------------------


def test_config_from_env() -> None:
    assert WhatsAppConfig.from_env({}) is None
    config = WhatsAppConfig.from_env(ENV)
    assert config is not None
    assert config.messages_url == f"{DEFAULT_API_URL}/123/messages"
    assert (config.template_for("fosfato_6m"), config.template_for("completo_12m")) == (
        "promemoria_esami_6m",
        "promemoria_esami_12m",
    )
    assert config.template_lang == "it"
    assert "tok" not in repr(config) and SECRET not in repr(config)
    custom = WhatsAppConfig.from_env(
        {
            **ENV,
            "WHATSAPP_API_URL": "http://127.0.0.1:1/v1/",
            "WHATSAPP_TEMPLATE_12M": "dodici",
            "WHATSAPP_TEMPLATE_LANG": "it_IT",
        }
    )
    assert custom is not None and custom.messages_url == "http://127.0.0.1:1/v1/123/messages"
    assert (custom.template_12m, custom.template_lang) == ("dodici", "it_IT")
    assert WhatsAppConfig.from_credentials(custom.as_credentials() | {"db_url": "x"}) == custom


def test_config_needs_every_required_variable() -> None:
    with pytest.raises(ValueError, match="WHATSAPP_APP_SECRET, WHATSAPP_VERIFY_TOKEN"):
        WhatsAppConfig.from_env({"WHATSAPP_TOKEN": "tok", "WHATSAPP_PHONE_NUMBER_ID": "1"})


def test_credentials_enable_the_channel_with_whatsapp_token(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from bot.settings import load_settings, write_credentials

    for name in ("TELEGRAM_TOKEN", *ENV):
        monkeypatch.delenv(name, raising=False)
    path = write_credentials(load_settings(), tmp_path / "off.yml")
    assert "bot.channels.whatsapp.WhatsAppInput" not in (yaml.safe_load(path.read_text()) or {})
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("CALCINOSI_DB_URL", "sqlite:///x.db")
    written = yaml.safe_load(write_credentials(load_settings(), tmp_path / "on.yml").read_text())
    channel = written["bot.channels.whatsapp.WhatsAppInput"]
    assert channel["token"] == "tok" and channel["app_secret"] == SECRET
    assert channel["db_url"] == "sqlite:///x.db"
    assert "bot.channels.rest.RestInput" in written


# -- received-message log ------------------------------------------------------------------


@pytest.fixture
def log_at(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'r.db'}"
    upgrade(url)
    engine = make_engine(url)
    yield lambda now: InboundLog(engine, SECRET, clock=lambda: now)
    engine.dispose()


NOW = datetime(2027, 3, 1, 9, 0, tzinfo=timezone.utc)


def test_each_message_id_once_and_the_last_time_per_user(log_at) -> None:
    log = log_at(NOW)
    assert log.last_received("39333") is None
    assert log.first_time("wamid.1", "39333")
    assert not log.first_time("wamid.1", "39333")
    assert log_at(NOW + timedelta(hours=1)).first_time("wamid.2", "39333")
    assert log.last_received("39333") == NOW + timedelta(hours=1)
    assert log.last_received("39444") is None


def test_nothing_readable_is_stored_and_old_rows_go(log_at) -> None:
    log = log_at(NOW)
    log.first_time("wamid.HBgLMzkzMzM=", "39333")
    with log.engine.connect() as conn:
        row = conn.execute(select(WhatsAppMessage)).one()
    assert "39333" not in str(tuple(row)) and "HBgL" not in str(tuple(row))
    later = log_at(NOW + timedelta(days=8))
    assert later.first_time("wamid.2", "39444")
    with log.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(WhatsAppMessage)).scalar_one() == 1
    assert later.last_received("39333") is None


def test_forget_sender_keeps_only_the_message_being_answered(log_at) -> None:
    log = log_at(NOW)
    for n in range(3):
        log.first_time(f"wamid.{n}", "39333")
    log.first_time("wamid.altro", "39444")
    assert log.forget_sender("39333", "wamid.2") == 2
    assert not log.first_time("wamid.2", "39333")  # a late redelivery is still not answered
    assert log.first_time("wamid.0", "39333") and log.last_received("39444") == NOW


def test_the_log_needs_a_key(log_at) -> None:
    with pytest.raises(ValueError):
        InboundLog(log_at(NOW).engine, "")


def test_migration_0003_goes_back_and_forth(tmp_path: Path) -> None:
    from alembic import command
    from sqlalchemy import inspect

    from bot.reminders.db import alembic_config

    url = f"sqlite:///{tmp_path / 'm.db'}"
    upgrade(url)
    engine = make_engine(url)
    assert inspect(engine).has_table("whatsapp_message")
    with engine.begin() as conn:
        config = alembic_config()
        config.attributes["connection"] = conn
        command.downgrade(config, "0002_feedback")
    assert not inspect(engine).has_table("whatsapp_message")
    assert inspect(engine).has_table("feedback")
    upgrade(url)
    assert inspect(engine).has_table("whatsapp_message")
    engine.dispose()
