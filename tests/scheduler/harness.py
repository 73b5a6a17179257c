"""A scheduler under test: store + virtual clock + engine + recording handlers."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from scheduler.clock import VirtualClock
from scheduler.engine import Engine, EngineConfig
from scheduler.errors import PermanentJobError, TransientJobError
from scheduler.jobs import JobRegistry, RunContext
from scheduler.records import ScheduleSpec
from scheduler.store import Store
from scheduler.triggers import AnyTrigger


@dataclass
class Harness:
    store: Store
    clock: VirtualClock
    engine: Engine
    calls: list[RunContext] = field(default_factory=list)
    failures: dict[str, list[BaseException]] = field(default_factory=dict)
    gate: asyncio.Event = field(default_factory=asyncio.Event)
    started: asyncio.Event = field(default_factory=asyncio.Event)
    blocked: int = 0  # handlers parked on `gate`

    async def settle(self) -> None:
        await self.engine.settle(held=lambda: self.blocked)

    async def add(self, name: str, trigger: AnyTrigger, kind: str = "record", **kw: Any):
        spec = ScheduleSpec(team_id="T1", name=name, trigger=trigger, action_kind=kind, **kw)
        return await self.store.create_schedule(spec, self.clock.now())

    async def release(self) -> None:
        """Open the gate for every blocking handler and wait for them to finish."""
        self.gate.set()
        await self.engine.settle()

    async def advance(self, seconds: float = 0, **delta: float) -> datetime:
        now = await self.clock.advance(seconds, **delta)
        await self.settle()
        return now

    async def runs(self, name: str | None = None):
        rows = await self.store.list_runs(team_id="T1", limit=1000)
        picked = [r for r, n in rows if name is None or n == name]
        return sorted(picked, key=lambda r: r.id)

    async def wait_started(self) -> None:
        await asyncio.wait_for(self.started.wait(), 5)
        self.started.clear()


def build(store: Store, clock: VirtualClock, **config: Any) -> Harness:
    registry = JobRegistry()
    engine = Engine(store, registry, clock, EngineConfig(owner="engine-a", **config))
    h = Harness(store=store, clock=clock, engine=engine)
    clock.on_wake = h.settle

    async def record(ctx: RunContext) -> str:
        h.calls.append(ctx)
        queued = h.failures.get(ctx.schedule.name)
        if queued:
            raise queued.pop(0)
        return f"ok {ctx.run.id}"

    async def blocking(ctx: RunContext) -> str:
        h.calls.append(ctx)
        h.blocked += 1
        h.started.set()
        h.engine.wake()  # let settle() notice this handler is now parked
        try:
            await h.gate.wait()
        finally:
            h.blocked -= 1
        return "released"

    registry.register("record", record)
    registry.register("blocking", blocking)
    return h


__all__ = ["Harness", "PermanentJobError", "TransientJobError", "build"]
