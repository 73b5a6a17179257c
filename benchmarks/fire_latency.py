"""Fire latency of the real engine on the real clock.

python -m benchmarks.fire_latency --schedules N --db sqlite|postgres --seconds S --json
python -m benchmarks.fire_latency --burst N --db sqlite|postgres --json

Steady: N one-shot schedules spread over the next S seconds plus a few cron
schedules. Burst: N one-shot schedules all due at the same instant (and no
crons). The engine runs with a no-op handler and the program prints one JSON
line: {"schedules", "fires", "duplicates", "missed", "unrecorded",
"lateness_ms": {"p50","p99","max"}, "cpu_s", "rss_mb", "idle_queries_per_min",
"db"}, and with --burst also "burst" and "drain_s" (the instant to the last
handler start). Lateness is handler start minus the slot. `unrecorded` counts
one-off slots without exactly one run row, `succeeded`, after the engine
stopped: every slot has its row. The idle phase then runs the engine with
nothing due for an hour and counts database queries per minute.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import random
import resource
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine

from scheduler.clock import SystemClock
from scheduler.engine import Engine, EngineConfig
from scheduler.jobs import JobRegistry, RunContext
from scheduler.records import ScheduleSpec
from scheduler.store import Store
from scheduler.store.models import schedule_runs
from scheduler.triggers import CronTrigger, OnceTrigger

PG_ADMIN = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
LEAD_S = 3.0  # the first slot is this far after the schedules exist and the engine runs
BURST_DEADLINE_S = 120.0  # give up waiting for a burst to drain after this long


async def _pg_database(create: bool, name: str, admin_url: str = PG_ADMIN) -> None:
    engine = create_async_engine(admin_url, isolation_level="AUTOCOMMIT")
    async with engine.connect() as conn:
        await conn.execute(sa.text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        if create:
            await conn.execute(sa.text(f"CREATE DATABASE {name}"))
    await engine.dispose()


class Database:
    """A throwaway database of either kind (Postgres: on the server of ``admin_url``)."""

    def __init__(self, kind: str, admin_url: str = PG_ADMIN) -> None:
        self.kind = kind
        self.admin_url = admin_url
        self.name = f"tock_bench_{uuid.uuid4().hex[:8]}"
        self._dir = tempfile.TemporaryDirectory()

    async def __aenter__(self) -> str:
        if self.kind == "sqlite":
            return f"sqlite+aiosqlite:///{Path(self._dir.name) / 'bench.db'}"
        await _pg_database(True, self.name, self.admin_url)
        return str(sa.make_url(self.admin_url).set(database=self.name))

    async def __aexit__(self, *_: object) -> None:
        if self.kind == "postgres":
            await _pg_database(False, self.name, self.admin_url)
        self._dir.cleanup()


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


@dataclass
class Fires:
    """The no-op handler's notes: which slots fired, how late, when the last started."""

    clock: SystemClock
    expected: int = 0
    fired: Counter[tuple[int, datetime]] = field(default_factory=Counter)
    lateness_ms: list[float] = field(default_factory=list)
    last_start: datetime | None = None
    all_fired: asyncio.Event = field(default_factory=asyncio.Event)

    async def noop(self, ctx: RunContext) -> None:
        now = self.clock.now()
        self.lateness_ms.append((now - ctx.run.scheduled_for).total_seconds() * 1000)
        self.fired[(ctx.schedule.id, ctx.run.scheduled_for)] += 1
        self.last_start = now
        if len(self.fired) >= self.expected:
            self.all_fired.set()


def steady_specs(n: int, start: datetime, seconds: float, crons: int) -> list[ScheduleSpec]:
    rng = random.Random(42)
    specs = [
        ScheduleSpec(
            "bench",
            f"once-{i}",
            OnceTrigger(start + timedelta(seconds=rng.uniform(0, seconds)), "UTC"),
            "noop",
        )
        for i in range(n)
    ]
    return specs + [
        ScheduleSpec("bench", f"cron-{i}", CronTrigger("* * * * *", "UTC"), "noop")
        for i in range(crons)
    ]


def burst_specs(n: int, at: datetime) -> list[ScheduleSpec]:
    return [ScheduleSpec("bench", f"burst-{i}", OnceTrigger(at, "UTC"), "noop") for i in range(n)]


def cron_slots(crons: int, after: datetime, end: datetime) -> int:
    """How many every-minute cron slots fall in (after, end], over `crons` schedules."""
    trigger = CronTrigger("* * * * *", "UTC")
    count, slot = 0, trigger.next_after(after)
    while slot is not None and slot <= end:
        count += crons
        slot = trigger.next_after(slot)
    return count


