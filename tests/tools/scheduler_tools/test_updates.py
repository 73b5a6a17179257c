"""update_schedule on SQLite and Postgres: DM targets, a digest's source and window, one call;
a new `when` read as a change to the schedule ('9:30' keeps the days), or refused untouched."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from scheduler.clock import VirtualClock
from scheduler.records import ScheduleSpec
from scheduler.store import AuditEntry, Store
from scheduler.triggers import CronTrigger
from tests.tools.scheduler_tools.support import (
    ALICE,
    BOB,
    NY,
    create,
    digest_action,
    refused,
    snapshot,
)
from tools.scheduler_tools import NameArgs, SchedulerTools, UpdateScheduleArgs

DIGEST: dict[str, Any] = {"action": "digest", "text": ""}


async def update(tools: SchedulerTools, caller: Any = ALICE, **kw: Any) -> dict[str, Any]:
    return await tools.update_schedule(caller, UpdateScheduleArgs(**kw))


async def test_update_moves_a_schedule_to_a_dm_and_back(
    tools: SchedulerTools, store: Store
) -> None:
    await create(tools, name="s")
    assert (await update(tools, name="s", channel="me"))["target"] == "dm"
    view = await update(tools, name="s", channel="<@UDANA>")
    assert (view["channel"], view["target"], view["created_by"]) == ("UDANA", "dm", "UALICE")
    before = await snapshot(store)
    error = await refused(update(tools, name="s", channel="UBOT"))
    assert "not an active person" in error.error
    assert await snapshot(store) == before
    back = await update(tools, name="s", channel="<#CENG|eng>")
    assert (back["channel"], back["target"]) == ("CENG", "channel")


async def test_moving_into_a_full_dm_is_refused(tools: SchedulerTools, store: Store) -> None:
    for _ in range(3):
        await create(tools, BOB, channel="<@UDANA>")
    await create(tools, name="s")
    before = await snapshot(store)
    error = await refused(update(tools, name="s", channel="UDANA"))
    assert "<@UDANA>'s DM already has 3" in error.error
    assert await snapshot(store) == before


async def test_a_digests_source_and_window_change_in_one_call(
    tools: SchedulerTools, store: Store
) -> None:
    await create(tools, **DIGEST, name="d")
    view = await update(tools, name="d", source_channel="<#CSUPPORT|support>", window_hours=72)
    assert (view["source_channel"], view["window_hours"], view["channel"]) == (
        "CSUPPORT",
        72,
        "CENG",
    )
    assert [row["action"] for row in await store.list_audit("T1")] == ["update", "create"]
    stored = await store.get_schedule("T1", "d")
    assert stored.action == digest_action("CSUPPORT", 72)


async def test_an_update_checks_a_new_source_like_a_create(
    tools: SchedulerTools, store: Store
) -> None:
    await create(tools, BOB, **DIGEST, name="d")
    before = await snapshot(store)
    not_in = await refused(update(tools, BOB, name="d", source_channel="CRANDOM"))
    assert not_in.error == "the requester is not a member of <#CRANDOM>"
    assert await snapshot(store) == before
    await create(tools, **DIGEST, name="mine")
    before = await snapshot(store)
    unread = await refused(update(tools, name="mine", source_channel="CQUIET"))
    assert (unread.error, unread.hint) == (
        "I can't read <#CQUIET>",
        "invite me there with /invite @tock",
    )
    assert await snapshot(store) == before


async def test_a_digest_moves_to_another_persons_dm_only_if_they_can_read_it(
    tools: SchedulerTools, store: Store
) -> None:
    await create(tools, **DIGEST, name="d", source_channel="CSUPPORT")
    before = await snapshot(store)
    error = await refused(update(tools, name="d", channel="UDANA"))
    assert error.error == "<@UDANA> is not a member of <#CSUPPORT>, so can't get its digest"
    assert await snapshot(store) == before
    assert (await update(tools, name="d", channel="<@UBOB>"))["channel"] == "UBOB"
    before = await snapshot(store)
    resourced = await refused(update(tools, name="d", source_channel="CRANDOM"))
    assert resourced.error == "<@UBOB> is not a member of <#CRANDOM>, so can't get its digest"
    assert await snapshot(store) == before


async def test_digest_fields_are_refused_on_other_kinds(
    tools: SchedulerTools, store: Store
) -> None:
    await create(tools, name="m")
    before = await snapshot(store)
    for kw in ({"source_channel": "CSUPPORT"}, {"window_hours": 48}):
        error = await refused(update(tools, name="m", **kw))
        assert "only go with digests" in error.error and "message schedule" in error.hint
    assert await snapshot(store) == before


async def test_nothing_to_change_names_every_field(tools: SchedulerTools) -> None:
    await create(tools, name="m")
    error = await refused(update(tools, name="m"))
    assert error.error == "nothing to change"
    for field in ("new_name", "when", "text", "channel", "source_channel", "window_hours"):
        assert field in error.hint


async def test_moving_a_digest_keeps_what_it_summarizes(
    tools: SchedulerTools, store: Store, clock: VirtualClock
) -> None:
    await create(tools, **DIGEST, name="d")
    assert (await update(tools, name="d", channel="COPS"))["source_channel"] == "CENG"
    # A digest stored before sources were named summarized its channel; moving keeps that.
    spec = ScheduleSpec(
        team_id="T1",
        name="old",
        trigger=CronTrigger("0 9 * * *", "UTC"),
        action_kind="digest",
        action={"text": "", "window_hours": 24, "workflow": None},
        channel_id="CENG",
        created_by="UALICE",
        source="chat",
    )
    audit = AuditEntry(team_id="T1", actor="UALICE", action="create")
    await store.create_schedule(spec, clock.now(), audit)
    assert (await tools.get_schedule(ALICE, NameArgs(name="old")))["source_channel"] == "CENG"
    moved = await update(tools, name="old", channel="me")
    assert (moved["channel"], moved["source_channel"]) == ("UALICE", "CENG")
    assert (await store.get_schedule("T1", "old")).action["source_channel"] == "CENG"


# ------------------------------------------------------------------- a change of time


async def test_a_new_time_keeps_the_weekdays(tools: SchedulerTools, store: Store) -> None:
    await create(tools, name="standup")  # every weekday at 9am, Mon Jan 5 07:00 in New York
    view = await update(tools, name="standup", when="9:30")
    assert view["understood_as"] == "At 09:30 AM, Monday through Friday (America/New_York)"
    assert view["next_runs"][:3] == [
        "2026-01-05T09:30:00-05:00",
        "2026-01-06T09:30:00-05:00",
        "2026-01-07T09:30:00-05:00",
    ]
    stored = await store.get_schedule("T1", "standup")
    assert stored.trigger == CronTrigger("30 9 * * 1-5", NY)
    assert stored.next_run_at == datetime.fromisoformat("2026-01-05T14:30:00+00:00")


async def test_new_days_keep_the_time_and_both_change_both(
    tools: SchedulerTools, store: Store
) -> None:
    await create(tools, name="standup", when="every weekday at 9:15am")
    await update(tools, name="standup", when="move it to Fridays")
    assert (await store.get_schedule("T1", "standup")).trigger == CronTrigger("15 9 * * 5", NY)
    await update(tools, name="standup", when="10am on Mondays and Thursdays")
    assert (await store.get_schedule("T1", "standup")).trigger == CronTrigger("0 10 * * 1,4", NY)
    before = await snapshot(store)
    which = await refused(update(tools, name="standup", when="every other week"))
    assert which.error == '"every other week" on which day? It runs on Mondays and Thursdays.'
    assert which.hint == 'say the whole schedule, e.g. "every other monday at 10am"'
    assert await snapshot(store) == before
    await update(tools, name="standup", when="thursdays")
    view = await update(tools, name="standup", when="every other week")
    assert view["understood_as"].startswith("Every other week on Thursday at 10:00 AM")
    assert [row["action"] for row in await store.list_audit("T1")][:2] == ["update", "update"]


async def test_a_change_that_cannot_be_kept_is_refused_and_writes_nothing(
    tools: SchedulerTools, store: Store
) -> None:
    await create(tools, name="invoices", when="on the 1st of every month at 4pm")
    before = await snapshot(store)
    error = await refused(update(tools, name="invoices", new_name="bills", when="Fridays"))
    assert "would run on Fridays" in error.error
    assert error.hint == 'say the whole schedule, e.g. "every friday at 4pm"'
    assert await snapshot(store) == before  # not even the new name
    view = await update(tools, name="invoices", when="every friday at 4pm")
    assert view["understood_as"] == "Every Friday at 4:00 PM (America/New_York)"


async def test_a_bare_hour_asks_and_each_reading_is_a_change(
    tools: SchedulerTools, store: Store
) -> None:
    await create(tools, name="standup")
    before = await snapshot(store)
    asked = await refused(update(tools, name="standup", when="at 4"))
    assert asked.error == '"at 4": 4:00 AM or 4:00 PM?'
    assert asked.options == (
        {"label": "4:00 AM", "when": "at 4am"},
        {"label": "4:00 PM", "when": "at 4pm"},
    )
    assert await snapshot(store) == before
    await update(tools, name="standup", when=asked.options[1]["when"])
    assert (await store.get_schedule("T1", "standup")).trigger == CronTrigger("0 16 * * 1-5", NY)


async def test_the_llm_gets_the_readings_of_a_change(tools: SchedulerTools) -> None:
    await create(tools, name="standup")
    result = await tools.call("update_schedule", ALICE, {"name": "standup", "when": "at 4"})
    assert result["error"] == '"at 4": 4:00 AM or 4:00 PM?'
    assert [o["when"] for o in result["options"]] == ["at 4am", "at 4pm"]


async def test_a_change_with_a_new_timezone_is_read_there(
    tools: SchedulerTools, store: Store
) -> None:
    await create(tools, name="standup")
    view = await update(tools, name="standup", when="fridays", timezone="Europe/Berlin")
    assert view["timezone"] == "Europe/Berlin"
    stored = await store.get_schedule("T1", "standup")
    assert stored.trigger == CronTrigger("0 9 * * 5", "Europe/Berlin")
    assert view["next_runs"][0] == "2026-01-09T09:00:00+01:00"


async def test_a_change_keeps_the_bounds(tools: SchedulerTools, store: Store) -> None:
    await create(tools, name="sprint", when="every day at 9am until january 9")
    view = await update(tools, name="sprint", when="9:30")
    assert view["understood_as"].endswith("until Fri Jan 9 (America/New_York)")
    assert [run[:16] for run in view["next_runs"]] == [
        f"2026-01-0{day}T09:30" for day in range(5, 10)
    ]
    assert (await store.get_schedule("T1", "sprint")).trigger.kind == "bounded"


async def test_a_one_off_moves_on_its_day(tools: SchedulerTools, store: Store) -> None:
    await create(tools, name="stretch", when="today at 11am")  # it is 7:00 in New York
    view = await update(tools, name="stretch", when="3pm")
    assert view["next_runs"] == ["2026-01-05T15:00:00-05:00"]
    before = await snapshot(store)
    error = await refused(update(tools, name="stretch", when="6am", new_name="early"))
    assert error.error == "on Monday, January 5, 2026 at 6:00 AM is in the past"
    assert error.hint == 'say the day too, e.g. "tomorrow at 6am"'
    assert await snapshot(store) == before
    moved = await update(tools, name="stretch", when="friday")
    assert moved["next_runs"] == ["2026-01-09T15:00:00-05:00"]
