"""bot.commands: the `/tock` grammar as a table, and the handler against a real store."""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.commands.command import ChannelRef, SlashCommand, SlashError, Unclear
from bot.commands.format import format_command, suggest_command
from bot.commands.grammar import parse_slash
from bot.commands.handler import handle_slash
from bot.commands.requests import _choices, _read
from bot.slack.reply import Reply
from scheduler.clock import VirtualClock
from scheduler.store import Store
from tests.fakes.membership import FakeMembership
from tools.scheduler_tools import Caller, SchedulerTools
from tools.timeparse import Reading

NY = "America/New_York"
NOW = datetime(2026, 1, 5, 17, 0, tzinfo=UTC)  # Monday noon in New York
ERROR = "error"


@dataclass(frozen=True)
class Case:
    text: str
    kind: str  # a SlashCommand kind, or ERROR
    expect: dict[str, Any] | None = None  # fields of the command, or words of the error

    @property
    def id(self) -> str:
        return self.text[:40] or "<empty>"


ENG = ChannelRef(name="eng")
CASES = [
    # create
    Case('every weekday at 9:30am "Standup in 5 minutes" in #eng', "create",
         {"when": "every weekday at 9:30am", "text": "Standup in 5 minutes", "channel": ENG}),
    Case('every weekday at 9:30am "Standup" in <#C0ENG|eng>', "create",
         {"text": "Standup", "channel": ChannelRef(id="C0ENG", name="eng")}),
    Case('every weekday at 9:30am "Standup" <#C0ENG>', "create",
         {"channel": ChannelRef(id="C0ENG")}),
    Case('"Standup" every weekday at 9:30am to #eng', "create",
         {"when": "every weekday at 9:30am", "channel": ENG}),
    Case("tomorrow at 3pm “Deploy freeze starts”", "create", {"text": "Deploy freeze starts"}),
    Case("every friday at 4pm 'fill in timesheets'", "create", {"text": "fill in timesheets"}),
    Case('every day at 9 "Don\'t forget"', "create", {"text": "Don't forget"}),
    Case("every friday at 4pm remind us to fill in timesheets", "create",
         {"text": "Reminder: fill in timesheets"}),
    Case("every day at 9 post hello world", "create", {"text": "hello world"}),
    Case("remind #eng every weekday at 9:30am to stand up", "create",
         {"text": "Reminder: stand up", "channel": ENG}),
    Case('in 10 minutes "Coffee"', "create", {"when": "in 10 minutes", "text": "Coffee"}),
    Case('every 2 hours "Hydrate"', "create", {"text": "Hydrate"}),
    Case('0 9 * * MON-FRI "cron works"', "create", {"text": "cron works"}),
    Case('every day at 9 "émoji 🎉 ünïcödé 日本語"', "create", {"text": "émoji 🎉 ünïcödé 日本語"}),
    Case('every day at 9 "<!channel> standup"', "create", {"text": "<!channel> standup"}),
    Case('every day at 9 "Robert\'); DROP TABLE schedules;--"', "create",
         {"text": "Robert'); DROP TABLE schedules;--"}),
    Case('EVERY DAY AT 9AM "shouting"', "create", {"text": "shouting"}),
    Case('every day at 9 "line one\nline two"', "create", {"text": "line one\nline two"}),
    # DMs, digests, agent prompts, workflows
    Case("in 20 minutes remind me to stretch", "create",
         {"text": "Reminder: stretch", "channel": ChannelRef(user="me"), "action": "message"}),
    Case("every friday at 4pm remind <@U0DANA> to send the report", "create",
         {"text": "Reminder: send the report", "channel": ChannelRef(user="U0DANA")}),
    Case("every friday at 4pm remind <@U0DANA> in #eng to send the report", "create",
         {"text": "Reminder for <@U0DANA>: send the report", "channel": ENG}),
    Case("digest #support every weekday at 9am", "create",
         {"action": "digest", "source": ChannelRef(name="support"), "channel": None,
          "when": "every weekday at 9am"}),
    Case("digest #support every weekday at 9am in #leads", "create",
         {"action": "digest", "source": ChannelRef(name="support"),
          "channel": ChannelRef(name="leads")}),
    Case("post a digest of #support of the last 3 days every monday at 9am", "create",
         {"action": "digest", "window_hours": 72}),
    Case("every friday at 4pm summarize #eng into #leads", "create",
         {"action": "digest", "source": ENG, "channel": ChannelRef(name="leads")}),
    Case("a daily digest of this channel at 6pm", "create",
         {"action": "digest", "source": ChannelRef(), "when": "at 6pm daily"}),
    Case("every morning at 8 ask: what changed in #eng yesterday?", "create",
         {"action": "agent", "text": "what changed in #eng yesterday?", "channel": None,
          "when": "every morning at 8"}),
    Case('every morning at 8 ask "what changed?"', "create",
         {"action": "agent", "text": "what changed?"}),
    Case("every monday at 9am run the weekly-report workflow", "create",
         {"action": "workflow", "workflow": "weekly-report", "when": "every monday at 9am"}),
    # edit and when
    Case("edit standup 9:30am", "edit", {"name": "standup", "when": "9:30am", "text": None}),
    Case('update standup "New text"', "edit", {"name": "standup", "when": None,
                                               "text": "New text"}),
    Case("change standup every friday at 4pm in #eng", "edit",
         {"when": "every friday at 4pm", "channel": ENG}),
    Case("when standup", "when", {"name": "standup"}),
    # list
    Case("list", "list", {"scope": "all"}),
    Case("LIST mine", "list", {"scope": "mine"}),
    Case("list all", "list", {"scope": "all"}),
    Case("list here", "list", {"scope": "channel", "channel": None}),
    Case("list #eng", "list", {"scope": "channel", "channel": ENG}),
    Case("list <#C0ENG|eng>", "list", {"scope": "channel", "channel": ChannelRef("C0ENG", "eng")}),
    Case("ls", "list", {"scope": "all"}),
    # named
    Case("pause standup", "pause", {"name": "standup"}),
    Case("resume standup", "resume", {"name": "standup"}),
    Case("delete standup", "delete", {"name": "standup"}),
    Case("run standup", "run", {"name": "standup"}),
    Case("history standup", "history", {"name": "standup"}),
    Case("show standup", "show", {"name": "standup"}),
    Case("pause `standup`", "pause", {"name": "standup"}),
    Case('delete "Standup Reminder"', "delete", {"name": "Standup Reminder"}),
    Case("rm standup-2", "delete", {"name": "standup-2"}),
    Case("pause café-ünïcode", "pause", {"name": "café-ünïcode"}),
    # tz and help
    Case("tz America/New_York", "tz", {"timezone": NY}),
    Case("tz europe/berlin", "tz", {"timezone": "Europe/Berlin"}),
    Case("timezone UTC", "tz", {"timezone": "UTC"}),
    Case("tz", "tz", {"timezone": None}),
    Case("help", "help"),
    Case("", "help"),
    Case("   ", "help"),
    # refused, each with a clear message
    Case("plause standup", ERROR, {"message": "don't know", "example": "/tock pause standup"}),
    Case("lsit", ERROR, {"example": "/tock list"}),
    Case("hist standup", ERROR, {"example": "/tock history standup"}),
    Case("deleet standup", ERROR, {"example": "/tock delete standup"}),
    Case("hello world", ERROR, {"message": "could not find a time"}),
    Case("pause", ERROR, {"message": "Which schedule"}),
    Case("list foo", ERROR, {"example": "/tock list mine"}),
    Case("tz Mars/Base", ERROR, {"message": "not a timezone"}),
    Case("tz ../../etc/passwd", ERROR, {"message": "not a timezone"}),
    Case('"hello"', ERROR, {"message": "say when"}),
    Case("every day at 9", ERROR, {"message": "What should I post"}),
    Case('every day at 9 ""', ERROR, {"message": "empty"}),
    Case('every day at 9 "a" "b"', ERROR, {"message": "one pair of quotes"}),
    Case('every day at 9 "unclosed', ERROR, {"message": "closing mark"}),
    Case('every day at 9 "x" in #a to #b', ERROR, {"message": "one channel"}),
    Case('evry day at 9am "hi"', ERROR, {"message": "typo"}),
    Case("'; DROP TABLE schedules; --", ERROR, {"message": "could not find a time"}),
    Case("pause '; DROP TABLE schedules; --", ERROR, {"message": "not a schedule name"}),
    Case("pause {{7*7}}", ERROR, {"message": "not a schedule name"}),
    Case("show ${jndi:ldap://evil/x}", ERROR, {"message": "not a schedule name"}),
    Case("delete <script>alert(1)</script>", ERROR, {"message": "not a schedule name"}),
    Case("run ../../etc/passwd", ERROR, {"message": "not a schedule name"}),
    Case(f"pause {'x' * 101}", ERROR, {"message": "at most 100"}),
    Case("edit standup", ERROR, {"message": "What should change"}),
    Case("when", ERROR, {"message": "Which schedule"}),
    Case("digest #support of the last 30 days every monday at 9am", ERROR,
         {"message": "at most the last 7 days"}),
    Case('every day at 9 "nul\x00byte"', ERROR, {"message": "control characters"}),
    Case("x" * 4001, ERROR, {"message": "at most 4,000"}),
]  # fmt: skip


