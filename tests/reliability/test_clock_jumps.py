"""Clock jumps and DST nights, end to end: the real Engine, a virtual clock, SQLite and Postgres.

The engine keeps time in UTC, so a DST night is no clock change to it: only
the triggers' Debian-cron rules decide which instants a night has (README
"DST right", `scheduler.cron`). A wall-clock *step* (a suspended machine, an
NTP correction) is different: the engine simply finds itself early or late.
What it then does is the misfire rule (README "Engine semantics",
`scheduler.planning.plan_slots`): the newest slot within `misfire_grace_s`
fires late once, older in-grace slots are `skipped` (coalesced), slots beyond
the grace are `missed` rows plus one `catch-up` run when `catch_up` is on and
no in-grace slot covers them; and a slot already materialized never runs
again (the unique (schedule_id, slot) key, and `next_run_at` moving from the
slot).

`VirtualClock.jump` steps the wall clock the way the system clock steps under a
running process. The engine's sleeps end on the event loop's monotonic clock
and then look at the wall clock (`SystemClock.sleep_until`), so after a step
forward every pending sleep ends after the time it had left (late, in wall
terms), and after a step back it sleeps on until its wall-clock deadline.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from scheduler.clock import VirtualClock
from scheduler.planning import COALESCED, MISSED
from scheduler.records import Run
from scheduler.store import Store
from scheduler.triggers import CronTrigger, OnceTrigger
from tests.scheduler.harness import Harness, build

T0 = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
NY = "America/New_York"
LONDON = "Europe/London"
MINUTE = timedelta(minutes=1)


Start = Callable[..., Awaitable[Harness]]


@pytest.fixture
async def start(store: Store) -> AsyncIterator[Start]:
    """Start an engine on a VirtualClock at a given instant (stopped at teardown)."""
    started: list[Harness] = []

    async def starter(at: datetime = T0, **config: Any) -> Harness:
        h = build(store, VirtualClock(at), **config)
        await h.engine.start()
        await h.engine.settle()
        started.append(h)
        return h

    yield starter
    for h in started:
        h.gate.set()
        await h.engine.stop()


def utc(text: str) -> datetime:
    """An ISO instant, in UTC."""
    return datetime.fromisoformat(text).astimezone(UTC)


def minutes(first: datetime, last: datetime) -> list[datetime]:
    """Every whole minute from `first` to `last`, both included."""
    return [first + n * MINUTE for n in range(int((last - first) / MINUTE) + 1)]


def rows(runs: list[Run]) -> list[tuple[datetime, str, str]]:
    """(scheduled_for, trigger, status) of each run, in id order."""
    return [(r.scheduled_for, r.trigger, r.status) for r in runs]


async def assert_once_per_slot(h: Harness) -> None:
    """No slot has two rows and no slot's handler ran twice."""
    runs = await h.runs()
    keys = Counter((r.schedule_id, r.slot) for r in runs if r.slot is not None)
    assert [key for key, n in keys.items() if n > 1] == []
    fired = Counter((c.schedule.name, c.run.scheduled_for) for c in h.calls)
    assert [key for key, n in fired.items() if n > 1] == []


@asynccontextmanager
async def unsettled(h: Harness) -> AsyncIterator[VirtualClock]:
    """The clock without settling after each wake-up, for the time after a step
    forward before the engine's delayed sleep ends (a step forward leaves the loop parked with a
    wall-clock deadline in the past until its sleep ends, and `Harness.settle`
    would wait for that wake); settles
    on the way out, once the loop has parked again."""
    clock = h.clock
    clock.on_wake = None
    try:
        yield clock
    finally:
        clock.on_wake = h.settle
    await h.settle()


# --- the wall clock steps forward an hour -------------------------------------


