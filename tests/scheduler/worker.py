"""A scheduler replica in its own process, for the multi-process tests.

python -m tests.scheduler.worker DB_URL OWNER EFFECTS_FILE [--delay-ms N] [--lease-s S]

Its `effect` handler appends "start <slot-key>" and "end <slot-key>" lines to
EFFECTS_FILE (O_APPEND, so lines from several processes never interleave).
It runs until SIGTERM, then shuts down gracefully.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal

from scheduler.engine import Engine, EngineConfig
from scheduler.jobs import JobRegistry, RunContext
from scheduler.store import Store


def _append(path: str, line: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, (line + "\n").encode())
    finally:
        os.close(fd)


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("owner")
    parser.add_argument("effects")
    parser.add_argument("--delay-ms", type=int, default=0)
    parser.add_argument("--lease-s", type=float, default=30.0)
    args = parser.parse_args()

    store = await Store.open(args.url, upgrade=False)
    registry = JobRegistry()

    async def effect(ctx: RunContext) -> str:
        key = f"{ctx.schedule.id}@{ctx.run.scheduled_for.isoformat()}"
        _append(args.effects, f"start {key} {args.owner}")
        if args.delay_ms:
            await asyncio.sleep(args.delay_ms / 1000)
        _append(args.effects, f"end {key} {args.owner}")
        return key

    registry.register("effect", effect)
    config = EngineConfig(owner=args.owner, lease_s=args.lease_s, backoff_base_s=0.5)
    engine = Engine(store, registry, config=config)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    await engine.start()
    _append(args.effects, f"ready {args.owner}")
    await stop.wait()
    await engine.stop()
    await store.close()


if __name__ == "__main__":
    asyncio.run(main())
