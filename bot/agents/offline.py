"""The agent without an LLM: fixed phrasings read deterministically.

Understood (after the bot mention and "please"/"can you" are dropped):

    remind #eng every weekday at 9:30am to stand up     create
    post 'x' every day at 9                             create
    list / show my schedules / schedules in #eng        list (mine, a channel, all)
    show NAME                                           show one
    pause|resume|delete|run|history NAME                (delete asks with a button)
    what's the history of NAME                          history
    help                                                help

"it", "that", "that one" mean the schedule this thread talked about last.
The thread history holds the same messages as the LLM agent's, and each of
this agent's assistant messages carries `{"tock": {"schedule": NAME}}`; the
LLM agent's tool results are read for names too, so either agent can pick up
a thread the other started (the LLM agent strips the `tock` note).

A create needs a reason to believe it is one: a quoted message, a lead verb
(remind, post, say, ...), or a channel. "make it 10am instead" is not taken as
"post 'make it instead' at 10am".
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.agents.turn import (
    AgentTurn,
    confirm_reply,
    delete_prompt,
    not_deletable,
    trim_history,
)
from bot.commands.grammar import (
    EXAMPLE,
    ChannelResolver,
    SlashCommand,
    SlashError,
    extract_channel,
    extract_message,
    parse_slash,
)
from bot.commands.handler import channel_id
from bot.commands.verbs import BY_COMMAND, BY_WORD, HELP_WORDS, LIST_WORDS
from bot.slack.blocks import error_reply, escape, is_error, section, text_reply, tool_reply
from bot.slack.reply import Reply
from scheduler.clock import Clock
from tools.scheduler_tools import Caller, SchedulerTools

HELP = "\n".join(
    [
        "I can schedule messages. Say, for example:",
        "• `remind #eng every weekday at 9:30am to stand up`",
        "• `post 'Deploy freeze starts' tomorrow at 3pm`",
        "• `show my schedules` · `list schedules in #eng`",
        "• `pause standup` · `resume it` · `run standup` · `history of standup` · `delete standup`",
    ]
)


def _words(words: Iterable[str]) -> str:
    """A regex alternation of `words`, longest first."""
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


_CREATE_LEADS = frozenset(
    "remind post say send announce tell message schedule create add ping notify".split()
)
_REFERENCES = frozenset(
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
    r"\bschedules\b|what'?s\s+scheduled\b)",
    re.IGNORECASE,
)
_HISTORY_OF = re.compile(
    rf"\b(?:{_words(BY_COMMAND['history'].words)})\s+(?:of|for)\s+(.+)$", re.IGNORECASE
)
_HELP = re.compile(
    rf"^(?:{_words(HELP_WORDS)}|what\s+can\s+you\s+do|how\s+does\s+this\s+work)(?!\w)", re.I
)
_NAME_NOISE = re.compile(
    r"^(?:the\s+|my\s+|schedule\s+|called\s+|named\s+)+|(?:\s+schedule|\s+one)$", re.IGNORECASE
)


Outcome = tuple[Reply, str | None]  # the reply, and the schedule it was about


@dataclass(frozen=True)
class Intent:
    tool: str  # a SchedulerTools tool name, or "help" / "create" / "unknown"
    name: str | None = None  # the schedule, for named tools (None: use the thread's last)
    command: SlashCommand | None = None  # create / list, as the slash grammar read it


def last_schedule(history: list[dict[str, Any]]) -> str | None:
    """The schedule this thread mentioned last: our notes, then the LLM's tool traffic."""
    for message in reversed(history if isinstance(history, list) else []):
        if not isinstance(message, dict):
            continue
        name = _noted_name(message)
        if name:
            return name
    return None


def _noted_name(message: dict[str, Any]) -> str | None:
    note = message.get("tock")
    if isinstance(note, dict) and isinstance(note.get("schedule"), str):
        return note["schedule"]
    if message.get("role") == "tool":
        data = _json_dict(message.get("content"))
        return data.get("name") if isinstance(data.get("name"), str) else None
    for call in reversed(message.get("tool_calls") or []):
        args = _json_dict((call.get("function") or {}).get("arguments"))
        if isinstance(args.get("name"), str):
            return args["name"]
    return None


def _json_dict(raw: object) -> dict[str, Any]:
    try:
        data = json.loads(raw) if isinstance(raw, str) else raw
    except json.JSONDecodeError:
        return {}
    return data if isinstance(data, dict) else {}


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
    if history := _HISTORY_OF.search(text):
        return Intent("schedule_history", name=_name(history.group(1)))
    if verb := BY_WORD.get(head):
        return Intent(verb.tool, name=_name(text.split(None, 1)[1] if " " in text else ""))
    if _looks_like_create(text, head):
        command = parse_slash(text, tz=tz, now=now)
        return Intent("create" if command.kind == "create" else "unknown", command=command)
    return Intent("unknown")


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


