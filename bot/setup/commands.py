"""The `tock` commands for the operator's setup: `schedules sync`, `workflows list|run`.

- `tock schedules sync [--file F]`: the sync a start does (the setup hook's
  schedules and the file's entries), without restarting; prints what it
  added, updated and paused. It needs a file (`--file`, TOCK_SCHEDULES_FILE
  or ./schedules.yml).
- `tock workflows list`: one workflow per line, name first: the built-in
  ones and the setup hook's.
- `tock workflows run NAME [--input TEXT] [--channel C]`: one recorded run,
  now, in this process (`trial`). Without SLACK_BOT_TOKEN it prints each
  step and the final output and posts nothing; with it, it posts in
  `--channel` as the bot would. Its workspace is TOCK_TEAM_ID, else the bot
  token's, else (no Slack) `LOCAL_TEAM`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TextIO

import aiohttp
import openai
from slack_sdk.web.async_client import AsyncWebClient

from bot.config import Settings, secret
from bot.jobs.workflows import SlackSteps, agent_answers, builtin_workflows
from bot.setup.errors import SetupError
from bot.setup.hook import Tock, load_app
from bot.setup.startup import BUILTIN_KINDS, Declarations, apply, load_declarations
from bot.setup.teams import workspace
from bot.setup.trial import OfflineSteps, Trial, offline_handler, on_demand_spec, run_trial
from scheduler.clock import Clock, SystemClock
from scheduler.engine import default_owner
from scheduler.jobs import Handler, JobRegistry
from scheduler.store import Store
from scheduler.workflow import WorkflowRegistry
from tools.scheduler_tools import SchedulerTools, ToolError, target_ref

LOCAL_TEAM = "_local"  # runs tried without Slack; Slack team ids are T… or E…
NO_FILE = "no schedules file: pass --file, set TOCK_SCHEDULES_FILE, or create ./schedules.yml"
_MARKS = {"succeeded": "✓", "failed": "✗", "skipped": "–", "running": "…"}


async def schedules_sync(
    settings: Settings, database_url: str, file: Path | None, out: TextIO
) -> int:
    """Apply the declared schedules now; print what changed."""
    declared = await load_declarations(settings, file)
    if declared.file is None:
        raise SetupError([NO_FILE])
    builtin = [w.name for w in builtin_workflows(OfflineSteps())]
    known = declared.catalog(builtin, llm=settings.llm_enabled)
    store = await Store.open(database_url)
    try:
        async with _slack(settings) as client:
            team = workspace(settings.team_id, client)
            report = await apply(declared, store, SystemClock(), known, team)
    finally:
        await store.close()
    print(f"{declared.file.path}: {report.summary()}", file=out)
    for line in report.lines():
        print(f"  {line}", file=out)
    return 0


async def workflows_list(settings: Settings, out: TextIO) -> int:
    app = await load_app(settings.tock_app)
    registry = _workflows(OfflineSteps(), app)
    hooked = {w.name for w in app.workflows}
    width = max(len(name) for name in registry)
    for name in registry:
        origin = "setup" if name in hooked else "built-in"
        description = registry.get(name).description
        print(f"{name:<{width}}  {origin:<8}  {description}".rstrip(), file=out)
    return 0


async def workflows_run(
    settings: Settings,
    database_url: str,
    name: str,
    *,
    input_text: str | None,
    channel: str | None,
    out: TextIO,
) -> int:
    """Run workflow `name` once, now, recorded; 0 when it succeeded, 1 when it failed."""
    app = await load_app(settings.tock_app)
    target = _target(channel)
    if settings.slack_bot_token is not None and target is None:
        raise ValueError("say where to post: --channel C0123ABC (a channel id, or a user id)")
    clock = SystemClock()
    store = await Store.open(database_url)
    try:
        async with _slack(settings) as client, _llm(settings) as llm:
            handler, workflows = _runner(settings, app, store, clock, client, llm)
            if name not in workflows:
                known = ", ".join(workflows)
                raise ValueError(f"there is no workflow named {name!r} (registered: {known})")
            team = LOCAL_TEAM if client is None else await workspace(settings.team_id, client)()
            spec = on_demand_spec(team, name, target, clock.now())
            owner = f"cli-{default_owner()}"
            trial = await run_trial(store, clock, spec, handler, owner=owner, input_text=input_text)
    finally:
        await store.close()
    _print_trial(trial, name, offline=settings.slack_bot_token is None, out=out)
    return 1 if trial.status == "failed" else 0


def _runner(
    settings: Settings,
    app: Tock,
    store: Store,
    clock: Clock,
    client: AsyncWebClient | None,
    llm: openai.AsyncOpenAI | None,
) -> tuple[Handler, WorkflowRegistry]:
    """The `workflow` job kind: offline without Slack, else the bot's own (it posts)."""
    if client is None:
        steps: SlackSteps = OfflineSteps(llm, settings.model)
        workflows = _workflows(steps, app)
        return offline_handler(workflows, store, clock, agent_answers(steps)), workflows
    from bot.agents.offline import OfflineAgent
    from bot.jobs.slack_jobs import SlackJobs
    from bot.slack.delivery import Sender
    from bot.slack.directory import SlackDirectory

    sender = Sender(client)
    steps = SlackSteps(sender, client, llm, settings.model)
    workflows = _workflows(steps, app)
    directory = SlackDirectory(client, store, clock)
    tools = SchedulerTools(store, clock, directory, settings.quotas, workflows, source="cli")
    agent = OfflineAgent(tools, clock=clock, resolve_channel=directory.channel_by_name)
    jobs = JobRegistry()
    SlackJobs(
        store=store,
        clock=clock,
        sender=sender,
        directory=directory,
        agent=agent,
        workflows=workflows,
        ask=agent_answers(steps),
    ).register(jobs)
    return jobs.get("workflow"), workflows


