"""What the SchedulerTools tests share: the people, a Slack membership fake, helpers."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any

import pytest

from scheduler.store import Store
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


class FakeMembership:
    """Slack as sets: who is in which channel, who is a person, where the bot can read."""

    def __init__(
        self,
        pairs: set[tuple[str, str]],
        people: set[str] | None = None,
        readable: set[str] | None = None,
    ) -> None:
        self.pairs = pairs
        self.people = set(PEOPLE if people is None else people)
        self.readable = set(READABLE if readable is None else readable)

    async def is_member(self, team_id: str, channel_id: str, user_id: str) -> bool:
        return (channel_id, user_id) in self.pairs

    async def is_person(self, team_id: str, user_id: str) -> bool:
        return user_id in self.people

    async def bot_can_read(self, team_id: str, channel_id: str) -> bool:
        return channel_id in self.readable


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
