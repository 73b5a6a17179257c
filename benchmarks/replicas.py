"""Replicas under fire: N `tock run` processes on one Postgres, one SIGKILLed every few seconds.

    python -m benchmarks.replicas --replicas 3 --slots 2000 --kill-every 5 --json

Processes, as in production: the Slack emulator (`python -m bot.emulator`),
`--replicas` bots (`python -m bot.cli run`, HTTP mode against it) sharing one
Postgres (a throwaway database on the server of `--admin-url`, created and
dropped here), and this program. Once every replica is up, it creates
`--slots` one-off message schedules, due evenly over `--window` seconds from
`--lead` seconds on, spread round-robin over `--channels` channels (so no
channel needs more than Slack's one post per second). Each post's text names
its slot (`replicas slot-00042`).

While the slots fall due, every `--kill-every` seconds (0: never) a random
replica (`--victim busiest`: the one running the most runs) is SIGKILLed, as
a crash or an OOM kill would, and restarted at once. The others take over
the runs it held (its presence lock in Postgres is free, or its leases
expire). Then it waits until every slot's run is final and reads back:

- per slot, its runs from the database: the last attempt is the outcome
  (`succeeded`, or `failed` with its error); every earlier attempt must be a
  failure that was retried (`double_outcomes` counts slots where not);
- per slot, its posts from the emulator's history, read as a bot would:
  `duplicates` = posts beyond the first, `lost` = slots with no final outcome
  by the deadline, or succeeded without a post;
- lateness = the first post's ts (else the first attempt's start) - the slot.

Prints one JSON line: slots, succeeded, failed, other (missed, skipped or
cancelled), duplicates, lost, double_outcomes, p50/p99/max_lateness_ms,
kills, posts, retried (attempts beyond the first), found_landed (retried
slots whose post had landed before their last attempt began: that attempt
found it instead of posting again), reclaimed (attempts failed as "worker
lost"), errors (the commonest final errors), faults and
faults_pending (the emulator's injected faults served and left), ratelimited,
exit_codes (each replica's last process, stopped with SIGTERM), elapsed_s,
db. Targets: 0 duplicates, 0 lost; p99 lateness within 2 s with kills,
200 ms without. `--slack-latency` makes each post take that long to land,
as Slack's do, so a kill catches posts that landed but were not recorded.

`run_burst` is the same run for the reliability tests (tests/reliability),
with a hook that runs beside the burst (restart Postgres, inject faults).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import statistics
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import IO, Any, Literal

import aiohttp
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from benchmarks.fire_latency import PG_ADMIN, Database
from benchmarks.processes import (
    BotProcess,
    emulator_process,
    emulator_stats,
    landed,
    seed_channels,
)
from benchmarks.tcp_proxy import TcpProxy
from scheduler.records import ScheduleSpec
from scheduler.store import Store
from scheduler.store.dialect import NOTIFY_CHANNEL
from scheduler.store.models import schedule_runs, schedules
from scheduler.triggers import OnceTrigger

TEAM_ID = "T00000001"  # the emulator's first id
TEXT = "replicas {schedule}"  # each post names its slot: the schedule's name
UNFINISHED = ("pending", "running")
POLL_S = 0.5  # how often the database is asked whether every slot is final
QUIET_DEADLINE_S = 60.0  # for Slack calls still held (a slow answer) after the last run


@dataclass(frozen=True)
class Burst:
    """What to fire and how hard to shake it."""

    replicas: int = 3
    slots: int = 2_000
    kill_every: float = 5.0  # seconds between SIGKILLs; 0: none
    victim: Literal["random", "busiest"] = "random"  # busiest: the most runs in flight
    window_s: float = 30.0  # the slots are due evenly over this long
    lead_s: float = 3.0  # the first slot is this long after the schedules exist
    channels: int = 200
    posts_per_s: float = 200.0  # each replica's TOCK_SLACK_POSTS_PER_S
    slack_latency_s: float = 0.0  # each post takes this long to land (so kills catch some)
    max_retries: int = 5  # per schedule: transient failures retry this often
    deadline_s: float = 150.0  # after the last slot, for every slot to be final
    seed: int | None = None  # of the choice of replica to kill
    db_proxies: bool = False  # each replica reaches Postgres through its own `TcpProxy`
    env: dict[str, str] = field(default_factory=dict)  # more settings for every replica


@dataclass
class Cluster:
    """The running burst, for a hook that acts beside it (see `run_burst`)."""

    settings: dict[str, Any]  # the emulator's settings line
    http: aiohttp.ClientSession
    bots: list[BotProcess]
    db_url: str
    db: AsyncEngine  # on db_url, for reading runs while it all runs
    start: datetime  # the first slot
    end: datetime  # the last slot
    proxies: list[TcpProxy] = field(default_factory=list)  # per replica, with db_proxies
    kills: int = 0

    async def until(self, instant: datetime) -> None:
        """Sleep until ``instant`` (wall clock): hooks act at a point of the burst."""
        await asyncio.sleep(max(0.0, (instant - datetime.now(UTC)).total_seconds()))

    def at(self, fraction: float) -> datetime:
        """The instant ``fraction`` of the way through the slots (0: the first, 1: the last)."""
        return self.start + (self.end - self.start) * fraction


Hook = Callable[[Cluster], Awaitable[None]]


def slot_name(i: int) -> str:
    return f"slot-{i:05d}"


def plan_slots(burst: Burst, start: datetime) -> dict[str, datetime]:
    """Slot name -> due instant: evenly over the window from ``start``."""
    step = burst.window_s / max(1, burst.slots - 1)
    return {slot_name(i): start + timedelta(seconds=i * step) for i in range(burst.slots)}


def slot_specs(burst: Burst, plan: dict[str, datetime], channels: list[str]) -> list[ScheduleSpec]:
    return [
        ScheduleSpec(
            TEAM_ID,
            name,
            OnceTrigger(at, "UTC"),
            "message",
            {"text": TEXT},
            channel_id=channels[i % len(channels)],
            max_retries=burst.max_retries,
        )
        for i, (name, at) in enumerate(plan.items())
    ]


async def create_slots(store: Store, burst: Burst, channels: list[str]) -> dict[str, datetime]:
    """Create the slot schedules; their plan. The lead counts from after the inserts."""
    creating_s = burst.slots / 2_000  # about a second per 2,000 on a loaded machine
    start = datetime.now(UTC) + timedelta(seconds=burst.lead_s + creating_s)
    plan = plan_slots(burst, start)
    specs = slot_specs(burst, plan, channels)
    for i in range(0, len(specs), 1_000):
        await store.create_schedules(specs[i : i + 1_000], datetime.now(UTC))
    if datetime.now(UTC) >= start:
        raise RuntimeError("creating the schedules took longer than the lead: raise --lead")
    return plan


# ---- reading back ---------------------------------------------------------


def _runs_query() -> sa.Select[Any]:
    runs = schedule_runs
    return (
        sa.select(
            schedules.c.name,
            runs.c.trigger,
            runs.c.status,
            runs.c.attempt,
            runs.c.error,
            runs.c.started_at,
        )
        .join(schedules, schedules.c.id == runs.c.schedule_id)
        .where(schedules.c.team_id == TEAM_ID)
        .order_by(schedules.c.name, runs.c.attempt, runs.c.id)
    )


async def unfinished(engine: AsyncEngine, slots: int) -> int:
    """Slots not final yet: no run row, or a row still pending or running."""
    runs = schedule_runs
    joined = runs.join(schedules, schedules.c.id == runs.c.schedule_id)
    mine = schedules.c.team_id == TEAM_ID
    count = sa.select(sa.func.count(sa.distinct(runs.c.schedule_id))).select_from(joined)
    async with engine.connect() as conn:
        begun = (await conn.execute(count.where(mine))).scalar_one()
        still = await conn.execute(count.where(mine, runs.c.status.in_(UNFINISHED)))
    return slots - begun + still.scalar_one()


async def wait_final(engine: AsyncEngine, slots: int, deadline: datetime) -> int:
    """Until every slot is final or ``deadline``; how many are not. Outages are waited out."""
    left = slots
    while datetime.now(UTC) < deadline:
        try:
            left = await unfinished(engine, slots)
        except Exception:  # the database is restarting (any driver's error): ask again
            pass
        else:
            if left == 0:
                return 0
        await asyncio.sleep(POLL_S)
    return left


async def wait_quiet(http: aiohttp.ClientSession, base_url: str) -> None:
    """Until the emulator holds no call (a slow answer may still land a post)."""
    deadline = time.monotonic() + QUIET_DEADLINE_S
    while time.monotonic() < deadline:
        if not (await emulator_stats(http, base_url))["in_flight"]:
            return
        await asyncio.sleep(POLL_S)


def _percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 1)


def tally(
    plan: dict[str, datetime], rows: list[Any], messages: list[dict[str, Any]]
) -> dict[str, Any]:
    """Outcomes, duplicates, losses and lateness per slot (see the module docstring)."""
    chains: dict[str, list[Any]] = {name: [] for name in plan}
    for row in rows:
        if row.name in chains:
            chains[row.name].append(row)
    posts: dict[str, list[float]] = {}
    prefix = TEXT.format(schedule="")
    for message in messages:
        name = str(message.get("text", "")).removeprefix(prefix)
        if name in plan:
            posts.setdefault(name, []).append(float(message["ts"]))
    outcomes: Counter[str] = Counter()
    errors: Counter[str] = Counter()
    lateness: list[float] = []
    lost = double = found = 0
    for name, chain in chains.items():
        final = chain[-1] if chain else None
        if final is None or final.status in UNFINISHED:
            outcomes["unfinished"] += 1
            lost += 1
            continue
        outcomes[final.status if final.status in ("succeeded", "failed") else "other"] += 1
        earlier_ok = all(r.status == "failed" for r in chain[:-1])
        double += not earlier_ok or sum(r.trigger == "schedule" for r in chain) != 1
        if final.status == "failed":
            errors[str(final.error or "")[:120]] += 1
        landed_at = posts.get(name)
        if final.status == "succeeded" and not landed_at:
            lost += 1
        last_start = final.started_at.timestamp() if final.started_at else None
        found += bool(len(chain) > 1 and landed_at and last_start and min(landed_at) < last_start)
        started = next((r.started_at for r in chain if r.started_at is not None), None)
        first = min(landed_at) if landed_at else started.timestamp() if started else None
        if first is not None:
            lateness.append((first - plan[name].timestamp()) * 1000)
    return {
        "slots": len(plan),
        "succeeded": outcomes["succeeded"],
        "failed": outcomes["failed"],
        "other": outcomes["other"],
        "unfinished": outcomes["unfinished"],
        "duplicates": sum(len(ts) - 1 for ts in posts.values()),
        "lost": lost,
        "double_outcomes": double,
        "p50_lateness_ms": round(statistics.median(lateness), 1) if lateness else None,
        "p99_lateness_ms": _percentile(lateness, 0.99),
        "max_lateness_ms": round(max(lateness), 1) if lateness else None,
        "posts": sum(len(ts) for ts in posts.values()),
        "retried": sum(max(0, len(chain) - 1) for chain in chains.values()),
        "found_landed": found,
        "reclaimed": sum(
            1 for chain in chains.values() for r in chain if "worker lost" in str(r.error or "")
        ),
        "errors": dict(errors.most_common(5)),
    }


# ---- the burst ------------------------------------------------------------


async def _proxies(db_url: str, count: int) -> list[TcpProxy]:
    """``count`` started relays to the database server of ``db_url``."""
    url = sa.make_url(db_url)
    proxies = [TcpProxy(url.host or "127.0.0.1", url.port or 5432) for _ in range(count)]
    for proxy in proxies:
        await proxy.start()
    return proxies


def _through(db_url: str, proxy: TcpProxy) -> str:
    """``db_url`` by way of ``proxy``."""
    url = sa.make_url(db_url).set(host="127.0.0.1", port=proxy.port)
    return url.render_as_string(hide_password=False)


async def busiest(cluster: Cluster) -> int | None:
    """The index of the replica running the most runs now (None: none runs any).

    An engine's owner id is ``host:pid:random`` (`scheduler.engine.default_owner`),
    and each replica's pid is its process's.
    """
    runs = schedule_runs
    stmt = (
        sa.select(runs.c.lease_owner, sa.func.count())
        .where(runs.c.status == "running")
        .group_by(runs.c.lease_owner)
    )
    async with cluster.db.connect() as conn:
        counts = {str(owner): n for owner, n in await conn.execute(stmt)}
    pids = {bot.child.pid: i for i, bot in enumerate(cluster.bots) if bot.child is not None}
    by_bot: Counter[int] = Counter()
    for owner, n in counts.items():
        parts = owner.split(":")
        if len(parts) >= 2 and parts[1].isdigit() and int(parts[1]) in pids:
            by_bot[pids[int(parts[1])]] += n
    return by_bot.most_common(1)[0][0] if by_bot else None


async def claimed(cluster: Cluster) -> int:
    """Once the first slots are due: the replica that claimed them (polls the runs)."""
    await cluster.until(cluster.start)
    while True:
        if (index := await busiest(cluster)) is not None:
            return index
        await asyncio.sleep(POLL_S / 5)


async def notify_replicas(cluster: Cluster) -> None:
    """Wake every replica to look at the database again, as any schedule change does."""
    async with cluster.db.connect() as conn:
        await conn.execute(sa.select(sa.func.pg_notify(NOTIFY_CHANNEL, "")))
        await conn.commit()


async def _victim(cluster: Cluster, policy: str, rng: random.Random) -> int:
    """Which replica to kill: at random, or (``busiest``) the one running the most."""
    if policy == "busiest":
        with contextlib.suppress(Exception):  # unreadable now: fall back to chance
            if (index := await busiest(cluster)) is not None:
                return index
    return rng.randrange(len(cluster.bots))


async def _kill_loop(cluster: Cluster, burst: Burst, rng: random.Random) -> None:
    """SIGKILL a replica every ``kill_every`` seconds until the last slot, restart it.

    Each restart must come up (a replica killed again while starting need not).
    """
    starting: dict[int, asyncio.Task[None]] = {}
    try:
        await cluster.until(cluster.start)
        while True:
            await asyncio.sleep(burst.kill_every)
            if datetime.now(UTC) > cluster.end:
                break
            index = await _victim(cluster, burst.victim, rng)
            bot = cluster.bots[index]
            bot.kill()
            cluster.kills += 1
            if index in starting:
                starting[index].cancel()
            await bot.restart()
            starting[index] = asyncio.create_task(bot.wait_ready())
        await asyncio.gather(*starting.values())
    finally:
        for task in starting.values():
            task.cancel()


async def _watch(cluster: Cluster, burst: Burst, hook: Hook | None) -> None:
    """The kills and the hook, beside the burst."""
    rng = random.Random(burst.seed)
    tasks = []
    if burst.kill_every > 0:
        tasks.append(_kill_loop(cluster, burst, rng))
    if hook is not None:
        tasks.append(hook(cluster))
    await asyncio.gather(*tasks)


async def _until_final(cluster: Cluster, burst: Burst, hook: Hook | None) -> int:
    """Watch and wait until every slot is final (or the deadline): how many are not.

    A failure of the kills or of the hook ends the wait and is raised.
    """
    deadline = cluster.end + timedelta(seconds=burst.deadline_s)
    watcher = asyncio.create_task(_watch(cluster, burst, hook))
    waiting = asyncio.create_task(wait_final(cluster.db, burst.slots, deadline))
    try:
        await asyncio.wait({watcher, waiting}, return_when=asyncio.FIRST_EXCEPTION)
        if watcher.done():
            watcher.result()
        left = await waiting
        await watcher
        return left
    finally:
        for task in (watcher, waiting):
            task.cancel()
        await asyncio.gather(watcher, waiting, return_exceptions=True)


async def run_burst(
    burst: Burst, db_url: str, *, during: Hook | None = None, logs: IO[str] | None = None
) -> dict[str, Any]:
    """Fire ``burst`` at replicas on ``db_url``; its tally (see the module docstring).

    ``during(cluster)`` runs beside the burst, from when the schedules exist;
    it must end by itself. The replicas are stopped before this returns.
    """
    started = time.perf_counter()
    extra = {"TOCK_SLACK_POSTS_PER_S": str(burst.posts_per_s), **burst.env}
    store = await Store.open(db_url)  # migrates an empty database before the replicas start
    poller = create_async_engine(db_url, pool_pre_ping=True)
    with tempfile.TemporaryDirectory() as directory:
        flags = ("--post-latency", str(burst.slack_latency_s))
        async with emulator_process(*flags) as settings, aiohttp.ClientSession() as http:
            names = [f"replicas-{i}" for i in range(burst.channels)]
            channels = await seed_channels(http, settings["base_url"], names)
            proxies = await _proxies(db_url, burst.replicas if burst.db_proxies else 0)
            urls = [_through(db_url, proxy) for proxy in proxies] or [db_url] * burst.replicas
            bots = [
                BotProcess(settings, url, directory, extra, logs, name=f"tock-{i}")
                for i, url in enumerate(urls)
            ]
            try:
                for bot in bots:
                    await bot.start()
                await asyncio.gather(*(bot.wait_ready() for bot in bots))
                plan = await create_slots(store, burst, channels)
                first, last = min(plan.values()), max(plan.values())
                cluster = Cluster(settings, http, bots, db_url, poller, first, last, proxies)
                await _until_final(cluster, burst, during)
                await wait_quiet(http, settings["base_url"])
            finally:
                exits = [await bot.stop() for bot in bots]
                for proxy in proxies:
                    await proxy.close()
            messages = await landed(http, settings["api_url"], settings["bot_token"], channels)
            stats = await emulator_stats(http, settings["base_url"])
            async with http.get(f"{settings['base_url']}/_emulator/faults") as response:
                faults = await response.json()
    async with poller.connect() as conn:
        rows = list((await conn.execute(_runs_query())).all())
    await poller.dispose()
    await store.close()
    result = tally(plan, rows, messages)
    return result | {
        "replicas": burst.replicas,
        "kill_every": burst.kill_every,
        "victim": burst.victim,
        "kills": cluster.kills,
        "window_s": burst.window_s,
        "faults": faults["served"],
        "faults_pending": faults["pending"],
        "ratelimited": stats["ratelimited"],
        "exit_codes": exits,  # of the last process of each replica, at SIGTERM
        "elapsed_s": round(time.perf_counter() - started, 1),
        "db": "postgres",
    }


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    defaults = Burst()
    parser.add_argument("--replicas", type=int, default=defaults.replicas)
    parser.add_argument("--slots", type=int, default=defaults.slots)
    parser.add_argument("--kill-every", type=float, default=defaults.kill_every, help="0: none")
    parser.add_argument(
        "--victim", choices=["random", "busiest"], default=defaults.victim, help="whom to kill"
    )
    parser.add_argument("--window", type=float, default=defaults.window_s, help="seconds")
    parser.add_argument("--lead", type=float, default=defaults.lead_s, help="seconds")
    parser.add_argument("--channels", type=int, default=defaults.channels)
    parser.add_argument("--posts-per-s", type=float, default=defaults.posts_per_s)
    parser.add_argument(
        "--slack-latency", type=float, default=defaults.slack_latency_s, help="seconds per post"
    )
    parser.add_argument("--seed", type=int, help="of the replica kills")
    parser.add_argument(
        "--admin-url",
        default=os.environ.get("TOCK_TEST_POSTGRES_URL") or PG_ADMIN,
        help="a Postgres to create the throwaway database on",
    )
    parser.add_argument("--env", action="append", default=[], metavar="KEY=VALUE")
    parser.add_argument("--logs", help="write every replica's log here")
    parser.add_argument("--json", action="store_true", help="print only the JSON line")
    return parser.parse_args(argv)


async def _main(args: argparse.Namespace, logs: IO[str]) -> dict[str, Any]:
    burst = Burst(
        replicas=args.replicas,
        slots=args.slots,
        kill_every=args.kill_every,
        victim=args.victim,
        window_s=args.window,
        lead_s=args.lead,
        channels=args.channels,
        posts_per_s=args.posts_per_s,
        slack_latency_s=args.slack_latency,
        seed=args.seed,
        env=dict(item.split("=", 1) for item in args.env),
    )
    async with Database("postgres", args.admin_url) as db_url:
        return await run_burst(burst, db_url, logs=logs)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    with open(args.logs or os.devnull, "w") as logs:
        result = asyncio.run(_main(args, logs))
    if not args.json:
        print(f"{result['slots']} slots, {result['kills']} kills:")
    print(json.dumps(result))


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        main()
