"""Writing run outcomes in batches: many finishes in one transaction (group commit).

Why: one transaction per finished run was most of the engine's time in a
burst (begin, fence, update, commit: round trips and statement compiles per
run). The rules:

- The engine `submit`s an outcome and its run's task awaits the answer, so
  the run keeps its lease (and heartbeat) until the outcome is written. Its
  concurrency slot is free once its handler ended: the engine counts
  handlers, and claims nothing while two batches' worth of outcomes wait.
- One write at a time, up to `batch` outcomes in it: whatever is submitted
  while a write is in flight goes in the next. No timer: a lone outcome is
  written at once, and under load a batch is what piled up during the
  previous write. An outcome is therefore visible at most two writes after
  its handler ended (milliseconds), a retry row too.
- Fencing is the store's (`Store.finish_runs`): an outcome whose lease was
  lost writes nothing, and its waiter gets False. An outcome whose waiter
  was cancelled meanwhile is dropped.
- A failing database (`StoreUnavailable`): the whole batch is tried again
  after 0.5 s, doubling up to 5 s, on the engine's clock, until `give_up_s`
  (the lease length) has passed since its first failure. Then its waiters get
  None, nothing written: their leases have run out, so a later pass reclaims
  the runs and retries them, as for a worker that died. Trying again never
  doubles an outcome: a batch whose commit happened but whose answer was lost
  finds its runs no longer running, writes nothing (no second retry row
  either), and its waiters still learn that it was recorded.
- Any other error from the store fails that batch's waiters with it.
- `drain` returns once everything submitted has its answer (shutdown).
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from scheduler.clock import Clock
from scheduler.errors import StoreUnavailable
from scheduler.records import Outcome

if TYPE_CHECKING:
    from scheduler.store import Store

log = logging.getLogger(__name__)
FIRST_RETRY_S = 0.5
MAX_RETRY_S = 5.0

# True: written. False: the lease was lost, nothing written. None: the
# database stayed unavailable past `give_up_s`, nothing written.
Written = bool | None


class OutcomeWriter:
    """Queues outcomes and writes them in batches, under one owner's leases."""

    def __init__(
        self,
        store: Store,
        owner: str,
        clock: Clock,
        *,
        batch: int = 500,
        give_up_s: float = 30.0,
        lock: asyncio.Lock | None = None,
        on_progress: Callable[[], None] = lambda: None,
    ) -> None:
        self._store = store
        self._owner = owner
        self._clock = clock
        self._batch = batch
        self._give_up = timedelta(seconds=give_up_s)
        self._lock = lock or asyncio.Lock()  # shared with whatever else writes our leases
        self._on_progress = on_progress
        self._queue: deque[tuple[Outcome, asyncio.Future[Written]]] = deque()
        self._unanswered: set[int] = set()  # run ids submitted and not yet answered
        self._ready = asyncio.Event()
        self._empty = asyncio.Event()
        self._empty.set()
        self.retry_deadline: datetime | None = None  # set while waiting to try a batch again

    @property
    def pending(self) -> int:
        """Outcomes submitted and not yet answered."""
        return len(self._unanswered)

    @property
    def busy(self) -> bool:
        """Work to do now: outcomes wait, and not only for a retry deadline."""
        return bool(self._unanswered) and self.retry_deadline is None

    def submit(self, outcome: Outcome) -> asyncio.Future[Written]:
        """Queue `outcome`; the future says whether it was written (see `Written`)."""
        future: asyncio.Future[Written] = asyncio.get_running_loop().create_future()
        self._queue.append((outcome, future))
        self._unanswered.add(outcome.run.id)
        self._empty.clear()
        self._ready.set()
        return future

    async def drain(self) -> None:
        """Return once every submitted outcome has its answer."""
        await self._empty.wait()

    async def run(self) -> None:
        """Write batches for as long as the engine runs (a supervised task)."""
        while True:
            await self._ready.wait()
            self._ready.clear()
            while self._queue:
                batch = [self._queue.popleft() for _ in range(min(self._batch, len(self._queue)))]
                await self._write(batch)
            self._on_progress()

    async def _write(self, batch: list[tuple[Outcome, asyncio.Future[Written]]]) -> None:
        live = [(outcome, future) for outcome, future in batch if not future.done()]
        try:
            if live:
                written = await self._write_with_retries([outcome for outcome, _ in live])
                for outcome, future in live:
                    if not future.done():
                        future.set_result(None if written is None else outcome.run.id in written)
        except Exception as exc:  # not the database failing: the runs' tasks see it
            for _, future in live:
                if not future.done():
                    future.set_exception(exc)
        finally:
            self._unanswered.difference_update(outcome.run.id for outcome, _ in batch)
            if not self._unanswered:
                self._empty.set()

    async def _write_with_retries(self, outcomes: list[Outcome]) -> set[int] | None:
        """The ids written; None when the database stayed unavailable too long."""
        first_failure: datetime | None = None
        delay = FIRST_RETRY_S
        while True:
            try:
                async with self._lock:
                    return await self._store.finish_runs(self._owner, outcomes)
            except StoreUnavailable as exc:
                now = self._clock.now()
                first_failure = first_failure or now
                if now - first_failure >= self._give_up:
                    log.error(
                        "gave up recording %d run outcomes: %s",
                        len(outcomes),
                        exc,
                        extra={"action": "run.unrecorded"},
                    )
                    return None
                log.warning(
                    "could not record %d run outcomes, again in %.1fs: %s",
                    len(outcomes),
                    delay,
                    exc,
                    extra={"action": "engine.db_error"},
                )
                await self._wait(now + timedelta(seconds=delay))
                delay = min(delay * 2, MAX_RETRY_S)

    async def _wait(self, deadline: datetime) -> None:
        self.retry_deadline = deadline
        self._on_progress()  # a settling test may now advance the clock
        try:
            await self._clock.sleep_until(deadline)
        finally:
            self.retry_deadline = None
