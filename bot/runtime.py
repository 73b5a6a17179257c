"""Assemble and run the bot: store, engine, Bolt app, web server, Socket Mode.

`serve(settings)` is `tock run`: everything in one process until SIGTERM or
SIGINT, or until the engine dies (then it exits 1, loudly, so a supervisor
restarts it). `running_bot(settings, ...)` builds the same thing in-process
for tests, the console and benchmarks.

Web server (always, on `TOCK_HOST:TOCK_PORT`): `/healthz`, `/readyz`,
`/metrics`, and in HTTP mode `/slack/events` for events, commands and
interactivity alike (Bolt tells them apart). With `SLACK_APP_TOKEN` set the
Slack traffic comes over Socket Mode instead and `/slack/events` is absent.

Roles, for operators who split them (`tock run --no-slack` / `--no-scheduler`,
mutually exclusive): `slack=False` runs the engine without a Slack listener
(no Socket Mode, no `/slack/events`); its jobs still post, so it still needs
`SLACK_BOT_TOKEN`, but neither the signing secret nor the app token.
`scheduler=False` serves Slack without an engine: runs people start there
are written to the database and a replica with the engine fires them (on
Postgres it is woken by NOTIFY). The web server runs in both, and `/readyz`
checks only the parts this process runs.

Shutdown order: stop taking Slack requests, let replies in flight finish,
stop the engine (in-flight runs finish or are released for another
replica), then close HTTP sessions and the store.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import signal
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass

import aiohttp
import openai
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp

from bot.agents.llm import LLMAgent
from bot.agents.offline import OfflineAgent
from bot.agents.turn import Agent
from bot.app import build_app
from bot.background import Background
from bot.config import Settings, secret
from bot.deps import Deps
from bot.health import Metrics, RunObserver, add_health_routes
from bot.jobs.slack_jobs import SlackJobs
from bot.jobs.workflows import SlackSteps, agent_answers, builtin_workflows
from bot.logs import (
    SLACK_LOGGER,
    Redactor,
    configure_logging,
    configured_secrets,
    set_library_log_levels,
)
from bot.serving import listen
from bot.setup.startup import start_operator
from bot.setup.teams import workspace
from bot.slack.api import ObservedWebClient
from bot.slack.delivery import Limits, Sender
from bot.slack.directory import SlackDirectory
from bot.slack.warmup import Warmer
from scheduler.clock import Clock, SystemClock, wait_any
from scheduler.engine import Engine, EngineConfig
from scheduler.jobs import JobRegistry
from scheduler.maintenance import MAINTENANCE, maintenance_job, register_maintenance
from scheduler.store import Store
from scheduler.workflow import WorkflowRegistry
from tools.scheduler_tools import SchedulerTools
from tools.timeparse import warm_up

log = logging.getLogger(__name__)
EVENTS_PATH = "/slack/events"
REPLY_GRACE_S = 10.0  # replies in flight get this long at shutdown
SLACK_HTTP_TIMEOUT_S = 30  # per Web API call


@dataclass
class Bot:
    """A running bot and its parts (for tests, the console and benchmarks)."""

    settings: Settings
    deps: Deps
    store: Store
    scheduler: Engine | None  # None: started with scheduler=False
    slack_app: AsyncApp | None  # None: started with slack=False
    url: str  # base URL of the web server, e.g. http://127.0.0.1:3000

    @property
    def engine(self) -> Engine:
        """The scheduler engine; raises when this bot runs none."""
        if self.scheduler is None:
            raise RuntimeError("this bot runs no scheduler (tock run --no-scheduler)")
        return self.scheduler

    @property
    def app(self) -> AsyncApp:
        """The Bolt app; raises when this bot listens to no Slack."""
        if self.slack_app is None:
            raise RuntimeError("this bot has no Slack listener (tock run --no-slack)")
        return self.slack_app

    @property
    def events_url(self) -> str:
        return f"{self.url}{EVENTS_PATH}"

    @property
    def sender(self) -> Sender:
        return self.deps.sender

    @property
    def background(self) -> Background:
        return self.deps.background


async def serve(settings: Settings, *, slack: bool = True, scheduler: bool = True) -> int:
    """Run until SIGTERM/SIGINT (exit 0) or until the engine dies (exit 1).

    `slack`/`scheduler` choose the roles (see the module docstring); at least one.
    """
    if not (slack or scheduler):
        raise ValueError("--no-slack and --no-scheduler together leave nothing to run")
    secrets = configured_secrets(settings)
    configure_logging(settings.log_level, fmt=settings.log_format, secrets=secrets)
    missing = settings.missing_for_slack(listening=slack)
    if missing:
        raise ValueError(f"not configured: set {', '.join(missing)} (see docs/slack.md)")
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    async with running_bot(settings, slack=slack, scheduler=scheduler) as bot:
        freeze_startup_heap()
        log.info("tock is running (%s)", _mode(bot), extra={"action": "bot.started"})
        engine_died = await _until_stopped(stop, bot.scheduler)
    if engine_died:
        log.critical("the scheduler engine stopped unexpectedly", extra={"action": "bot.died"})
        return 1
    log.info("tock stopped", extra={"action": "bot.stopped"})
    return 0


def freeze_startup_heap() -> None:
    """Leave what start-up built (modules, the app, caches) out of every later collection.

    Those ~200,000 objects live as long as the process, yet a full collection
    walks them all: 40-80 ms with the event loop stopped, which the posts of
    a due minute waited out whenever one fell there. Only `tock run` does
    this: in-process bots (tests) come and go, and theirs must stay collectable.
    """
    gc.collect()
    gc.freeze()


def _mode(bot: Bot) -> str:
    """How this process serves, for the start-up line."""
    if bot.slack_app is None:
        return f"scheduler only, no Slack listener; health at {bot.url}"
    mode = "Socket Mode" if bot.settings.socket_mode else f"HTTP at {bot.events_url}"
    return mode if bot.scheduler is not None else f"{mode}, no scheduler"


async def _until_stopped(stop: asyncio.Event, engine: Engine | None) -> bool:
    """Wait for a stop signal or the engine's end; True if the engine ended first."""
    if engine is None:  # nothing else can end this process
        await stop.wait()
        return False
    waiter = asyncio.ensure_future(stop.wait())
    ended = asyncio.ensure_future(engine.wait())
    try:
        await wait_any(engine.clock, None, waiter, ended)
    finally:
        waiter.cancel()
        if not ended.done():
            ended.cancel()
    return ended.done() and not stop.is_set()


