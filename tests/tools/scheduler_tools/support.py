"""What the SchedulerTools tests share: the people, a Slack membership fake, helpers."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any

import pytest

from scheduler.store import Store
from tests.fakes.membership import FakeMembership
from tools.scheduler_tools import Caller, CreateScheduleArgs, SchedulerTools, ToolError

NY = "America/New_York"
ALICE = Caller("T1", "UALICE", "CENG", NY)
BOB = Caller("T1", "UBOB", "CENG", NY)
ADMIN = Caller("T1", "UADMIN", "CENG", NY, is_admin=True)
EVE = Caller("T2", "UEVE", "CENG", NY)  # another workspace

MEMBERS = {
    ("CENG", "UALICE"),
    ("CENG", "UBOB"),
    ("CENG", "UADMIN"),
    ("CENG", "UEVE"),
    ("CRANDOM", "UALICE"),
    ("COPS", "UALICE"),
    ("CSUPPORT", "UALICE"),
    ("CSUPPORT", "UBOB"),
    ("CQUIET", "UALICE"),  # the bot was never invited here
}
PEOPLE = {"UALICE", "UBOB", "UADMIN", "UDANA"}  # UBOT (a bot) and UGONE (deactivated) are not
READABLE = {"CENG", "CRANDOM", "COPS", "CSUPPORT", "CSECRET"}  # where the bot was invited


def workspace_membership(**overrides: object) -> FakeMembership:
    """The workspace above as a Membership; `overrides` change one of its sets."""
    sets = {"pairs": set(MEMBERS), "people": set(PEOPLE), "readable": set(READABLE)} | overrides
    pairs = sets.pop("pairs")
    return FakeMembership(pairs, **sets)  # type: ignore[arg-type]


async def create(tools: SchedulerTools, caller: Caller = ALICE, **kw: Any) -> dict[str, Any]:
    args = {"when": "every weekday at 9am", "text": "Standup time"} | kw
    return await tools.create_schedule(caller, CreateScheduleArgs(**args))


def digest_action(source: str, window_hours: int = 24) -> dict[str, Any]:
    """A digest's stored action arguments."""
    return {"text": "", "window_hours": window_hours, "workflow": None, "source_channel": source}


async def refused(call: Awaitable[Any]) -> ToolError:
    with pytest.raises(ToolError) as info:
        await call
    assert info.value.error and info.value.hint
    return info.value


async def snapshot(store: Store) -> list[Any]:
    """Everything a tool might write, to prove a refusal wrote nothing."""
    state: list[Any] = []
    for team in ("T1", "T2"):
        state.append([s.to_dict() for s in await store.list_schedules(team)])
        state.append(await store.list_audit(team))
    state.append([r.to_dict() for r, _ in await store.list_runs()])
    return state
