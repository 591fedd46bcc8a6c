"""Answer votes: topic, vote and day only; the migration matches the model."""

from __future__ import annotations

from datetime import date, datetime

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.engine import Engine

from bot.feedback import VoteCount, record_vote, vote_counts
from bot.reminders.db import alembic_config, upgrade
from bot.reminders.models import VERSION_TABLE, Base, Feedback

DAY = date(2026, 11, 30)


def test_votes_are_counted_per_topic_and_day_range(engine: Engine) -> None:
    record_vote(engine, "condizione.cos_e", "utile", DAY)
    record_vote(engine, "condizione.cos_e", "utile", date(2026, 11, 1))
    record_vote(engine, "condizione.cos_e", "non_utile", DAY)
    record_vote(engine, "dieta.additivi", "non_utile", date(2026, 10, 31))

    assert vote_counts(engine, date(2026, 11, 1), DAY) == {
        "condizione.cos_e": VoteCount(useful=2, not_useful=1)
    }
    assert vote_counts(engine, date(2026, 10, 1), DAY)["dieta.additivi"].total == 1
    assert vote_counts(engine, date(2027, 1, 1), date(2027, 1, 31)) == {}


def test_only_topic_vote_and_day_are_stored(engine: Engine) -> None:
    record_vote(engine, "terapia.dolore", "utile", DAY)
    assert [c.name for c in Feedback.__table__.columns] == ["id", "topic", "vote", "day"]
    with engine.connect() as conn:
        row = conn.execute(sa.select(Feedback.__table__)).one()
    assert (row.topic, row.vote, row.day) == ("terapia.dolore", "utile", DAY)


@pytest.mark.parametrize(
    ("topic", "vote", "day"),
    [
        ("condizione.cos_e", "forse", DAY),
        ("condizione.cos_e", "Utile", DAY),
        ("bot.non_capito", "utile", DAY),  # not a content topic
        ("argomento.inventato", "utile", DAY),
        ("condizione.cos_e", "utile", datetime(2026, 11, 30, 10, 0)),
    ],
)
def test_invalid_votes_are_refused(engine: Engine, topic: str, vote: str, day: date) -> None:
    with pytest.raises(ValueError):
        record_vote(engine, topic, vote, day)
    assert vote_counts(engine, date(2000, 1, 1), date(2100, 1, 1)) == {}


def test_the_database_refuses_other_votes(engine: Engine) -> None:
    with pytest.raises(sa.exc.IntegrityError), engine.begin() as conn:
        conn.execute(sa.insert(Feedback.__table__).values(topic="x", vote="boh", day=DAY))


def test_migration_matches_the_model_and_goes_back(db_url: str, engine: Engine) -> None:
    def current() -> str | None:
        with engine.connect() as conn:
            return MigrationContext.configure(
                conn, opts={"version_table": VERSION_TABLE}
            ).get_current_revision()

    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    assert [d for d in differences if VERSION_TABLE not in repr(d)] == []
    assert current() == "0004_sms_link"

    with engine.begin() as conn:
        config = alembic_config()
        config.attributes["connection"] = conn
        command.downgrade(config, "0001_reminder_tables")
    assert not sa.inspect(engine).has_table("feedback")
    assert sa.inspect(engine).has_table("delivery")
    assert current() == "0001_reminder_tables"
    upgrade(db_url)
    assert current() == "0004_sms_link"
