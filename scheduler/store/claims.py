"""Claiming runs: lease due pending runs under each schedule's overlap policy.

A claim reads the due pending runs with their schedules, decides which to
start and which to skip (`_choose`), and leases the chosen ones to `owner`
with one statement, all in the caller's transaction. On Postgres the run and
schedule rows are locked with `SKIP LOCKED`, so racing replicas split the
work instead of waiting. Runs of one schedule in a claim share one `Schedule`.

Two replicas cannot both start one exclusive schedule (overlap skip or
queue): the partial unique index `ix_schedule_runs_one_running` allows one
running exclusive run per schedule. A replica whose snapshot missed the
other's run fails that index; its transaction is then tried again
(`retry_lost_race`), and the fresh read sees the schedule busy.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cached_property
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from scheduler.records import ClaimedRun, Run, Schedule
from scheduler.store.bulk import among
from scheduler.store.dialect import Database
from scheduler.store.models import schedule_runs, schedules
from scheduler.triggers import trigger_from_dict

log = logging.getLogger(__name__)
T = TypeVar("T")
runs = schedule_runs
_RUN_FIELDS = tuple(Run.__dataclass_fields__)
_SCHEDULE_COLUMNS = [c.label(f"s_{c.name}") for c in schedules.c]
_SCHEDULE_FIELDS = [(c.name, f"s_{c.name}") for c in schedules.c]


@dataclass(frozen=True)
class Claim:
    runs: list[ClaimedRun]
    waiting: set[int]  # schedules with runnable runs held back by a running one


class ClaimTables(Database):
    """Leasing rows of `schedule_runs` to a worker."""

    async def claim_runs(
        self, owner: str, now: datetime, lease: timedelta, limit: int
    ) -> list[ClaimedRun]:
        """Lease up to `limit` due pending runs, honouring each schedule's overlap policy.

        `skip`: a scheduled slot due while its schedule runs becomes `skipped`.
        `queue`, and manual or retry runs under `skip`: wait for the running one.
        `allow`: run side by side. Schedule rows are locked with the runs so
        two replicas cannot both start one exclusive schedule.
        """

        async def claim() -> list[ClaimedRun]:
            async with self._tx() as conn:
                return (await self._claim(conn, owner, now, lease, limit)).runs

        return await retry_lost_race(claim)

    async def _claim(
        self,
        conn: AsyncConnection,
        owner: str,
        now: datetime,
        lease: timedelta,
        limit: int,
    ) -> Claim:
        if limit <= 0:
            return Claim([], set())
        rows = (await conn.execute(self._candidates, {"now": now, "limit": limit})).all()
        take, skip = _choose(rows, {r.schedule_id for r in rows if r.busy}, limit)
        left = set(take) | set(skip)
        waiting = {r.schedule_id for r in rows if r.id not in left}
        if skip:
            await conn.execute(
                runs.update()
                .where(runs.c.id.in_(skip))
                .values(status="skipped", finished_at=now, error="previous run still running")
            )
        if not take:
            return Claim([], waiting)
        leased = {
            "status": "running",
            "lease_owner": owner,
            "lease_expires_at": now + lease,
            "started_at": now,
        }
        await conn.execute(self._lease, {"ids": take} | {f"b_{k}": v for k, v in leased.items()})
        by_id = {r.id: r for r in rows}
        shared: dict[int, Schedule] = {}  # one Schedule (and parsed trigger) per schedule
        return Claim([_claimed(by_id[run_id], leased, shared) for run_id in take], waiting)

    # Statements built once per store (building and keying one costs more than
    # running it): the dialect's locks are in them, values are bound per call.

    @cached_property
    def _candidates(self) -> sa.Select[Any]:
        """Due pending runs in claim order, each with its schedule and whether it runs."""
        return self._lock(
            sa.select(runs, _schedule_busy().label("busy"), *_SCHEDULE_COLUMNS)
            .join(schedules, schedules.c.id == runs.c.schedule_id)
            .where(runs.c.status == "pending", runs.c.due_at <= sa.bindparam("now"))
            .order_by(runs.c.due_at, runs.c.id)
            .limit(sa.bindparam("limit")),
            runs,
            schedules,
        )

    @cached_property
    def _lease(self) -> sa.Update:
        """Lease the chosen runs; mark those whose schedule allows no other beside them."""
        columns = ("status", "lease_owner", "lease_expires_at", "started_at")
        exclusive = (
            sa.select(schedules.c.overlap != "allow")
            .where(schedules.c.id == runs.c.schedule_id)
            .scalar_subquery()
        )
        return (
            runs.update()
            .where(among(runs.c.id, "ids", postgres=self.is_postgres))
            .values({c: sa.bindparam(f"b_{c}") for c in columns} | {"exclusive": exclusive})
        )


async def retry_lost_race(attempt: Callable[[], Awaitable[T]], tries: int = 3) -> T:
    """`attempt()` (a whole transaction), again if it lost the one-running race.

    Only that index's IntegrityError is retried; a later try reads afresh.
    """
    for left in range(tries - 1, -1, -1):
        try:
            return await attempt()
        except IntegrityError as error:
            if left == 0 or _ONE_RUNNING not in str(error.orig):
                raise
            log.info("lost a race to start a schedule; claiming again", extra=_RACE)
    raise AssertionError("unreachable")


_ONE_RUNNING = "ix_schedule_runs_one_running"
_RACE = {"action": "engine.claim_race"}


def _schedule_busy() -> sa.Exists:
    """Whether another run of the outer query's run's schedule is running now."""
    other = runs.alias("other")
    return (
        sa.select(other.c.id)
        .where(other.c.schedule_id == runs.c.schedule_id, other.c.status == "running")
        .exists()
    )


def _claimed(row: Any, leased: dict[str, Any], shared: dict[int, Schedule]) -> ClaimedRun:
    """A ClaimedRun from a candidate row (run + `s_`-prefixed schedule columns).

    Runs of one schedule in one claim share its `Schedule` (kept in `shared`).
    """
    data = row._mapping
    run = Run(**{k: leased.get(k, data[k]) for k in _RUN_FIELDS})
    schedule = shared.get(run.schedule_id)
    if schedule is None:
        fields = {name: data[label] for name, label in _SCHEDULE_FIELDS}
        fields["trigger"] = trigger_from_dict(fields["trigger"])
        schedule = shared[run.schedule_id] = Schedule(**fields)
    return ClaimedRun(run, schedule)


def _choose(rows: Sequence[Any], busy: set[int], limit: int) -> tuple[list[int], list[int]]:
    """Pick runs to start and runs to skip under each schedule's overlap policy."""
    take: list[int] = []
    skip: list[int] = []
    for row in rows:
        if len(take) >= limit:
            break
        if row.s_overlap == "allow":
            take.append(row.id)
        elif row.schedule_id in busy:
            if row.s_overlap == "skip" and row.trigger in ("schedule", "catch-up"):
                skip.append(row.id)
        else:
            take.append(row.id)
            busy.add(row.schedule_id)
    return take, skip
