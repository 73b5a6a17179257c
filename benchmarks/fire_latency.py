"""Fire latency of the real engine on the real clock.

python -m benchmarks.fire_latency --schedules N --db sqlite|postgres --seconds S --json

Creates N one-shot schedules spread over the next S seconds plus a few cron
schedules, runs the engine with a no-op handler, and prints one JSON line:
{"schedules", "fires", "duplicates", "missed", "lateness_ms": {"p50","p99","max"},
 "cpu_s", "rss_mb", "idle_queries_per_min"}.
Lateness is handler start minus the slot. The idle phase then runs the engine
with nothing due for an hour and counts database queries per minute.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import resource
import tempfile
import time
import uuid
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine

from scheduler.clock import SystemClock
from scheduler.engine import Engine, EngineConfig
from scheduler.jobs import JobRegistry, RunContext
from scheduler.records import ScheduleSpec
from scheduler.store import Store
from scheduler.triggers import CronTrigger, OnceTrigger

PG_ADMIN = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"


async def _pg_database(create: bool, name: str) -> None:
    engine = create_async_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    async with engine.connect() as conn:
        await conn.execute(sa.text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        if create:
            await conn.execute(sa.text(f"CREATE DATABASE {name}"))
    await engine.dispose()


class Database:
    """A throwaway database of either kind."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.name = f"tock_bench_{uuid.uuid4().hex[:8]}"
        self._dir = tempfile.TemporaryDirectory()

    async def __aenter__(self) -> str:
        if self.kind == "sqlite":
            return f"sqlite+aiosqlite:///{Path(self._dir.name) / 'bench.db'}"
        await _pg_database(True, self.name)
        return str(sa.make_url(PG_ADMIN).set(database=self.name))

    async def __aexit__(self, *_: object) -> None:
        if self.kind == "postgres":
            await _pg_database(False, self.name)
        self._dir.cleanup()


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def fire_phase(url: str, n: int, seconds: float, crons: int) -> dict[str, object]:
    store = await Store.open(url)
    clock = SystemClock()
    fired: Counter[tuple[int, datetime]] = Counter()
    lateness: list[float] = []

    async def noop(ctx: RunContext) -> None:
        lateness.append((clock.now() - ctx.run.scheduled_for).total_seconds() * 1000)
        fired[(ctx.schedule.id, ctx.run.scheduled_for)] += 1

    registry = JobRegistry()
    registry.register("noop", noop)
    now = clock.now()
    start = now + timedelta(seconds=3)
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
    specs += [
        ScheduleSpec("bench", f"cron-{i}", CronTrigger("* * * * *", "UTC"), "noop")
        for i in range(crons)
    ]
    for i in range(0, len(specs), 1000):
        await store.create_schedules(specs[i : i + 1000], now)
    expected = {(s.trigger.at) for s in specs if isinstance(s.trigger, OnceTrigger)}
    end = start + timedelta(seconds=seconds)
    cron_slots = 0
    slot = CronTrigger("* * * * *", "UTC").next_after(now)
    while slot is not None and slot <= end:
        cron_slots += crons
        slot = CronTrigger("* * * * *", "UTC").next_after(slot)

    engine = Engine(store, registry, clock, EngineConfig(max_concurrency=100))
    cpu0 = time.process_time()
    await engine.start()
    await asyncio.sleep((end - clock.now()).total_seconds() + 2)
    await engine.stop()
    cpu = time.process_time() - cpu0
    await store.close()
    duplicates = sum(c - 1 for c in fired.values() if c > 1)
    fires = sum(fired.values())
    missed = max(0, len(expected) + cron_slots - len(fired))
    return {
        "schedules": len(specs),
        "fires": fires,
        "duplicates": duplicates,
        "missed": missed,
        "lateness_ms": {
            "p50": round(_percentile(lateness, 0.50), 2),
            "p99": round(_percentile(lateness, 0.99), 2),
            "max": round(max(lateness, default=0.0), 2),
        },
        "cpu_s": round(cpu, 2),
    }


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
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--crons", type=int, default=20, help="every-minute cron schedules")
    parser.add_argument("--idle-seconds", type=float, default=180)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    async with Database(args.db) as url:
        result = await fire_phase(url, args.schedules, args.seconds, args.crons)
    async with Database(args.db) as url:
        result["idle_queries_per_min"] = await idle_phase(url, args.idle_seconds)
    result["rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    result["db"] = args.db
    print(json.dumps(result) if args.json else result)


if __name__ == "__main__":
    asyncio.run(main())