@pytest.mark.parametrize("catch_up", [True, False], ids=["catch_up", "no_catch_up"])
async def test_a_forward_jump_of_an_hour_applies_the_misfire_rule(
    start: Start, catch_up: bool
) -> None:
    h = await start()
    for name, expr in (
        ("minutely", "* * * * *"),
        ("hourly", "0 * * * *"),
        ("daily", "30 12 * * *"),
    ):
        await h.add(name, CronTrigger(expr, "UTC"), misfire_grace_s=300, catch_up=catch_up)
    await h.settle()  # parked on the new schedules' first slot
    await h.advance(30)  # 12:00:30, parked until the 12:01 slot
    async with unsettled(h) as clock:
        await clock.jump(hours=1)  # 13:00:30; that sleep ends 30 s from now
        assert h.calls == []
        await clock.advance(30)  # 13:01:00: the engine wakes, an hour late for 12:01
    now = T0 + timedelta(hours=1, minutes=1)
    assert h.clock.now() == now

    # Every minute: 12:01-12:55 are beyond the 5-minute grace, 12:56-13:00
    # coalesce into 13:01, which fires; a catch-up is not needed (13:01 covers them).
    assert rows(await h.runs("minutely")) == (
        [(s, "schedule", "missed") for s in minutes(T0 + MINUTE, T0 + 55 * MINUTE)]
        + [(s, "schedule", "skipped") for s in minutes(T0 + 56 * MINUTE, T0 + 60 * MINUTE)]
        + [(now, "schedule", "succeeded")]
    )
    minutely = await h.runs("minutely")
    assert {r.error for r in minutely if r.status == "missed"} == {MISSED}
    assert {r.error for r in minutely if r.status == "skipped"} == {COALESCED}
    # Hourly: the 13:00 slot is a minute late, within the grace: it fires late, once.
    assert rows(await h.runs("hourly")) == [(T0 + timedelta(hours=1), "schedule", "succeeded")]
    # Daily 12:30: 31 minutes late, beyond the grace: missed, plus one catch-up if asked for.
    daily = await h.runs("daily")
    expected = [(T0 + 30 * MINUTE, "schedule", "missed")]
    if catch_up:
        expected.append((T0 + 30 * MINUTE, "catch-up", "succeeded"))
    assert rows(daily) == expected
    if catch_up:
        assert daily[-1].slot is None and daily[-1].started_at == now

    fired = sorted((c.schedule.name, c.run.trigger, c.run.scheduled_for, c.now) for c in h.calls)
    assert fired == sorted(
        [
            ("minutely", "schedule", now, now),
            ("hourly", "schedule", T0 + timedelta(hours=1), now),
            *([("daily", "catch-up", T0 + 30 * MINUTE, now)] if catch_up else []),
        ]
    )
    nexts = {s.name: s.next_run_at for s in await h.store.list_schedules("T1")}
    assert nexts == {
        "minutely": now + MINUTE,
        "hourly": T0 + timedelta(hours=2),
        "daily": T0 + timedelta(days=1, minutes=30),
    }
    assert all(at is not None and at > h.clock.now() for at in nexts.values())
    await assert_once_per_slot(h)


async def test_after_a_forward_jump_slots_fire_on_time_again_and_only_once(start: Start) -> None:
    h = await start()
    await h.add("minutely", CronTrigger("* * * * *", "UTC"))
    await h.add("hourly", CronTrigger("0 * * * *", "UTC"))
    await h.settle()
    await h.advance(30)
    async with unsettled(h) as clock:
        await clock.jump(hours=1)
        await clock.advance(30)  # 13:01: the jump's misfires (see the test above)
    calls = len(h.calls)
    await h.advance(hours=1)  # 14:01
    late = h.calls[calls:]
    assert all(c.now == c.run.scheduled_for for c in late), "fired late after the jump"
    minutely = [c.run.scheduled_for for c in late if c.schedule.name == "minutely"]
    assert minutely == minutes(T0 + 62 * MINUTE, T0 + 121 * MINUTE)
    assert [c.run.scheduled_for for c in late if c.schedule.name == "hourly"] == [
        T0 + timedelta(hours=2)
    ]
    counts = await h.store.count_runs()
    assert counts == {"missed": 55, "skipped": 5, "succeeded": 1 + 60 + 2}
    await assert_once_per_slot(h)


# A run in flight across the step: its lease, heartbeat and timeout are wall-clock
# deadlines, so after the step they all lie in the past, and whichever of the
# engine's delayed sleeps ends first acts on them.


