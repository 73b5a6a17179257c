"""Clocks: the only place that reads the time.

`SystemClock` is the real one. `VirtualClock` moves only when a test advances
it, so engine tests are deterministic and never sleep for real. `wait_any` is
the one way to wait for something or for a deadline on a clock.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware UTC."""
        ...

    def monotonic(self) -> float:
        """Seconds that really passed, from any origin: a wall-clock step
        (NTP, an operator) does not move it. For measuring durations."""
        ...

    def sleep_until(self, deadline: datetime) -> Awaitable[None]:
        """Something to await that ends at or after `deadline` (cancel it to stop early)."""
        ...


SHORT_BY = 0.002  # of a long wait: twice the 0.1% timer slack Linux may add to it


def short_of(delay: float) -> float:
    """How long to sleep towards a deadline ``delay`` seconds away.

    Linux lets an epoll timeout (the event loop's timer) end up to 0.1% of it
    late, 50 ms in a 50 s park: a minute's runs would start that late. So a
    long wait stops short by twice that and the caller sleeps the rest, whose
    slack is then a few microseconds.
    """
    return delay - delay * SHORT_BY if delay > 1.0 else delay


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)

    async def sleep_until(self, deadline: datetime) -> None:
        # Re-check after waking: the event loop's timer may fire a little early.
        while (delay := (deadline - self.now()).total_seconds()) > 0:  # noqa: ASYNC110
            await asyncio.sleep(short_of(delay))

    def monotonic(self) -> float:
        return time.monotonic()


class VirtualClock:
    """A clock that only moves when `advance`/`set` (time passes) or `jump`
    (the wall clock is stepped) is called."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
        self._start = self._now
        self._stepped = timedelta(0)  # wall-clock steps: not time that passed
        self._sleepers: list[tuple[datetime, int, asyncio.Future[None]]] = []
        self._seq = itertools.count()
        # Awaited after each sleeper wakes, before time moves on, so work due at
        # one instant finishes before the next (tests set it to engine.settle).
        self.on_wake: Callable[[], Awaitable[None]] | None = None

    def now(self) -> datetime:
        return self._now

    def monotonic(self) -> float:
        return (self._now - self._start - self._stepped).total_seconds()

    async def jump(self, **delta: float) -> datetime:
        """Step the wall clock by `delta` (forward or back) without time passing.

        As under a real event loop, whose timers run on a monotonic clock:
        a step forward delays every pending sleep by the step (each ends
        after the time it had left); a step back leaves their wall-clock
        deadlines (each sleeps until its deadline comes round again).
        Nothing wakes at the step itself.
        """
        step = timedelta(**delta)
        if step > timedelta(0):  # a uniform shift keeps the heap a heap
            self._sleepers = [(when + step, seq, fut) for when, seq, fut in self._sleepers]
        self._now += step
        self._stepped += step
        await _yield_to_loop()
        return self._now

    def sleep_until(self, deadline: datetime) -> asyncio.Future[None]:
        """A future done at `deadline`, registered at once (not when first awaited).

        So a deadline is in `next_deadline` the moment a task asks for it: a
        test that sees a task parked sees its deadline too. A deadline already
        passed is done after one turn of the loop.
        """
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        if deadline <= self._now:
            future.get_loop().call_soon(_resolve, future)
        else:
            heapq.heappush(self._sleepers, (deadline, next(self._seq), future))
        return future

    async def advance(self, seconds: float = 0, **delta: float) -> datetime:
        """Move time forward, waking every sleeper whose deadline passed."""
        return await self.set(self._now + timedelta(seconds=seconds, **delta))

    async def set(self, instant: datetime) -> datetime:
        """Jump to `instant`, waking sleepers in deadline order along the way."""
        while self._sleepers and self._sleepers[0][0] <= instant:
            self._now = max(self._now, self._sleepers[0][0])
            if self._wake_due():
                await _yield_to_loop()
                if self.on_wake is not None:
                    await self.on_wake()
        self._now = max(self._now, instant)
        await _yield_to_loop()
        if self.on_wake is not None:
            await self.on_wake()
        return self._now

    def _wake_due(self) -> bool:
        """Wake every sleeper due by now; True if any was still waiting."""
        woke = False
        while self._sleepers and self._sleepers[0][0] <= self._now:
            _, _, future = heapq.heappop(self._sleepers)
            woke = _resolve(future) or woke  # cancelled sleepers are just dropped
        return woke

    @property
    def next_deadline(self) -> datetime | None:
        live = [d for d, _, f in self._sleepers if not f.done()]
        return min(live, default=None)


async def wait_any(clock: Clock, deadline: datetime | None, *futures: asyncio.Future[Any]) -> bool:
    """Wait until one of `futures` is done or `clock` reaches `deadline` (None: no deadline).

    Returns True if a future is done, False if the deadline came first. The
    futures stay the caller's: they are neither cancelled nor awaited here.
    The timer is this helper's: armed before the first await (so a
    VirtualClock knows the deadline as soon as the call is made) and
    cancelled on the way out, also when the waiting task is cancelled.
    """
    timer = None if deadline is None else asyncio.ensure_future(clock.sleep_until(deadline))
    waiting = set(futures) if timer is None else {*futures, timer}
    try:
        await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
    finally:
        if timer is not None:
            timer.cancel()
    return any(future.done() for future in futures)


def _resolve(future: asyncio.Future[None]) -> bool:
    """Wake a sleeper unless it was cancelled meanwhile; True if it was still waiting."""
    if future.done():
        return False
    future.set_result(None)
    return True


async def _yield_to_loop(rounds: int = 5) -> None:
    """Let woken tasks run a few steps before time moves again."""
    for _ in range(rounds):
        await asyncio.sleep(0)
