"""`/healthz`, `/readyz` and `/metrics` on the bot's web server.

- `/healthz`: the process answers HTTP. Nothing else: a liveness probe that
  touched the database would restart every replica when the database blips.
- `/readyz`: the engine loop is alive AND `SELECT 1` succeeds within a short
  timeout. 503 with the failing part otherwise.
- `/metrics`: Prometheus text. Each bot has its own `CollectorRegistry`, so
  several bots in one process (tests) do not collide; gauges that mirror
  state (runs by status, engine in-flight, Sender counters) are refreshed at
  scrape time instead of being kept in step everywhere.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client import generate_latest as render_metrics

from scheduler.engine import Engine
from scheduler.errors import StoreUnavailable
from scheduler.store import Store

if TYPE_CHECKING:
    from bot.slack.delivery import Sender

log = logging.getLogger(__name__)
PROBE_TIMEOUT_S = 2.0
ACK_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 3.0, 5.0)
_SENDER_COUNTERS = (
    "sent",
    "posts",
    "retried_429",
    "found_existing",
    "failed_permanent",
    "failed_transient",
)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.requests = Counter(
            "tock_slack_requests",
            "Requests from Slack by kind and HTTP status",
            ["kind", "status"],
            registry=r,
        )
        self.ack_seconds = Histogram(
            "tock_slack_ack_seconds",
            "Time from receiving a Slack request to answering it",
            ["kind"],
            buckets=ACK_BUCKETS,
            registry=r,
        )
        self.duplicates = Counter(
            "tock_slack_duplicate_events", "Slack event redeliveries answered once", registry=r
        )
        self.agent_turns = Counter(
            "tock_agent_turns", "Agent replies by outcome", ["outcome"], registry=r
        )
        self.job_pauses = Counter(
            "tock_schedules_paused_on_error",
            "Schedules paused after a permanent Slack error",
            ["code"],
            registry=r,
        )
        self.runs = Gauge("tock_runs", "Runs in the database by status", ["status"], registry=r)
        self.engine_alive = Gauge("tock_engine_alive", "1 while the engine loop runs", registry=r)
        self.engine_inflight = Gauge("tock_engine_inflight", "Runs executing now", registry=r)
        self.sender = Gauge("tock_sender", "Sender counters since start", ["counter"], registry=r)

    async def refresh(self, engine: Engine, store: Store, sender: Sender | None) -> None:
        """Copy current state into the gauges (called per scrape)."""
        self.engine_alive.set(1 if engine.alive else 0)
        self.engine_inflight.set(engine.inflight)
        if sender is not None:
            for name in _SENDER_COUNTERS:
                self.sender.labels(name).set(getattr(sender, name))
        try:
            async with asyncio.timeout(PROBE_TIMEOUT_S):
                counts = await store.count_runs()
        except (TimeoutError, StoreUnavailable) as error:
            log.warning("metrics: run counts unavailable: %s", error)
            return
        self.runs.clear()  # a status with no runs left must not keep its old count
        for status, count in counts.items():
            self.runs.labels(status).set(count)


async def database_ok(store: Store) -> bool:
    try:
        async with asyncio.timeout(PROBE_TIMEOUT_S):
            await store.ping()
    except (TimeoutError, StoreUnavailable) as error:
        log.warning("readiness: database check failed: %s", error)
        return False
    return True


def add_health_routes(
    app: web.Application,
    *,
    engine: Engine,
    store: Store,
    metrics: Metrics,
    sender: Sender | None = None,
) -> None:
    async def healthz(_: web.Request) -> web.Response:
        return web.json_response({"ok": True})

    async def readyz(_: web.Request) -> web.Response:
        checks = {"engine": engine.alive, "database": await database_ok(store)}
        status = 200 if all(checks.values()) else 503
        return web.json_response({"ok": status == 200, **checks}, status=status)

    async def metrics_page(_: web.Request) -> web.Response:
        await metrics.refresh(engine, store, sender)
        body = render_metrics(metrics.registry)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})

    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/metrics", metrics_page)
