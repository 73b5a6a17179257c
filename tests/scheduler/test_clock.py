"""The virtual clock and `wait_any`, the one "this or a deadline" wait."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from scheduler.clock import VirtualClock, short_of, wait_any

T0 = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)


async def test_a_sleeper_registers_its_deadline_when_asked_not_when_awaited() -> None:
    clock = VirtualClock(T0)
    sleeper = clock.sleep_until(T0 + timedelta(seconds=5))
    assert clock.next_deadline == T0 + timedelta(seconds=5)
    await clock.advance(5)
    assert sleeper.done()


async def test_a_passed_deadline_is_done_after_one_turn() -> None:
    clock = VirtualClock(T0)
    sleeper = clock.sleep_until(T0)
    assert not sleeper.done() and clock.next_deadline is None
    await sleeper


async def test_wait_any_returns_true_when_a_future_wins_and_drops_its_timer() -> None:
    clock = VirtualClock(T0)
    event = asyncio.Event()
    setter = asyncio.ensure_future(event.wait())
    waiting = asyncio.ensure_future(wait_any(clock, T0 + timedelta(minutes=1), setter))
    await asyncio.sleep(0)
    assert clock.next_deadline == T0 + timedelta(minutes=1)
    event.set()
    assert await waiting is True
    assert clock.next_deadline is None


async def test_wait_any_returns_false_at_the_deadline_and_leaves_the_futures_alone() -> None:
    clock = VirtualClock(T0)
    never = asyncio.get_running_loop().create_future()
    waiting = asyncio.ensure_future(wait_any(clock, T0 + timedelta(seconds=30), never))
    await clock.advance(29)
    assert not waiting.done()
    await clock.advance(1)
    assert await waiting is False
    assert not never.cancelled()  # the caller's to cancel
    never.cancel()


async def test_wait_any_arms_its_timer_before_it_first_yields() -> None:
    clock = VirtualClock(T0)
    never = asyncio.get_running_loop().create_future()
    waiting = wait_any(clock, T0 + timedelta(seconds=9), never).__await__()
    next(waiting)  # run up to the first suspension, nothing more
    assert clock.next_deadline == T0 + timedelta(seconds=9)
    waiting.close()  # the timer is cancelled on the way out
    assert clock.next_deadline is None
    never.cancel()


async def test_wait_any_without_a_deadline_waits_only_for_the_futures() -> None:
    clock = VirtualClock(T0)
    first = asyncio.get_running_loop().create_future()
    second = asyncio.get_running_loop().create_future()
    waiting = asyncio.ensure_future(wait_any(clock, None, first, second))
    await clock.advance(days=365)
    assert not waiting.done() and clock.next_deadline is None
    second.set_result(None)
    assert await waiting is True
    first.cancel()


async def test_cancelling_the_waiter_cancels_the_timer_only() -> None:
    clock = VirtualClock(T0)
    never = asyncio.get_running_loop().create_future()
    waiting = asyncio.ensure_future(wait_any(clock, T0 + timedelta(seconds=9), never))
    await asyncio.sleep(0)
    waiting.cancel()
    await asyncio.gather(waiting, return_exceptions=True)
    assert clock.next_deadline is None and not never.cancelled()
    never.cancel()


@pytest.mark.parametrize(
    ("delay", "sleep"),
    [
        (0.0, 0.0),
        (0.5, 0.5),  # short waits are precise already: all at once
        (1.0, 1.0),
        (10.0, 9.98),  # long ones stop short of the 0.1% Linux may add...
        (60.0, 59.88),
        (0.12, 0.12),  # ...and sleep the rest in one short, precise wait
    ],
)
def test_system_sleeps_stop_short_of_the_timer_slack(delay: float, sleep: float) -> None:
    assert short_of(delay) == pytest.approx(sleep)


@pytest.mark.parametrize("delay", [1.5, 30.0, 3600.0])
def test_a_long_sleep_ends_early_even_when_its_timer_is_late(delay: float) -> None:
    assert short_of(delay) * 1.001 < delay