async def unrecorded(store: Store) -> int:
    """One-off schedules whose slot lacks exactly one run row, and that row `succeeded`."""
    runs = schedule_runs
    stmt = (
        sa.select(runs.c.schedule_id, runs.c.status, sa.func.count())
        .where(runs.c.trigger == "schedule")
        .group_by(runs.c.schedule_id, runs.c.status)
    )
    async with store.engine.connect() as conn:
        rows = (await conn.execute(stmt)).all()
    counts: Counter[int] = Counter()
    good: set[int] = set()
    for schedule_id, status, n in rows:
        counts[schedule_id] += n
        if status == "succeeded" and n == 1:
            good.add(schedule_id)
    listed = await store.list_schedules("bench", limit=1_000_000)
    once = [s.id for s in listed if isinstance(s.trigger, OnceTrigger)]
    return sum(1 for sid in once if sid not in good or counts[sid] != 1)


async def fire_phase(
    url: str, n: int, seconds: float, crons: int, burst: int, concurrency: int | None
) -> dict[str, object]:
    store = await Store.open(url)
    clock = SystemClock()
    fires = Fires(clock)
    registry = JobRegistry()
    registry.register("noop", fires.noop)
    now = clock.now()
    # Creating many schedules takes seconds on a loaded machine: the lead counts from after.
    start = now + timedelta(seconds=LEAD_S + (burst or n) / 2000)
    specs = burst_specs(burst, start) if burst else steady_specs(n, start, seconds, crons)
    for i in range(0, len(specs), 1000):
        await store.create_schedules(specs[i : i + 1000], now)
    ones = sum(1 for s in specs if isinstance(s.trigger, OnceTrigger))
    end = start + timedelta(seconds=0 if burst else seconds)
    expected = fires.expected = ones + (0 if burst else cron_slots(crons, now, end))

    config = EngineConfig() if concurrency is None else EngineConfig(max_concurrency=concurrency)
    engine = Engine(store, registry, clock, config)
    cpu0 = time.process_time()
    await engine.start()
    if burst:
        wait_s = (start - clock.now()).total_seconds() + BURST_DEADLINE_S
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(fires.all_fired.wait(), wait_s)
    else:
        await asyncio.sleep((end - clock.now()).total_seconds() + 2)
    await engine.stop()
    cpu = time.process_time() - cpu0
    lost_rows = await unrecorded(store)
    await store.close()
    lateness = fires.lateness_ms
    result: dict[str, object] = {
        "schedules": len(specs),
        "fires": sum(fires.fired.values()),
        "duplicates": sum(c - 1 for c in fires.fired.values() if c > 1),
        "missed": max(0, expected - len(fires.fired)),
        "unrecorded": lost_rows,
        "lateness_ms": {
            "p50": round(_percentile(lateness, 0.50), 2),
            "p99": round(_percentile(lateness, 0.99), 2),
            "max": round(max(lateness, default=0.0), 2),
        },
        "cpu_s": round(cpu, 2),
    }
    if burst:
        last = fires.last_start
        result["burst"] = burst
        result["drain_s"] = round((last - start).total_seconds(), 3) if last else None
    return result


async def idle_phase(url: str, seconds: float) -> float:
    """Queries per minute while the only schedule is an hour away."""
    store = await Store.open(url)
    clock = SystemClock()
    registry = JobRegistry()
    registry.register("noop", lambda ctx: asyncio.sleep(0))  # type: ignore[arg-type,return-value]
    spec = ScheduleSpec(
        "idle", "hourly", OnceTrigger(clock.now() + timedelta(hours=1), "UTC"), "noop"
    )
    await store.create_schedule(spec, clock.now())
    engine = Engine(store, registry, clock)
    await engine.start()
    await asyncio.sleep(1)  # let start-up settle; count only the idle period
    before = store.queries
    await asyncio.sleep(seconds)
    idle = store.queries - before
    await engine.stop()
    await store.close()
    return round(idle / (seconds / 60), 2)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--schedules", type=int, default=10_000)
    parser.add_argument("--burst", type=int, default=0, help="N one-offs due at one instant")
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--crons", type=int, default=20, help="every-minute cron schedules")
    parser.add_argument("--concurrency", type=int, help="max_concurrency (default: the engine's)")
    parser.add_argument("--idle-seconds", type=float, default=180)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    async with Database(args.db) as url:
        result = await fire_phase(
            url, args.schedules, args.seconds, args.crons, args.burst, args.concurrency
        )
    if args.idle_seconds > 0:
        async with Database(args.db) as url:
            result["idle_queries_per_min"] = await idle_phase(url, args.idle_seconds)
    result["rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    result["db"] = args.db
    print(json.dumps(result) if args.json else result)


if __name__ == "__main__":
    asyncio.run(main())
