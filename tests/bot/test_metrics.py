"""`/metrics` after real activity, parsed as Prometheus does.

Each test drives a running bot (the emulator for Slack, the fake for the LLM,
a virtual clock for the engine), scrapes `/metrics` over HTTP, parses it
with prometheus_client's own parser and checks the values. The gauges read
from the database are checked on SQLite and Postgres.
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import yaml
from prometheus_client.metrics import MetricWrapperBase
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample
from slack_sdk.errors import SlackApiError

from bot.emulator import SlackEmulator
from bot.health import Metrics
from bot.runtime import Bot, running_bot
from scheduler.clock import VirtualClock
from scheduler.records import ScheduleSpec
from scheduler.triggers import CronTrigger, OnceTrigger
from tests.bot.harness import bot_posts, bot_settings, reply_to, settle
from tests.fakes.llm import FakeOpenAI, content, tool_call
from tests.slack_fixtures import EmulatorFactory, FastTime

POST = "chat.postMessage"


class Scrape:
    """One `/metrics` page, parsed: `value(name, **labels)` of a sample."""

    def __init__(self, text: str) -> None:
        self.families = {f.name: f for f in text_string_to_metric_families(text)}
        self.samples: list[Sample] = [s for f in self.families.values() for s in f.samples]

    def value(self, name: str, **labels: str) -> float:
        """The sample `name` with exactly these labels (0 when it does not exist yet)."""
        found = [s.value for s in self.samples if s.name == name and s.labels == labels]
        assert len(found) <= 1, (name, labels, found)
        return found[0] if found else 0.0

    def labels(self, name: str, key: str) -> set[str]:
        return {s.labels[key] for s in self.samples if s.name == name and key in s.labels}

    def kind(self, family: str) -> str:
        return self.families[family].type


async def scrape(http: aiohttp.ClientSession, bot: Bot) -> Scrape:
    async with http.get(f"{bot.url}/metrics") as response:
        assert response.status == 200
        assert response.content_type == "text/plain"
        return Scrape(await response.text())


async def add(bot: Bot, emulator: SlackEmulator, name: str, trigger: Any, **kw: Any) -> None:
    spec = ScheduleSpec(
        team_id=emulator.team.id,
        name=name,
        trigger=trigger,
        action_kind=kw.pop("kind", "message"),
        action=kw.pop("action", {"text": f"from {name}"}),
        channel_id=kw.pop("channel_id", emulator.channel("general").id),
        created_by=emulator.user("alice").id,
        **kw,
    )
    await bot.store.create_schedule(spec, bot.engine.clock.now())


async def test_every_family_is_exposed_with_its_type_before_anything_happens(
    emulator: SlackEmulator, tmp_path: Path, clock: VirtualClock, http: aiohttp.ClientSession
):
    async with running_bot(bot_settings(emulator, tmp_path), clock=clock) as bot:
        page = await scrape(http, bot)
    kinds = {
        "tock_runs_finished": "counter",
        "tock_run_lateness_seconds": "histogram",
        "tock_run_duration_seconds": "histogram",
        "tock_workflow_step_seconds": "histogram",
        "tock_queue_depth": "gauge",
        "tock_schedules": "gauge",
        "tock_runs": "gauge",
        "tock_engine_alive": "gauge",
        "tock_engine_inflight": "gauge",
        "tock_slack_api_calls": "counter",
        "tock_slack_api_errors": "counter",
        "tock_slack_ratelimited": "counter",
        "tock_slack_requests": "counter",
        "tock_slack_ack_seconds": "histogram",
        "tock_slack_duplicate_events": "counter",
        "tock_sender": "gauge",
        "tock_slack_post_rate": "gauge",
        "tock_schedules_paused_on_error": "counter",
        "tock_agent_turns": "counter",
        "tock_llm_request_seconds": "histogram",
        "tock_llm_tokens": "counter",
    }
    assert {name: page.kind(name) for name in kinds} == kinds
    assert set(page.families) == set(kinds)  # README documents exactly these
    # Nothing ran yet, and only Tock's own maintenance schedule exists.
    assert page.value("tock_schedules", status="active") == 1
    assert page.value("tock_queue_depth", state="pending") == 0
    assert page.value("tock_engine_alive") == 1
    assert page.value("tock_slack_post_rate") == 50.0  # TOCK_SLACK_POSTS_PER_S's default


async def test_runs_lateness_durations_queue_and_schedules_after_runs(
    emulator: SlackEmulator,
    tmp_path: Path,
    clock: VirtualClock,
    http: aiohttp.ClientSession,
    db_url: str,
):
    start = clock.now()  # Monday 12:00 UTC
    settings = bot_settings(emulator, tmp_path, database_url=db_url)
    async with running_bot(settings, clock=clock) as bot:
        at_one = CronTrigger("0 13 * * *", "UTC")
        await add(bot, emulator, "daily", at_one)
        await add(bot, emulator, "once", OnceTrigger(start + timedelta(hours=1), "UTC"))
        await add(bot, emulator, "off", at_one, enabled=False)
        emulator.leave("random", "tock")  # `broken` posts where Tock is not: refused for good
        await add(bot, emulator, "broken", at_one, channel_id=emulator.channel("random").id)
        await clock.advance(hours=1)
        await settle(bot)
        page = await scrape(http, bot)

        assert page.value("tock_runs_finished_total", kind="message", status="succeeded") == 2
        assert page.value("tock_runs_finished_total", kind="message", status="failed") == 1
        assert page.value("tock_run_duration_seconds_count", kind="message") == 3
        assert page.value("tock_run_lateness_seconds_count", trigger="schedule") == 3
        # Each started at its slot on the virtual clock: all in the first bucket.
        assert page.value("tock_run_lateness_seconds_bucket", trigger="schedule", le="0.01") == 3
        assert page.value("tock_run_lateness_seconds_sum", trigger="schedule") < 0.01
        assert page.value("tock_runs", status="succeeded") == 2
        assert page.value("tock_runs", status="failed") == 1
        assert page.value("tock_schedules_paused_on_error_total", code="not_in_channel") == 1
        assert page.value("tock_queue_depth", state="pending") == 0
        assert page.value("tock_queue_depth", state="running") == 0
        # daily and Tock's own maintenance; off and broken (paused by the refusal); once.
        assert page.value("tock_schedules", status="active") == 2
        assert page.value("tock_schedules", status="paused") == 2
        assert page.value("tock_schedules", status="completed") == 1

        # Work waiting while the engine is stopped is the queue; the engine is not alive.
        await bot.engine.stop()
        daily = await bot.store.get_schedule(emulator.team.id, "daily")
        await bot.store.add_manual_run(daily, clock.now())
        await bot.store.add_manual_run(daily, clock.now() + timedelta(hours=1))  # not due
        page = await scrape(http, bot)
        assert page.value("tock_queue_depth", state="pending") == 1
        assert page.value("tock_engine_alive") == 0
        assert page.value("tock_runs", status="pending") == 2


async def test_workflow_steps_are_timed_by_workflow_step_and_status(
    emulator: SlackEmulator, tmp_path: Path, clock: VirtualClock, http: aiohttp.ClientSession
):
    async with running_bot(bot_settings(emulator, tmp_path), clock=clock) as bot:
        at_one = CronTrigger("0 13 * * *", "UTC")
        await add(bot, emulator, "beat", at_one, kind="workflow", action={"workflow": "heartbeat"})
        review = {"workflow": "draft-and-review", "text": "ship the release notes today"}
        await add(bot, emulator, "notes", at_one, kind="workflow", action=review)
        await clock.advance(hours=1)
        await settle(bot)
        page = await scrape(http, bot)
        runs = await bot.store.list_runs(team_id=emulator.team.id)
    assert sorted(run.status for run, _ in runs) == ["succeeded", "succeeded"]
    steps = "tock_workflow_step_seconds_count"
    for step in ("beat", "post"):
        assert page.value(steps, workflow="heartbeat", step=step, status="succeeded") == 1
    assert page.value("tock_runs_finished_total", kind="workflow", status="succeeded") == 2
    # A loop's rounds share one series per step: `draft_review/*/draft`, not one per round.
    paths = {
        s.labels["step"]
        for s in page.samples
        if s.name == steps and s.labels["workflow"] == "draft-and-review"
    }
    assert paths == {"draft_review", "draft_review/*/draft", "draft_review/*/review", "post"}
    drafts = page.value(
        steps, workflow="draft-and-review", step="draft_review/*/draft", status="succeeded"
    )
    assert drafts >= 1


async def test_slack_api_calls_errors_and_429s_are_counted_by_method(
    make_emulator: EmulatorFactory,
    tmp_path: Path,
    clock: VirtualClock,
    fast_time: FastTime,
    http: aiohttp.ClientSession,
):
    emulator = await make_emulator(monotonic=fast_time.clock)
    emulator.inject_fault(POST, status=429, error="ratelimited", retry_after=1, times=2)
    settings = bot_settings(emulator, tmp_path)
    async with running_bot(
        settings, clock=clock, sender_clock=fast_time.clock, sender_sleep=fast_time.sleep
    ) as bot:
        await add(bot, emulator, "daily", CronTrigger("0 13 * * *", "UTC"))
        await clock.advance(hours=1)
        await settle(bot)
        page = await scrape(http, bot)
        assert [m.text for m in bot_posts(emulator, "general")] == ["from daily"]

        # Two 429s, then the post: three requests, two errors.
        assert page.value("tock_slack_ratelimited_total", method=POST) == 2
        assert page.value("tock_slack_api_errors_total", method=POST, error="ratelimited") == 2
        assert page.value("tock_slack_api_calls_total", method=POST) == 3
        assert page.value("tock_sender", counter="retried_429") == 2
        assert page.value("tock_sender", counter="posts") == 1

        # A refusal counts as an error under Slack's code; an HTTP 5xx as well.
        emulator.inject_fault("users.info", error="user_not_found")
        emulator.inject_fault("auth.test", status=503, error="service_unavailable")
        for call in (bot.deps.client.users_info(user="U404"), bot.deps.client.auth_test()):
            with pytest.raises(SlackApiError):
                await call
        page = await scrape(http, bot)
        errors = "tock_slack_api_errors_total"
        assert page.value(errors, method="users.info", error="user_not_found") == 1
        assert page.value(errors, method="auth.test", error="service_unavailable") == 1
        assert page.value("tock_slack_ratelimited_total", method="auth.test") == 0


async def test_llm_latency_by_status_and_the_tokens_it_reports(
    emulator: SlackEmulator, tmp_path: Path, clock: VirtualClock, http: aiohttp.ClientSession
):
    async with FakeOpenAI(usage=(120, 30)) as fake:
        settings = bot_settings(
            emulator, tmp_path, openai_api_key="test-key", openai_base_url=fake.base_url
        )
        async with running_bot(settings, clock=clock) as bot:
            fake.fail_next(429)  # the client retries once (max_retries=1): the next one answers
            fake.script(
                tool_call("create_schedule", {"when": "every day at 9am", "text": "Ship it"}),
                content("Done: I'll post *Ship it* every day at 9am."),
            )
            message, event = emulator.mention_event("general", "alice", "remind us to ship at 9")
            assert (await emulator.send_event(bot.events_url, event)).status == 200
            await reply_to(emulator, message)
            page = await scrape(http, bot)
    assert len(fake.requests) == 3
    assert page.value("tock_llm_request_seconds_count", status="429") == 1
    assert page.value("tock_llm_request_seconds_count", status="200") == 2
    assert page.value("tock_llm_request_seconds_sum", status="200") > 0
    assert page.value("tock_llm_tokens_total", kind="prompt") == 2 * 120  # the 429 used none
    assert page.value("tock_llm_tokens_total", kind="completion") == 2 * 30
    assert page.value("tock_agent_turns_total", outcome="ok") == 1


# ---- the README's account of them ---------------------------------------------------

README = Path(__file__).parents[2] / "README.md"


def readme_section() -> str:
    return README.read_text().split("### Metrics and alerts\n", 1)[1].split("\n## ", 1)[0]


def exposed() -> dict[str, set[str]]:
    """Each metric's name as exposed (`_total` for counters) → its label names."""
    collectors = [c for c in vars(Metrics()).values() if isinstance(c, MetricWrapperBase)]
    return {
        f"{c._name}_total" if c._type == "counter" else c._name: set(c._labelnames)
        for c in collectors
    }