def renewals(h: Harness, monkeypatch: pytest.MonkeyPatch) -> asyncio.Queue[set[int]]:
    """The run ids each lease renewal kept, put once the renewal is written."""
    done: asyncio.Queue[set[int]] = asyncio.Queue()
    renew = h.store.renew_leases

    async def recording(owner: str, run_ids: Any, now: datetime, lease: timedelta) -> set[int]:
        kept = await renew(owner, run_ids, now, lease)
        done.put_nowait(kept)
        return kept

    monkeypatch.setattr(h.store, "renew_leases", recording)
    return done


async def test_a_run_in_flight_across_a_forward_jump_is_renewed_before_its_lease_is_checked(
    start: Start, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What happens when nothing else is due first: the heartbeat's sleep (15 s
    left) ends before the loop's (25 s left, at the lease expiry), so the lease
    is renewed before anyone looks at it. The run is not reclaimed and its
    handler runs once; the slots of the jump follow the misfire rule, the one
    in grace skipped because the run still runs. `duration_ms` is wall-clock
    arithmetic, so the hour is in it."""
    h = await start()
    await h.add("long", CronTrigger("* * * * *", "UTC"), kind="blocking", timeout_s=7200)
    await h.settle()
    await h.clock.advance(60)  # 12:01: leased until 12:01:30, heartbeat due at 12:01:15
    await h.wait_started()
    await h.advance(5)
    renewed = renewals(h, monkeypatch)
    async with unsettled(h) as clock:
        await clock.jump(hours=1)  # 13:01:05
        await clock.advance(10)  # 13:01:15: the heartbeat's sleep ends first
        assert await asyncio.wait_for(renewed.get(), 5) == {h.calls[0].run.id}
        (run,) = await h.runs("long")
        assert (run.status, run.lease_expires_at) == ("running", T0 + timedelta(seconds=3705))
        await clock.advance(15)  # 13:01:30: the loop's sleep ends; the lease is not due
    runs = await h.runs("long")
    assert rows(runs) == (
        [(T0 + MINUTE, "schedule", "running")]
        + [(s, "schedule", "missed") for s in minutes(T0 + 2 * MINUTE, T0 + 56 * MINUTE)]
        + [(s, "schedule", "skipped") for s in minutes(T0 + 57 * MINUTE, T0 + 61 * MINUTE)]
    )
    assert runs[-1].error == "previous run still running"  # 13:01: in grace, but overlapping
    await h.release()
    first = (await h.runs("long"))[0]
    assert (first.status, first.finished_at) == ("succeeded", T0 + timedelta(seconds=3690))
    assert first.duration_ms == 3_630_000  # 35 s of running, measured across the step
    assert [c.run.scheduled_for for c in h.calls] == [T0 + MINUTE]
    assert await h.store.count_runs(trigger="retry") == {}
    await assert_once_per_slot(h)


async def test_documented_a_run_in_flight_across_a_forward_jump_is_not_run_twice(
    start: Start,
) -> None:
    """README: runs are "leased, heartbeated and fenced, so several replicas
    never fire a slot twice and a long job never runs twice".

    Here the loop's sleep ends before the heartbeat's (the minutely `tick` is
    due at 12:01, the heartbeat at 12:01:05), so after the step the loop is
    the first to look at the run's lease, which the wall clock says ran out an
    hour ago, while its own engine still runs the handler and holds the lease.
    Documented: the run is not taken from its live engine, its handler runs
    once and its row ends `succeeded`, with no retry.
    """
    h = await start()
    await h.add("long", OnceTrigger(T0 + timedelta(seconds=50), "UTC"), kind="blocking")
    await h.add("tick", CronTrigger("* * * * *", "UTC"))
    await h.settle()
    await h.clock.advance(50)  # 12:00:50: leased until 12:01:20, heartbeat due at 12:01:05
    await h.wait_started()
    await h.advance(5)  # 12:00:55: the loop sleeps until the 12:01 tick
    async with unsettled(h) as clock:
        await clock.jump(hours=1)  # 13:00:55
        await clock.advance(5)  # 13:01:00: the loop's sleep ends first
    await h.advance(30)  # 13:01:30: past the heartbeat, and past the backoff of a retry
    await h.release()
    assert [c.run.scheduled_for for c in h.calls if c.schedule.name == "long"] == [
        T0 + timedelta(seconds=50)
    ], "the handler ran twice"
    assert rows(await h.runs("long")) == [(T0 + timedelta(seconds=50), "schedule", "succeeded")]


async def test_documented_an_exclusive_schedule_runs_one_handler_at_a_time_across_a_forward_jump(
    start: Start,
) -> None:
    """README: "A schedule whose overlap is `skip` or `queue` never has two runs
    at once". A run-now of a minutely schedule is in flight at 12:00:50 when the
    clock steps an hour; the loop's sleep (to the 12:01 slot) ends before the
    heartbeat's. Documented: the 13:01 slot finds the schedule busy and is
    skipped; only the run-now's handler runs."""
    h = await start()
    schedule = await h.add("long", CronTrigger("* * * * *", "UTC"), kind="blocking")
    await h.settle()
    await h.advance(50)
    await h.store.add_manual_run(schedule, h.clock.now())  # 12:00:50
    await h.wait_started()
    await h.advance(5)
    async with unsettled(h) as clock:
        await clock.jump(hours=1)  # 13:00:55
        await clock.advance(5)  # 13:01:00: the 12:01 slot's sleep ends first
    assert h.blocked == 1, f"{h.blocked} handlers of one exclusive schedule run at once"
    assert [c.run.trigger for c in h.calls] == ["manual"]
    assert (await h.runs("long"))[-1].status == "skipped"  # 13:01


