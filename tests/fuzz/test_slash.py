"""Fuzzing `/tock`: the grammar alone, and the handler against a real store.

The grammar reads any text into a well-formed `SlashCommand` or refuses it
with a `SlashError` that says why in a line; the handler answers any text
with a reply, and a refusal writes nothing.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from hypothesis import event, given
from hypothesis import strategies as st

from bot.commands.command import SlashCommand, SlashError, Unclear
from bot.commands.grammar import MAX_INPUT, parse_slash
from bot.commands.handler import handle_slash
from bot.commands.verbs import BY_COMMAND
from bot.slack.reply import Reply
from scheduler.clock import VirtualClock
from scheduler.store import Store
from tests.fakes.membership import FakeMembership
from tests.fuzz.strategies import fuzz, leaked, sentences, slash_text
from tests.tools.scheduler_tools.support import snapshot
from tools.scheduler_tools import Caller, SchedulerTools
from tools.timeparse import canonical_zone

NY = "America/New_York"
NOW = datetime(2026, 3, 4, 15, 0, tzinfo=UTC)  # a Wednesday, 10:00 in New York
ALICE = Caller("T1", "UALICE", "CENG", NY)
MAX_MESSAGE = 600  # a refusal is a line or two, never an echo of the whole input
_NAME = re.compile(r"^[\w][\w .:/+'’-]*$")


def check_command(command: SlashCommand) -> None:
    """What every parsed command promises the handler."""
    if command.kind in BY_COMMAND or command.kind == "when":
        assert command.name and len(command.name) <= 100 and _NAME.match(command.name)
    elif command.kind == "list":
        assert command.scope in ("mine", "channel", "all")
        assert command.channel is None or command.scope == "channel"
    elif command.kind == "tz":
        assert command.timezone is None or canonical_zone(command.timezone) == command.timezone
    elif command.kind == "edit":
        assert command.name and _NAME.match(command.name)
        assert command.when or command.text or command.channel
    elif command.kind == "run-workflow":
        assert command.workflow and re.fullmatch(r"[\w-]{1,60}", command.workflow)
    elif command.kind == "create":
        assert command.when and command.when.strip()
        assert command.action in ("message", "agent", "digest", "workflow")
        assert command.action != "message" or command.text
        assert command.action != "digest" or command.source is not None
        assert command.action != "workflow" or command.workflow
    else:
        assert command.kind == "help", command


def check_refusal(err: SlashError) -> None:
    assert err.message.strip() and len(err.message) <= MAX_MESSAGE, err.message
    assert not leaked(err.message)
    if isinstance(err, Unclear):
        assert err.choices
        for label, choice in err.choices:
            assert label.strip()
            check_command(choice)


@fuzz(400)
@given(text=slash_text)
def test_any_text_is_a_command_or_a_clear_refusal(text: str) -> None:
    try:
        command = parse_slash(text, tz=NY, now=NOW)
    except SlashError as err:
        event(type(err).__name__)
        check_refusal(err)
    else:
        event(command.kind)
        check_command(command)


@fuzz(150)
@given(
    head=st.sampled_from(["pause", "edit", "list", "tz", "digest", "run-workflow", "when"]),
    rest=sentences,
)
def test_every_command_word_with_any_arguments(head: str, rest: str) -> None:
    try:
        check_command(parse_slash(f"{head} {rest}", tz=NY, now=NOW))
    except SlashError as err:
        check_refusal(err)


@fuzz(30)
@given(text=st.text(min_size=MAX_INPUT + 1, max_size=MAX_INPUT + 50))
def test_overlong_text_is_refused_by_its_length(text: str) -> None:
    try:
        parse_slash(text, tz=NY, now=NOW)
    except SlashError as err:
        assert f"{MAX_INPUT:,}" in err.message
    else:
        raise AssertionError("text over the limit was read")


# ---- the handler, against each backend --------------------------------------------------


def refused(reply: Reply) -> bool:
    first = str(((reply.blocks or [{}])[0].get("text") or {}).get("text") or reply.text)
    return first.startswith((":warning:", ":thinking_face:"))


async def resolve(name: str) -> str | None:
    return {"eng": "CENG", "general": "CGENERAL"}.get(name)


@fuzz(60)
@given(text=slash_text)
async def test_the_handler_answers_anything_and_a_refusal_writes_nothing(
    store: Store, text: str
) -> None:
    clock = VirtualClock(NOW)
    tools = SchedulerTools(store, clock, FakeMembership(outside={"CSECRET"}), source="slash")
    before = await snapshot(store)
    reply = await handle_slash(text, ALICE, tools, resolve_channel=resolve)
    shown = reply.text + str(reply.blocks)
    assert reply.text.strip() and not leaked(shown), shown
    event("refused" if refused(reply) else "answered")
    if refused(reply):
        assert await snapshot(store) == before, text