def test_the_readme_documents_every_metric_with_its_labels():
    rows = [line for line in readme_section().splitlines() if line.startswith("| `tock_")]
    documented = {}
    for row in rows:
        name, labels, _meaning = (cell.strip() for cell in row.strip("|").split("|", 2))
        documented[name.strip("`")] = set(re.findall(r"`(\w+)`", labels))
    assert documented == exposed()


def test_the_readme_alerts_are_prometheus_rules_over_real_series():
    block = re.search(r"```yaml\n(.*?)```", readme_section(), re.DOTALL)
    assert block is not None
    rules = yaml.safe_load(block.group(1))["groups"][0]["rules"]
    names = {rule["alert"] for rule in rules}
    assert {
        "TockRunsLate",
        "TockRunsFailing",
        "TockSlackRateLimited",
        "TockEngineNotReady",
    } <= names
    series = {name for name in exposed()} | {
        f"{name}_{suffix}" for name in exposed() for suffix in ("bucket", "sum", "count")
    }
    for rule in rules:
        used = set(re.findall(r"\btock_\w+", rule["expr"]))
        assert used and used <= series, rule
    late = next(rule for rule in rules if rule["alert"] == "TockRunsLate")
    assert "histogram_quantile(0.99" in late["expr"] and 'trigger="schedule"' in late["expr"]