async def test_documented_a_forward_jump_does_not_time_out_a_run_before_its_timeout(
    start: Start, monkeypatch: pytest.MonkeyPatch
) -> None:
    """README "Engine semantics": with `timeout_s`, "the handler is cancelled and
    the run recorded as failed" once it has run that long. Two runs start at
    12:00:01 with timeouts of 60 s and 300 s, and the clock steps an hour at
    12:00:05. The run-timeout timer's sleep (to 12:01:01, the 60 s deadline)
    ends 60 s after the start: the 60 s run times out, rightly. Documented: the
    300 s run, which has run 60 s, keeps running."""
    h = await start()
    at = T0 + timedelta(seconds=1)
    for name, timeout in (("quick", 60), ("slow", 300)):
        await h.add(name, OnceTrigger(at, "UTC"), kind="blocking", timeout_s=timeout)
    await h.settle()
    await h.advance(1)
    await h.advance(4)  # 12:00:05; leased until 12:00:31, heartbeat due at 12:00:16
    assert h.blocked == 2
    renewed = renewals(h, monkeypatch)
    async with unsettled(h) as clock:
        await clock.jump(hours=1)  # 13:00:05
        await clock.advance(11)  # 13:00:16: the heartbeat first, so no lease lapses
        await asyncio.wait_for(renewed.get(), 5)
        await clock.advance(15)  # 13:00:31: the loop's sleep ends
    await h.advance(30)  # 13:01:01: 60 s of running for both
    quick, slow = (await h.runs("quick"))[0], (await h.runs("slow"))[0]
    assert (quick.status, quick.error) == ("failed", "timed out after 60s")
    assert (slow.status, slow.error) == ("running", None), "timed out after 60 s of 300"
    assert h.blocked == 1


# --- the wall clock steps back ten minutes ------------------------------------


async def test_a_backward_jump_fires_nothing_again_and_the_next_slot_on_time(
    start: Start,
) -> None:
    """From 13:05:30 back to 12:55:30: 12:56-13:05 and the hourly 13:00 come
    round again and fire nothing (`next_run_at` is 13:06 and 14:00; the engine
    sleeps on to 13:06); 13:06 then fires at its time."""
    h = await start(T0 + 50 * MINUTE)  # 12:50
    await h.add("minutely", CronTrigger("* * * * *", "UTC"))
    await h.add("hourly", CronTrigger("0 * * * *", "UTC"))
    await h.settle()
    await h.advance(minutes=15, seconds=30)  # 13:05:30: 12:51-13:05 and 13:00 fired
    assert len(h.calls) == 16
    await h.clock.jump(minutes=-10)  # 12:55:30
    await h.settle()
    nexts = {s.name: s.next_run_at for s in await h.store.list_schedules("T1")}
    assert nexts == {"minutely": T0 + 66 * MINUTE, "hourly": T0 + timedelta(hours=2)}
    await h.advance(minutes=10, seconds=29)  # 13:05:59: nothing fired on the way
    assert len(h.calls) == 16
    await h.advance(1)  # 13:06, the next slot: on time
    assert h.calls[-1].run.scheduled_for == h.calls[-1].now == T0 + 66 * MINUTE
    await h.advance(minutes=54)  # 14:00: the hourly's next slot, on time
    assert rows(await h.runs("hourly")) == [
        (T0 + timedelta(hours=1), "schedule", "succeeded"),
        (T0 + timedelta(hours=2), "schedule", "succeeded"),
    ]
    assert rows(await h.runs("minutely")) == [
        (s, "schedule", "succeeded") for s in minutes(T0 + 51 * MINUTE, T0 + 120 * MINUTE)
    ]
    assert all(c.now == c.run.scheduled_for for c in h.calls), "fired late"
    await assert_once_per_slot(h)


