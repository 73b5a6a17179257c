"""The README's "what fired in the last 24 hours" SQL runs against the real schema."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from scheduler.records import ScheduleSpec
from scheduler.store import Store
from scheduler.triggers import CronTrigger

README = Path(__file__).parents[1] / "README.md"


def readme_query(dialect: str) -> str:
    """The query the README gives for `dialect` ("Postgres" or "SQLite")."""
    section = README.read_text().split("### What fired in the last 24 hours", 1)[1]
    after = section.split(f"On {dialect}", 1)[1]
    found = re.search(r"```sql\n(.*?)```", after, re.DOTALL)
    assert found, f"no SQL for {dialect} in the README"
    return found.group(1)


async def test_the_readme_query_lists_the_last_days_runs_by_name(store: Store) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    spec = ScheduleSpec("T1", "standup", CronTrigger("0 9 * * *", "UTC"), "log")
    schedule = await store.create_schedule(spec, now - timedelta(days=3))
    for age in (timedelta(hours=1), timedelta(hours=30)):  # one recent run, one too old
        await store.add_manual_run(schedule, now - age)
    query = readme_query("Postgres" if store.is_postgres else "SQLite")
    async with store.engine.connect() as conn:
        rows = (await conn.execute(sa.text(query))).all()
    assert [(row.team_id, row.schedule, row.status, row.trigger) for row in rows] == [
        ("T1", "standup", "pending", "manual")
    ]
