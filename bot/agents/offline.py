"""The agent without an LLM: what people say, read deterministically, done through the tools.

What it understands is `bot.agents.reading`'s list: creating (messages, DMs,
digests, agent prompts, workflows), listing, showing, asking when something
runs next and whether it ran, changing a schedule's time, text, name or
channel, and pause/resume/run/history/delete (a delete asks with a button).

"it", "that", "that one" mean the schedule this thread talked about last, and
so does a name that only repeats part of it ("the digest" in a thread about
`support-digest`). The thread history holds the same messages as the LLM
agent's, and each of this agent's assistant messages carries `{"tock":
{"schedule": NAME}}`; the LLM agent's tool results are read for names too, so
either agent can pick up a thread the other started (the LLM agent strips the
`tock` note).

When a time has two readings, the reply asks, with one button per reading
(`tock_choose`); the click runs the tool call with that reading.
"""

from __future__ import annotations

import difflib
import json
from typing import Any

from bot.agents.reading import Intent, normalize, read_intent
from bot.agents.turn import (
    AgentTurn,
    choose_reply,
    confirm_reply,
    delete_prompt,
    not_deletable,
    trim_history,
)
from bot.commands.command import ChannelResolver, SlashCommand, SlashError, Unclear
from bot.commands.handler import channel_id, create_args
from bot.commands.verbs import BY_WORD
from bot.slack.blocks import EXAMPLE, error_reply, is_error, next_runs_reply, text_reply, tool_reply
from bot.slack.mrkdwn import escape, section
from bot.slack.reply import Reply
from scheduler.clock import Clock
from tools.scheduler_tools import Caller, SchedulerTools
from tools.scheduler_tools.names import slugify

HELP = "\n".join(
    [
        "I can schedule messages, digests and reminders. Say, for example:",
        "• `remind #eng every weekday at 9:30am to stand up`",
        "• `post a digest of #support every weekday at 9am`",
        "• `in 20 minutes remind me to stretch` (a DM to you)",
        "• `post 'Deploy freeze starts' tomorrow at 3pm`",
        "• `what's scheduled?` · `what runs in #eng?` · `when does standup run next?`",
        "• `change standup to 9:30` · `post it in #ops instead` · `rename it to daily-standup`",
        "• `pause standup` · `resume it` · `run standup` · `history of standup` · `delete standup`",
        "• `run the channel-digest workflow now` · `every monday at 9 run the heartbeat workflow`",
    ]
)
HISTORY_SHOWN = 5  # runs shown for "did X run?"
Outcome = tuple[Reply, str | None]  # the reply, and the schedule it was about


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
        except Unclear as err:
            reply, schedule = await self._choices(caller, err), last
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
            assert intent.command is not None  # read_intent always sets it for a create
            return await self._create(caller, intent.command)
        if workflow := self._workflow_named(intent):
            result = await self.tools.call("run_workflow", caller, {"workflow": workflow})
            return tool_reply("run_workflow", result), _named(result)
        name = _thread_name(intent.name, last)
        if name is None:
            example = _EXAMPLES.get(intent.tool, "show standup")
            return text_reply(f"Which schedule? For example `{example}`."), None
        if intent.tool == "delete_schedule":
            return await self._confirm_delete(caller, name)
        if intent.tool == "update_schedule":
            return await self._update(caller, name, intent)
        if intent.tool == "when":
            found = await self.tools.call("get_schedule", caller, {"name": name})
            reply = error_reply(found) if is_error(found) else next_runs_reply(found)
            return reply, _named(found)
        arguments: dict[str, Any] = {"name": name}
        if intent.tool == "schedule_history":
            arguments["limit"] = HISTORY_SHOWN
        result = await self.tools.call(intent.tool, caller, arguments)
        return tool_reply(intent.tool, result), _named(result)

    def _workflow_named(self, intent: Intent) -> str | None:
        """The registered workflow a "run X" names ("the content pipeline"), if any."""
        if intent.tool not in ("run_workflow", "run_schedule_now") or not intent.name:
            return None
        slug = slugify(intent.name)
        found = slug if slug in self.tools.workflows else None
        if found is None and intent.tool == "run_workflow":
            return slug  # the tools say which workflows there are
        return found

    async def _list(self, caller: Caller, command: SlashCommand | None) -> Reply:
        args: dict[str, Any] = {"scope": command.scope if command else "all"}
        if command and command.channel:
            args["channel"] = await channel_id(command.channel, self.resolve_channel, caller)
        return tool_reply("list_schedules", await self.tools.call("list_schedules", caller, args))

    async def _create(self, caller: Caller, command: SlashCommand) -> Outcome:
        args = (await create_args(command, caller, self.resolve_channel)).model_dump(
            exclude_defaults=True
        )
        return await self._call("create_schedule", caller, args)

    async def _update(self, caller: Caller, name: str, intent: Intent) -> Outcome:
        args: dict[str, Any] = {"name": name, **intent.changes}
        if intent.channel is not None:
            args["channel"] = await channel_id(intent.channel, self.resolve_channel, caller)
        return await self._call("update_schedule", caller, args)

    async def _call(self, tool: str, caller: Caller, args: dict[str, Any]) -> Outcome:
        """Run a create or update; two readings of its time become buttons to pick from."""
        result = await self.tools.call(tool, caller, args)
        if is_error(result) and result.get("options"):
            choices = [(o["label"], tool, args | {"when": o["when"]}) for o in result["options"]]
            return choose_reply(str(result["error"]), choices), args.get("name")
        return tool_reply(tool, result), _named(result)

    async def _choices(self, caller: Caller, err: Unclear) -> Reply:
        """The grammar saw two readings of a create's time: one button per reading."""
        choices = []
        for label, command in err.choices:
            args = await create_args(command, caller, self.resolve_channel)
            choices.append((label, "create_schedule", args.model_dump(exclude_defaults=True)))
        return choose_reply(err.message, choices)

    async def _confirm_delete(self, caller: Caller, name: str) -> Outcome:
        found = await self.tools.call("get_schedule", caller, {"name": name})
        refusal = found if is_error(found) else not_deletable(found, caller)
        if refusal:  # say what is wrong rather than offer a button that can only fail
            return error_reply(refusal), _named(found)
        name = found["name"]
        return confirm_reply("delete_schedule", {"name": name}, delete_prompt(name)), name


