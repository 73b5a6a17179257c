"""`/healthz`, `/readyz` and `/metrics` on the bot's web server, and what `/metrics` counts.

- `/healthz`: the process answers HTTP. Nothing else: a liveness probe that
  touched the database would restart every replica when the database blips.
- `/readyz`: the engine loop is alive AND `SELECT 1` succeeds within a short
  timeout. 503 with the failing part otherwise. A process started without an
  engine (`tock run --no-scheduler`) checks only the database, and says
  `"engine": null`.
- `/metrics`: Prometheus text. Each bot has its own `CollectorRegistry`, so
  several bots in one process (tests) do not collide. Counters and
  histograms are fed where things happen: runs and steps by `RunObserver`
  (the engine's and the workflow runner's observer), every Slack Web API
  call by `Metrics.slack_call` (the client's hook, `bot.slack.api`), every
  LLM answer by `Metrics.llm_response` (the OpenAI client's HTTP hook).
  Gauges that mirror state (runs and schedules in the database, the queue,
  engine in-flight, Sender counters) are refreshed at scrape time instead of
  being kept in step everywhere. README "Metrics and alerts" says what each
  metric means and which alerts to set (tests/bot/test_metrics.py keeps the
  two in step). No `_created` series: they would double every counter and
  histogram and nothing here reads them.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from aiohttp import web
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
)
from prometheus_client import generate_latest as render_metrics

from scheduler.clock import Clock, SystemClock
from scheduler.engine import Engine
from scheduler.errors import StoreUnavailable
from scheduler.observe import Observer
from scheduler.records import Run, Schedule
from scheduler.store import Store

if TYPE_CHECKING:
    import httpx2

    from bot.slack.delivery import Sender

log = logging.getLogger(__name__)
PROBE_TIMEOUT_S = 2.0
ACK_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 3.0, 5.0)
LATENESS_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0)
WORK_BUCKETS = (0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0)
LLM_BUCKETS = (0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 8.0, 13.0, 20.0, 30.0)
LLM_PATH = "/chat/completions"
_SENDER_COUNTERS = (
    "sent",
    "posts",
    "retried_429",
    "found_existing",
    "failed_permanent",
    "failed_transient",
    "backoffs",
)
_ITERATION = re.compile(r"(?<=/)\d+(?=/|$)")  # a loop's round in a step path


class Metrics:
    def __init__(self) -> None:
        disable_created_metrics()  # process-wide in prometheus_client; set before any metric
        self.registry = CollectorRegistry()
        self._slack_collectors()
        self._run_collectors()
        self._llm_collectors()

    def _slack_collectors(self) -> None:
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
        self.api_calls = Counter(
            "tock_slack_api_calls", "Slack Web API calls made, by method", ["method"], registry=r
        )
        self.api_errors = Counter(
            "tock_slack_api_errors",
            "Slack Web API calls that failed, by method and Slack's error code",
            ["method", "error"],
            registry=r,
        )
        self.ratelimited = Counter(
            "tock_slack_ratelimited",
            "Slack Web API calls answered HTTP 429, by method",
            ["method"],
            registry=r,
        )
        self.sender = Gauge("tock_sender", "Sender counters since start", ["counter"], registry=r)
        self.post_rate = Gauge(
            "tock_slack_post_rate",
            "Posts per second the sender allows across the workspace now (adapts to 429s)",
            registry=r,
        )
        self.job_pauses = Counter(
            "tock_schedules_paused_on_error",
            "Schedules paused after a permanent Slack error",
            ["code"],
            registry=r,
        )

    def _run_collectors(self) -> None:
        r = self.registry
        self.runs = Gauge("tock_runs", "Runs in the database by status", ["status"], registry=r)
        self.runs_finished = Counter(
            "tock_runs_finished",
            "Runs this process finished, by job kind and status",
            ["kind", "status"],
            registry=r,
        )
        self.run_seconds = Histogram(
            "tock_run_duration_seconds",
            "Time a run's handler took, by job kind",
            ["kind"],
            buckets=WORK_BUCKETS,
            registry=r,
        )
        self.lateness = Histogram(
            "tock_run_lateness_seconds",
            "Handler start minus the instant the run fell due (the slot, for trigger=schedule)",
            ["trigger"],
            buckets=LATENESS_BUCKETS,
            registry=r,
        )
        self.step_seconds = Histogram(
            "tock_workflow_step_seconds",
            "Time a workflow step (or group) took, by workflow, step path and status",
            ["workflow", "step", "status"],
            buckets=WORK_BUCKETS,
            registry=r,
        )
        self.queue = Gauge(
            "tock_queue_depth",
            "Runs due and waiting (pending) and under a lease (running), all replicas",
            ["state"],
            registry=r,
        )
        self.schedules = Gauge(
            "tock_schedules",
            "Schedules by status (active, paused, completed)",
            ["status"],
            registry=r,
        )
        self.engine_alive = Gauge("tock_engine_alive", "1 while the engine loop runs", registry=r)
        self.engine_inflight = Gauge("tock_engine_inflight", "Runs executing now", registry=r)

    def _llm_collectors(self) -> None:
        r = self.registry
        self.agent_turns = Counter(
            "tock_agent_turns", "Agent replies by outcome", ["outcome"], registry=r
        )
        self.llm_seconds = Histogram(
            "tock_llm_request_seconds",
            "Time the LLM took to answer a chat completion, by HTTP status",
            ["status"],
            buckets=LLM_BUCKETS,
            registry=r,
        )
        self.llm_tokens = Counter(
            "tock_llm_tokens",
            "Tokens the LLM reported using, by kind (prompt, completion)",
            ["kind"],
            registry=r,
        )

    # -- fed where things happen ------------------------------------------------

    def slack_call(self, method: str, status: int | None, error: str | None) -> None:
        """One Web API request answered `status` (None: no answer), failed with `error`."""
        self.api_calls.labels(method).inc()
        if error is not None:
            self.api_errors.labels(method, error).inc()
        if status == 429:
            self.ratelimited.labels(method).inc()

    async def llm_response(self, response: httpx2.Response) -> None:
        """The OpenAI client's response hook: latency and the `usage` of completions."""
        if not response.request.url.path.endswith(LLM_PATH):
            return
        await response.aread()  # the SDK reads it next anyway; `elapsed` needs it read
        self.llm_seconds.labels(str(response.status_code)).observe(response.elapsed.total_seconds())
        try:
            usage = json.loads(response.content).get("usage") or {}
        except (ValueError, AttributeError):
            return
        for kind in ("prompt", "completion"):
            tokens = usage.get(f"{kind}_tokens")
            if isinstance(tokens, int) and tokens > 0:
                self.llm_tokens.labels(kind).inc(tokens)

    # -- refreshed per scrape ---------------------------------------------------

    async def refresh(
        self, engine: Engine | None, store: Store, sender: Sender | None, clock: Clock | None = None
    ) -> None:
        """Copy current state into the gauges (called per scrape); no engine: its gauges stay 0."""
        if engine is not None:
            self.engine_alive.set(1 if engine.alive else 0)
            self.engine_inflight.set(engine.inflight)
        clock = clock or (engine.clock if engine is not None else SystemClock())
        if sender is not None:
            for name in _SENDER_COUNTERS:
                self.sender.labels(name).set(getattr(sender, name))
            self.post_rate.set(sender.workspace_rate)
        try:
            async with asyncio.timeout(PROBE_TIMEOUT_S):
                counts = await store.count_runs()
                queue = await store.queue_depth(clock.now())
                schedules = await store.count_schedules_by_status()
        except (TimeoutError, StoreUnavailable) as error:
            log.warning("metrics: database counts unavailable: %s", error)
            return
        self.runs.clear()  # a status with no runs left must not keep its old count
        for status, count in counts.items():
            self.runs.labels(status).set(count)
        _set_all(self.queue, queue)
        _set_all(self.schedules, schedules)