def test_the_table_is_broad() -> None:
    assert len(CASES) >= 40
    assert sum(case.kind == ERROR for case in CASES) >= 15


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_grammar(case: Case) -> None:
    if case.kind == ERROR:
        with pytest.raises(SlashError) as caught:
            parse_slash(case.text, tz=NY, now=NOW)
        for field, words in (case.expect or {}).items():
            assert words in str(getattr(caught.value, field)), caught.value.message
        return
    command = parse_slash(case.text, tz=NY, now=NOW)
    assert command.kind == case.kind
    for field, value in (case.expect or {}).items():
        assert getattr(command, field) == value, field


def test_input_of_exactly_the_limit_is_read() -> None:
    text = 'every day at 9 "' + "x" * (4000 - 18) + '"'
    assert len(text) == 4000 - 1
    assert parse_slash(text, tz=NY, now=NOW).kind == "create"


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=300))
def test_any_text_parses_or_raises_slash_error(text: str) -> None:
    try:
        parse_slash(text, tz=NY, now=NOW)
    except SlashError as err:
        assert err.message


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(["pause", "list", "tz", "every day at 9", "help", "run"]), st.text(max_size=80)
)
def test_commands_with_any_arguments_never_raise_anything_else(head: str, rest: str) -> None:
    with contextlib.suppress(SlashError):
        parse_slash(f"{head} {rest}", tz=NY, now=NOW)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("remind #eng every weekday at 9:30am to stand up",
         '/tock every weekday at 9:30am "Reminder: stand up" in #eng'),
        ('post "hi" every day at 9', '/tock every day at 9 "hi"'),
        ("pause standup", "/tock pause standup"),
        ("list mine", "/tock list mine"),
        ("hello there", None),
    ],
)  # fmt: skip
def test_suggest_command(text: str, expected: str | None) -> None:
    assert suggest_command(text, NY, NOW) == expected


