"""Burst delivery: many posts due at once, across many channels, through one Sender.

    python -m benchmarks.burst --runs 10000 --channels 1000 --json

The local Slack emulator, in its own process as Slack is not in ours, holds
every channel to ``--rate`` messages per second with a burst of 1 (Slack's
documented per-channel limit, taken strictly); the bot is in every channel.
All posts start at once, concurrently, as run handlers would when 10,000
schedules fire in the same minute, and we wait for all. Each post gets its
permalink, as a run records it (built from the workspace URL: one auth.test).

    ideal_seconds = (ceil(runs / channels) - 1) / rate

With a burst of 1, the busiest channel's first message can go at t=0 and each
further one no sooner than 1/rate after the previous, so no sender can finish
sooner. The Sender's workspace cap is set to channels x rate x 1.25 with a
burst of one message per channel, so it is not the bottleneck here (the
default cap, 50/s, would make this burst take runs / 50 seconds by design).

Prints one JSON line: delivered, duplicates, lost, seconds, ideal_seconds, and
for diagnosis the 429s served and the Sender's counters.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import math
import time
from collections import Counter
from typing import Any

import aiohttp
from slack_sdk.web.async_client import AsyncWebClient

from benchmarks.processes import emulator_process, emulator_stats, seed_channels
from bot.slack.delivery import Limits, Sender


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10_000)
    parser.add_argument("--channels", type=int, default=1_000)
    parser.add_argument("--rate", type=float, default=1.0, help="messages/s per channel")
    parser.add_argument("--connections", type=int, default=100, help="HTTP connection pool")
    parser.add_argument("--no-permalinks", action="store_true", help="no permalinks")
    parser.add_argument("--json", action="store_true", help="print only the JSON line")
    return parser.parse_args(argv)


def sender_limits(channels: int, rate: float) -> Limits:
    return Limits(
        channel_rate=rate,
        channel_burst=1,
        workspace_rate=channels * rate * 1.25,
        workspace_burst=channels,
    )


def limit_flags(rate: float) -> tuple[str, ...]:
    """The emulator's flags: ``rate`` messages per second per channel, a burst of 1."""
    return ("--rate-limit-per-channel", str(rate), "--rate-limit-burst", "1")


async def fire(sender: Sender, channels: list[str], runs: int) -> float:
    """Post every run at once; return the seconds until the last one landed."""
    started = time.perf_counter()
    await asyncio.gather(
        *(
            sender.post(channels[i % len(channels)], f"run {i}", idempotency_key=f"run-{i}")
            for i in range(runs)
        )
    )
    return time.perf_counter() - started


async def tally(client: AsyncWebClient, channels: list[str], runs: int) -> dict[str, int]:
    """Count what landed, read back through the Web API as any bot would."""
    landed: Counter[str] = Counter()
    for channel in channels:
        history = await client.conversations_history(channel=channel, limit=999)
        landed.update(m["text"] for m in history["messages"])
    delivered = len(landed.keys() & {f"run {i}" for i in range(runs)})
    return {
        "delivered": delivered,
        "duplicates": sum(count - 1 for count in landed.values()),
        "lost": runs - delivered,
    }


async def run(args: argparse.Namespace) -> dict[str, Any]:
    connector = aiohttp.TCPConnector(limit=args.connections)
    async with (
        emulator_process(*limit_flags(args.rate)) as settings,
        aiohttp.ClientSession(connector=connector) as http,
    ):
        names = [f"c{i}" for i in range(args.channels)]
        channels = await seed_channels(http, settings["base_url"], names)
        client = AsyncWebClient(
            token=settings["bot_token"], base_url=settings["api_url"], session=http
        )
        limits = sender_limits(args.channels, args.rate)
        sender = Sender(client, limits=limits, permalinks=not args.no_permalinks)
        seconds = await fire(sender, channels, args.runs)
        counts = await tally(client, channels, args.runs)
        served = await emulator_stats(http, settings["base_url"])
    per_channel = math.ceil(args.runs / args.channels)
    return {
        **counts,
        "seconds": round(seconds, 3),
        "ideal_seconds": (per_channel - 1) / args.rate,
        "ratelimited": served["ratelimited"],
        "retried_429": sender.retried_429,
        "permalinks": 0 if args.no_permalinks else args.runs - sender.permalink_failures,
    }


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    # slack_sdk formats debug strings for every request while its own logger's
    # level is NOTSET (it tests ``logger.level``, not the effective level); a
    # program that configures logging sets it, as the bot's CLI should.
    logging.getLogger("slack_sdk.web.async_base_client").setLevel(logging.INFO)
    result = asyncio.run(run(args))
    if not args.json:
        ratio = result["seconds"] / result["ideal_seconds"] if result["ideal_seconds"] else 0
        print(f"{args.runs} posts over {args.channels} channels: {ratio:.3f} x ideal")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
