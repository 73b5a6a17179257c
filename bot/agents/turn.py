"""What both agents share: the turn they return, thread memory, and the confirm step.

An agent answers one message in a thread (`Agent.respond`) with an
`AgentTurn`: the reply, and the thread's history to store for next time.
Both agents refuse arguments that try to choose who is acting, and neither
deletes anything on its own: a delete becomes a question with Confirm/Cancel
buttons (`tock_confirm`, value `{"tool", "arguments"}`) that `run_confirmed`
carries out for the person who clicks.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any, Protocol

from bot.slack.blocks import choice_blocks, confirm_blocks, error_reply, tool_reply
from bot.slack.mrkdwn import escape, section
from bot.slack.reply import Reply
from tools.scheduler_tools import Caller, SchedulerTools
from tools.scheduler_tools.policy import operator_refusal

log = logging.getLogger(__name__)

MAX_HISTORY = 20  # messages kept per thread
# Tools an agent may only propose: the person confirms with a button. Each maps
# to the read-only tool that checks the arguments first.
CONFIRM_FIRST = {"delete_schedule": "get_schedule"}
# Tools a reading button (CHOOSE) may run: the create or update the person was asked about.
CHOOSABLE = frozenset({"create_schedule", "update_schedule"})
# Argument names with which a model (or a prompt injection) might try to act as
# someone else. SchedulerTools forbids unknown fields anyway; this refuses early
# and says why.
IDENTITY_KEYS = frozenset(
    {"user_id", "user", "team_id", "team", "caller", "is_admin", "created_by", "actor"}
)


@dataclass
class AgentTurn:
    reply: Reply
    history: list[dict[str, Any]]  # the conversation to store for the thread (JSON-able)


class Agent(Protocol):
    async def respond(self, caller: Caller, text: str, history: list[dict[str, Any]]) -> AgentTurn:
        """Answer `text` in the thread whose earlier turns are `history`."""
        ...


def trim_history(messages: list[dict[str, Any]], limit: int = MAX_HISTORY) -> list[dict[str, Any]]:
    """The last ~`limit` messages, starting at a user message."""
    start = max(0, len(messages) - limit)
    while start < len(messages) and messages[start].get("role") != "user":
        start += 1
    if start == len(messages):  # one long tool exchange: keep from its question
        users = [i for i, m in enumerate(messages) if m.get("role") == "user"]
        start = users[-1] if users else len(messages)
    return messages[start:]


def identity_refusal(arguments: object) -> dict[str, str] | None:
    """An error when tool arguments try to choose the acting user or team."""
    if not isinstance(arguments, dict):
        return None
    named = sorted(IDENTITY_KEYS & arguments.keys())
    if not named:
        return None
    log.warning("tool arguments named an identity", extra={"action": "identity_refused"})
    return {
        "error": f"arguments may not choose who is acting ({', '.join(named)})",
        "hint": "leave them out: the requester is known from Slack and is the only one you act for",
    }


def confirm_reply(tool: str, arguments: dict[str, Any], prompt: str) -> Reply:
    """A question with Confirm/Cancel buttons that carry the tool call to run."""
    blocks = confirm_blocks(prompt, {"tool": tool, "arguments": arguments})
    if blocks is None:  # too big for a button value: let the person type it
        fallback = f"{prompt}\nUse `/tock delete NAME` to confirm."
        return Reply(text=fallback, blocks=[section(fallback)])
    return Reply(text=prompt.replace("*", ""), blocks=blocks)


def choose_reply(question: str, choices: list[tuple[str, str, dict[str, Any]]]) -> Reply:
    """A question with one button per reading `(label, tool, arguments)`."""
    payloads = [(label, {"tool": tool, "arguments": args}) for label, tool, args in choices]
    text = f":thinking_face: {escape(question)}"
    blocks = choice_blocks(text, payloads)
    labels = " or ".join(label for label, _ in payloads)
    if blocks is None:  # too big for buttons: the person says it again, more exactly
        return Reply(text=f"{question} {labels}?", blocks=[section(f"{text}\n{escape(labels)}?")])
    return Reply(text=f"{question} {labels}?", blocks=blocks)


def not_deletable(schedule: dict[str, Any], caller: Caller) -> dict[str, str] | None:
    """A refusal before asking, when the click could only fail (the tools decide anyway)."""
    owner = schedule.get("created_by")
    found = (str(schedule.get("name")), str(schedule.get("source")), str(owner))
    if refusal := operator_refusal(*found, "delete", is_admin=caller.is_admin):
        return refusal.to_dict()
    if caller.is_admin or owner == caller.user_id:
        return None
    return {
        "error": f"only <@{owner}>, who created {schedule.get('name')!r}, or an admin "
        "can delete it",
        "hint": "ask them or a workspace admin to do it",
    }


def delete_prompt(name: str) -> str:
    return f"Delete *{escape(name)}*? It stops for everyone and its history goes too."


async def run_confirmed(
    tools: SchedulerTools,
    caller: Caller,
    payload: dict[str, Any] | str,
    allowed: Collection[str] = CONFIRM_FIRST,
) -> Reply:
    """Run a button's `{"tool", "arguments"}` for the person who clicked, if `allowed`.

    Confirm buttons may run only `CONFIRM_FIRST` tools, reading buttons only
    `CHOOSABLE` ones; the tools check the clicker's rights as for any call.
    """
    if isinstance(payload, str):
        try:
            payload = json.loads(payload)
        except json.JSONDecodeError:
            payload = {}
    tool = payload.get("tool") if isinstance(payload, dict) else None
    arguments = payload.get("arguments") if isinstance(payload, dict) else None
    if tool not in allowed or not isinstance(arguments, dict):
        return error_reply(
            {"error": "That button doesn't do anything I can run.", "hint": "Ask me again."}
        )
    refusal = identity_refusal(arguments)
    if refusal:
        return error_reply(refusal)
    return tool_reply(tool, await tools.call(tool, caller, arguments))