def test_a_formatted_command_reads_back_the_same() -> None:
    text = "every friday at 4pm remind us to fill in timesheets in #eng"
    first = parse_slash(text, tz=NY, now=NOW)
    again = parse_slash(format_command(first, NY, NOW).removeprefix("/tock "), tz=NY, now=NOW)
    assert (again.text, again.channel) == (first.text, first.channel)


def test_parse_without_now_still_splits() -> None:
    assert parse_slash('every day at 9 "x"') == SlashCommand(
        "create", when="every day at 9", text="x"
    )


# --------------------------------------------------------------------------- the handler


ALICE = Caller(team_id="T1", user_id="UALICE", channel_id="CGENERAL", timezone=NY)
BOB = Caller(team_id="T1", user_id="UBOB", channel_id="CGENERAL", timezone="Europe/Berlin")
CHANNELS = {"eng": "CENG", "general": "CGENERAL"}


async def resolve(name: str) -> str | None:
    return CHANNELS.get(name)


@pytest.fixture
def tools(store: Store, clock: VirtualClock) -> SchedulerTools:
    """On SQLite and Postgres (the shared `store` fixture)."""
    return SchedulerTools(store, clock, FakeMembership(outside={"CSECRET"}))


@pytest.fixture
async def lite(tmp_path: Path, clock: VirtualClock) -> AsyncIterator[SchedulerTools]:
    """On SQLite only, for the many cases where the backend makes no difference."""
    store = await Store.open(f"sqlite+aiosqlite:///{tmp_path / 'tock.db'}")
    yield SchedulerTools(store, clock, FakeMembership(outside={"CSECRET"}))
    pool = store.engine.pool
    await store.close()
    assert pool.checkedout() == 0, "a test leaked a database connection"


