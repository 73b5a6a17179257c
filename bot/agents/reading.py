"""Reading what people say to the offline agent: which tool, which schedule, what change. Pure.

Understood (after greetings, "please" and end punctuation are dropped):

    remind #eng every weekday at 9:30am to stand up     create (also digests, prompts,
    a digest of #support every weekday at 9am           workflows, "remind me": see
    post 'x' every day at 9                             bot.commands.requests)
    list / what's scheduled? / what runs in #eng?       list (all, a channel)
    what did I schedule? / show my schedules            list mine
    show NAME · when does NAME run next?                show one · its next runs
    did NAME run this morning?                          its recent runs
    change NAME to 9:30 · move it to Fridays            change its time
    make the digest weekly on Monday
    rename NAME to NEW · post it in #ops instead        rename · move to a channel
    change the text of NAME to …                        new text
    pause|resume|delete|run|history NAME                (delete asks with a button)
    run the content pipeline now · run the X workflow   a workflow, once, now

A schedule named "it", "that" or "that one" (or not named) is the one the
thread talked about last. A create needs a reason to believe it is one: a
quoted message, a lead verb (remind, post, say, ...), a channel, or a kind
of schedule ("a digest of", "ask:", "the … workflow"); "make it 10am instead"
is an edit, never "post 'make it instead' at 10am".
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.commands.command import ChannelRef, SlashCommand, SlashError
from bot.commands.grammar import parse_slash
from bot.commands.requests import extract_channel, extract_message, looks_like_request
from bot.commands.verbs import BY_COMMAND, BY_WORD, EDIT_WORDS, HELP_WORDS, LIST_WORDS


def _words(words: Iterable[str]) -> str:
    """A regex alternation of `words`, longest first."""
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


_CREATE_LEADS = frozenset(
    "remind post say send announce tell message schedule create add ping notify".split()
)
REFERENCES = frozenset(
    {"it", "that", "this", "that one", "this one", "the last one", "the same", "same", "them"}
)
_POLITE = re.compile(
    r"^(?:(?:hey|hi|hello|ok|okay|tock|please|pls|can\s+you|could\s+you|would\s+you|"
    r"will\s+you|i\s+want\s+to|i'd\s+like\s+to|let's)\b[\s,]*)+",
    re.IGNORECASE,
)
_TRAILING = re.compile(r"(?:[\s,]*(?:please|now|right\s+now|thanks|thank\s+you)\b)*[\s?!.]*$", re.I)
_LIST = re.compile(
    rf"^(?:{_words(LIST_WORDS)}|(?:show|list|what\s+are|what's|whats|which\s+are)\b.*"
    r"\bschedules\b|what'?s\s+scheduled\b|what\s+is\s+scheduled\b|what\s+(?:runs|posts)\b"
    r"|what\s+(?:did|have)\s+i\s+(?:schedule|scheduled|set\s+up|create|created)\b)",
    re.IGNORECASE,
)
_HISTORY_OF = re.compile(
    rf"\b(?:{_words(BY_COMMAND['history'].words)})\s+(?:of|for)\s+(.+)$", re.IGNORECASE
)
_HELP = re.compile(
    rf"^(?:{_words(HELP_WORDS)}|what\s+can\s+you\s+do|how\s+does\s+this\s+work)(?!\w)", re.I
)
_NAME_NOISE = re.compile(
    r"^(?:the\s+|my\s+|our\s+|schedule\s+|called\s+|named\s+)+|(?:\s+schedule|\s+one)$",
    re.IGNORECASE,
)
_WHEN_NEXT = re.compile(
    r"^(?:when\s+(?:does|will|is|do)\s+(?P<a>.+?)\s+(?:run|fire|post|go(?:\s+out)?|happen|"
    r"come\s+up)(?:\s+next)?|when\s+is\s+(?P<b>.+?)\s+next|(?:what's|what\s+is)\s+the\s+"
    r"next\s+run\s+of\s+(?P<c>.+))$",
    re.IGNORECASE,
)
_DID_RUN = re.compile(
    r"^(?:did|has)\s+(?P<ref>.+?)\s+(?:run|ran|fire|fired|post|posted|go\s+out|gone\s+out|"
    r"work|worked|happen|happened)\b",
    re.IGNORECASE,
)
# What an edit names: "it"/"that", "the standup (reminder)", or one name like standup-9am.
_REF = r"(?P<ref>it|that(?:\s+one)?|this(?:\s+one)?|the\s+[\w-]+(?:\s+[\w-]+)?|[\w][\w-]*)"
_RENAME = re.compile(r"^rename\s+(?P<ref>.+?)\s+(?:to|as)\s+(?P<new>\S.*)$", re.IGNORECASE)
_NEW_TEXT = re.compile(
    r"^(?:change|set|update|edit|make)\s+the\s+(?:text|message|wording|words)"
    r"(?:\s+(?:of|for|in)\s+(?P<ref>.+?))?\s+(?:to|into)\s*:?\s+(?P<text>\S.*)$",
    re.IGNORECASE | re.DOTALL,
)
_NEW_CHANNEL = re.compile(
    rf"^(?:post|send|move|put|change)\s+{_REF}\s+(?:in|to|into)\s+"
    r"(?P<channel><#[^>]{1,120}>|#[\w-]{1,80})(?:\s+instead)?$",
    re.IGNORECASE,
)
_NEW_TIME = re.compile(
    rf"^(?:{_words(EDIT_WORDS | {'move', 'make', 'set', 'switch', 'shift', 'push'})})\s+"
    rf"{_REF}\s+(?:to|into|for|on|at|so\s+it\s+runs)\s+(?P<when>\S.*)$",
    re.IGNORECASE,
)
_MAKE = re.compile(
    rf"^make\s+{_REF}\s+(?P<when>(?:(?:daily|weekly|hourly|monthly|yearly|every|each|"
    r"twice|once|noon|midnight)\b|[0-9]).*)$",
    re.IGNORECASE,
)


_RUN_WORKFLOW = re.compile(
    r"^run\s+(?:the\s+)?(?P<name>[\w-]+(?:\s+[\w-]+){0,3}?)\s+workflow$", re.IGNORECASE
)


@dataclass(frozen=True)
class Intent:
    tool: str  # a SchedulerTools tool name, or "help" / "create" / "when" / "unknown"
    name: str | None = None  # the schedule, for named tools (None: the thread's last)
    command: SlashCommand | None = None  # create / list, as the slash grammar read it
    changes: dict[str, Any] = field(default_factory=dict)  # update: the fields to change
    channel: ChannelRef | None = None  # update: the new channel, still to resolve


def normalize(text: str) -> str:
    """The request without greetings, "please" and end punctuation."""
    text = _POLITE.sub("", text)
    return _TRAILING.sub("", text).strip()


def read_intent(text: str, tz: str, now: datetime) -> Intent:
    """What `text` asks for. Raises SlashError for a create that can't be done as written."""
    head = text.split(None, 1)[0].lower() if text else ""
    if not text or _HELP.match(text):
        return Intent("help")
    if _LIST.match(text):
        return Intent("list_schedules", command=_list_command(text))
    if question := _question(text):
        return question
    if edit := _edit(text):
        return edit
    if flow := _RUN_WORKFLOW.match(text):  # "run the heartbeat workflow (now)": no time said
        return Intent("run_workflow", name=flow["name"])
    if history := _HISTORY_OF.search(text):
        return Intent("schedule_history", name=name_of(history.group(1)))
    if (verb := BY_WORD.get(head)) and not looks_like_request(text):
        return Intent(verb.tool, name=name_of(text.split(None, 1)[1] if " " in text else ""))
    if _looks_like_create(text, head):
        command = parse_slash(text, tz=tz, now=now)
        return Intent("create" if command.kind == "create" else "unknown", command=command)
    return Intent("unknown")


