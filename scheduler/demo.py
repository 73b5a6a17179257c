"""A scheduler-only demo: a schedule that fires every minute and prints its runs."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal

from scheduler.clock import SystemClock
from scheduler.engine import Engine
from scheduler.jobs import RunContext, default_registry
from scheduler.registration import register_schedule
from scheduler.store import Store


async def main(url: str) -> int:
    logging.basicConfig(level=logging.WARNING)
    store = await Store.open(url)
    clock = SystemClock()
    registry = default_registry()

    async def say(ctx: RunContext) -> str:
        late_ms = (clock.now() - ctx.run.scheduled_for).total_seconds() * 1000
        print(
            f"{clock.now():%H:%M:%S.%f} run {ctx.run.id} of {ctx.schedule.name!r} "
            f"for {ctx.run.scheduled_for:%H:%M} ({late_ms:.1f} ms late)",
            flush=True,
        )
        return "printed"

    registry.register("print", say)
    await register_schedule(store, clock, "demo-every-minute", cron="* * * * *", action="print")
    engine = Engine(store, registry, clock)
    print("Tock scheduler demo: a run every minute. Ctrl-C to stop.", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    await engine.start()
    await stop.wait()
    await engine.stop()
    await store.close()
    return 0