async def test_after_a_backward_jump_the_slot_key_refuses_slots_already_run(
    start: Start,
) -> None:
    """A resume right after the jump recomputes `next_run_at` from the stepped-back
    now, i.e. to slots that already ran: the unique (schedule, slot) key turns
    each of them away, so none runs again and the schedule walks on to 12:11."""
    h = await start()
    schedule = await h.add("minutely", CronTrigger("* * * * *", "UTC"))
    await h.settle()
    await h.advance(minutes=10, seconds=30)
    await h.clock.jump(minutes=-10)  # 12:00:30
    paused = await h.store.update_schedule(schedule, {"enabled": False}, h.clock.now())
    resumed = await h.store.update_schedule(paused, {"enabled": True}, h.clock.now())
    assert resumed.next_run_at == T0 + MINUTE  # a slot that already ran
    await h.advance(minutes=10)  # 12:10:30 again
    assert len(h.calls) == 10
    assert (await h.store.get_schedule("T1", "minutely")).next_run_at == T0 + 11 * MINUTE
    await h.advance(minutes=1)  # 12:11:30
    assert rows(await h.runs("minutely")) == [
        (s, "schedule", "succeeded") for s in minutes(T0 + MINUTE, T0 + 11 * MINUTE)
    ]
    assert [c.run.scheduled_for for c in h.calls] == minutes(T0 + MINUTE, T0 + 11 * MINUTE)
    await assert_once_per_slot(h)


async def test_a_run_in_flight_across_a_backward_jump_keeps_its_lease_and_runs_once(
    start: Start,
) -> None:
    """The lease written before the jump now looks ten minutes longer; the
    heartbeat's next renewal is ten minutes further off too, so the lease
    never lapses: the run is not reclaimed, and finishes once."""
    h = await start()
    await h.add("long", CronTrigger("* * * * *", "UTC"), kind="blocking", timeout_s=3600)
    await h.settle()
    await h.clock.advance(60)  # 12:01: the run starts, leased until 12:01:30
    await h.wait_started()
    await h.advance(5)
    await h.clock.jump(minutes=-10)  # 11:51:05
    (run,) = await h.runs("long")
    assert (run.status, run.lease_expires_at) == ("running", T0 + timedelta(minutes=1, seconds=30))
    assert (await h.store.due_times()).leases == run.lease_expires_at
    await h.advance(minutes=10, seconds=15)  # 12:01:20: the heartbeat renewed at 12:01:15
    (run,) = await h.runs("long")
    assert (run.status, run.lease_owner) == ("running", "engine-a")
    assert run.lease_expires_at == T0 + timedelta(minutes=1, seconds=45)
    await h.advance(40)  # 12:02: the next slot finds the run still going
    assert rows(await h.runs("long")) == [
        (T0 + MINUTE, "schedule", "running"),
        (T0 + 2 * MINUTE, "schedule", "skipped"),
    ]
    await h.release()
    runs = await h.runs("long")
    assert rows(runs) == [
        (T0 + MINUTE, "schedule", "succeeded"),
        (T0 + 2 * MINUTE, "schedule", "skipped"),
    ]
    # Durations are wall-clock differences: the ten minutes lived twice are not in it.
    assert runs[0].duration_ms == 60_000
    assert len(h.calls) == 1
    assert await h.store.count_runs(trigger="retry") == {}
    await assert_once_per_slot(h)


