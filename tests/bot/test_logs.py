"""Log lines (bot.logs): JSON and key=value, tagged with their run, free of secrets.

Every token here is obviously fake and built at run time, so no scanner (and
no reader) mistakes this file for one holding a credential.
"""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from bot.config import Settings
from bot.health import Metrics, RunObserver
from bot.logs import (
    REDACTED,
    SLACK_LOGGER,
    LogFormat,
    Redactor,
    configure_logging,
    configured_secrets,
)
from scheduler.clock import VirtualClock
from scheduler.engine import MAX_ERROR_CHARS
from scheduler.errors import PermanentJobError
from scheduler.jobs import RunContext
from scheduler.observe import running
from scheduler.store import Store
from scheduler.triggers import CronTrigger
from scheduler.workflow import Step, StepInput, StepOutput, Workflow, run_workflow
from tests.scheduler.harness import build
from tests.scheduler.workflow.support import JumpClock, new_run

log = logging.getLogger("tock.test")
T0 = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)

BOT_TOKEN = "xoxb-" + "1" * 12 + "-" + "2" * 13 + "-" + "a" * 24
APP_TOKEN = "xapp-1-A" + "3" * 10 + "-" + "4" * 13 + "-" + "b" * 32
USER_TOKEN = "xoxp-" + "5" * 12 + "-" + "6" * 12 + "-" + "c" * 24
API_KEY = "sk-" + "proj-" + "d" * 40
SIGNING_SECRET = "e" * 16 + "0123456789abcdef"  # no pattern: found only because it is configured
PLAIN_KEY = "local.llm+key/" + "f" * 12  # an LLM key with no sk- prefix, and regex metacharacters
EVERY_SECRET = [BOT_TOKEN, APP_TOKEN, USER_TOKEN, API_KEY, SIGNING_SECRET, PLAIN_KEY]

Capture = Callable[..., io.StringIO]


def settings(**values: Any) -> Settings:
    """Settings holding every fake secret (or `values`), whatever this shell's environment."""
    chosen = {
        "slack_bot_token": BOT_TOKEN,
        "slack_app_token": APP_TOKEN,
        "slack_signing_secret": SIGNING_SECRET,
        "openai_api_key": PLAIN_KEY,
        "database_url": "sqlite+aiosqlite:///tock.db",
    }
    return Settings(_env_file=None, **(chosen | values))  # type: ignore[call-arg]


@pytest.fixture
def capture() -> Iterator[Capture]:
    """`capture(fmt)`: log through `configure_logging` into a string; the root restored after."""
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    libraries = {name: logging.getLogger(name).level for name in (SLACK_LOGGER, "openai")}

    def start(fmt: LogFormat = "keyvalue", secrets: list[str] | None = None) -> io.StringIO:
        stream = io.StringIO()
        chosen = configured_secrets(settings()) if secrets is None else secrets
        configure_logging("INFO", fmt=fmt, secrets=chosen, stream=stream)
        return stream

    yield start
    root.handlers[:], _ = saved
    root.setLevel(saved[1])
    for name, level in libraries.items():
        logging.getLogger(name).setLevel(level)


def json_lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


# ---- JSON and run scope -------------------------------------------------------------


async def test_every_json_line_of_a_run_carries_its_run_id_schedule_and_step(
    store: Store, capture: Capture
) -> None:
    async def draft(step: StepInput) -> StepOutput:
        log.info("drafting %s", "now", extra={"words": 3})
        return StepOutput(text="draft")

    stream = capture("json")
    ctx = await new_run(store, name="digest")
    flow = Workflow("digest", steps=[Step("draft", fn=draft)])
    with running(ctx.run, ctx.schedule):
        log.info("run begins")
        await run_workflow(flow, ctx, store=store, clock=JumpClock())
        log.info("run ends")
    log.info("outside any run")

    *inside, outside = json_lines(stream)
    assert len(inside) >= 4  # ours three, and the runner's own line for the step
    assert all((line["run_id"], line["schedule"]) == (ctx.run.id, "digest") for line in inside)
    drafting = next(line for line in inside if line["message"] == "drafting now")
    assert (drafting["step"], drafting["words"], drafting["logger"]) == ("draft", 3, "tock.test")
    assert [line.get("step") for line in inside if line["logger"] == "tock.test"] == [
        None,
        "draft",
        None,
    ]
    assert outside["message"] == "outside any run"
    assert not {"run_id", "schedule", "step"} & set(outside)
    assert outside["level"] == "INFO"
    assert datetime.fromisoformat(outside["time"]).tzinfo is not None