_EXAMPLES = {
    "update_schedule": "change standup to 9:30am",
    "when": "when does standup run next?",
    "schedule_history": "history of standup",
    "get_schedule": "show standup",
}


def _thread_name(named: str | None, last: str | None) -> str | None:
    """The schedule meant: the one named, or the thread's when the name only repeats part of it.

    "the digest" in a thread about `support-digest` is that schedule; a name
    the thread's schedule does not contain is taken as written.
    """
    if named is None or last is None:
        return named or last
    words = slugify(named).split("-")
    return last if all(word in last.split("-") for word in words) else named


def _named(result: dict[str, Any]) -> str | None:
    """The schedule a result is about; None after a refusal, so "it" keeps its meaning."""
    name = None if is_error(result) else result.get("name")
    return name if isinstance(name, str) else None


def close_example(said: str) -> str | None:
    """A phrasing we understand that is close to what was typed (difflib, first word).

    Never a destructive one: a typo is not a reason to suggest deleting.
    """
    head, _, rest = said.partition(" ")
    known = [w for w, verb in BY_WORD.items() if verb.tool != "delete_schedule"]
    known += ["list", "help", "remind", "post", "change", "rename"]
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
        "change": f"change {rest.strip().split(' to ')[0] or 'standup'} to 9:30am",
        "rename": "rename standup to daily-standup",
    }[close[0]]


def _not_understood(message: str, example: str | None) -> Reply:
    lines = [f":thinking_face: {escape(message)}"]
    if example:
        lines.append(f"Try: `{escape(example)}`")
    lines.append(HELP)
    text = "\n".join(lines)
    return Reply(text=f"{message} Try: {example or EXAMPLE}", blocks=[section(text)])
