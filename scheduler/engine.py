"""The scheduler loop: materialize due slots, lease runs, execute, record.

One loop per process. It sleeps until the earliest due instant (a schedule, a
runnable run, a lease expiry) and wakes early on a local change or, on
Postgres, a NOTIFY from another replica. The safety poll is long; nothing here
polls on a short fixed period.
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
import socket
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from scheduler.clock import Clock, SystemClock, wait_any
from scheduler.errors import PermanentJobError, StoreUnavailable, TransientJobError
from scheduler.jobs import JobRegistry, RunContext, default_registry
from scheduler.observe import Observer, running
from scheduler.planning import backoff_seconds, plan_slots
from scheduler.records import ClaimedRun
from scheduler.store import DueTimes, Store

log = logging.getLogger(__name__)
MAX_ERROR_CHARS = 2000


def default_owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@dataclass
class EngineConfig:
    owner: str = field(default_factory=default_owner)
    lease_s: float = 30.0
    max_concurrency: int = 20
    safety_poll_s: float = 60.0
    materialize_batch: int = 500
    backoff_base_s: float = 10.0
    backoff_cap_s: float = 3600.0
    shutdown_grace_s: float = 30.0

    def __post_init__(self) -> None:
        if self.safety_poll_s < 30:
            raise ValueError("safety_poll_s must be at least 30 seconds")
        if self.max_concurrency < 1:
            raise ValueError("max_concurrency must be at least 1")


class Engine:
    def __init__(
        self,
        store: Store,
        registry: JobRegistry | None = None,
        clock: Clock | None = None,
        config: EngineConfig | None = None,
        rng: random.Random | None = None,
        observer: Observer | None = None,
    ) -> None:
        self.store = store
        self.registry = registry or default_registry()
        self.clock = clock or SystemClock()
        self.config = config or EngineConfig()
        self.rng = rng or random.Random()
        self.observer = observer or Observer()
        self._inflight: dict[int, asyncio.Task[None]] = {}
        self._lost: set[int] = set()
        self._wake = asyncio.Event()
        self._progress = asyncio.Event()  # the loop parked, a run ended, or a wake came
        self._parked = False
        self._renewing = False  # a heartbeat write is in flight (settle() waits for it)
        self._saturated = False  # the last claim filled every free slot: more may wait
        self._waiting: set[int] = set()  # schedules whose queued runs wait for a running one
        self._busy = asyncio.Event()  # set while runs are in flight: the heartbeat's cue
        self._stopping = False
        self._park_deadline: datetime | None = None
        self._task: asyncio.Task[None] | None = None
        store.on_change(self.wake)

    @property
    def lease(self) -> timedelta:
        return timedelta(seconds=self.config.lease_s)

    @property
    def inflight(self) -> int:
        return len(self._inflight)

    @property
    def alive(self) -> bool:
        return self._task is not None and not self._task.done()

    def wake(self) -> None:
        """Re-evaluate now: something changed that may move the next due instant."""
        self._wake.set()
        self._progress.set()

    # -- lifecycle ---------------------------------------------------------

    async def start(self) -> None:
        """Run the loop in a background task (see `stop`)."""
        self._task = asyncio.create_task(self.run(), name="tock-engine")

    async def stop(self) -> None:
        """Stop claiming, let in-flight runs finish within the grace, release the rest."""
        self._stopping = True
        self.wake()
        if self._task is not None:
            await self._task

    async def wait(self) -> None:
        """Return when the loop started by `start` ends (stopped, or died: then raise)."""
        if self._task is not None:
            await asyncio.shield(self._task)

    async def run(self) -> None:
        """The loop and its heartbeat, supervised: if either dies, both stop loudly."""
        unlisten = await self.store.listen(self.wake)
        try:
            async with asyncio.TaskGroup() as group:
                heartbeat = group.create_task(self._heartbeat(), name="tock-heartbeat")
                group.create_task(self._loop(heartbeat), name="tock-loop")
        finally:
            if unlisten is not None:
                await unlisten()

    async def _loop(self, heartbeat: asyncio.Task[None]) -> None:
        failures = 0
        try:
            while not self._stopping:
                try:
                    await self._step()
                    failures = 0
                except StoreUnavailable as exc:
                    failures += 1
                    delay = min(30.0, 0.5 * 2**failures)
                    log.warning(
                        "database error, retrying in %.1fs: %s",
                        delay,
                        exc,
                        extra={"action": "engine.db_error"},
                    )
                    await self._park(self.clock.now() + timedelta(seconds=delay))
        finally:
            await self._shutdown()
            heartbeat.cancel()

    async def _step(self) -> None:
        """One pass: do what is due, then park until the next due instant."""
        now = self.clock.now()
        due = await self.store.due_times()
        wakeup = due.earliest
        if wakeup is not None and wakeup <= now and await self.tick(now, due):
            return
        safety = now + timedelta(seconds=self.config.safety_poll_s)
        deadline = safety if wakeup is None or wakeup <= now else min(wakeup, safety)
        await self._park(deadline)

    async def tick(self, now: datetime | None = None, due: DueTimes | None = None) -> int:
        """Reclaim, materialize and claim what is due; returns how much work was done."""
        now = now or self.clock.now()
        done = 0
        if due is None or (due.leases is not None and due.leases <= now):
            retry_at = now + timedelta(seconds=self.config.backoff_base_s)
            done += await self.store.reclaim_expired(now, retry_at)
        while True:
            capacity = self._capacity()
            materialized, claim = await self.store.advance(
                now,
                plan_slots,
                self.config.owner,
                self.lease,
                capacity,
                self.config.materialize_batch,
            )
            for item in claim.runs:
                self._spawn(item)
            done += materialized + len(claim.runs)
            self._saturated = len(claim.runs) == capacity
            self._waiting = claim.waiting
            if materialized < self.config.materialize_batch:
                return done

    async def _park(self, deadline: datetime) -> None:
        self._park_deadline = deadline
        waker = asyncio.ensure_future(self._wake.wait())
        # No await between here and wait_any arming its timer: whoever sees
        # `_parked` (settle) sees the deadline on a virtual clock too.
        self._parked = True
        self._progress.set()
        try:
            await wait_any(self.clock, deadline, waker)
        finally:
            self._parked = False
            waker.cancel()
            self._wake.clear()
            self._park_deadline = None

    async def settle(self, held: Callable[[], int] = lambda: 0) -> None:
        """Wait until the loop is parked and at most `held()` runs are in flight.

        For tests on a virtual clock: `held` counts handlers the test holds
        on purpose. Returns at once when the loop is not running or stopping.
        """
        while self.alive and not self._stopping:
            deadline = self._park_deadline
            if (
                self._parked
                and not self._renewing
                and not self._wake.is_set()
                and len(self._inflight) <= held()
                and (deadline is None or deadline > self.clock.now())
            ):
                return
            self._progress.clear()
            await self._progress.wait()

    def _capacity(self) -> int:
        return 0 if self._stopping else self.config.max_concurrency - len(self._inflight)

    # -- running one run -----------------------------------------------------

    def _spawn(self, item: ClaimedRun) -> None:
        run_id, schedule_id = item.run.id, item.schedule.id
        task = asyncio.create_task(self._execute(item), name=f"tock-run-{run_id}")
        self._inflight[run_id] = task
        self._busy.set()

        def done(_: asyncio.Task[None]) -> None:
            self._inflight.pop(run_id, None)
            self._lost.discard(run_id)
            if not self._inflight:
                self._busy.clear()
            self._progress.set()
            if self._saturated or schedule_id in self._waiting:
                self.wake()  # capacity freed, or a run queued behind this one may start

        task.add_done_callback(done)

    async def _execute(self, item: ClaimedRun) -> None:
        run, schedule = item.run, item.schedule
        with running(run, schedule):  # every log line of this run carries its id and schedule
            started = self.clock.now()
            self.observer.run_started(run, schedule, (started - run.due_at).total_seconds())
            status, error, output, retry_at = await self._outcome(
                RunContext(run=run, schedule=schedule, now=started, observer=self.observer)
            )
            extra = {"action": f"run.{status}", "run_id": run.id, "schedule": schedule.name}
            log.info("run %s %s", run.id, status, extra=extra | {"attempt": run.attempt})
            if error is not None:
                error = self.observer.scrub(error)
            if await self._record(item, status, error, output, retry_at):
                seconds = (self.clock.now() - started).total_seconds()
                self.observer.run_finished(run, schedule, status, seconds)

    async def _outcome(
        self, ctx: RunContext
    ) -> tuple[str, str | None, str | None, datetime | None]:
        """Run the handler: (status, error, output, retry_at)."""
        run, schedule = ctx.run, ctx.schedule
        try:
            handler = self.registry.get(schedule.action_kind)
            output = await self._with_timeout(handler(ctx), schedule.timeout_s)
        except TimeoutError:
            retry_at = self._retry_at(run.attempt, schedule.max_retries, None)
            return "failed", f"timed out after {schedule.timeout_s}s", None, retry_at
        except PermanentJobError as exc:
            return "failed", _describe(exc), None, None
        except Exception as exc:  # any other handler error is transient by contract
            hint = exc.retry_after if isinstance(exc, TransientJobError) else None
            retry_at = self._retry_at(run.attempt, schedule.max_retries, hint)
            return "failed", _describe(exc), None, retry_at
        return "succeeded", None, output, None

    async def _with_timeout(self, work: Awaitable[str | None], seconds: float) -> str | None:
        """Await `work`, cancelling it at the clock's deadline (virtual time in tests)."""
        job = asyncio.ensure_future(work)
        deadline = self.clock.now() + timedelta(seconds=seconds)
        try:
            finished = await wait_any(self.clock, deadline, job)
        except asyncio.CancelledError:
            job.cancel()  # shutdown or a lost lease: stop the handler too
            raise
        if not finished:
            job.cancel()
            await asyncio.gather(job, return_exceptions=True)
            raise TimeoutError
        return job.result()

    def _retry_at(self, attempt: int, max_retries: int, hint: float | None) -> datetime | None:
        if attempt > max_retries:
            return None
        delay = (
            hint
            if hint is not None
            else backoff_seconds(
                attempt, self.config.backoff_base_s, self.config.backoff_cap_s, self.rng
            )
        )
        return self.clock.now() + timedelta(seconds=delay)

    async def _record(
        self,
        item: ClaimedRun,
        status: str,
        error: str | None,
        output: str | None,
        retry_at: datetime | None,
    ) -> bool:
        """Write the run's outcome; True if it was ours to write and was written."""
        if item.run.id in self._lost:
            return False  # another worker owns it now; writing would be a second outcome
        for attempt in range(3):
            try:
                ours = await self.store.finish_run(
                    item.run,
                    self.config.owner,
                    self.clock.now(),
                    status,
                    error=error,
                    output=output,
                    retry_at=retry_at,
                )
                if not ours:
                    log.warning(
                        "lease lost before finishing run %s",
                        item.run.id,
                        extra={"action": "run.lease_lost", "run_id": item.run.id},
                    )
                return ours
            except StoreUnavailable as exc:
                log.warning("could not record run %s (try %d): %s", item.run.id, attempt + 1, exc)
                await asyncio.sleep(0.5 * (attempt + 1))
        # Unrecorded: the lease expires and another pass reclaims and retries the run.
        return False

    # -- heartbeat and shutdown ----------------------------------------------

    async def _heartbeat(self) -> None:
        """Renew our leases at half their length; cancel runs whose lease we lost."""
        while True:
            await self._busy.wait()  # idle engines have no leases and make no wake-ups
            await self.clock.sleep_until(self.clock.now() + self.lease / 2)
            ids = list(self._inflight)
            if not ids:
                continue
            self._renewing = True
            try:
                kept = await self.store.renew_leases(
                    self.config.owner, ids, self.clock.now(), self.lease
                )
            except StoreUnavailable as exc:
                log.warning("lease renewal failed: %s", exc, extra={"action": "engine.heartbeat"})
                continue
            finally:
                self._renewing = False
                self._progress.set()
            for run_id in set(ids) - kept:
                if (task := self._inflight.get(run_id)) is not None:
                    self._lost.add(run_id)
                    task.cancel()

    async def _shutdown(self) -> None:
        if not self._inflight:
            return
        tasks = list(self._inflight.values())
        deadline = self.clock.now() + timedelta(seconds=self.config.shutdown_grace_s)
        everything = asyncio.ensure_future(asyncio.wait(tasks))
        try:
            await wait_any(self.clock, deadline, everything)
        finally:
            everything.cancel()
        left = [run_id for run_id, task in self._inflight.items() if not task.done()]
        for run_id in left:
            self._lost.add(run_id)
            self._inflight[run_id].cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        released = await self.store.release_runs(self.config.owner, left, self.clock.now())
        if released:
            log.info("released %d unfinished runs", released, extra={"action": "engine.release"})


def _describe(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    if not isinstance(exc, PermanentJobError | TransientJobError):
        text = f"{type(exc).__name__}: {text}"
    return text[:MAX_ERROR_CHARS]