def _set_all(gauge: Gauge, values: dict[str, int]) -> None:
    for label, value in values.items():
        gauge.labels(label).set(value)


class RunObserver(Observer):
    """The engine's and the workflow runner's observer: metrics, and secrets scrubbed."""

    def __init__(self, metrics: Metrics, scrub: Callable[[str], str] = str) -> None:
        self.metrics = metrics
        self._scrub = scrub

    def run_started(self, run: Run, schedule: Schedule, lateness_s: float) -> None:
        self.metrics.lateness.labels(run.trigger).observe(max(0.0, lateness_s))

    def run_finished(self, run: Run, schedule: Schedule, status: str, seconds: float) -> None:
        self.metrics.runs_finished.labels(schedule.action_kind, status).inc()
        self.metrics.run_seconds.labels(schedule.action_kind).observe(seconds)

    def step_finished(self, workflow: str, path: str, status: str, seconds: float) -> None:
        """Loop rounds share a series: `review/2/draft` counts as `review/*/draft`."""
        step = _ITERATION.sub("*", path)
        self.metrics.step_seconds.labels(workflow, step, status).observe(seconds)

    def scrub(self, text: str) -> str:
        return self._scrub(text)


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
    engine: Engine | None,
    store: Store,
    metrics: Metrics,
    sender: Sender | None = None,
    clock: Clock | None = None,
) -> None:
    """The three routes; `engine` None: this process runs no scheduler (not a failure)."""

    async def healthz(_: web.Request) -> web.Response:
        return web.json_response({"ok": True})

    async def readyz(_: web.Request) -> web.Response:
        checks = {
            "engine": engine.alive if engine is not None else None,
            "database": await database_ok(store),
        }
        status = 200 if all(ok is not False for ok in checks.values()) else 503
        return web.json_response({"ok": status == 200, **checks}, status=status)

    async def metrics_page(_: web.Request) -> web.Response:
        await metrics.refresh(engine, store, sender, clock)
        body = render_metrics(metrics.registry)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})

    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/metrics", metrics_page)
