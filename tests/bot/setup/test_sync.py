"""Syncing declared schedules, on SQLite and Postgres: idempotent, retiring, refusing whole."""

from __future__ import annotations

import asyncio

import pytest

from bot.setup.errors import SetupError
from bot.setup.sync import retired_schedules, sync_declared
from scheduler.clock import VirtualClock
from scheduler.records import ScheduleSpec
from scheduler.registration import DECLARED_IN_FILE, DECLARED_IN_SETUP, RETIRED, register_schedule
from scheduler.store import Store
from scheduler.triggers import CronTrigger
from tests.bot.setup.support import (
    CATALOG,
    REVIEW,
    STANDUP,
    TEAM,
    by_name,
    from_file,
    from_hook,
    sync,
)


async def test_a_restart_changes_nothing(store: Store, clock: VirtualClock) -> None:
    first = await sync(store, clock, from_file(STANDUP, REVIEW))
    assert (first.added, first.updated, first.paused) == (["standup", "review"], [], [])
    before = await by_name(store)
    assert before["standup"].source == "startup"
    assert before["standup"].created_by == DECLARED_IN_FILE
    assert before["standup"].trigger.to_dict()["cron"] == "30 9 * * 1-5"

    await clock.advance(hours=30)  # a later start, past a slot
    again = await sync(store, clock, from_file(STANDUP, REVIEW))
    assert (again.added, again.updated, again.unchanged) == ([], [], ["standup", "review"])
    after = await by_name(store)
    for name in ("standup", "review"):
        assert after[name].version == before[name].version
        assert after[name].next_run_at == before[name].next_run_at
        assert after[name].updated_at == before[name].updated_at


async def test_a_changed_entry_is_updated_in_place(store: Store, clock: VirtualClock) -> None:
    await sync(store, clock, from_file(STANDUP))
    before = (await by_name(store))["standup"]
    report = await sync(store, clock, from_file(STANDUP | {"when": "every weekday at 10am"}))
    assert report.updated == ["standup"]
    after = (await by_name(store))["standup"]
    assert (after.id, after.version) == (before.id, before.version + 1)
    assert after.trigger.to_dict()["cron"] == "0 10 * * 1-5"
    assert after.next_run_at != before.next_run_at


async def test_a_when_that_depends_on_the_day_is_read_as_when_first_declared(
    store: Store, clock: VirtualClock
) -> None:
    biweekly = STANDUP | {"name": "sprint-review", "when": "every other tuesday at 4pm"}
    await sync(store, clock, from_file(biweekly))
    before = (await by_name(store))["sprint-review"]
    await clock.advance(days=10)  # "every other" now counted from another week
    report = await sync(store, clock, from_file(biweekly))
    assert report.unchanged == ["sprint-review"]
    assert (await by_name(store))["sprint-review"].trigger == before.trigger


async def test_a_removed_entry_is_paused_not_deleted_and_comes_back(
    store: Store, clock: VirtualClock
) -> None:
    await sync(store, clock, from_file(STANDUP, REVIEW))
    removed = await sync(store, clock, from_file(STANDUP))
    assert (removed.paused, removed.unchanged) == (["review"], ["standup"])
    review = (await by_name(store))["review"]
    assert (review.enabled, review.created_by, review.source) == (False, RETIRED, "startup")
    assert [s.name for s in await retired_schedules(store)] == ["review"]

    quiet = await sync(store, clock, from_file(STANDUP))
    assert quiet.paused == []  # paused once, reported once

    back = await sync(store, clock, from_file(STANDUP, REVIEW))
    assert back.updated == ["review"]
    review = (await by_name(store))["review"]
    assert (review.enabled, review.created_by) == (True, DECLARED_IN_FILE)
    assert review.next_run_at is not None
    assert await retired_schedules(store) == []


async def test_an_admins_pause_survives_a_resync(store: Store, clock: VirtualClock) -> None:
    await sync(store, clock, from_file(STANDUP))
    standup = (await by_name(store))["standup"]
    await store.update_schedule(standup, {"enabled": False}, clock.now())
    report = await sync(store, clock, from_file(STANDUP))
    assert report.unchanged == ["standup"]
    assert (await by_name(store))["standup"].enabled is False


async def test_the_file_never_pauses_what_the_setup_hook_declares(
    store: Store, clock: VirtualClock
) -> None:
    hooked = STANDUP | {"name": "from-hook"}
    await sync(store, clock, from_hook(hooked) + from_file(STANDUP))
    report = await sync(store, clock, from_hook(hooked))  # the file is now empty
    assert (report.paused, report.unchanged) == (["standup"], ["from-hook"])
    schedule = (await by_name(store))["from-hook"]
    assert (schedule.enabled, schedule.created_by) == (True, DECLARED_IN_SETUP)

    await sync(store, clock, [])  # the hook dropped it too: it stays as it is
    assert (await by_name(store))["from-hook"].enabled is True


async def test_without_a_file_nothing_is_retired(store: Store, clock: VirtualClock) -> None:
    await sync(store, clock, from_file(STANDUP))
    report = await sync(store, clock, [], retire=False)
    assert report.paused == []
    assert (await by_name(store))["standup"].enabled is True