async def test_a_run_finishing_right_after_a_backward_jump_records_a_negative_duration(
    start: Start,
) -> None:
    """What happens, noted: the run is recorded once as succeeded, its
    `duration_ms` the wall-clock difference, negative across a step back."""
    h = await start()
    await h.add("long", CronTrigger("* * * * *", "UTC"), kind="blocking")
    await h.settle()
    await h.clock.advance(60)
    await h.wait_started()
    await h.advance(5)
    await h.clock.jump(minutes=-10)  # 11:51:05
    await h.release()
    (run,) = await h.runs("long")
    assert (run.status, run.started_at, run.finished_at) == (
        "succeeded",
        T0 + MINUTE,
        T0 - timedelta(minutes=8, seconds=55),
    )
    assert run.duration_ms == -595_000
    assert len(h.calls) == 1


# --- DST nights in real zones -------------------------------------------------


async def through_the_night(start: Start, expr: str, zone: str, frm: str, until: str) -> Harness:
    """An engine with one cron schedule `job`, the virtual clock driven from `frm` to `until`."""
    h = await start(utc(frm))
    await h.add("job", CronTrigger(expr, zone))
    await h.settle()
    await h.clock.set(utc(until))  # every sleep on the way ends at its instant, and settles
    await h.settle()
    return h


async def assert_fired_on_time(h: Harness, expected: list[str], then: str) -> None:
    """`job` ran at exactly these instants, each once and on time, and waits for `then`."""
    want = [utc(at) for at in expected]
    assert [c.run.scheduled_for for c in h.calls] == want
    assert [c.now for c in h.calls] == want, "fired late on a virtual clock"
    assert rows(await h.runs("job")) == [(at, "schedule", "succeeded") for at in want]
    assert (await h.store.get_schedule("T1", "job")).next_run_at == utc(then)
    await assert_once_per_slot(h)


@pytest.mark.parametrize(
    ("zone", "expr", "frm", "until", "fired", "then"),
    [
        # New York springs forward 2026-03-08 02:00 EST -> 03:00 EDT: 02:30 does
        # not exist that night and runs once, right after the gap, at 03:00 EDT.
        (
            NY,
            "30 2 * * *",
            "2026-03-07T22:00:00-05:00",
            "2026-03-08T06:00:00-04:00",
            ["2026-03-08T03:00:00-04:00"],  # 07:00Z
            "2026-03-09T02:30:00-04:00",
        ),
        # London springs forward 2026-03-29 01:00 GMT -> 02:00 BST: there 01:30
        # is the time that does not exist (it runs at 02:00 BST), and 02:30 is plain.
        (
            LONDON,
            "30 1 * * *",
            "2026-03-28T22:00:00+00:00",
            "2026-03-29T06:00:00+01:00",
            ["2026-03-29T02:00:00+01:00"],  # 01:00Z
            "2026-03-30T01:30:00+01:00",
        ),
        (
            LONDON,
            "30 2 * * *",
            "2026-03-28T22:00:00+00:00",
            "2026-03-29T06:00:00+01:00",
            ["2026-03-29T02:30:00+01:00"],  # 01:30Z
            "2026-03-30T02:30:00+01:00",
        ),
    ],
    ids=["new_york_0230", "london_0130", "london_0230"],
)
async def test_a_daily_job_in_the_spring_forward_gap_runs_once_right_after_it(
    start: Start, zone: str, expr: str, frm: str, until: str, fired: list[str], then: str
) -> None:
    h = await through_the_night(start, expr, zone, frm, until)
    await assert_fired_on_time(h, fired, then)