async def slash(tools: SchedulerTools, text: str, caller: Caller = ALICE) -> Reply:
    return await handle_slash(text, caller, tools, resolve_channel=resolve)


def _all_text(reply: Reply) -> str:
    return reply.text + json.dumps(reply.blocks or [])


async def test_create_list_pause_resume_run_history_delete(tools: SchedulerTools) -> None:
    reply = await slash(tools, 'every weekday at 9:30am "Standup in 5 minutes" in #eng')
    assert "Scheduled" in reply.text, reply.text
    [schedule] = await tools.store.list_schedules("T1")
    assert (schedule.channel_id, schedule.source, schedule.created_by) == (
        "CENG",
        "slash",
        "UALICE",
    )
    assert schedule.action["text"] == "Standup in 5 minutes"
    name = schedule.name

    assert name in _all_text(await slash(tools, "list"))
    assert name in _all_text(await slash(tools, "list #eng"))
    assert "No schedules" in _all_text(await slash(tools, "list <#CGENERAL|general>"))
    assert "Paused" in (await slash(tools, f"pause {name}")).text
    assert not (await tools.store.get_schedule("T1", name)).enabled
    assert "Resumed" in (await slash(tools, f"resume {name}")).text
    assert "Running" in (await slash(tools, f"run {name}")).text
    assert "History" in (await slash(tools, f"history {name}")).text
    assert name in _all_text(await slash(tools, f"show {name}"))
    assert "Deleted" in (await slash(tools, f"delete {name}")).text
    assert await tools.store.list_schedules("T1") == []


async def test_create_without_quotes_uses_the_remaining_words(lite: SchedulerTools) -> None:
    await slash(lite, "every friday at 4pm remind us to fill in timesheets")
    [schedule] = await lite.store.list_schedules("T1")
    assert schedule.action["text"] == "Reminder: fill in timesheets"
    assert schedule.channel_id == "CGENERAL"  # where the command was typed


async def test_unknown_channel_name_is_a_clear_error(lite: SchedulerTools) -> None:
    reply = await slash(lite, 'every day at 9 "x" in #nowhere')
    assert "can't find #nowhere" in reply.text
    assert await lite.store.list_schedules("T1") == []


async def test_without_a_resolver_plain_names_are_refused(lite: SchedulerTools) -> None:
    reply = await handle_slash('every day at 9 "x" in #eng', ALICE, lite)
    assert "can't find #eng" in reply.text


async def test_tool_refusals_become_replies(lite: SchedulerTools) -> None:
    assert "not a member" in (await slash(lite, 'every day at 9 "x" in <#CSECRET|secret>')).text
    assert "no schedule named" in (await slash(lite, "pause nothing")).text
    assert "at most every" in (await slash(lite, 'every minute "spam"')).text
    await slash(lite, 'every day at 9 "x"')
    [schedule] = await lite.store.list_schedules("T1")
    refused = await slash(lite, f"delete {schedule.name}", caller=BOB)
    assert "<@UALICE>" in json.dumps(refused.blocks)  # the owner is named as a link
    assert await lite.store.list_schedules("T1") != []