async def test_the_engines_lines_for_a_run_carry_its_id_and_schedule(
    store: Store, capture: Capture
) -> None:
    stream = capture("json")
    h = build(store, VirtualClock(T0))

    async def chatty(ctx: RunContext) -> str:
        log.warning("posting for %s", ctx.schedule.name)
        return "ok"

    h.engine.registry.register("chatty", chatty)
    await h.add("standup", CronTrigger("* * * * *", "UTC"), kind="chatty")
    await h.engine.start()
    try:
        await h.advance(60)
    finally:
        await h.engine.stop()
    [run] = await h.runs("standup")
    lines = [line for line in json_lines(stream) if line.get("run_id") == run.id]
    messages = {line["message"]: line for line in lines}
    assert messages["posting for standup"]["schedule"] == "standup"
    assert messages[f"run {run.id} succeeded"]["action"] == "run.succeeded"


def test_a_json_line_holds_the_exception_and_stays_one_line(capture: Capture) -> None:
    stream = capture("json")
    try:
        raise ValueError('a "quoted"\nmulti-line problem')
    except ValueError:
        log.exception("it broke", extra={"when": T0})
    [line] = json_lines(stream)  # one line, however many the traceback has
    assert line["message"] == "it broke"
    assert line["when"] == str(T0)  # what JSON cannot hold is written as text
    assert line["exception"].startswith("Traceback")
    assert 'ValueError: a "quoted"\nmulti-line problem' in line["exception"]


# ---- key=value ----------------------------------------------------------------------


def test_key_value_lines_put_the_run_first_and_quote_what_needs_it(capture: Capture) -> None:
    stream = capture("keyvalue")
    extra = {
        "channel": "C123",
        "text": 'say "hi" now',
        "expr": "a=b",
        "empty": "",
        "count": 3,
        "action": "test.spoke",
        "schedule": "standup",
        "run_id": 7,
    }
    log.info("spoke", extra=extra)
    line = stream.getvalue().rstrip("\n")
    assert line.split(" ", 2)[2] == (
        "INFO tock.test: spoke action=test.spoke run_id=7 schedule=standup "
        'channel=C123 text="say \\"hi\\" now" expr="a=b" empty="" count=3'
    )
    datetime.strptime(" ".join(line.split(" ", 2)[:2]), "%Y-%m-%d %H:%M:%S,%f")


def test_key_value_puts_a_traceback_on_the_lines_below(capture: Capture) -> None:
    stream = capture("keyvalue")
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        log.exception("failed", extra={"action": "test.failed"})
    first, *rest = stream.getvalue().splitlines()
    assert first.endswith("ERROR tock.test: failed action=test.failed")
    assert rest[0] == "Traceback (most recent call last):"
    assert rest[-1] == "RuntimeError: boom"


def test_a_plain_line_has_no_trailing_pairs(capture: Capture) -> None:
    stream = capture("keyvalue")
    log.info("hello %s", "there")
    assert stream.getvalue().endswith("INFO tock.test: hello there\n")


# ---- secrets ------------------------------------------------------------------------


def test_configured_secrets_are_every_secret_setting() -> None:
    assert sorted(configured_secrets(settings())) == sorted(
        [BOT_TOKEN, APP_TOKEN, SIGNING_SECRET, PLAIN_KEY]
    )
    none = dict.fromkeys(["slack_bot_token", "slack_app_token", "slack_signing_secret"])
    assert configured_secrets(settings(**none, openai_api_key=None)) == []


def test_the_database_password_is_a_secret_as_written_and_decoded() -> None:
    url = "postgresql+asyncpg://tock:" + "p%40ss" + "w0rd" * 3 + "@db.internal:5432/tock"
    chosen = settings(database_url=url)
    decoded, written = "p@ss" + "w0rd" * 3, "p%40ss" + "w0rd" * 3
    assert configured_secrets(chosen)[-2:] == [decoded, written]
    redact = Redactor(configured_secrets(chosen)).redact
    assert redact(f"could not connect to {url}") == (
        f"could not connect to postgresql+asyncpg://tock:{REDACTED}@db.internal:5432/tock"
    )
    assert redact(f"password {decoded!r} refused") == f"password '{REDACTED}' refused"
    assert len(configured_secrets(settings())) == 4  # SQLite: no password


@pytest.mark.parametrize("fmt", ["keyvalue", "json"])
@pytest.mark.parametrize("secret", EVERY_SECRET, ids=lambda s: s[:4])
def test_a_secret_never_reaches_a_line(capture: Capture, fmt: LogFormat, secret: str) -> None:
    """In the message, its arguments, the extras, an exception's text and a stack."""
    stream = capture(fmt)
    log.info(f"message with {secret} inside")
    log.info("arguments: %s and %r", secret, {"token": secret})
    log.info("extras", extra={"token": secret, "headers": {"Authorization": f"Bearer {secret}"}})
    try:
        raise RuntimeError(f"Slack refused {secret}")
    except RuntimeError:
        log.exception("an exception")
    try:
        raise ValueError("the cause") from KeyError(secret)
    except ValueError as error:
        log.error("chained", exc_info=error)
    log.info("stack", stack_info=True, extra={"where": secret})
    logging.getLogger("slack_sdk.web").warning("a library: %s", secret)  # any logger
    text = stream.getvalue()
    assert secret not in text
    assert text.count(REDACTED) >= 9
    assert "message with [redacted] inside" in text
    assert "Slack refused [redacted]" in text


