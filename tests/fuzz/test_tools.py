"""Fuzzing `SchedulerTools.call` with the arguments an LLM might send, on each backend.

Every call gets a result or a `{"error", "hint"}` refusal, never an
unexpected failure. A refusal writes nothing (schedules, runs, audit rows,
people's zones compared before and after), and a result changes only what
the caller may change: rows of their own team that they created (any of
their team's, for an admin), new rows that are theirs, and runs of a
workflow's on-demand schedule.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import event, given
from hypothesis import strategies as st

from bot.slack.blocks import is_error
from scheduler.clock import VirtualClock
from scheduler.store import Store
from tests.fuzz.strategies import CHANNELS, NAMES, TIMES, fuzz, json_objects, json_values, leaked
from tests.tools.scheduler_tools.support import (
    ADMIN,
    ALICE,
    BOB,
    EVE,
    create,
    workspace_membership,
)
from tools.scheduler_tools import Caller, Quotas, SchedulerTools

CALLERS = (ALICE, BOB, ADMIN, EVE)
QUOTAS = Quotas(max_per_channel=6, max_per_user=8, min_interval_s=300, max_text=500)
IDENTITY = ["user_id", "team_id", "is_admin", "created_by", "caller", "actor"]
SEEDED = ["standup", "bobs-digest", "weekly-report-ceng", "admins"]
PLAUSIBLE: dict[str, list[Any]] = {
    "name": [*SEEDED, *NAMES],
    "new_name": [*SEEDED, "renamed", *NAMES],
    "when": [*TIMES, "", "x" * 4001],
    "text": ["hi", "", "x" * 600, "{date}", "<!channel>"],
    "action": ["message", "agent", "digest", "workflow", "delete"],
    "channel": ["CENG", "COPS", "CSECRET", "CQUIET", "CSUPPORT", "UGONE", "UBOT", *CHANNELS],
    "source_channel": ["CENG", "CSUPPORT", "CQUIET", "CSECRET", "<@UBOB>", *CHANNELS],
    "timezone": ["Europe/Berlin", "europe/berlin", "Mars/Olympus", "", "UTC"],
    "window_hours": [0, 1, 24, 168, 169, "24", None],
    "workflow": ["weekly-report", "nope", "", "weekly-report-ceng"],
    "scope": ["mine", "channel", "all", "everything"],
    "page": [0, 1, 2, 1001],
    "page_size": [0, 1, 50, 51],
    "limit": [0, 1, 50, 51],
    **{key: ["UADMIN", "T1", True] for key in IDENTITY},
}


SEEDS: list[tuple[Caller, dict[str, Any]]] = [
    (ALICE, {"name": "standup"}),
    (BOB, {"name": "bobs-digest", "action": "digest", "text": "", "source_channel": "CSUPPORT"}),
    # The name the on-demand schedule of weekly-report in #eng would take.
    (BOB, {"name": "weekly-report-ceng", "text": "Bob's own"}),
    (ADMIN, {"name": "admins", "text": "Admin's"}),
    (EVE, {"name": "standup", "text": "Eve's, in another workspace"}),
]


async def seed(tools: SchedulerTools) -> None:
    """The schedules above, those that are missing (an example may have deleted one)."""
    for caller, fields in SEEDS:
        if await tools._get(caller.team_id, fields["name"]) is None:
            await create(tools, caller, **fields)


def _tool_calls() -> st.SearchStrategy[tuple[str, Any]]:
    """(tool name, arguments) as a model sends them: mostly a dict, else JSON text or junk."""
    # The schemas need no store: they come from the argument models.
    schemas = {
        s["function"]["name"]: s["function"]["parameters"]
        for s in SchedulerTools(None, None, None).tool_schemas()  # type: ignore[arg-type]
    }

    def for_tool(name: str) -> st.SearchStrategy[tuple[str, Any]]:
        schema = schemas.get(name, {})
        keys, required = list(schema.get("properties", {})), tuple(schema.get("required", ()))
        objects = json_objects(keys, PLAUSIBLE, required)
        odd = json_objects([*keys, *IDENTITY[:2], "extra"], PLAUSIBLE)
        raw = st.one_of(
            objects,
            objects,
            objects,
            odd,
            objects.map(json.dumps),
            st.sampled_from(["", "{", "null", "[]", '"name"', "{'name': 'standup'}", "1e999"]),
            json_values,
        )
        return raw.map(lambda args: (name, args))

    return st.sampled_from([*schemas, "drop_tables", ""]).flatmap(for_tool)


TOOL_CALLS = _tool_calls()


async def state(store: Store) -> dict[str, Any]:
    schedules = {s.id: s.to_dict() for t in ("T1", "T2") for s in await store.list_schedules(t)}
    runs = {r.id: (r.schedule_id, r.to_dict()) for r, _ in await store.list_runs(limit=10_000)}
    audit = [a for t in ("T1", "T2") for a in await store.list_audit(t, limit=10_000)]
    zones = {
        (c.team_id, c.user_id): await store.get_user_timezone(c.team_id, c.user_id) for c in CALLERS
    }
    return {"schedules": schedules, "runs": runs, "audit": audit, "zones": zones}


def may_change(caller: Caller, schedule: dict[str, Any]) -> bool:
    own = caller.is_admin or schedule["created_by"] == caller.user_id
    return schedule["team_id"] == caller.team_id and own


def on_demand(schedule: dict[str, Any]) -> bool:
    return schedule["action_kind"] == "workflow" and schedule["status"] == "paused"


def check_within_rights(caller: Caller, before: dict[str, Any], after: dict[str, Any]) -> None:
    """Every difference is something `caller` may do."""
    old, new = before["schedules"], after["schedules"]
    for schedule_id, row in old.items():
        if new.get(schedule_id) != row:
            assert may_change(caller, row), f"{caller.user_id} changed {row['name']}"
    for schedule_id in new.keys() - old.keys():
        row = new[schedule_id]
        assert (row["team_id"], row["created_by"]) == (caller.team_id, caller.user_id), row
    for run_id in after["runs"].keys() - before["runs"].keys():
        schedule = new[after["runs"][run_id][0]]
        assert schedule["team_id"] == caller.team_id
        assert may_change(caller, schedule) or on_demand(schedule), schedule
    added = [a for a in after["audit"] if a not in before["audit"]]
    assert all((a["team_id"], a["actor"]) == (caller.team_id, caller.user_id) for a in added)
    for who, zone in after["zones"].items():
        assert zone == before["zones"][who] or who == (caller.team_id, caller.user_id)


@pytest.fixture
def tools(store: Store, clock: VirtualClock) -> SchedulerTools:
    return SchedulerTools(
        store, clock, workspace_membership(), QUOTAS, workflows=("weekly-report",), llm=True
    )


@pytest.fixture
def last() -> dict[str, Any]:
    """The state after the previous example: the next one's "before" (only the tool writes)."""
    return {}


@pytest.mark.slow  # a few seconds per backend: two store round trips per example
@fuzz(80)
@given(call=TOOL_CALLS, caller=st.sampled_from(CALLERS))
async def test_a_call_is_a_result_or_a_refusal_that_writes_nothing(
    tools: SchedulerTools, last: dict[str, Any], call: tuple[str, Any], caller: Caller
) -> None:
    name, args = call
    before = last.get("state")
    if before is None or len(before["schedules"]) < len(SEEDS):
        await seed(tools)
        before = await state(tools.store)
    result = await tools.call(name, caller, args)
    after = last["state"] = await state(tools.store)
    assert isinstance(result, dict)
    assert result.get("error") != "the tool failed unexpectedly", (name, args)
    json.dumps(result, default=str)
    if is_error(result):
        event(f"{name}: refused")
        assert result["error"].strip() and result["hint"].strip()
        assert not leaked(result["error"] + result["hint"])
        assert after == before, (name, args, result)
    else:
        event(f"{name}: done")
        check_within_rights(caller, before, after)