async def test_one_bad_entry_writes_nothing_and_every_problem_is_named(
    store: Store, clock: VirtualClock
) -> None:
    bad = [
        STANDUP,
        REVIEW | {"workflow": "nope"},
        STANDUP | {"name": "vague", "when": "at 4 every day"},
        STANDUP | {"name": "wordy", "when": "every day at 9 post hello"},
        {"name": "quiet", "when": "every day at 9am", "channel": "C0ENG"},
    ]
    with pytest.raises(SetupError) as raised:
        await sync(store, clock, from_file(*bad))
    problems = raised.value.problems
    assert len(problems) == 4, problems
    assert problems[0].startswith("schedules.yml entry 2, `workflow`: there is no workflow 'nope'")
    assert "'at 4am every day' or 'at 4pm every day'" in problems[1]
    assert "'post hello' is not part of a time" in problems[2]
    assert problems[3].startswith("schedules.yml entry 5, `text`:")
    assert await store.list_schedules(None) == []


async def test_a_name_made_in_chat_is_never_taken_over(store: Store, clock: VirtualClock) -> None:
    made = ScheduleSpec(
        team_id=TEAM,
        name="standup",
        trigger=CronTrigger("0 9 * * *", "UTC"),
        action_kind="message",
        action={"text": "mine"},
        channel_id="C0ENG",
        created_by="U0ALICE",
        source="chat",
    )
    mine = await store.create_schedule(made, clock.now())
    with pytest.raises(SetupError) as raised:
        await sync(store, clock, from_file(REVIEW, STANDUP))
    [problem] = raised.value.problems
    assert "already exists in workspace T0TEAM, made in chat (by U0ALICE)" in problem
    assert [s.to_dict() for s in await store.list_schedules(None)] == [mine.to_dict()]


async def test_a_name_is_declared_once_per_workspace(store: Store, clock: VirtualClock) -> None:
    with pytest.raises(SetupError) as raised:
        await sync(store, clock, from_hook(STANDUP) + from_file(STANDUP))
    assert "'standup' is declared twice (also in setup hook, 'standup')" in raised.value.problems[0]
    other = from_file(STANDUP | {"team": "T0OTHER"})
    report = await sync(store, clock, from_hook(STANDUP) + other)
    assert report.added == ["standup (T0TEAM)", "standup (T0OTHER)"]


async def test_the_default_workspace_is_asked_for_only_when_needed(
    store: Store, clock: VirtualClock
) -> None:
    asked: list[str] = []

    async def team() -> str:
        asked.append("auth.test")
        return "T0AUTH"

    named = from_file(STANDUP | {"team": "T0NAMED"})
    await sync_declared(store, clock, named, catalog=CATALOG, team=team, retire=True)
    assert asked == []
    await sync_declared(store, clock, from_file(REVIEW), catalog=CATALOG, team=team, retire=False)
    assert asked == ["auth.test"]
    assert [s.name for s in await store.list_schedules("T0AUTH")] == ["review"]


@pytest.mark.parametrize("replicas", [2, 3])
async def test_replicas_starting_at_once_leave_one_schedule_each(
    db_url: str, clock: VirtualClock, replicas: int
) -> None:
    stores = [await Store.open(db_url) for _ in range(replicas)]
    try:
        await sync(stores[0], clock, from_file(STANDUP, REVIEW | {"name": "old"}))
        declared = from_file(STANDUP | {"text": "new text"}, REVIEW)
        reports = await asyncio.gather(*(sync(s, clock, declared) for s in stores))
        schedules = await stores[0].list_schedules(None)
        assert sorted(s.name for s in schedules) == ["old", "review", "standup"]
        named = {s.name: s for s in schedules}
        assert named["standup"].action["text"] == "new text"
        assert named["standup"].version == 2  # the same change, written once
        assert (named["old"].enabled, named["old"].created_by) == (False, RETIRED)
        assert sum(len(r.added) for r in reports) >= 1
        again = await sync(stores[0], clock, declared)
        assert again.unchanged == ["standup", "review"] and again.paused == []
    finally:
        for store in stores:
            await store.close()


async def test_a_stored_schedule_of_tock_itself_is_not_taken_over(
    store: Store, clock: VirtualClock
) -> None:
    await register_schedule(
        store, clock, "standup", cron="0 3 * * *", team_id=TEAM, action="maintenance"
    )
    with pytest.raises(SetupError) as raised:
        await sync(store, clock, from_file(STANDUP))
    assert "made by Tock itself (by system)" in raised.value.problems[0]


async def test_a_one_off_that_has_fired_does_not_block_the_next_start(
    store: Store, clock: VirtualClock
) -> None:
    once = STANDUP | {"name": "launch", "when": "on 2026-01-07 at 10am"}
    await sync(store, clock, from_file(once))
    await clock.advance(days=30)  # it fired; the date is in the past now
    report = await sync(store, clock, from_file(once))
    assert report.unchanged == ["launch"]
    with pytest.raises(SetupError) as raised:  # a new one with a past date is refused
        await sync(store, clock, from_file(once | {"name": "late"}))
    assert (
        "`when`: on Wednesday, January 7, 2026 at 10:00 AM is in the past"
        in (raised.value.problems[0])
    )