def test_redaction_keeps_the_rest_of_the_line(capture: Capture) -> None:
    stream = capture("keyvalue")
    log.info("auth.test with %s answered ok=%s", BOT_TOKEN, True, extra={"n": 2, "user": "U1"})
    assert stream.getvalue().endswith("auth.test with [redacted] answered ok=True n=2 user=U1\n")


@pytest.mark.parametrize(
    "text",
    [
        "xoxb-" + "9" * 10,  # any Slack token kind, configured or not
        "xoxe-1-" + "A" * 20,  # a refresh token
        "xoxa-2-" + "B" * 20,
        "sk-" + "C" * 32,  # an OpenAI-style key
        "sk-ant-" + "D" * 30,
    ],
)
def test_tokens_are_found_by_their_shape_without_being_configured(text: str) -> None:
    assert Redactor().redact(f"got {text}, then") == f"got {REDACTED}, then"


@pytest.mark.parametrize(
    "text",
    ["xoxb", "the task-list", "risk-free", "desk-top", "sk-short", "ask-me-anything"],
)
def test_ordinary_words_are_left_alone(text: str) -> None:
    assert Redactor(["password"]).redact(text) == text


def test_a_short_configured_value_is_not_used_to_blank_words() -> None:
    """A secret under 8 characters would blank ordinary words; real ones are far longer."""
    assert Redactor(["tock"]).redact("tock ran") == "tock ran"
    assert Redactor([SIGNING_SECRET]).redact(f"sig={SIGNING_SECRET}") == f"sig={REDACTED}"


def test_the_longest_secret_wins_when_one_contains_another() -> None:
    inner = "g" * 10
    redactor = Redactor([inner, f"{inner}-and-more"])
    assert redactor.redact(f"x {inner}-and-more y") == f"x {REDACTED} y"


def test_a_call_with_bad_arguments_is_written_redacted_not_dumped_raw(
    capture: Capture, capsys: pytest.CaptureFixture[str]
) -> None:
    """logging itself would print the record's arguments, unredacted, to stderr."""
    stream = capture("keyvalue")
    log.info("two %s %s", BOT_TOKEN)
    assert stream.getvalue().endswith("two %s %s (bad log arguments: ('[redacted]',))\n")
    assert BOT_TOKEN not in capsys.readouterr().err


# ---- stored errors ------------------------------------------------------------------


async def test_a_run_error_with_a_token_in_it_is_stored_redacted(store: Store) -> None:
    """The engine scrubs a failed run's error with the bot's observer before storing it."""
    h = build(store, VirtualClock(T0))
    h.engine.observer = RunObserver(Metrics(), Redactor(configured_secrets(settings())).redact)
    await h.add("leaky", CronTrigger("* * * * *", "UTC"), max_retries=0)
    h.failures["leaky"] = [RuntimeError(f"auth failed for {BOT_TOKEN}; key {PLAIN_KEY}")]
    await h.engine.start()
    try:
        await h.advance(60)
    finally:
        await h.engine.stop()
    [run] = await h.runs("leaky")
    assert run.status == "failed"
    assert run.error == "RuntimeError: auth failed for [redacted]; key [redacted]"


async def test_a_step_error_with_a_key_in_it_is_stored_redacted(store: Store) -> None:
    async def leaky(step: StepInput) -> StepOutput:
        raise PermanentJobError(f"the model refused {API_KEY} and {SIGNING_SECRET}")

    ctx = await new_run(store)
    observer = RunObserver(Metrics(), Redactor(configured_secrets(settings())).redact)
    ctx = RunContext(run=ctx.run, schedule=ctx.schedule, now=ctx.now, observer=observer)
    flow = Workflow("wf", steps=[Step("leaky", fn=leaky)])
    with pytest.raises(PermanentJobError) as raised:
        await run_workflow(flow, ctx, store=store, clock=JumpClock())
    [step] = await store.list_steps(run_id=ctx.run.id)
    assert step.error is not None and "[redacted] and [redacted]" in step.error
    assert API_KEY not in step.error and SIGNING_SECRET not in step.error
    assert API_KEY not in observer.scrub(str(raised.value))


async def test_a_secret_cut_by_the_error_length_limit_is_still_redacted(store: Store) -> None:
    h = build(store, VirtualClock(T0))
    h.engine.observer = RunObserver(Metrics(), Redactor(configured_secrets(settings())).redact)
    await h.add("long", CronTrigger("* * * * *", "UTC"), max_retries=0)
    padding = "x" * (MAX_ERROR_CHARS - len("RuntimeError: ") - 10)
    h.failures["long"] = [RuntimeError(f"{padding}{SIGNING_SECRET}")]
    await h.engine.start()
    try:
        await h.advance(60)
    finally:
        await h.engine.stop()
    [run] = await h.runs("long")
    assert run.error is not None and SIGNING_SECRET[:10] not in run.error