def _name(raw: str) -> str | None:
    """A schedule name from the words after the verb; None for "it"/"that"."""
    name = raw.strip().strip("`\"'“”‘’").strip()
    name = _NAME_NOISE.sub("", name).strip().strip("`\"'“”‘’")
    if not name or name.lower() in _REFERENCES:
        return None
    return name


def _looks_like_create(text: str, head: str) -> bool:
    try:
        message, rest = extract_message(text)
        channel, _ = extract_channel(rest)
    except SlashError:
        return True  # let the grammar say what is wrong with the quotes
    return message is not None or channel is not None or head in _CREATE_LEADS


class OfflineAgent:
    def __init__(
        self,
        tools: SchedulerTools,
        *,
        clock: Clock | None = None,
        resolve_channel: ChannelResolver | None = None,
    ) -> None:
        self.tools = tools
        self.clock = clock or tools.clock
        self.resolve_channel = resolve_channel

    async def respond(self, caller: Caller, text: str, history: list[dict[str, Any]]) -> AgentTurn:
        said = normalize(text)
        last = last_schedule(history)
        try:
            intent = read_intent(said, caller.timezone, self.clock.now())
            if intent.tool == "unknown":
                reply, schedule = _not_understood("I didn't catch that.", close_example(said)), None
            else:
                reply, schedule = await self._act(caller, intent, last)
        except SlashError as err:
            reply, schedule = _not_understood(err.message, err.example), last
        note = {"schedule": schedule} if schedule else {}
        messages = [
            *(history if isinstance(history, list) else []),
            {"role": "user", "content": text},
            {"role": "assistant", "content": reply.text, "tock": note},
        ]
        return AgentTurn(reply=reply, history=trim_history(messages))

    async def _act(self, caller: Caller, intent: Intent, last: str | None) -> Outcome:
        """The reply, and the schedule it was about (for "it" next time)."""
        if intent.tool == "help":
            return text_reply(HELP), last
        if intent.tool == "list_schedules":
            return await self._list(caller, intent.command), last
        if intent.tool == "create":
            return await self._create(caller, intent.command)
        name = intent.name or last
        if name is None:
            verb = intent.tool.split("_")[0].replace("get", "show")
            return text_reply(f"Which schedule? For example `{verb} standup`."), None
        if intent.tool == "delete_schedule":
            return await self._confirm_delete(caller, name)
        result = await self.tools.call(intent.tool, caller, {"name": name})
        return tool_reply(intent.tool, result), _named(result)

    async def _list(self, caller: Caller, command: SlashCommand | None) -> Reply:
        args: dict[str, Any] = {"scope": command.scope if command else "all"}
        if command and command.channel:
            args["channel"] = await channel_id(command.channel, self.resolve_channel)
        return tool_reply("list_schedules", await self.tools.call("list_schedules", caller, args))

    async def _create(self, caller: Caller, command: SlashCommand | None) -> Outcome:
        assert command is not None  # read_intent always sets it for a create
        args: dict[str, Any] = {"when": command.when, "text": command.text}
        if command.channel:
            args["channel"] = await channel_id(command.channel, self.resolve_channel)
        result = await self.tools.call("create_schedule", caller, args)
        return tool_reply("create_schedule", result), _named(result)

    async def _confirm_delete(self, caller: Caller, name: str) -> Outcome:
        found = await self.tools.call("get_schedule", caller, {"name": name})
        refusal = found if is_error(found) else not_deletable(found, caller)
        if refusal:  # say what is wrong rather than offer a button that can only fail
            return error_reply(refusal), _named(found)
        name = found["name"]
        return confirm_reply("delete_schedule", {"name": name}, delete_prompt(name)), name


def _named(result: dict[str, Any]) -> str | None:
    """The schedule a result is about; None after a refusal, so "it" keeps its meaning."""
    name = None if is_error(result) else result.get("name")
    return name if isinstance(name, str) else None


def close_example(said: str) -> str | None:
    """A phrasing we understand that is close to what was typed (difflib, first word)."""
    head, _, rest = said.partition(" ")
    known = [*BY_WORD, "list", "help", "remind", "post"]
    close = difflib.get_close_matches(head.lower(), known, n=1, cutoff=0.6)
    if not close:
        return None
    if close[0] in BY_WORD:
        return f"{close[0]} {rest.strip() or 'standup'}"
    return {
        "list": "show my schedules",
        "help": "help",
        "remind": "remind #eng every weekday at 9:30am to stand up",
        "post": "post 'Deploy freeze starts' tomorrow at 3pm",
    }[close[0]]


def _not_understood(message: str, example: str | None) -> Reply:
    lines = [f":thinking_face: {escape(message)}"]
    if example:
        lines.append(f"Try: `{escape(example)}`")
    lines.append(HELP)
    text = "\n".join(lines)
    return Reply(text=f"{message} Try: {example or EXAMPLE}", blocks=[section(text)])
