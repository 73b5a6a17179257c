"""Run timeouts on one timer (`scheduler.deadlines`), on a virtual clock."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import pytest

from scheduler.clock import VirtualClock
from scheduler.deadlines import Deadlines


@pytest.fixture
async def deadlines(clock: VirtualClock) -> AsyncIterator[Deadlines]:
    watch = Deadlines(clock)
    timer = asyncio.create_task(watch.run())
    yield watch
    timer.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await timer


async def parked(watch: Deadlines, seconds: float, swallow: bool = False) -> str:
    """Wait inside `within(seconds)` until cancelled; say how it ended."""
    try:
        async with watch.within(seconds):
            try:
                await asyncio.Event().wait()
            except asyncio.CancelledError:
                if not swallow:
                    raise
            return "swallowed"
    except TimeoutError:
        return "timed out"


async def test_each_block_times_out_at_its_own_deadline(
    clock: VirtualClock, deadlines: Deadlines
) -> None:
    late, soon = (asyncio.create_task(parked(deadlines, s)) for s in (30, 10))
    await clock.advance(0)
    await clock.advance(10)
    assert soon.done() and not late.done()
    assert soon.result() == "timed out"
    await clock.advance(20)
    assert late.result() == "timed out"


async def test_a_block_done_in_time_is_left_alone(
    clock: VirtualClock, deadlines: Deadlines
) -> None:
    async with deadlines.within(5):
        await clock.advance(4)
    await clock.advance(10)  # its deadline passes after it ended: nothing is cancelled
    assert not asyncio.current_task().cancelling()  # type: ignore[union-attr]


async def test_a_cancellation_from_elsewhere_passes_through(
    clock: VirtualClock, deadlines: Deadlines
) -> None:
    task = asyncio.create_task(parked(deadlines, 60))
    await clock.advance(1)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


async def test_a_swallowed_timeout_still_times_out(
    clock: VirtualClock, deadlines: Deadlines
) -> None:
    task = asyncio.create_task(parked(deadlines, 10, swallow=True))
    await clock.advance(0)
    await clock.advance(10)
    assert await task == "timed out"


async def test_finished_blocks_do_not_pile_up(clock: VirtualClock, deadlines: Deadlines) -> None:
    for _ in range(1000):
        async with deadlines.within(300):
            pass
    assert len(deadlines._heap) < 200