async def test_tz_sets_and_shows_the_timezone(tools: SchedulerTools) -> None:
    assert "now *Europe/Berlin*" in (await slash(tools, "tz europe/berlin")).text
    assert await tools.store.get_user_timezone("T1", "UALICE") == "Europe/Berlin"
    assert NY in (await slash(tools, "tz")).text


@pytest.mark.parametrize(
    "text",
    [
        "",
        "help",
        "plause standup",
        "'; DROP TABLE schedules; --",
        "pause '; DROP TABLE schedules; --",
        "delete <script>alert(1)</script>",
        'every day at 9 "nul\x00byte"',
        "x" * 5000,
        "list <#CXYZ|x> <#CABC|y>",
        "🎉" * 2000,
    ],
    ids=lambda t: t[:20] or "<empty>",
)
async def test_odd_input_always_gets_a_reply(lite: SchedulerTools, text: str) -> None:
    reply = await slash(lite, text)
    assert reply.text and reply.blocks
    assert "Traceback" not in _all_text(reply)
    assert await lite.store.list_schedules("T1") == []


async def test_unknown_input_shows_help_and_a_close_example(lite: SchedulerTools) -> None:
    reply = await slash(lite, "plause standup")
    text = _all_text(reply)
    assert "/tock pause standup" in text
    assert "/tock list mine" in text  # the help follows


async def test_edit_changes_only_what_it_names_and_when_shows_the_next_runs(
    tools: SchedulerTools,
) -> None:
    await slash(tools, 'every weekday at 9am "Standup" in #eng')
    [schedule] = await tools.store.list_schedules("T1")
    name = schedule.name

    reply = await slash(tools, f"edit {name} 9:30am")
    assert "Updated" in reply.text
    changed = await tools.store.get_schedule("T1", name)
    assert changed.trigger.to_dict()["cron"] == "30 9 * * 1-5"  # the weekdays stay
    assert changed.action["text"] == "Standup" and changed.channel_id == "CENG"

    await slash(tools, f'update {name} "Standup, cameras on" in #general')
    changed = await tools.store.get_schedule("T1", name)
    assert (changed.action["text"], changed.channel_id) == ("Standup, cameras on", "CGENERAL")
    assert changed.trigger.to_dict()["cron"] == "30 9 * * 1-5"

    when = _all_text(await slash(tools, f"when {name}"))
    assert "runs next" in when and when.count("9:30 AM") >= 5


async def test_edit_by_someone_else_is_refused_and_changes_nothing(lite: SchedulerTools) -> None:
    await slash(lite, 'every weekday at 9am "Standup"')
    [before] = await lite.store.list_schedules("T1")
    reply = await slash(lite, f"edit {before.name} 10am", caller=BOB)
    assert "only <@UALICE>" in _all_text(reply)
    assert await lite.store.list_schedules("T1") == [before]


async def test_a_digest_of_a_channel_i_am_not_in_is_refused(lite: SchedulerTools) -> None:
    reply = await slash(lite, "digest <#CSECRET|secret> every weekday at 9am")
    assert "not a member" in _all_text(reply)
    assert await lite.store.list_schedules("T1") == []


def test_a_time_glued_to_a_word_is_asked_about_with_one_command_per_reading() -> None:
    """Found by fuzzing: this once let the time parser's question escape the grammar."""
    with pytest.raises(Unclear) as info:
        parse_slash('every day at 3r "hi"', tz=NY, now=NOW)
    assert [label for label, _ in info.value.choices] == ["3:00 AM", "3:00 PM"]


def test_a_reading_that_does_not_parse_on_its_own_is_left_out() -> None:
    readings = (Reading("no time", "nothing here"), Reading("4 PM", "every day at 4pm"))
    choices = list(_choices(_read('every day at 4 "hi"'), readings, NY, NOW))
    assert [(label, command.when) for label, command in choices] == [("4 PM", "every day at 4pm")]
