"""What the bot.setup tests share: declarations from plain dicts, a catalog, a sync."""

from __future__ import annotations

from typing import Any

from bot.setup.declared import Declared
from bot.setup.plans import Catalog
from bot.setup.sync import Declaration, SyncReport, sync_declared
from scheduler.clock import Clock
from scheduler.registration import DECLARED_IN_FILE, DECLARED_IN_SETUP
from scheduler.store import Store

TEAM = "T0TEAM"
CATALOG = Catalog(
    kinds=frozenset({"message", "agent", "digest", "workflow", "maintenance", "beat"}),
    workflows=frozenset({"heartbeat", "oncall"}),
    llm=False,
)
STANDUP: dict[str, Any] = {
    "name": "standup",
    "when": "every weekday at 9:30am",
    "timezone": "Europe/Berlin",
    "channel": "C0ENG",
    "text": "Standup in 5 minutes",
}
REVIEW: dict[str, Any] = {
    "name": "review",
    "cron": "0 16 * * 5",
    "channel": "C0ENG",
    "action": "workflow",
    "workflow": "heartbeat",
}


def from_file(*entries: dict[str, Any]) -> list[Declaration]:
    return [
        Declaration(Declared.model_validate(e), DECLARED_IN_FILE, f"schedules.yml entry {i + 1}")
        for i, e in enumerate(entries)
    ]


def from_hook(*entries: dict[str, Any]) -> list[Declaration]:
    return [
        Declaration(Declared.model_validate(e), DECLARED_IN_SETUP, f"setup hook, {e['name']!r}")
        for e in entries
    ]


async def fixed_team() -> str:
    return TEAM


async def sync(
    store: Store,
    clock: Clock,
    declarations: list[Declaration],
    *,
    retire: bool = True,
    catalog: Catalog = CATALOG,
) -> SyncReport:
    return await sync_declared(
        store, clock, declarations, catalog=catalog, team=fixed_team, retire=retire
    )


async def by_name(store: Store, team: str = TEAM) -> dict[str, Any]:
    return {s.name: s for s in await store.list_schedules(team)}
