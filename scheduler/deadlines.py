"""Run timeouts on the engine's clock, with one timer for every run.

Why: a timer task and a handler task per run (`wait_any`) were a tenth of
the engine's cost per run in a burst. Here the handler runs in its run's own
task, and one supervised task (`run`) sleeps until the earliest deadline.

`within(seconds)` works like `asyncio.timeout` on the given clock (virtual in
tests): when the deadline passes inside the block, the task is cancelled and
the block raises TimeoutError instead of CancelledError; a cancellation from
anywhere else (shutdown, a lost lease) passes through as it is. A block whose
deadline passed raises TimeoutError on the way out even if its code swallowed
the cancellation. Finished blocks are dropped from the heap lazily, in bulk.

Deadlines are kept on the clock's monotonic time: a wall-clock step forward
(NTP, a resumed VM) must not time out every run at once.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta

from scheduler.clock import Clock, wait_any


@dataclass(eq=False)
class _Block:
    task: asyncio.Task[object]
    expired: bool = False
    done: bool = False


class Deadlines:
    """Cancels the tasks whose `within` block outlived its deadline."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._heap: list[tuple[float, int, _Block]] = []  # monotonic deadline first
        self._seq = itertools.count()
        self._finished = 0  # blocks done but still in the heap
        self._rearm = asyncio.Event()

    @asynccontextmanager
    async def within(self, seconds: float) -> AsyncIterator[None]:
        task = asyncio.current_task()
        assert task is not None
        block = _Block(task)
        deadline = self._clock.monotonic() + seconds
        if not self._heap or deadline < self._heap[0][0]:
            self._rearm.set()  # earlier than what the timer waits for
        heapq.heappush(self._heap, (deadline, next(self._seq), block))
        cancelling = task.cancelling()
        try:
            yield
        except asyncio.CancelledError:
            if block.expired and task.uncancel() <= cancelling:
                raise TimeoutError from None
            raise
        finally:
            block.done = True
            if not block.expired:  # an expired block has left the heap already
                self._finished += 1
            if self._finished > 64 and self._finished * 2 > len(self._heap):
                self._compact()
        if block.expired:  # the block swallowed our cancellation: still a timeout
            task.uncancel()
            raise TimeoutError

    async def run(self) -> None:
        """Cancel expired blocks for as long as the engine runs (a supervised task)."""
        while True:
            self._rearm.clear()
            deadline = None
            if self._heap:  # the earliest deadline, as an instant on the wall clock now
                left = self._heap[0][0] - self._clock.monotonic()
                deadline = self._clock.now() + timedelta(seconds=max(0.0, left))
            rearm = asyncio.ensure_future(self._rearm.wait())
            try:
                await wait_any(self._clock, deadline, rearm)
            finally:
                rearm.cancel()
            self._expire(self._clock.monotonic())

    def _expire(self, now: float) -> None:
        while self._heap and self._heap[0][0] <= now:
            _, _, block = heapq.heappop(self._heap)
            if block.done:
                self._finished -= 1
            else:
                block.expired = True
                block.task.cancel()

    def _compact(self) -> None:
        self._heap = [entry for entry in self._heap if not entry[2].done]
        heapq.heapify(self._heap)
        self._finished = 0
