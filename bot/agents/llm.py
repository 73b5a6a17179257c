"""The conversational agent: an LLM with the scheduler tools, in a bounded loop.

One turn (`LLMAgent.respond`):

1. The thread's history (as returned by the previous turn) plus the new text
   go to Chat Completions with `tools.tool_schemas()`.
2. Each tool call runs through `SchedulerTools.call(name, caller, arguments)`.
   The caller comes from Slack via the host, never from the model: arguments
   naming a user or team are refused before any tool runs. Malformed calls
   (bad JSON, unknown tool, wrong types) get the structured `{"error",
   "hint"}` back as the tool message and the loop goes on, so the model can
   fix its own mistake.
3. The loop ends when the model answers in text, after `max_steps` model
   calls, or when the model asks to delete: deletes are never executed by the
   model. The turn ends with Confirm/Cancel buttons (`tock_confirm`, value
   `{"tool", "arguments"}`), and `run_confirmed` runs the payload when the
   person clicks.
4. Timeouts, rate limits and API errors become a short apology with the
   equivalent `/tock` command when the text reads as one. Never a traceback
   or the exception's text.

The history a turn returns is JSON-able, excludes the system prompt (it is
rebuilt every turn with the current time), and keeps about the last 20
messages, cut so that it starts at a user message: a tool result must never
lose the assistant message that asked for it.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import openai

from bot.agents.suggest import equivalent_command
from bot.agents.turn import (
    CHOOSABLE,
    CONFIRM_FIRST,
    AgentTurn,
    choose_reply,
    confirm_reply,
    delete_prompt,
    identity_refusal,
    not_deletable,
    trim_history,
)
from bot.commands.command import ChannelResolver
from bot.slack.blocks import history_blocks, is_error, list_blocks, schedule_blocks
from bot.slack.ids import MAX_BLOCKS
from bot.slack.mrkdwn import escape, section, text_sections, with_mentions
from bot.slack.reply import Reply
from scheduler.clock import Clock
from tools.scheduler_tools import Caller, SchedulerTools

log = logging.getLogger(__name__)

MAX_TOOL_RESULT = 6000  # characters of a tool result shown to the model
MAX_TEXT_BLOCKS = 5  # sections for the model's own words, leaving room for a listing
_MESSAGE_KEYS = ("role", "content", "tool_calls", "tool_call_id")
_ROLES = frozenset({"user", "assistant", "tool"})
_BOLD = re.compile(r"\*\*(.+?)\*\*")


@dataclass
class _Turn:
    """What one turn has seen so far."""

    messages: list[dict[str, Any]]
    view: tuple[str, dict[str, Any]] | None = None  # last result worth showing as blocks
    pending: list[dict[str, Any]] = field(default_factory=list)  # deletes to confirm
    # The last refusal that offered readings: (question, [(label, tool, arguments)]).
    choices: tuple[str, list[tuple[str, str, dict[str, Any]]]] | None = None


class LLMAgent:
    def __init__(
        self,
        client: openai.AsyncOpenAI,
        model: str,
        tools: SchedulerTools,
        *,
        max_steps: int = 6,
        timeout_s: float = 20.0,
        clock: Clock | None = None,
        resolve_channel: ChannelResolver | None = None,
    ) -> None:
        self.client = client
        self.model = model
        self.tools = tools
        self.max_steps = max_steps
        self.timeout_s = timeout_s  # per model call
        self.clock = clock or tools.clock
        self.resolve_channel = resolve_channel  # plain "#eng" → id; the tools need ids
        self._schemas = tools.tool_schemas()

    async def respond(self, caller: Caller, text: str, history: list[dict[str, Any]]) -> AgentTurn:
        now = self.clock.now()
        turn = _Turn(messages=[*clean_history(history), {"role": "user", "content": text}])
        try:
            reply = await self._loop(caller, turn, now)
        except (TimeoutError, openai.OpenAIError, _BadResponse) as exc:
            log.warning("LLM call failed: %s", type(exc).__name__, extra={"action": "llm_failed"})
            reply = apology(exc, text, caller, now)
            turn.messages.append({"role": "assistant", "content": reply.text})
        return AgentTurn(reply=reply, history=trim_history(turn.messages))

    async def _loop(self, caller: Caller, turn: _Turn, now: datetime) -> Reply:
        system = {"role": "system", "content": system_prompt(caller, now)}
        for _ in range(self.max_steps):
            message = await self._complete([system, *turn.messages])
            turn.messages.append(message)
            calls = message.get("tool_calls") or []
            if not calls:
                return self._final(message.get("content") or "", turn)
            for call in calls:
                turn.messages.append(await self._tool_message(call, caller, turn))
            if turn.pending:
                return self._ask_to_confirm(turn)
        return self._gave_up(turn, caller, now)

    async def _complete(self, messages: list[dict[str, Any]]) -> dict[str, Any]:
        """One model call; the assistant message as a plain dict."""
        async with asyncio.timeout(self.timeout_s):  # hard cap, whatever the SDK retries
            completion = await self.client.chat.completions.create(
                model=self.model,
                messages=messages,  # type: ignore[arg-type]
                tools=self._schemas,  # type: ignore[arg-type]
                tool_choice="auto",
                timeout=self.timeout_s,
            )
        if not completion.choices:
            raise _BadResponse
        raw = completion.choices[0].message.model_dump(mode="json", exclude_none=True)
        message: dict[str, Any] = {"role": "assistant", "content": raw.get("content")}
        if raw.get("tool_calls"):
            message["tool_calls"] = raw["tool_calls"]
        return message

    async def _tool_message(
        self, call: dict[str, Any], caller: Caller, turn: _Turn
    ) -> dict[str, Any]:
        function = call.get("function") or {}
        name = str(function.get("name", ""))
        arguments = function.get("arguments") or ""
        result = await self._run_tool(name, arguments, caller, turn)
        if not is_error(result) and name != "delete_schedule":
            turn.view = (name, result)
        decoded = _json_or_none(arguments)
        if result.get("options") and name in CHOOSABLE and isinstance(decoded, dict):
            readings = [
                (o["label"], name, decoded | {"when": o["when"]}) for o in result["options"]
            ]
            turn.choices = (str(result["error"]), readings)
        content = json.dumps(result, default=str, ensure_ascii=False)
        if len(content) > MAX_TOOL_RESULT:
            content = content[:MAX_TOOL_RESULT] + "…(truncated)"
        return {"role": "tool", "tool_call_id": str(call.get("id", "")), "content": content}

    async def _run_tool(
        self, name: str, arguments: str | dict[str, Any], caller: Caller, turn: _Turn
    ) -> dict[str, Any]:
        if refusal := identity_refusal(_json_or_none(arguments)):
            return refusal
        arguments = await self._with_channel_id(arguments)
        check = CONFIRM_FIRST.get(name)
        if check is None:
            return await self.tools.call(name, caller, arguments)
        # Run only the read-only check; the change waits for the person's click.
        found = await self.tools.call(check, caller, arguments)
        refusal = found if is_error(found) else not_deletable(found, caller)
        if refusal:
            return refusal
        turn.pending.append({"tool": name, "arguments": {"name": found["name"]}})
        return {
            "status": "awaiting_confirmation",
            "name": found["name"],
            "note": "The user now sees Confirm/Cancel buttons. Nothing is deleted unless "
            "they click Confirm; do not say it was deleted.",
        }

    async def _with_channel_id(self, arguments: str | dict[str, Any]) -> str | dict[str, Any]:
        """Swap a plain `#name` channel for its id when the host can look it up."""
        decoded = _json_or_none(arguments)
        channel = decoded.get("channel") if isinstance(decoded, dict) else None
        if not (self.resolve_channel and isinstance(channel, str) and channel.startswith("#")):
            return arguments
        found = await self.resolve_channel(channel[1:].strip().lower())
        return decoded | {"channel": found} if found else arguments  # else the tool says why

    def _final(self, content: str, turn: _Turn) -> Reply:
        text = to_mrkdwn(content) or "Done."
        if turn.choices and not turn.view:  # the model asks which reading: give buttons too
            question, readings = turn.choices
            asked = choose_reply(question, readings)
            return Reply(text=text, blocks=[*text_sections([text], 1), *(asked.blocks or [])[1:]])
        blocks = text_sections(text.split("\n"), MAX_TEXT_BLOCKS)
        if turn.view:
            blocks += view_blocks(*turn.view)[: MAX_BLOCKS - len(blocks)]
        return Reply(text=text, blocks=blocks)

    def _ask_to_confirm(self, turn: _Turn) -> Reply:
        first = turn.pending[0]  # one question at a time; others can be asked again
        prompt = delete_prompt(first["arguments"]["name"])
        turn.messages.append({"role": "assistant", "content": prompt})
        return confirm_reply(first["tool"], first["arguments"], prompt)

    def _gave_up(self, turn: _Turn, caller: Caller, now: datetime) -> Reply:
        log.warning("agent ran out of steps", extra={"action": "llm_max_steps"})
        text = "I couldn't finish that in a few steps. Could you say it more simply?"
        question = next(
            (m["content"] for m in reversed(turn.messages) if m.get("role") == "user"), ""
        )
        if suggestion := equivalent_command(question, caller.timezone, now):
            text += f" Or use `{escape(suggestion)}`."
        turn.messages.append({"role": "assistant", "content": text})
        return Reply(text=text, blocks=[section(text)])


class _BadResponse(Exception):
    """The API answered without a message (no choices)."""


def system_prompt(caller: Caller, now: datetime) -> str:
    """Short on purpose: the tool schemas carry the details."""
    try:
        local = now.astimezone(ZoneInfo(caller.timezone))
    except (ValueError, KeyError):
        local = now
    where = f"<#{caller.channel_id}>" if caller.channel_id else "a direct message"
    return "\n".join(
        [
            "You are Tock, a Slack bot that schedules messages into channels.",
            f"Now: {local:%A, %B %d, %Y %H:%M} in the user's timezone {caller.timezone}. "
            f"The user is talking to you in {where}.",
            "You can only create, update, list, show, pause, resume, delete, run now, or show "
            "the history of schedules, preview how a time is understood, and set the user's own "
            "timezone, using the tools. "
            "Politely decline anything else.",
            "Pass times as the user wrote them in `when`; times without a zone are in the "
            "user's timezone. Pass channels as the <#C123|name> mentions the user wrote.",
            "If anything is ambiguous (which schedule, what time, what text, which channel), "
            "ask one short question instead of guessing.",
            "Deleting needs the user's confirmation: call delete_schedule and they get a "
            "Confirm button. Never say a schedule was deleted before that.",
            "You act only for this user; never pass user or team ids.",
            "When a tool returns an error, use its hint to fix the call or explain it briefly.",
            "Answer in one or two short sentences of Slack mrkdwn (*bold*, `code`).",
        ]
    )


def clean_history(history: list[Any]) -> list[dict[str, Any]]:
    """Stored messages in the API's shape: known roles and keys only, no system prompt.

    The offline agent keeps its own notes (`tock`) in the same thread history;
    the API would refuse them.
    """
    cleaned = []
    for message in history if isinstance(history, list) else []:
        if isinstance(message, dict) and message.get("role") in _ROLES:
            cleaned.append({k: message[k] for k in _MESSAGE_KEYS if k in message})
    return trim_history(cleaned)


def to_mrkdwn(content: str) -> str:
    """Model text made safe for Slack: escaped, user/channel links kept, **bold** → *bold*."""
    return _BOLD.sub(r"*\1*", with_mentions(escape(content.strip())))


def view_blocks(tool: str, result: dict[str, Any]) -> list[dict[str, Any]]:
    """Blocks showing what a tool returned, under the model's own words."""
    if tool == "list_schedules":
        return list_blocks(result)
    if tool == "schedule_history":
        return history_blocks(str(result.get("name", "")), result, result.get("timezone"))
    if "name" in result and "next_runs" in result:
        return schedule_blocks(result)
    return []


def apology(exc: BaseException, text: str, caller: Caller, now: datetime) -> Reply:
    """A short apology and, when the text reads as a command, the `/tock` way to do it."""
    if isinstance(exc, openai.RateLimitError):
        first = "Sorry, I'm getting too many requests right now."
    elif isinstance(exc, (TimeoutError, openai.APITimeoutError)):
        first = "Sorry, my AI service took too long to answer."
    else:
        first = "Sorry, I couldn't reach my AI service just now."
    suggestion = equivalent_command(text, caller.timezone, now)
    if suggestion:
        tail = f"You can do it yourself with `{escape(suggestion)}`."
    else:
        tail = "Please try again in a minute, or see `/tock help`."
    message = f"{first} {tail}"
    return Reply(text=message, blocks=[section(message)])


def _json_or_none(arguments: str | dict[str, Any]) -> Any:
    if isinstance(arguments, dict):
        return arguments
    try:
        return json.loads(arguments)
    except (json.JSONDecodeError, TypeError):
        return None  # SchedulerTools.call reports the bad JSON to the model
