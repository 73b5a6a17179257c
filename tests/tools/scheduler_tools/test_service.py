"""SchedulerTools on SQLite and Postgres: permissions, quotas, names, call(), views."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from scheduler.clock import VirtualClock
from scheduler.planning import plan_slots
from scheduler.store import Store
from tests.tools.scheduler_tools.support import (
    ADMIN,
    ALICE,
    BOB,
    EVE,
    NY,
    create,
    refused,
    snapshot,
)
from tools.scheduler_tools import (
    CreateScheduleArgs,
    HistoryArgs,
    ListSchedulesArgs,
    NameArgs,
    PreviewArgs,
    SchedulerTools,
    TimezoneArgs,
    UpdateScheduleArgs,
)

TOOL_NAMES = {
    "create_schedule",
    "update_schedule",
    "list_schedules",
    "get_schedule",
    "delete_schedule",
    "pause_schedule",
    "resume_schedule",
    "run_schedule_now",
    "schedule_history",
    "preview_when",
    "set_timezone",
    "run_workflow",
}


# --------------------------------------------------------------------------- create and views


async def test_create_returns_a_full_view(tools: SchedulerTools) -> None:
    view = await create(tools)
    assert view["name"] == "standup-time"
    assert view["status"] == "active"
    assert view["timezone"] == NY and view["channel"] == "CENG"
    assert view["action"] == "message" and view["text"] == "Standup time"
    assert view["created_by"] == "UALICE" and view["source"] == "chat"
    assert "(America/New_York)" in view["description"]
    assert len(view["next_runs"]) == 5
    first = datetime.fromisoformat(view["next_runs"][0])
    assert (first.hour, first.minute, first.utcoffset()) == (9, 0, timedelta(hours=-5))
    assert view["understood_as"]
    json.dumps(view)  # plain data all the way down


async def test_the_slash_command_can_mark_its_source(tools: SchedulerTools) -> None:
    args = CreateScheduleArgs(when="every day at 10am", text="hi")
    view = await tools.create_schedule(ALICE, args, source="slash")
    assert view["source"] == "slash"


async def test_names_are_derived_from_the_request_and_suffixed_on_collision(
    tools: SchedulerTools,
) -> None:
    when = "every weekday at 9:30 post the standup reminder in #eng"
    names = [(await create(tools, when=when))["name"] for _ in range(3)]
    assert names == ["standup-reminder", "standup-reminder-2", "standup-reminder-3"]
    # Without a remainder the text names it; each team has its own namespace.
    assert (await create(tools, EVE, when=when))["name"] == "standup-reminder"


async def test_a_taken_explicit_name_is_refused_with_a_free_one_suggested(
    tools: SchedulerTools, store: Store
) -> None:
    assert (await create(tools, name="Standup Reminder"))["name"] == "standup-reminder"
    before = await snapshot(store)
    error = await refused(create(tools, name="standup-reminder"))
    assert "already exists" in error.error and "standup-reminder-2" in error.hint
    assert await snapshot(store) == before


async def test_actions_are_a_closed_checked_set(tools: SchedulerTools, store: Store) -> None:
    digest = await create(tools, action="digest", text="", window_hours=48, name="d")
    assert (digest["action"], digest["window_hours"]) == ("digest", 48)
    flow = await create(tools, action="workflow", workflow="weekly-report", text="", name="w")
    assert flow["workflow"] == "weekly-report"
    stored = await store.get_schedule("T1", "w")
    assert stored.action == {"text": "", "window_hours": None, "workflow": "weekly-report"}
    before = await snapshot(store)
    assert "needs text" in (await refused(create(tools, text=""))).error
    assert "needs text" in (await refused(create(tools, action="agent", text=""))).error
    unknown = await refused(create(tools, action="workflow", workflow="rm-rf"))
    assert "weekly-report" in unknown.hint
    await refused(create(tools, workflow="weekly-report"))  # workflow without action=workflow
    assert await snapshot(store) == before


async def test_bad_times_and_zones_are_refused_with_hints(tools: SchedulerTools) -> None:
    assert (await refused(create(tools, when="whenever you like"))).hint
    assert "IANA" in (await refused(create(tools, timezone="Mars/Olympus"))).hint


async def test_preview_parses_without_writing(tools: SchedulerTools, store: Store) -> None:
    before = await snapshot(store)
    view = await tools.preview_when(ALICE, PreviewArgs(when="every friday at 5pm", timezone="UTC"))
    assert view["timezone"] == "UTC" and len(view["next_runs"]) == 5
    assert datetime.fromisoformat(view["next_runs"][0]).weekday() == 4
    await refused(tools.preview_when(ALICE, PreviewArgs(when="every minute")))
    assert await snapshot(store) == before


# --------------------------------------------------------------------------- authorization


async def test_only_the_creator_or_an_admin_may_change_a_schedule(
    tools: SchedulerTools, store: Store
) -> None:
    name = (await create(tools))["name"]
    before = await snapshot(store)
    attempts = [
        tools.pause_schedule(BOB, NameArgs(name=name)),
        tools.resume_schedule(BOB, NameArgs(name=name)),
        tools.run_schedule_now(BOB, NameArgs(name=name)),
        tools.delete_schedule(BOB, NameArgs(name=name)),
        tools.update_schedule(BOB, UpdateScheduleArgs(name=name, text="pwned")),
    ]
    for attempt in attempts:
        assert "UALICE" in (await refused(attempt)).error
    assert await snapshot(store) == before
    # Reading is open to the whole team.
    assert (await tools.get_schedule(BOB, NameArgs(name=name)))["name"] == name
    # An admin may do all of it.
    assert (await tools.pause_schedule(ADMIN, NameArgs(name=name)))["status"] == "paused"
    await tools.update_schedule(ADMIN, UpdateScheduleArgs(name=name, text="by admin"))
    assert "run_id" in await tools.run_schedule_now(ADMIN, NameArgs(name=name))
    assert (await tools.delete_schedule(ADMIN, NameArgs(name=name)))["deleted"] == name
    assert await store.count_schedules("T1") == 0


async def test_creating_in_a_channel_the_user_is_not_in_is_refused(
    tools: SchedulerTools, store: Store
) -> None:
    assert (await create(tools, channel="<#CRANDOM|random>"))["channel"] == "CRANDOM"
    before = await snapshot(store)
    error = await refused(create(tools, BOB, channel="CRANDOM"))
    assert "not a member" in error.error
    assert "mention" in (await refused(create(tools, channel="#random"))).hint
    assert await snapshot(store) == before


async def test_teams_never_see_each_other(tools: SchedulerTools, store: Store) -> None:
    name = (await create(tools))["name"]
    before = await snapshot(store)
    for attempt in (
        tools.get_schedule(EVE, NameArgs(name=name)),
        tools.delete_schedule(EVE, NameArgs(name=name)),
        tools.pause_schedule(EVE, NameArgs(name=name)),
        tools.run_schedule_now(EVE, NameArgs(name=name)),
        tools.schedule_history(EVE, HistoryArgs(name=name)),
        tools.update_schedule(EVE, UpdateScheduleArgs(name=name, text="x")),
    ):
        assert "no schedule named" in (await refused(attempt)).error
    assert (await tools.list_schedules(EVE, ListSchedulesArgs()))["schedules"] == []
    assert await snapshot(store) == before


# --------------------------------------------------------------------------- quotas


async def test_schedules_per_channel_are_limited(tools: SchedulerTools, store: Store) -> None:
    for _ in range(3):
        await create(tools, BOB)
    before = await snapshot(store)
    assert "CENG" in (await refused(create(tools))).error
    assert await snapshot(store) == before
    await create(tools, channel="COPS")  # other channels still have room


async def test_schedules_per_user_are_limited(tools: SchedulerTools, store: Store) -> None:
    for channel in ("CENG", "CENG", "CRANDOM", "COPS"):
        await create(tools, channel=channel)
    before = await snapshot(store)
    assert "you already have 4" in (await refused(create(tools, channel="COPS"))).error
    assert await snapshot(store) == before


@pytest.mark.parametrize("when", ["every minute", "every 2 minutes", "0,1 9 * * *"])
async def test_schedules_may_not_post_too_often(
    tools: SchedulerTools, store: Store, when: str
) -> None:
    error = await refused(create(tools, when=when))
    assert "at most every 5 minutes" in error.error
    assert await store.count_schedules("T1") == 0


async def test_hourly_is_allowed_on_the_eve_of_dst_fall_back(
    tools: SchedulerTools, clock: VirtualClock
) -> None:
    # 01:00 EDT and 01:00 EST share a wall time but are an hour apart.
    await clock.set(datetime(2026, 11, 1, 0, 30, tzinfo=ZoneInfo(NY)))
    assert (await create(tools, when="every hour"))["status"] == "active"
    assert (await create(tools, when="every 30 minutes"))["status"] == "active"


async def test_every_five_minutes_and_one_offs_are_allowed(tools: SchedulerTools) -> None:
    assert (await create(tools, when="every 5 minutes"))["status"] == "active"
    view = await create(tools, when="in 10 minutes")
    assert len(view["next_runs"]) == 1


async def test_text_length_is_limited(tools: SchedulerTools, store: Store) -> None:
    assert "limit is 50" in (await refused(create(tools, text="x" * 51))).error
    await create(tools, text="x" * 50, name="fits")
    update = UpdateScheduleArgs(name="fits", text="y" * 51)
    await refused(tools.update_schedule(ALICE, update))
    assert (await store.get_schedule("T1", "fits")).action["text"] == "x" * 50


# --------------------------------------------------------------------------- update and audit


async def test_update_renames_retimes_and_audits(tools: SchedulerTools, store: Store) -> None:
    await create(tools, name="standup")
    args = UpdateScheduleArgs(name="standup", new_name="Daily Sync", when="every day at 10am")
    view = await tools.update_schedule(ALICE, args)
    assert view["name"] == "daily-sync" and "understood_as" in view
    assert datetime.fromisoformat(view["next_runs"][0]).hour == 10
    audit = await store.list_audit("T1")
    assert [row["action"] for row in audit] == ["update", "create"]
    change = audit[0]
    assert change["actor"] == "UALICE" and change["schedule_name"] == "daily-sync"
    assert change["before"]["name"] == "standup" and change["after"]["name"] == "daily-sync"
    assert change["before"]["trigger"] != change["after"]["trigger"]
    assert await store.list_audit("T2") == []


async def test_update_refuses_nothing_a_taken_name_and_foreign_channels(
    tools: SchedulerTools, store: Store
) -> None:
    await create(tools, name="one")
    await create(tools, name="two")
    before = await snapshot(store)
    assert (
        "nothing to change"
        in (await refused(tools.update_schedule(ALICE, UpdateScheduleArgs(name="one")))).error
    )
    taken = await refused(
        tools.update_schedule(ALICE, UpdateScheduleArgs(name="one", new_name="two"))
    )
    assert "already exists" in taken.error and "two-2" in taken.hint
    moved = await refused(
        tools.update_schedule(ALICE, UpdateScheduleArgs(name="one", channel="CSECRET"))
    )
    assert "not a member" in moved.error
    assert await snapshot(store) == before


async def test_a_new_timezone_keeps_the_cron_wall_clock(
    tools: SchedulerTools, store: Store
) -> None:
    await create(tools, name="standup")
    expr = (await store.get_schedule("T1", "standup")).trigger.to_dict()["cron"]
    view = await tools.update_schedule(
        ALICE, UpdateScheduleArgs(name="standup", timezone="Europe/Berlin")
    )
    stored = await store.get_schedule("T1", "standup")
    assert stored.timezone == "Europe/Berlin" and stored.trigger.to_dict()["cron"] == expr
    first = datetime.fromisoformat(view["next_runs"][0])
    assert (first.hour, first.utcoffset()) == (9, timedelta(hours=1))


async def test_moving_channels_checks_membership_and_quota(tools: SchedulerTools) -> None:
    await create(tools, name="s")
    view = await tools.update_schedule(ALICE, UpdateScheduleArgs(name="s", channel="<#COPS|ops>"))
    assert view["channel"] == "COPS"


async def test_pause_delete_and_run_write_audit_rows(tools: SchedulerTools, store: Store) -> None:
    await create(tools, name="s")
    await tools.pause_schedule(ALICE, NameArgs(name="s"))
    await tools.pause_schedule(ALICE, NameArgs(name="s"))  # already paused: no write
    await tools.resume_schedule(ALICE, NameArgs(name="s"))
    await tools.run_schedule_now(ALICE, NameArgs(name="s"))
    await tools.delete_schedule(ALICE, NameArgs(name="s"))
    audit = await store.list_audit("T1")
    assert [row["action"] for row in audit] == ["delete", "run", "resume", "pause", "create"]
    assert all(row["actor"] == "UALICE" for row in audit)
    delete, _, resume, pause, create_row = audit
    assert create_row["before"] is None and create_row["after"]["name"] == "s"
    assert (pause["before"]["status"], pause["after"]["status"]) == ("active", "paused")
    assert resume["after"]["status"] == "active"
    assert delete["before"]["name"] == "s" and delete["after"] is None


# --------------------------------------------------------------------------- runs


async def test_pause_then_resume_does_not_backfill(
    tools: SchedulerTools, store: Store, clock: VirtualClock
) -> None:
    await create(tools, when="every hour", name="hourly")
    paused = await tools.pause_schedule(ALICE, NameArgs(name="hourly"))
    assert (paused["status"], paused["next_runs"]) == ("paused", [])
    now = await clock.advance(hours=5)
    resumed = await tools.resume_schedule(ALICE, NameArgs(name="hourly"))
    assert resumed["status"] == "active"
    first = datetime.fromisoformat(resumed["next_runs"][0])
    assert now < first <= now + timedelta(hours=1)
    await store.materialize_due(now, plan_slots)
    assert await store.list_runs(team_id="T1") == []


async def test_run_now_queues_one_manual_run_and_history_lists_runs(
    tools: SchedulerTools, store: Store, clock: VirtualClock
) -> None:
    await create(tools, when="every hour", name="hourly")
    result = await tools.run_schedule_now(ALICE, NameArgs(name="hourly"))
    run = await store.get_run(result["run_id"])
    assert (run.trigger, run.status) == ("manual", "pending")
    again = await refused(tools.run_schedule_now(ALICE, NameArgs(name="hourly")))
    assert "already queued" in again.error
    now = await clock.advance(hours=1)
    await store.materialize_due(now, plan_slots)
    history = await tools.schedule_history(ALICE, HistoryArgs(name="hourly"))
    assert [(r["trigger"], r["status"]) for r in history["runs"]] == [
        ("schedule", "pending"),
        ("manual", "pending"),
    ]
    slot = datetime.fromisoformat(history["runs"][0]["scheduled_for"])
    assert slot.tzinfo is not None and slot.utcoffset() == timedelta(hours=-5)
    assert history["name"] == "hourly"


# --------------------------------------------------------------------------- reads


async def test_list_scopes_and_pages(tools: SchedulerTools) -> None:
    await create(tools, name="a")
    await create(tools, name="b", channel="COPS")
    await create(tools, BOB, name="c")
    everything = await tools.list_schedules(BOB, ListSchedulesArgs(page_size=2))
    assert [s["name"] for s in everything["schedules"]] == ["a", "b"]
    assert everything["has_more"] and everything["page"] == 1
    rest = await tools.list_schedules(BOB, ListSchedulesArgs(page=2, page_size=2))
    assert [s["name"] for s in rest["schedules"]] == ["c"] and not rest["has_more"]
    mine = await tools.list_schedules(ALICE, ListSchedulesArgs(scope="mine"))
    assert [s["name"] for s in mine["schedules"]] == ["a", "b"]
    here = await tools.list_schedules(ALICE, ListSchedulesArgs(scope="channel"))
    assert [s["name"] for s in here["schedules"]] == ["a", "c"]
    ops = await tools.list_schedules(ALICE, ListSchedulesArgs(channel="<#COPS|ops>"))
    assert [s["name"] for s in ops["schedules"]] == ["b"]


async def test_lookups_forgive_spelling_and_suggest_names(tools: SchedulerTools) -> None:
    await create(tools, name="standup-reminder")
    found = await tools.get_schedule(BOB, NameArgs(name="Standup Reminder"))
    assert found["name"] == "standup-reminder"
    missing = await refused(tools.get_schedule(BOB, NameArgs(name="standup-remnder")))
    assert "standup-reminder" in missing.hint


# --------------------------------------------------------------------------- timezone preference


async def test_set_timezone_stores_the_requesters_own_zone(
    tools: SchedulerTools, store: Store
) -> None:
    assert await tools.set_timezone(ALICE, TimezoneArgs(timezone="Asia/Tokyo")) == {
        "timezone": "Asia/Tokyo"
    }
    assert await store.get_user_timezone("T1", "UALICE") == "Asia/Tokyo"
    assert await store.get_user_timezone("T1", "UBOB") is None


@pytest.mark.parametrize(
    ("written", "stored"),
    [("america/new_york", NY), ("utc", "UTC"), ("  EUROPE/BERLIN ", "Europe/Berlin")],
)
async def test_set_timezone_reads_any_letter_case(
    tools: SchedulerTools, store: Store, written: str, stored: str
) -> None:
    assert await tools.call("set_timezone", ALICE, {"timezone": written}) == {"timezone": stored}
    assert await store.get_user_timezone("T1", "UALICE") == stored


async def test_set_timezone_refuses_an_unknown_zone_and_names_the_closest(
    tools: SchedulerTools, store: Store
) -> None:
    typo = await refused(tools.set_timezone(ALICE, TimezoneArgs(timezone="America/New_Yrok")))
    assert "unknown timezone" in typo.error and NY in typo.hint
    nowhere = await refused(tools.set_timezone(ALICE, TimezoneArgs(timezone="Mars")))
    assert "IANA" in nowhere.hint
    assert await store.get_user_timezone("T1", "UALICE") is None


async def test_set_timezone_sets_only_the_callers_own(tools: SchedulerTools, store: Store) -> None:
    result = await tools.call("set_timezone", ALICE, {"timezone": "UTC", "user_id": "UBOB"})
    assert set(result) == {"error", "hint"} and "user_id" in result["error"]
    assert await store.get_user_timezone("T1", "UBOB") is None
    assert await store.get_user_timezone("T1", "UALICE") is None


async def test_zone_arguments_are_read_in_any_letter_case(tools: SchedulerTools) -> None:
    view = await create(tools, when="every day at 9am", timezone="asia/tokyo")
    assert view["timezone"] == "Asia/Tokyo"
    moved = await tools.update_schedule(
        ALICE, UpdateScheduleArgs(name=view["name"], timezone="europe/berlin")
    )
    assert moved["timezone"] == "Europe/Berlin"
    typo = await refused(create(tools, timezone="Europe/Berln"))
    assert "Europe/Berlin" in typo.hint


# --------------------------------------------------------------------------- call() and schemas


async def test_call_runs_a_tool_from_json(tools: SchedulerTools) -> None:
    arguments = json.dumps({"when": "every monday at 8am", "text": "Plan the week"})
    view = await tools.call("create_schedule", ALICE, arguments)
    assert view["name"] == "plan-week"
    listed = await tools.call("list_schedules", ALICE, "")
    assert [s["name"] for s in listed["schedules"]] == ["plan-week"]


@pytest.mark.parametrize(
    ("tool", "arguments", "expect"),
    [
        ("create_schedule", "{not json", "not valid JSON"),
        ("create_schedule", "[1, 2]", "JSON object"),
        ("drop_tables", {}, "no tool named"),
        ("create_schedule", {"when": 9, "text": "hi"}, "when: Input should be a valid string"),
        ("create_schedule", {"text": "hi"}, "when: Field required"),
        ("list_schedules", {"page": "first"}, "page: Input should be a valid integer"),
        ("create_schedule", {"when": "daily at 9", "text": "hi", "user_id": "UBOB"}, "user_id"),
        ("delete_schedule", {"name": "s", "is_admin": True}, "is_admin"),
        ("delete_schedule", {"name": "s", "team_id": "T2"}, "team_id"),
    ],
)
async def test_call_turns_bad_input_into_structured_errors(
    tools: SchedulerTools, store: Store, tool: str, arguments: Any, expect: str
) -> None:
    await create(tools, name="s")
    before = await snapshot(store)
    result = await tools.call(tool, BOB, arguments)
    assert set(result) == {"error", "hint"}, result
    assert expect in result["error"] and "\n" not in result["error"]
    assert await snapshot(store) == before


async def test_call_reports_tool_refusals_as_data(tools: SchedulerTools) -> None:
    await create(tools, name="s")
    result = await tools.call("delete_schedule", BOB, {"name": "s"})
    assert set(result) == {"error", "hint"}
    extra = await tools.call("delete_schedule", BOB, {"name": "s", "user_id": "UALICE"})
    assert "who is asking comes from Slack" in extra["hint"]


async def test_tool_schemas_cover_every_tool(tools: SchedulerTools) -> None:
    schemas = tools.tool_schemas()
    assert {s["function"]["name"] for s in schemas} == TOOL_NAMES
    for entry in schemas:
        assert entry["type"] == "function"
        function = entry["function"]
        assert function["description"]
        params = function["parameters"]
        assert params["type"] == "object" and params["additionalProperties"] is False
        assert "$defs" not in json.dumps(params) and "$ref" not in json.dumps(params)
        assert not {"user_id", "team_id", "is_admin", "caller"} & set(params["properties"])
    create_params = next(s for s in schemas if s["function"]["name"] == "create_schedule")
    props = create_params["function"]["parameters"]["properties"]
    assert props["action"]["enum"] == ["message", "agent", "digest", "workflow"]
    assert create_params["function"]["parameters"]["required"] == ["when"]
    assert "weekly-report" in create_params["function"]["description"]
    zone = next(s["function"] for s in schemas if s["function"]["name"] == "set_timezone")
    assert zone["description"] == (
        "Set the requester's own timezone: times they write without a zone are read in it; "
        "existing schedules keep theirs."
    )
    assert zone["parameters"]["required"] == ["timezone"]
    assert set(zone["parameters"]["properties"]) == {"timezone"}


async def test_zone_in_results_is_the_schedules_own(tools: SchedulerTools) -> None:
    view = await create(tools, when="every day at 9am", timezone="Asia/Tokyo")
    first = datetime.fromisoformat(view["next_runs"][0])
    assert first.tzinfo is not None
    assert first.utcoffset() == datetime(2026, 1, 6, tzinfo=ZoneInfo("Asia/Tokyo")).utcoffset()
    assert first.hour == 9