def _workflows(steps: SlackSteps, app: Tock) -> WorkflowRegistry:
    registry = WorkflowRegistry(builtin_workflows(steps))
    Declarations(app, None).check_names(registry, BUILTIN_KINDS)
    for workflow in app.workflows:
        registry.register(workflow)
    return registry


def _target(channel: str | None) -> str | None:
    if channel is None:
        return None
    try:
        return target_ref(channel, "").id
    except ToolError as exc:
        raise ValueError(f"--channel: {exc.error} ({exc.hint})") from None


@asynccontextmanager
async def _slack(settings: Settings) -> AsyncIterator[AsyncWebClient | None]:
    """A Web API client when a bot token is configured, else None: nothing reaches Slack."""
    if settings.slack_bot_token is None:
        yield None
        return
    async with aiohttp.ClientSession() as session:
        yield AsyncWebClient(
            token=secret(settings.slack_bot_token),
            base_url=settings.slack_api_url,
            session=session,
        )


@asynccontextmanager
async def _llm(settings: Settings) -> AsyncIterator[openai.AsyncOpenAI | None]:
    if not settings.llm_enabled:
        yield None
        return
    client = openai.AsyncOpenAI(
        api_key=secret(settings.openai_api_key),
        base_url=settings.openai_base_url,
        timeout=settings.llm_timeout_s,
        max_retries=1,
    )
    try:
        yield client
    finally:
        await client.close()


def _print_trial(trial: Trial, name: str, *, offline: bool, out: TextIO) -> None:
    where = "not posted: no Slack configured" if offline else f"in {trial.schedule.channel_id}"
    print(f"workflow {name}: run {trial.run.id} of {trial.schedule.name} ({where})", file=out)
    if trial.status == "taken":
        print(
            f"run {trial.run.id} was taken by a Tock running on this database (or waits behind "
            "an earlier run of it); `tock runs` shows how it went",
            file=out,
        )
        return
    width = max((len(step.path) for step in trial.steps), default=0)
    for step in trial.steps:
        mark = _MARKS.get(step.status, "?")
        detail = step.error if step.status == "failed" else step.summary
        took = f"{step.duration_ms} ms" if step.duration_ms is not None else ""
        first = (detail or "").strip().splitlines()[0][:100] if (detail or "").strip() else ""
        print(f"  {mark} {step.path:<{width}}  {took:>8}  {first}".rstrip(), file=out)
    if trial.status == "failed":
        print(f"failed: {trial.error}", file=out)
        return
    print("output:", file=out)
    print(trial.output or "(none)", file=out)