@asynccontextmanager
async def running_bot(
    settings: Settings,
    *,
    clock: Clock | None = None,
    engine_config: EngineConfig | None = None,
    limits: Limits | None = None,
    sender_clock: Callable[[], float] = time.monotonic,
    sender_sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    llm: openai.AsyncOpenAI | None = None,
    slack: bool = True,
    scheduler: bool = True,
) -> AsyncIterator[Bot]:
    """Start everything (`slack`/`scheduler`: those roles only); stop it all, in order, on exit.

    `clock` drives the engine, caches and stored timestamps (a VirtualClock in
    tests); `sender_clock`/`sender_sleep` pace Slack posts in real seconds
    (tests speed them up); `llm` replaces the OpenAI client built from settings,
    `engine_config` and `limits` the ones built from `TOCK_MAX_CONCURRENT_RUNS`
    and `TOCK_SLACK_POSTS_PER_S`.
    """
    clock = clock or SystemClock()
    set_library_log_levels(settings.log_level)
    warm_up()  # dateparser's first parse takes ~100 ms: not on someone's first command
    metrics = Metrics()
    observer = RunObserver(metrics, Redactor(configured_secrets(settings)).redact)
    async with AsyncExitStack() as stack:
        store = await Store.open(settings.database_url)
        stack.push_async_callback(store.close)
        await register_maintenance(store, clock, settings.retention_days)
        if llm is None and settings.llm_enabled:
            llm = openai.AsyncOpenAI(
                api_key=secret(settings.openai_api_key),
                base_url=settings.openai_base_url,
                timeout=settings.llm_timeout_s,
                max_retries=1,
                http_client=openai.DefaultAsyncHttpxClient(
                    event_hooks={"response": [metrics.llm_response]}
                ),
            )
            stack.push_async_callback(llm.close)
        # slack_sdk applies its own `timeout` only to sessions it makes: this one needs its own.
        session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=SLACK_HTTP_TIMEOUT_S))
        stack.push_async_callback(session.close)
        deps = _build_deps(
            settings, store, clock, session, llm, limits, sender_clock, sender_sleep, metrics
        )
        jobs = _job_registry(deps)
        # The operator's hook and schedules.yml, before anything fires (bot.setup).
        team = workspace(settings.team_id, deps.client)
        await start_operator(
            settings, store, clock, deps.workflows, jobs, llm=llm is not None, team=team
        )
        engine = None
        if scheduler:
            config = engine_config or EngineConfig(max_concurrency=settings.max_concurrent_runs)
            engine = Engine(store, jobs, clock, config, observer=observer)
            await engine.start()
            stack.push_async_callback(_stop_engine, engine)
            # Connections go cold in real seconds; a virtual clock (tests) has none to keep warm.
            if settings.slack_warmup_s and isinstance(clock, SystemClock):
                warmer = Warmer.for_store(
                    deps.client,
                    clock,
                    store,
                    deps.sender.take_peak,
                    lead_s=settings.slack_warmup_s,
                    on_call=metrics.slack_call,
                )
                await stack.enter_async_context(warmer.running())
        stack.push_async_callback(deps.background.close, REPLY_GRACE_S)
        app = build_app(deps) if slack else None
        url = await _start_web(stack, settings, app, engine, store, deps)
        if app is not None and settings.socket_mode:
            await _start_socket_mode(stack, settings, app)
        yield Bot(settings, deps, store, engine, app, url)


async def _stop_engine(engine: Engine) -> None:
    """Stop the engine; if it had died, log why and let the rest shut down."""
    try:
        await engine.stop()
    except Exception:  # the engine's own failure: already fatal, still close the store
        log.exception("the scheduler engine failed", extra={"action": "engine.failed"})


