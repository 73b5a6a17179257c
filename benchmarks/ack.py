"""Ack latency: how fast the bot answers Slack's HTTP requests under load.

    python -m benchmarks.ack --concurrency 50 --json

Three processes, as in production: the Slack emulator (`python -m
bot.emulator`), the bot (`python -m bot.cli run` in HTTP mode against it,
SQLite in a temporary directory, offline agent), and this load generator.
`--concurrency` senders fire signed requests back to back, a mix of slash
commands (`help`, `list`, a create) and @mentions (`list`, a create), and
time each from sending to the HTTP response: the ack Slack waits at most
3 s for. The agent work after an event's ack, and the replies it posts, run
in the bot meanwhile, so they load the acks as they would in Slack. Slash
commands are answered in the ack itself, so their time includes the command.

Prints one JSON line: requests, concurrency, p50_ms, p99_ms, max_ms, errors.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import itertools
import json
import statistics
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import aiohttp

from benchmarks import processes

CHANNELS = 20  # spread replies so the 1 msg/s/channel pacing is not the story


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--requests", type=int, default=2_000)
    parser.add_argument("--warmup", type=int, default=50, help="requests not measured")
    parser.add_argument("--json", action="store_true", help="print only the JSON line")
    return parser.parse_args(argv)


@dataclass
class Workspace:
    """What the emulator told us, plus the channels seeded for the run."""

    base_url: str
    api_url: str
    bot_token: str
    signing_secret: str
    team_id: str
    users: list[str]
    channels: list[str] = field(default_factory=list)


@dataclass
class Load:
    workspace: Workspace
    url: str
    numbers: itertools.count[int] = field(default_factory=itertools.count)
    latencies: list[float] = field(default_factory=list)
    errors: int = 0

    def request(self, n: int) -> tuple[bytes, str]:
        """The n-th request body and its content type: slash and mentions, mixed."""
        ws = self.workspace
        user, channel = ws.users[n % len(ws.users)], ws.channels[n % len(ws.channels)]
        kind = n % 5
        if kind == 0:
            return self._command(user, channel, "help")
        if kind == 1:
            return self._command(user, channel, "list mine")
        if kind == 2:
            return self._command(user, channel, f'every day at 9am "bench {n}"')
        if kind == 3:
            return self._mention(user, channel, "list")
        return self._mention(user, channel, f'post "bench {n}" every weekday at 10am')

    def _command(self, user: str, channel: str, text: str) -> tuple[bytes, str]:
        fields = {
            "team_id": self.workspace.team_id,
            "channel_id": channel,
            "user_id": user,
            "command": "/tock",
            "text": text,
            "response_url": f"{self.workspace.base_url}/response/bench",
            "trigger_id": uuid.uuid4().hex,
        }
        return urlencode(fields).encode(), "application/x-www-form-urlencoded"

    def _mention(self, user: str, channel: str, text: str) -> tuple[bytes, str]:
        ts = f"{time.time():.6f}"
        event = {"type": "app_mention", "user": user, "text": f"<@BOT> {text}"}
        event |= {"ts": ts, "channel": channel, "event_ts": ts}
        envelope = {
            "type": "event_callback",
            "team_id": self.workspace.team_id,
            "event_id": f"Ev{uuid.uuid4().hex[:12].upper()}",
            "event_time": int(time.time()),
            "event": event,
        }
        return json.dumps(envelope).encode(), "application/json"

    def sign(self, body: bytes) -> dict[str, str]:
        stamp = str(int(time.time()))
        base = b"v0:" + stamp.encode() + b":" + body
        secret = self.workspace.signing_secret.encode()
        digest = hmac.new(secret, base, hashlib.sha256).hexdigest()
        return {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": f"v0={digest}"}

    async def sender(self, http: aiohttp.ClientSession, total: int, measure: bool) -> None:
        while (n := next(self.numbers)) < total:
            body, content_type = self.request(n)
            headers = {"Content-Type": content_type, **self.sign(body)}
            started = time.perf_counter()
            try:
                async with http.post(self.url, data=body, headers=headers) as response:
                    await response.read()
                    ok = response.status == 200
            except aiohttp.ClientError:
                ok = False
            if measure:
                self.latencies.append(time.perf_counter() - started)
                self.errors += not ok


@asynccontextmanager
async def emulator_process() -> AsyncIterator[Workspace]:
    async with processes.emulator_process("--demo") as info:
        yield Workspace(
            base_url=info["base_url"],
            api_url=info["api_url"],
            bot_token=info["bot_token"],
            signing_secret=info["signing_secret"],
            team_id="T00000001",  # the emulator's first id; events carry it as Slack's do
            users=[info["alice"], info["bob"]],
        )


async def seed_channels(http: aiohttp.ClientSession, ws: Workspace) -> None:
    names = [f"bench-{i}" for i in range(CHANNELS)]
    ws.channels = await processes.seed_channels(http, ws.base_url, names, ws.users)


@asynccontextmanager
async def bot_process(ws: Workspace, directory: str) -> AsyncIterator[str]:
    """`tock run` in HTTP mode against the emulator; yields its /slack/events URL."""
    settings = {
        "bot_token": ws.bot_token,
        "signing_secret": ws.signing_secret,
        "api_url": ws.api_url,
    }
    quotas = {"TOCK_MAX_PER_USER": "100000", "TOCK_MAX_PER_CHANNEL": "100000"}
    db_url = f"sqlite+aiosqlite:///{directory}/bench.db"
    async with processes.bot_process(settings, db_url, directory, quotas) as bot:
        yield bot.events_url


async def run(args: argparse.Namespace) -> dict[str, Any]:
    connector = aiohttp.TCPConnector(limit=args.concurrency)
    with tempfile.TemporaryDirectory() as directory:
        async with (
            emulator_process() as ws,
            aiohttp.ClientSession(connector=connector) as http,
        ):
            await seed_channels(http, ws)
            async with bot_process(ws, directory) as url:
                warmup = Load(ws, url)
                await asyncio.gather(*(warmup.sender(http, args.warmup, False) for _ in range(5)))
                load = Load(ws, url, itertools.count(args.warmup))
                total = args.warmup + args.requests
                await asyncio.gather(
                    *(load.sender(http, total, True) for _ in range(args.concurrency))
                )
    ms = sorted(latency * 1000 for latency in load.latencies)
    return {
        "requests": len(ms),
        "concurrency": args.concurrency,
        "p50_ms": round(statistics.median(ms), 1),
        "p99_ms": round(ms[min(len(ms) - 1, int(len(ms) * 0.99))], 1),
        "max_ms": round(ms[-1], 1),
        "errors": load.errors,
    }


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    result = asyncio.run(run(args))
    if not args.json:
        print(f"{result['requests']} acks at concurrency {result['concurrency']}:")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
