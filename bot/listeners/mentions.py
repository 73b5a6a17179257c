"""@mentions and direct messages: answered by the agent, in the thread.

Bolt acknowledges events before any listener runs; the listener only
filters and hands the turn to the background. There:

1. Dedupe. Slack redelivers an event it thinks we missed (`X-Slack-Retry-Num`),
   with the same `event_id`; `store.first_time_seen` lets one delivery
   through, across restarts and replicas.
2. Build the caller, load the thread's memory (`team:channel:thread_ts`).
3. Ask the agent, post its reply in the thread, save the memory.

A message longer than a `/tock` command may be (`MAX_INPUT`) is answered
with its length and the limit, without asking the agent: no schedule can
come of it, and it would only cost a model call and bloat the thread's memory.

A failure anywhere (the database down, the agent broken) is answered in the
thread as `bot.listeners.failures` says; a memory that cannot be saved after
the reply was posted is only logged (the person has their answer).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.request.async_request import AsyncBoltRequest

from bot.commands.grammar import MAX_INPUT
from bot.deps import Deps
from bot.listeners.failures import answering
from bot.slack.api import DeliveryError
from bot.slack.blocks import text_reply
from bot.slack.reply import Reply
from scheduler.errors import StoreUnavailable
from tools.caller import Caller

log = logging.getLogger(__name__)
# Message subtypes a person did not simply write (edits, joins, bot posts...).
# `file_share` and `thread_broadcast` are still words from a person.
_PERSON_SUBTYPES = frozenset({None, "file_share", "thread_broadcast"})


@dataclass(frozen=True)
class Inbound:
    """One message to the bot, as the agent turn needs it."""

    team_id: str
    channel_id: str
    user_id: str
    text: str
    thread_ts: str
    event_id: str | None
    retry_num: str | None

    @property
    def memory_key(self) -> str:
        return f"{self.team_id}:{self.channel_id}:{self.thread_ts}"


def register(app: AsyncApp, deps: Deps) -> None:
    async def on_message(
        body: dict[str, Any],
        event: dict[str, Any],
        context: AsyncBoltContext,
        request: AsyncBoltRequest,
    ) -> None:
        if not from_a_person(event, context.bot_user_id):
            return
        if event.get("type") == "message":
            # Only direct messages: in channels the bot answers @mentions, not chatter.
            if event.get("channel_type") != "im":
                return
            deps.directory.note_dm(str(event["channel"]), str(event["user"]))
        start_turn(deps, inbound(body, event, context, request))

    app.event("app_mention")(on_message)
    app.event("message")(on_message)


def from_a_person(event: dict[str, Any], bot_user_id: str | None) -> bool:
    """Not a bot, not ourselves, not an edit or a join notice."""
    if event.get("bot_id") or event.get("subtype") not in _PERSON_SUBTYPES:
        return False
    if event.get("edited") or not event.get("user"):
        return False
    return event.get("user") != bot_user_id


def inbound(
    body: dict[str, Any],
    event: dict[str, Any],
    context: AsyncBoltContext,
    request: AsyncBoltRequest,
) -> Inbound:
    retry = request.headers.get("x-slack-retry-num") or [None]
    return Inbound(
        team_id=str(context.team_id or body.get("team_id") or event.get("team") or ""),
        channel_id=str(event["channel"]),
        user_id=str(event["user"]),
        text=without_mention(str(event.get("text") or ""), context.bot_user_id),
        thread_ts=str(event.get("thread_ts") or event["ts"]),
        event_id=body.get("event_id"),
        retry_num=retry[0],  # Bolt mirrors Socket Mode's retry_attempt into this header
    )


def without_mention(text: str, bot_user_id: str | None) -> str:
    """The request without the bot's own `<@U…>` (other mentions are content)."""
    if bot_user_id:
        text = re.sub(rf"<@{re.escape(bot_user_id)}(?:\|[^>]*)?>", " ", text)
    return " ".join(text.split())


def start_turn(deps: Deps, message: Inbound) -> None:
    async def tell(reply: Reply) -> None:
        await _post_reply(deps, message, reply)

    name = f"agent-turn:{message.event_id}"
    deps.background.spawn(answering(converse(deps, message), tell, name), name=name)


async def converse(deps: Deps, message: Inbound) -> None:
    """One agent turn for one Slack message, answered once per event_id."""
    async with deps.turns:
        await _converse(deps, message)


async def _converse(deps: Deps, message: Inbound) -> None:
    extra = {"action": "agent.turn", "event_id": message.event_id, "retry": message.retry_num}
    key = f"event:{message.event_id}"
    if message.event_id and not await deps.store.first_time_seen(key, deps.clock.now()):
        deps.metrics.duplicates.inc()
        log.info("event already answered", extra=extra | {"action": "slack.duplicate"})
        return
    if len(message.text) > MAX_INPUT:
        await _post_reply(deps, message, too_long(len(message.text)))
        return
    caller = await deps.directory.caller(message.team_id, message.user_id, message.channel_id)
    history = await deps.store.load_conversation(message.memory_key)
    reply, memory = await _agent_reply(deps, caller, message.text, history)
    await _post_reply(deps, message, reply)
    try:
        await deps.store.save_conversation(
            message.memory_key, message.team_id, memory, deps.clock.now()
        )
    except StoreUnavailable as error:  # answered already: a second message would only confuse
        log.warning("thread memory not saved: %s", error, extra=extra)


def too_long(length: int) -> Reply:
    return text_reply(
        f":warning: That message is {length:,} characters; I read at most {MAX_INPUT:,}. "
        "Say it in fewer words, or split a long message across schedules."
    )


async def _agent_reply(
    deps: Deps, caller: Caller, text: str, history: list[dict[str, Any]]
) -> tuple[Reply, list[dict[str, Any]]]:
    try:
        turn = await deps.agent.respond(caller, text, history)
    except Exception:  # counted here; `answering` tells the person and logs why
        deps.metrics.agent_turns.labels("error").inc()
        raise
    deps.metrics.agent_turns.labels("ok").inc()
    return turn.reply, turn.history


async def _post_reply(deps: Deps, message: Inbound, reply: Reply) -> None:
    try:
        await deps.sender.post(
            message.channel_id, reply.text, blocks=reply.blocks, thread_ts=message.thread_ts
        )
    except DeliveryError as error:
        log.warning(
            "could not post the agent's reply: %s",
            error,
            extra={"action": "agent.reply_failed", "channel": message.channel_id},
        )
