"""The scheduler loop: materialize due slots, lease runs, execute, record.

One loop per process. It sleeps until the earliest due instant (a schedule, a
runnable run, a lease expiry) and wakes early on a local change or, on
Postgres, a NOTIFY from another replica. The safety poll is long; nothing here
polls on a short fixed period.

Work goes in batches: one transaction materializes up to `materialize_batch`
due schedules and claims as many runnable runs as there are free slots
(`max_concurrency`); outcomes are written many to a transaction by an
`OutcomeWriter` (see `scheduler.outcomes` for when they become visible).
Supervised tasks: the loop, the heartbeat, the run timeouts
(`scheduler.deadlines`), the outcome writer and, on Postgres, the owner
watch; if one dies, all stop loudly.

The owner watch finds replicas that died holding runs. Each engine holds a
presence lock for its owner id (see `scheduler.store.dialect`); while runs
are running anywhere, the watch asks every `owner_check_s` which listed
owners' locks are free, and takes over the runs of an owner found free for
`owner_grace_s` (so one that is only reconnecting, e.g. after Postgres
restarted, keeps its runs). A SIGKILLed replica's runs start again within a
few seconds instead of after their lease.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import os
import random
import socket
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from scheduler.clock import Clock, SystemClock, wait_any
from scheduler.deadlines import Deadlines
from scheduler.errors import NotOurs, PermanentJobError, StoreUnavailable, TransientJobError
from scheduler.jobs import JobRegistry, RunContext, default_registry
from scheduler.observe import Observer, running
from scheduler.outcomes import OutcomeWriter
from scheduler.planning import backoff_seconds, plan_slots
from scheduler.records import ClaimedRun, Outcome, RunStatus
from scheduler.store import DueTimes, Store

log = logging.getLogger(__name__)
MAX_ERROR_CHARS = 2000
CONTENDED_S = 1.0  # how soon to look again when what is due is locked by another replica


def default_owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@dataclass
class EngineConfig:
    """How one engine works.

    `max_concurrency` bounds the handlers in flight (and so one claim). It is
    high because handlers mostly wait: on Slack's rate limits, on HTTP, on an
    LLM. A run waiting in a channel's queue holds its slot, so a small bound
    lets one busy channel stall every other; 500 waiting tasks cost a few MB.
    Lower it for handlers that burn CPU. `finish_batch` bounds the outcomes
    written in one transaction.
    """

    owner: str = field(default_factory=default_owner)
    lease_s: float = 30.0
    max_concurrency: int = 500
    safety_poll_s: float = 60.0
    materialize_batch: int = 500
    finish_batch: int = 500
    backoff_base_s: float = 10.0
    backoff_cap_s: float = 3600.0
    shutdown_grace_s: float = 30.0
    owner_check_s: float = 1.0
    owner_grace_s: float = 2.0

    def __post_init__(self) -> None:
        if self.safety_poll_s < 30:
            raise ValueError("safety_poll_s must be at least 30 seconds")
        if self.max_concurrency < 1:
            raise ValueError("max_concurrency must be at least 1")
        if self.materialize_batch < 1 or self.finish_batch < 1:
            raise ValueError("batch sizes must be at least 1")
        if self.owner_check_s <= 0 or self.owner_grace_s < 0:
            raise ValueError("owner_check_s must be positive and owner_grace_s not negative")


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
        self._recording: set[int] = set()  # runs done with their handler, outcome submitted
        self._wake = asyncio.Event()
        self._progress = asyncio.Event()  # the loop parked, a run ended, or a wake came
        self._parked = False
        self._renewing = False  # a heartbeat write is in flight (settle() waits for it)
        self._saturated = False  # the last claim filled every free slot: more may wait
        self._waiting: set[int] = set()  # schedules whose queued runs wait for a running one
        self._busy = asyncio.Event()  # set while runs are in flight: the heartbeat's cue
        self._leased = asyncio.Event()  # set while runs are running anywhere: the watch's cue
        self._free_since: dict[str, datetime] = {}  # owners seen without their lock
        self._presence_news = asyncio.Event()  # set by `wake`: presence may have changed
        self._checked_epoch: int | None = None  # the presence our leases were checked under
        self._epoch_check = asyncio.Lock()
        self._stopping = False
        self._park_deadline: datetime | None = None
        self._due: DueTimes | None = None  # as of the last pass's transaction
        self._stale = True  # something changed since `_due` was read
        self._task: asyncio.Task[None] | None = None
        self._lease_writes = asyncio.Lock()  # renewals and finishes: one at a time (no deadlock)
        self._writer = OutcomeWriter(
            store,
            self.config.owner,
            self.clock,
            batch=self.config.finish_batch,
            give_up_s=self.config.lease_s,
            lock=self._lease_writes,
            on_progress=self._progress.set,
        )
        self._writing: asyncio.Task[None] | None = None
        self._deadlines = Deadlines(self.clock)  # every run's timeout, on one timer
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
        self._presence_news.set()
        self._stale = True
        self._wake.set()
        self._progress.set()

    def _nudge(self) -> None:
        """Claim again now: slots freed up, but the due times we hold still hold."""
        self._wake.set()
        self._progress.set()

    # -- lifecycle ---------------------------------------------------------

    async def start(self) -> None:
        """Run the loop in a background task (see `stop`)."""
        self._task = asyncio.create_task(self.run(), name="tock-engine")

    async def stop(self) -> None:
        """Stop claiming, let in-flight runs finish within the grace, hand back the rest."""
        self._stopping = True
        self.wake()
        if self._task is not None:
            await self._task

    async def wait(self) -> None:
        """Return when the loop started by `start` ends (stopped, or died: then raise)."""
        if self._task is not None:
            await asyncio.shield(self._task)

    async def run(self) -> None:
        """The loop and its side tasks (heartbeat, run timeouts, outcome writer),
        supervised: if one dies, all stop loudly."""
        unlisten = await self.store.listen(self.wake, presence=self.config.owner)
        self._checked_epoch = self.store.presence_epoch(self.config.owner)
        try:
            async with asyncio.TaskGroup() as group:
                side = [
                    group.create_task(self._heartbeat(), name="tock-heartbeat"),
                    group.create_task(self._deadlines.run(), name="tock-deadlines"),
                ]
                if unlisten is not None:  # presence: Postgres
                    side.append(group.create_task(self._watch_owners(), name="tock-owners"))
                self._writing = group.create_task(self._writer.run(), name="tock-outcomes")
                group.create_task(self._loop([*side, self._writing]), name="tock-loop")
        finally:
            if unlisten is not None:
                await unlisten()

    async def _loop(self, side: list[asyncio.Task[None]]) -> None:
        """Steps until stopped; then shutdown, then the side tasks stop."""
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
                    await self._park(self.clock.now() + timedelta(seconds=delay), refresh=True)
        finally:
            try:
                await self._shutdown()
            finally:
                for task in side:
                    task.cancel()

    async def _step(self) -> None:
        """One pass: do what is due, then park until the next due instant.

        The due times come from the last pass's own transaction unless
        something changed since (`wake`) or the safety poll ran out: then we
        look again. Reaching a due instant needs no look (the pass does what is
        due by now, and reads the due times afresh); freed capacity alone
        (`_nudge`) does not move them either, so a saturated engine claims
        again at once.
        """
        now = self.clock.now()
        due = self._due
        if due is None or self._stale:
            self._stale = False
            due = self._due = await self.store.due_times()
        self._note_leases(due)
        wakeup = due.earliest
        if wakeup is not None and wakeup <= now and await self.tick(now, due):
            return
        safety = now + timedelta(seconds=self.config.safety_poll_s)
        if wakeup is not None and wakeup <= now and self.store.is_postgres and self._capacity():
            # Due, yet nothing to take: another replica holds those rows in its
            # transaction (SKIP LOCKED). Its commit sends no NOTIFY unless it is
            # saturated, so look again soon rather than at the safety poll.
            await self._park(now + timedelta(seconds=CONTENDED_S), refresh=True)
        elif wakeup is None or wakeup <= now or wakeup >= safety:
            await self._park(safety, refresh=True)
        else:
            await self._park(wakeup, refresh=False)

    async def tick(self, now: datetime | None = None, due: DueTimes | None = None) -> int:
        """Reclaim, materialize and claim what is due; returns how much work was done."""
        now = now or self.clock.now()
        done = 0
        if due is None or (due.leases is not None and due.leases <= now):
            # Ours first: after the wall clock stepped forward our own live
            # runs' leases look expired too, and must not be reclaimed.
            await self._renew()
            retry_at = now + timedelta(seconds=self.config.backoff_base_s)
            done += await self.store.reclaim_expired(now, retry_at)
        while True:
            capacity = self._capacity()
            self._stale = False  # a change from here on outdates the due times read below
            step = await self.store.advance(
                now,
                plan_slots,
                self.config.owner,
                self.lease,
                capacity,
                self.config.materialize_batch,
            )
            for item in step.claim.runs:
                self._spawn(item)
            done += step.materialized + len(step.claim.runs)
            self._saturated = len(step.claim.runs) == capacity
            self._waiting = step.claim.waiting
            self._due = step.due
            self._note_leases(step.due)
            if step.materialized < self.config.materialize_batch:
                return done
            # One turn of the event loop: handlers that finish at once free their
            # slots before the next claim (which otherwise finds none in a burst).
            await asyncio.sleep(0)

    async def _park(self, deadline: datetime, *, refresh: bool) -> None:
        """Wait for `deadline` or a wake; `refresh`: re-read the due times if the deadline came."""
        self._park_deadline = deadline
        waker = asyncio.ensure_future(self._wake.wait())
        # No await between here and wait_any arming its timer: whoever sees
        # `_parked` (settle) sees the deadline on a virtual clock too.
        self._parked = True
        self._progress.set()
        try:
            if not await wait_any(self.clock, deadline, waker) and refresh:
                self._stale = True
        finally:
            self._parked = False
            waker.cancel()
            self._wake.clear()
            self._park_deadline = None

    async def settle(self, held: Callable[[], int] = lambda: 0) -> None:
        """Wait until the loop is parked and at most `held()` runs are in flight.

        For tests on a virtual clock: `held` counts handlers the test holds
        on purpose. Returns at once when the loop is not running or stopping.
        Outcomes are written by then, unless the writer waits to try again
        after a database error: then the runs waiting for it count as settled.
        """
        while self.alive and not self._stopping:
            deadline = self._park_deadline
            retry = self._writer.retry_deadline
            waiting = self._writer.pending if retry is not None else 0
            if (
                self._parked
                and not self._renewing
                and not self._wake.is_set()
                and not self._writer.busy
                and len(self._inflight) - waiting <= held()
                and (deadline is None or deadline > self.clock.now())
                and (retry is None or retry > self.clock.now())
            ):
                return
            self._progress.clear()
            await self._progress.wait()

    def _capacity(self) -> int:
        """Free handler slots. A run whose handler is done frees its slot while
        its outcome waits for the writer, unless too many wait already."""
        if self._stopping or self._writer.pending >= 2 * self.config.finish_batch:
            return 0
        return self.config.max_concurrency - (len(self._inflight) - len(self._recording))

    # -- running one run -----------------------------------------------------

    def _spawn(self, item: ClaimedRun) -> None:
        run_id, schedule_id = item.run.id, item.schedule.id
        task = asyncio.create_task(self._execute(item), name=f"tock-run-{run_id}")
        self._inflight[run_id] = task
        self._busy.set()

        def done(_: asyncio.Task[None]) -> None:
            self._inflight.pop(run_id, None)
            self._lost.discard(run_id)
            self._recording.discard(run_id)
            if not self._inflight:
                self._busy.clear()
            self._progress.set()
            if schedule_id in self._waiting:
                self.wake()  # a run queued behind this one may start
            elif self._saturated:
                self._nudge()  # the writer caught up: its backlog may have held claims back

        task.add_done_callback(done)

    async def _execute(self, item: ClaimedRun) -> None:
        run, schedule = item.run, item.schedule
        with running(run, schedule):  # every log line of this run carries its id and schedule
            started = self.clock.now()
            self.observer.run_started(run, schedule, (started - run.due_at).total_seconds())
            hold = functools.partial(self._still_ours, run.id)
            context = RunContext(run, schedule, started, self.observer, hold)
            status, error, output, retry_at = await self._outcome(context)
            finished = self.clock.now()
            extra = {"action": f"run.{status}", "run_id": run.id, "schedule": schedule.name}
            log.info("run %s %s", run.id, status, extra=extra | {"attempt": run.attempt})
            if error is not None:  # scrubbed whole, then cut: a cut secret would slip through
                error = self.observer.scrub(error)[:MAX_ERROR_CHARS]
            if run.id in self._lost:
                return  # another worker owns it now; writing would be a second outcome
            self._recording.add(run.id)
            future = self._writer.submit(Outcome(run, status, finished, error, output, retry_at))
            if self._saturated:
                self._nudge()  # this run's slot is free now
            written = await future
            if written:
                seconds = (finished - started).total_seconds()
                self.observer.run_finished(run, schedule, status, seconds)
            elif written is False:
                log.warning(
                    "lease lost before finishing run %s",
                    run.id,
                    extra={"action": "run.lease_lost", "run_id": run.id},
                )
            # None: the writer gave up (and said so); the lease runs out, a later pass retries.

    async def _outcome(
        self, ctx: RunContext
    ) -> tuple[RunStatus, str | None, str | None, datetime | None]:
        """Run the handler: (status, error, output, retry_at)."""
        run, schedule = ctx.run, ctx.schedule
        try:
            handler = self.registry.get(schedule.action_kind)
            async with self._deadlines.within(schedule.timeout_s):
                output = await handler(ctx)
        except TimeoutError:
            retry_at = self._retry_at(run.attempt, schedule.max_retries, None)
            return "failed", f"timed out after {schedule.timeout_s}s", None, retry_at
        except PermanentJobError as exc:
            return "failed", _describe(exc), None, None
        except NotOurs as exc:  # nothing done yet: again at once, budget or not
            return "failed", _describe(exc), None, self.clock.now()
        except Exception as exc:  # any other handler error is transient by contract
            hint = exc.retry_after if isinstance(exc, TransientJobError) else None
            retry_at = self._retry_at(run.attempt, schedule.max_retries, hint)
            return "failed", _describe(exc), None, retry_at
        return "succeeded", None, output, None

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

    # -- heartbeat and shutdown ----------------------------------------------

    async def _heartbeat(self) -> None:
        """Renew our leases at half their length; cancel runs whose lease we lost.

        Runs whose outcome waits for the writer keep their lease too, but are
        not cancelled when it is lost: the writer's fenced write decides.
        """
        while True:
            await self._busy.wait()  # idle engines have no leases and make no wake-ups
            await self.clock.sleep_until(self.clock.now() + self.lease / 2)
            try:
                await self._renew()
            except StoreUnavailable as exc:
                log.warning("lease renewal failed: %s", exc, extra={"action": "engine.heartbeat"})

    async def _renew(self) -> None:
        """Renew the leases of every run in flight; cancel those we lost."""
        ids = list(self._inflight)
        if not ids:
            return
        self._renewing = True
        try:
            async with self._lease_writes:
                kept = await self.store.renew_leases(
                    self.config.owner, ids, self.clock.now(), self.lease
                )
        finally:
            self._renewing = False
            self._progress.set()
        for run_id in set(ids) - kept - self._recording:  # the fence guards the rest
            if (task := self._inflight.get(run_id)) is not None:
                self._lost.add(run_id)
                task.cancel()

    async def _still_ours(self, run_id: int) -> None:
        """A run's `still_ours`: our presence lock is held (or comes back within
        half the others' grace), and if it was lost meanwhile, our leases are
        checked first, since another replica may have taken the run over; else NotOurs.

        Without it, a replica cut off from Postgres alone would go on posting
        what it holds while another replica retries the same runs.
        """
        await self._still_present()
        epoch = self.store.presence_epoch(self.config.owner)
        if epoch is not None and epoch != self._checked_epoch:
            async with self._epoch_check:
                if epoch != self._checked_epoch:
                    try:
                        await self._renew()  # cancels the runs we lost, maybe this one
                    except StoreUnavailable as exc:
                        raise NotOurs(f"could not confirm this run is still ours: {exc}") from exc
                    self._checked_epoch = epoch
        if run_id in self._lost:
            raise NotOurs("another replica took this run over")

    async def _still_present(self) -> None:
        if self.store.present(self.config.owner) is not False:
            return
        deadline = self.clock.now() + timedelta(seconds=self.config.owner_grace_s / 2)
        while self.store.present(self.config.owner) is False:
            self._presence_news.clear()  # `wake` sets it: the subscription's lost/back news
            news = asyncio.ensure_future(self._presence_news.wait())
            try:
                if not await wait_any(self.clock, deadline, news):
                    raise NotOurs("this replica lost its database session before acting")
            finally:
                news.cancel()

    def _note_leases(self, due: DueTimes) -> None:
        if due.leases is None:
            self._leased.clear()
        else:
            self._leased.set()

    async def _watch_owners(self) -> None:
        """Take over the runs of replicas whose session ended (see the module doc)."""
        check = timedelta(seconds=self.config.owner_check_s)
        grace = timedelta(seconds=self.config.owner_grace_s)
        while True:
            await self._leased.wait()  # nothing runs anywhere: no owner to watch
            await self.clock.sleep_until(self.clock.now() + check)
            if self._stopping:
                continue
            if not self.store.present(self.config.owner):
                # Take our lock back now, not at the loop's next try (its backoff
                # grows to 30 s): others would take our runs once ours is free
                # for their grace. Until then our view of the locks is no good.
                with contextlib.suppress(StoreUnavailable):
                    await self.store.ping()  # any transaction renews the presence
                continue
            now = self.clock.now()
            try:
                free = await self.store.free_owners(self.config.owner)
                self._free_since = {o: self._free_since.get(o, now) for o in free}
                gone = {o for o, since in self._free_since.items() if now - since >= grace}
                taken = await self.store.reap_owners(self.config.owner, gone, now)
            except StoreUnavailable as exc:
                log.warning("owner check failed: %s", exc, extra={"action": "engine.owners"})
                continue
            for owner in gone:
                self._free_since.pop(owner, None)
            if taken:
                log.warning(
                    "took over %d runs of replicas that stopped: %s",
                    taken,
                    ", ".join(sorted(gone)),
                    extra={"action": "engine.reap"},
                )

    async def _shutdown(self) -> None:
        """Wait out the grace; cancel the runs still in their handler and hand them
        back as retries (`abandon_runs`);
        wait for the outcomes already submitted to be written (see `outcomes`)."""
        if not self._inflight:
            return
        tasks = list(self._inflight.values())
        deadline = self.clock.now() + timedelta(seconds=self.config.shutdown_grace_s)
        everything = asyncio.ensure_future(asyncio.wait(tasks))
        try:
            await wait_any(self.clock, deadline, everything)
        finally:
            everything.cancel()
        left = [
            run_id
            for run_id, task in self._inflight.items()
            if not task.done() and run_id not in self._recording  # still in its handler
        ]
        for run_id in left:
            self._lost.add(run_id)
            self._inflight[run_id].cancel()
        writing = self._writing
        if writing is not None and not writing.done():
            drained = asyncio.ensure_future(self._writer.drain())
            try:
                await wait_any(self.clock, None, drained, writing)
            finally:
                drained.cancel()
        if writing is None or writing.done():  # the writer died: nobody will answer the rest
            for task in tasks:
                task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        # Stopped midway, their effect is unknown: retries that look first, not the same rows.
        handed = await self.store.abandon_runs(self.config.owner, left, self.clock.now())
        if handed:
            log.info(
                "handed back %d unfinished runs as retries",
                handed,
                extra={"action": "engine.release"},
            )


def _describe(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    if not isinstance(exc, PermanentJobError | TransientJobError):
        text = f"{type(exc).__name__}: {text}"
    return text  # uncut: the caller scrubs it, then cuts it to MAX_ERROR_CHARS