@pytest.mark.parametrize(
    ("zone", "frm", "until", "fired", "then"),
    [
        # New York falls back 2026-11-01 02:00 EDT -> 01:00 EST: 01:30 comes
        # twice (05:30Z and 06:30Z) and runs once, at the first.
        (
            NY,
            "2026-10-31T22:00:00-04:00",
            "2026-11-01T06:00:00-05:00",
            ["2026-11-01T01:30:00-04:00"],  # 05:30Z
            "2026-11-02T01:30:00-05:00",
        ),
        # London falls back 2026-10-25 02:00 BST -> 01:00 GMT: 01:30 is 00:30Z and 01:30Z.
        (
            LONDON,
            "2026-10-24T22:00:00+01:00",
            "2026-10-25T06:00:00+00:00",
            ["2026-10-25T01:30:00+01:00"],  # 00:30Z
            "2026-10-26T01:30:00+00:00",
        ),
    ],
    ids=["new_york", "london"],
)
async def test_a_daily_job_in_the_repeated_hour_runs_once(
    start: Start, zone: str, frm: str, until: str, fired: list[str], then: str
) -> None:
    h = await through_the_night(start, "30 1 * * *", zone, frm, until)
    await assert_fired_on_time(h, fired, then)


HALF_HOURLY_NIGHTS = [
    # Spring forward: the wall clock skips 02:00-03:00 (New York), 01:00-02:00
    # (London); every wall half hour that exists fires, i.e. every 30 minutes UTC.
    (
        NY,
        "2026-03-08T00:00:00-05:00",
        "2026-03-08T05:00:00-04:00",
        [
            "2026-03-08T05:30:00Z",  # 00:30 EST
            "2026-03-08T06:00:00Z",  # 01:00 EST
            "2026-03-08T06:30:00Z",  # 01:30 EST
            "2026-03-08T07:00:00Z",  # 03:00 EDT
            "2026-03-08T07:30:00Z",  # 03:30 EDT
            "2026-03-08T08:00:00Z",  # 04:00 EDT
            "2026-03-08T08:30:00Z",  # 04:30 EDT
            "2026-03-08T09:00:00Z",  # 05:00 EDT
        ],
    ),
    (
        LONDON,
        "2026-03-29T00:00:00+00:00",
        "2026-03-29T04:00:00+01:00",
        [
            "2026-03-29T00:30:00Z",  # 00:30 GMT
            "2026-03-29T01:00:00Z",  # 02:00 BST
            "2026-03-29T01:30:00Z",  # 02:30 BST
            "2026-03-29T02:00:00Z",  # 03:00 BST
            "2026-03-29T02:30:00Z",  # 03:30 BST
            "2026-03-29T03:00:00Z",  # 04:00 BST
        ],
    ),
    # Fall back: the repeated hour's half hours each fire, once per instant.
    (
        NY,
        "2026-11-01T00:00:00-04:00",
        "2026-11-01T03:00:00-05:00",
        [
            "2026-11-01T04:30:00Z",  # 00:30 EDT
            "2026-11-01T05:00:00Z",  # 01:00 EDT
            "2026-11-01T05:30:00Z",  # 01:30 EDT
            "2026-11-01T06:00:00Z",  # 01:00 EST
            "2026-11-01T06:30:00Z",  # 01:30 EST
            "2026-11-01T07:00:00Z",  # 02:00 EST
            "2026-11-01T07:30:00Z",  # 02:30 EST
            "2026-11-01T08:00:00Z",  # 03:00 EST
        ],
    ),
    (
        LONDON,
        "2026-10-25T00:00:00+01:00",
        "2026-10-25T03:00:00+00:00",
        [
            "2026-10-24T23:30:00Z",  # 00:30 BST
            "2026-10-25T00:00:00Z",  # 01:00 BST
            "2026-10-25T00:30:00Z",  # 01:30 BST
            "2026-10-25T01:00:00Z",  # 01:00 GMT
            "2026-10-25T01:30:00Z",  # 01:30 GMT
            "2026-10-25T02:00:00Z",  # 02:00 GMT
            "2026-10-25T02:30:00Z",  # 02:30 GMT
            "2026-10-25T03:00:00Z",  # 03:00 GMT
        ],
    ),
]


@pytest.mark.parametrize(
    ("zone", "frm", "until", "expected"),
    HALF_HOURLY_NIGHTS,
    ids=["new_york_spring", "london_spring", "new_york_fall", "london_fall"],
)
async def test_every_30_minutes_through_a_dst_night_fires_every_half_hour_utc(
    start: Start, zone: str, frm: str, until: str, expected: list[str]
) -> None:
    h = await through_the_night(start, "*/30 * * * *", zone, frm, until)
    then = (utc(expected[-1]) + timedelta(minutes=30)).isoformat()
    await assert_fired_on_time(h, expected, then)