def _question(text: str) -> Intent | None:
    if match := _WHEN_NEXT.match(text):
        return Intent("when", name=name_of(match["a"] or match["b"] or match["c"]))
    if match := _DID_RUN.match(text):
        return Intent("schedule_history", name=name_of(match["ref"]))
    return None


def _edit(text: str) -> Intent | None:
    """A change to an existing schedule: its name, text, channel or time."""
    if match := _RENAME.match(text):
        new = match["new"].strip().strip("`\"'“”‘’")
        return Intent("update_schedule", name=name_of(match["ref"]), changes={"new_name": new})
    if match := _NEW_TEXT.match(text):
        new_text = match["text"].strip()
        quoted, _ = extract_message(new_text)
        changes = {"text": quoted if quoted is not None else new_text}
        return Intent("update_schedule", name=name_of(match["ref"] or ""), changes=changes)
    if match := _NEW_CHANNEL.match(text):
        channel, _ = extract_channel(match["channel"])
        return Intent("update_schedule", name=name_of(match["ref"]), channel=channel)
    if match := (_MAKE.match(text) or _NEW_TIME.match(text)):
        when = re.sub(r"\s+instead$", "", match["when"].strip(), flags=re.IGNORECASE)
        return Intent("update_schedule", name=name_of(match["ref"]), changes={"when": when})
    return None


def _list_command(text: str) -> SlashCommand:
    channel, rest = extract_channel(text)
    if channel is not None:
        return SlashCommand("list", scope="channel", channel=channel)
    words = set(re.findall(r"[\w']+", rest.lower()))
    if words & {"my", "mine", "i"}:
        return SlashCommand("list", scope="mine")
    if words & {"here", "this"}:
        return SlashCommand("list", scope="channel")
    return SlashCommand("list", scope="all")


def name_of(raw: str) -> str | None:
    """A schedule name from the words that name it; None for "it"/"that"."""
    name = raw.strip().strip("`\"'“”‘’").strip()
    name = _NAME_NOISE.sub("", name).strip().strip("`\"'“”‘’")
    if not name or name.lower() in REFERENCES:
        return None
    return name


def _looks_like_create(text: str, head: str) -> bool:
    try:
        message, rest = extract_message(text)
        channel, _ = extract_channel(rest)
    except SlashError:
        return True  # let the grammar say what is wrong with the quotes
    return (
        message is not None
        or channel is not None
        or head in _CREATE_LEADS
        or looks_like_request(text)
    )