def _build_deps(
    settings: Settings,
    store: Store,
    clock: Clock,
    session: aiohttp.ClientSession,
    llm: openai.AsyncOpenAI | None,
    limits: Limits | None,
    sender_clock: Callable[[], float],
    sender_sleep: Callable[[float], Awaitable[None]],
    metrics: Metrics,
) -> Deps:
    client = ObservedWebClient(
        token=secret(settings.slack_bot_token),
        base_url=settings.slack_api_url,
        session=session,  # one connection pool for every Web API call
        timeout=SLACK_HTTP_TIMEOUT_S,
        logger=logging.getLogger(SLACK_LOGGER),
        on_call=metrics.slack_call,  # every Web API call is counted
    )
    directory = SlackDirectory(
        client,
        store,
        clock,
        user_ttl_s=settings.user_cache_ttl_s,
        member_ttl_s=settings.member_cache_ttl_s,
    )
    limits = limits or Limits.for_workspace(settings.slack_posts_per_s)
    sender = Sender(client, limits=limits, clock=sender_clock, sleep=sender_sleep)
    steps = SlackSteps(sender, client, llm, settings.model)
    workflows = WorkflowRegistry(builtin_workflows(steps))
    tools = SchedulerTools(store, clock, directory, settings.quotas, workflows, llm=llm is not None)
    agent: Agent = (
        LLMAgent(llm, settings.model, tools, timeout_s=settings.llm_timeout_s, clock=clock)
        if llm is not None
        else OfflineAgent(tools, clock=clock, resolve_channel=directory.channel_by_name)
    )
    return Deps(
        settings=settings,
        store=store,
        clock=clock,
        client=client,
        sender=sender,
        directory=directory,
        tools=tools,
        agent=agent,
        background=Background(),
        metrics=metrics,
        workflows=workflows,
        ask=agent_answers(steps),
    )


def _job_registry(deps: Deps) -> JobRegistry:
    registry = JobRegistry()
    SlackJobs(
        store=deps.store,
        clock=deps.clock,
        sender=deps.sender,
        directory=deps.directory,
        agent=deps.agent,
        workflows=deps.workflows,
        ask=deps.ask,
        metrics=deps.metrics,
    ).register(registry)
    registry.register(MAINTENANCE, maintenance_job(deps.store))
    return registry


async def _start_web(
    stack: AsyncExitStack,
    settings: Settings,
    app: AsyncApp | None,
    engine: Engine | None,
    store: Store,
    deps: Deps,
) -> str:
    web_app = web.Application()
    add_health_routes(
        web_app,
        engine=engine,
        store=store,
        metrics=deps.metrics,
        sender=deps.sender,
        clock=deps.clock,
    )
    if app is not None and not settings.socket_mode:
        web_app.router.add_post(EVENTS_PATH, _events_handler(app, deps.metrics))
    runner, url = await listen(web_app, settings.host, settings.port)
    stack.push_async_callback(runner.cleanup)
    return url


def _events_handler(
    app: AsyncApp, metrics: Metrics
) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    async def handle(request: web.Request) -> web.StreamResponse:
        started = time.perf_counter()
        kind = _request_kind(request, await request.read())
        response = await _dispatch(app, request)
        metrics.ack_seconds.labels(kind).observe(time.perf_counter() - started)
        metrics.requests.labels(kind, str(response.status)).inc()
        return response

    return handle


async def _dispatch(app: AsyncApp, request: web.Request) -> web.StreamResponse:
    """Bolt's answer; a short 401/400 for what Bolt cannot even read.

    Bolt parses the body while it builds the request, and slack_sdk's verifier
    does int() on the timestamp, so a malformed request (signed or not) would
    raise before any listener: a 500 and a traceback for anyone's junk.
    """
    if not request.headers.get("X-Slack-Request-Timestamp", "").strip().isdigit():
        return web.Response(status=401, text="invalid request")  # what Bolt says to forgeries
    try:
        bolt_request = await to_bolt_request(request)
        if not isinstance(bolt_request.body.get("event", {}), dict):
            raise TypeError("`event` is not an object")  # Bolt's middleware would .get() it
        return await to_aiohttp_response(await app.async_dispatch(bolt_request))
    except (ValueError, TypeError, KeyError, AttributeError, IndexError) as error:
        log.warning(
            "unreadable Slack request: %s: %s",
            type(error).__name__,
            error,
            extra={"action": "slack.bad_request"},
        )
        return web.Response(status=400, text="bad request")


def _request_kind(request: web.Request, body: bytes) -> str:
    """event, command or interactive: for metrics only (Bolt parses for real)."""
    if request.content_type == "application/json":
        return "event"
    return "interactive" if body.startswith(b"payload=") else "command"


async def _start_socket_mode(stack: AsyncExitStack, settings: Settings, app: AsyncApp) -> None:
    handler = AsyncSocketModeHandler(app, secret(settings.slack_app_token))
    await handler.connect_async()
    stack.push_async_callback(handler.close_async)
