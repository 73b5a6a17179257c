"""Several engines in separate processes on one Postgres database.

These run on the real clock (separate processes cannot share a virtual one);
they wait on database state, with an overall deadline, never on fixed sleeps.
"""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from scheduler.clock import SystemClock
from scheduler.records import ScheduleSpec
from scheduler.store import Store
from scheduler.triggers import OnceTrigger

pytestmark = [pytest.mark.postgres, pytest.mark.slow]
SLOTS = 500


@pytest.fixture
async def pg_store(pg_url: str) -> AsyncIterator[Store]:
    store = await Store.open(pg_url)
    try:
        yield store
    finally:
        await store.close()


class Workers:
    def __init__(self, url: str, effects: Path) -> None:
        self.url, self.effects = url, effects
        self.procs: dict[str, subprocess.Popen[bytes]] = {}

    def start(self, owner: str, *extra: str) -> None:
        cmd = [sys.executable, "-m", "tests.scheduler.worker", self.url, owner, str(self.effects)]
        self.procs[owner] = subprocess.Popen([*cmd, *extra], cwd=Path(__file__).parents[2])

    def lines(self) -> list[list[str]]:
        if not self.effects.exists():
            return []
        return [line.split() for line in self.effects.read_text().splitlines()]

    def stop_all(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.procs.values():
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()


@pytest.fixture
def workers(pg_store: Store, tmp_path: Path) -> Iterator[Workers]:
    w = Workers(str(pg_store.engine.url.render_as_string(hide_password=False)), tmp_path / "fx")
    yield w
    w.stop_all()


async def _until(predicate, what: str, deadline_s: float = 60.0) -> None:  # type: ignore[no-untyped-def]
    loop = asyncio.get_running_loop()
    end = loop.time() + deadline_s
    while not await predicate():
        if loop.time() > end:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.1)


async def _seed(store: Store, start_in_s: float) -> None:
    now = SystemClock().now()
    at = now + timedelta(seconds=start_in_s)
    for i in range(SLOTS):
        slot = at + timedelta(milliseconds=2 * i)
        spec = ScheduleSpec("T", f"s{i:03d}", OnceTrigger(slot, "UTC"), "effect", max_retries=5)
        await store.create_schedule(spec, now)


async def _ready(workers: Workers, n: int) -> None:
    async def ready() -> bool:
        return sum(1 for line in workers.lines() if line[0] == "ready") >= n

    await _until(ready, f"{n} workers to start")


async def test_three_engines_fire_500_slots_exactly_once(pg_store: Store, workers: Workers) -> None:
    for owner in ("w1", "w2", "w3"):
        workers.start(owner)
    await _ready(workers, 3)
    await _seed(pg_store, start_in_s=1.0)

    async def all_done() -> bool:
        return (await pg_store.count_runs()).get("succeeded", 0) >= SLOTS

    await _until(all_done, "500 succeeded runs")
    workers.stop_all()
    ends = Counter(line[1] for line in workers.lines() if line[0] == "end")
    assert len(ends) == SLOTS, f"missing slots: {SLOTS - len(ends)}"
    assert max(ends.values()) == 1, f"ran twice: {[k for k, n in ends.items() if n > 1]}"
    assert await pg_store.count_runs() == {"succeeded": SLOTS}
    # How the slots were shared depends on CPU scheduling, so it is not asserted:
    # on a loaded 2-core machine one replica may legitimately win every race.


async def test_a_killed_engines_runs_are_completed_by_the_others_once(
    pg_store: Store, workers: Workers
) -> None:
    for owner in ("w1", "w2", "w3"):
        workers.start(owner, "--delay-ms", "300", "--lease-s", "2")
    await _ready(workers, 3)
    await _seed(pg_store, start_in_s=1.0)

    victims: list[str] = []

    async def one_busy() -> bool:
        """A worker with several runs in flight: the victim. Which one wins the
        claims depends on CPU scheduling, so it is whichever is busy."""
        counts: Counter[str] = Counter()
        for line in workers.lines():
            counts[line[-1]] += {"start": 1, "end": -1}.get(line[0], 0)
        victims.extend(owner for owner, n in counts.items() if n >= 3)
        return bool(victims)

    await _until(one_busy, "a worker to be mid-run")
    victim = victims[0]
    workers.procs[victim].send_signal(signal.SIGKILL)
    workers.procs[victim].wait()

    async def all_done() -> bool:
        runs = await pg_store.list_runs(status="succeeded", limit=10_000)
        return len({r.schedule_id for r, _ in runs}) >= SLOTS

    await _until(all_done, "every slot to succeed", deadline_s=120)
    workers.stop_all()
    succeeded = await pg_store.list_runs(status="succeeded", limit=10_000)
    per_schedule = Counter(r.schedule_id for r, _ in succeeded)
    assert len(per_schedule) == SLOTS and max(per_schedule.values()) == 1
    # Runs the victim held were reclaimed: failed as "worker lost", retried by a survivor.
    lost = await pg_store.list_runs(status="failed", limit=10_000)
    assert lost, "the killed worker held no runs"
    assert all("worker lost" in (r.error or "") for r, _ in lost)
    assert {r.lease_owner for r, _ in succeeded} <= {"w1", "w2", "w3"}
    survivors_ends = Counter(
        line[1] for line in workers.lines() if line[0] == "end" and line[2] != victim
    )
    assert max(survivors_ends.values()) == 1, "a survivor ran a slot twice"
