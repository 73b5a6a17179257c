"""Post latency: from a schedule's slot to its chat.postMessage reaching Slack.

    python -m benchmarks.post_latency --schedules 50 --minutes 3 --json

Three processes, as in production: the Slack emulator (`python -m
bot.emulator`), the bot (`python -m bot.cli run`, HTTP mode, against it) and
this program. Before the bot starts, the database (SQLite in a temporary
directory, or a throwaway Postgres database with `--db postgres`) gets
`--schedules` every-minute message schedules, each posting into its own
channel, bounded to `--minutes` slots that begin at a minute boundary at
least `--lead` seconds away, so the bot is up before the first one.

Each message names its slot in its text (`{date}T{time}`), and the emulator
stamps each post with its wall clock when the request arrives (its `ts`), so

    latency = ts of the post - its slot

is read back from the emulator's history after the last slot, the way any
bot reads a channel. The slot is the wall-clock minute; both clocks are this
machine's.

Prints one JSON line: schedules, minutes, db, expected, posts, missed,
duplicates, latency_ms {p50, p99, max} over every post, warm_ms the same
without the first minute (the first slot after a start also pays for cold
database caches and opens the bot's connections to Slack), first_ms (median
over slots of the earliest post: the fixed cost before anything goes out),
max_ms_by_minute, ratelimited (429s the emulator served). `--env KEY=VALUE`
passes settings to the bot (e.g. `--env TOCK_MAX_CONCURRENT_RUNS=20` to
compare), `--logs FILE` keeps its log.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Any

import aiohttp

from benchmarks.fire_latency import Database
from benchmarks.processes import (
    bot_process,
    emulator_process,
    emulator_stats,
    landed,
    seed_channels,
)
from scheduler.records import ScheduleSpec
from scheduler.store import Store
from scheduler.triggers import BoundedTrigger, CronTrigger

TEAM_ID = "T00000001"  # the emulator's first id
TEXT = "post-latency {schedule} {date}T{time}"  # the slot, rendered by the bot
GRACE_S = 15.0  # after the last slot, for the last posts (and any retries) to land


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--schedules", type=int, default=50)
    parser.add_argument("--minutes", type=int, default=3, help="slots per schedule")
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--lead", type=float, default=15.0, help="seconds before the 1st slot")
    parser.add_argument("--env", action="append", default=[], metavar="KEY=VALUE")
    parser.add_argument("--logs", type=Path, help="write the bot's log here")
    parser.add_argument("--json", action="store_true", help="print only the JSON line")
    return parser.parse_args(argv)


def first_slot(now: datetime, lead: float) -> datetime:
    """The first whole minute at least ``lead`` seconds after ``now``."""
    earliest = now + timedelta(seconds=lead)
    minute = earliest.replace(second=0, microsecond=0)
    return minute if minute >= earliest else minute + timedelta(minutes=1)


async def create_schedules(url: str, channels: list[str], start: datetime, minutes: int) -> None:
    """One every-minute message schedule per channel, for ``minutes`` slots from ``start``."""
    trigger = BoundedTrigger(CronTrigger("* * * * *", "UTC"), start=start, count=minutes)
    specs = [
        ScheduleSpec(
            TEAM_ID,
            f"latency-{i}",
            trigger,
            "message",
            {"text": TEXT},
            channel_id=channel,
        )
        for i, channel in enumerate(channels)
    ]
    store = await Store.open(url)
    try:
        await store.create_schedules(specs, datetime.now(UTC))
    finally:
        await store.close()


def _stats(values: list[float]) -> dict[str, float | None]:
    ms = sorted(values)
    if not ms:
        return {"p50": None, "p99": None, "max": None}
    p99 = ms[min(len(ms) - 1, int(len(ms) * 0.99))]
    return {"p50": round(statistics.median(ms), 1), "p99": round(p99, 1), "max": round(ms[-1], 1)}


def measure(messages: list[dict[str, Any]], expected: int) -> dict[str, Any]:
    """Latency of each post from its slot (named in its text), and what is missing."""
    seen: Counter[str] = Counter(m["text"] for m in messages)
    by_slot: dict[datetime, list[float]] = {}
    for message in messages:
        slot = datetime.fromisoformat(message["text"].rsplit(" ", 1)[1]).replace(tzinfo=UTC)
        arrived = float(message["ts"]) - slot.timestamp()
        by_slot.setdefault(slot, []).append(arrived * 1000)
    slots = [by_slot[slot] for slot in sorted(by_slot)]
    return {
        "expected": expected,
        "posts": len(messages),
        "missed": expected - len(seen),
        "duplicates": sum(n - 1 for n in seen.values()),
        "latency_ms": _stats([v for values in slots for v in values]),
        "warm_ms": _stats([v for values in slots[1:] for v in values]),
        "first_ms": round(statistics.median(min(v) for v in slots), 1) if slots else None,
        "max_ms_by_minute": [round(max(values), 1) for values in slots],
    }


async def run(args: argparse.Namespace, logs: IO[str]) -> dict[str, Any]:
    extra = dict(item.split("=", 1) for item in args.env)
    with tempfile.TemporaryDirectory() as directory:
        async with (
            Database(args.db) as db_url,
            emulator_process() as settings,
            aiohttp.ClientSession() as http,
        ):
            names = [f"latency-{i}" for i in range(args.schedules)]
            channels = await seed_channels(http, settings["base_url"], names)
            start = first_slot(datetime.now(UTC), args.lead)
            await create_schedules(db_url, channels, start, args.minutes)
            async with bot_process(settings, db_url, directory, extra, logs):
                if datetime.now(UTC) >= start:
                    raise RuntimeError("the bot started after the first slot: raise --lead")
                last = start + timedelta(minutes=args.minutes - 1)
                await asyncio.sleep((last - datetime.now(UTC)).total_seconds() + GRACE_S)
            messages = await landed(http, settings["api_url"], settings["bot_token"], channels)
            served = await emulator_stats(http, settings["base_url"])
    result = measure(messages, args.schedules * args.minutes)
    head = {"schedules": args.schedules, "minutes": args.minutes, "db": args.db}
    return head | result | {"ratelimited": served["ratelimited"], "env": extra}


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    started = time.perf_counter()
    with open(args.logs or os.devnull, "w") as logs:
        result = asyncio.run(run(args, logs))
    if not args.json:
        print(f"{result['posts']} posts in {time.perf_counter() - started:.0f} s:")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
