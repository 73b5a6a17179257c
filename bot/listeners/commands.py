"""`/tock`: answered in the ack when quick, else acked empty and answered later.

Slack shows an error if the ack takes more than 3 seconds. The command's
work (a few database statements, maybe one cached `users.info`) usually
takes milliseconds, so the ack carries the ephemeral answer itself: one
round trip, nothing in between. When it has not finished within
`ACK_BUDGET_S` (a busy database, a cold Slack lookup) the ack is empty, which
Slack shows as nothing, and the answer follows through `respond()` on the
command's `response_url`. The budget is short so that acks stay fast under
load (see benchmarks/ack.py); the person sees the answer either way. A
failure (the database down, a bug) is answered too, as `bot.listeners.failures`
says. A replayed command (its `trigger_id` seen before, `bot.listeners.replays`)
is acked empty and does nothing.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond

from bot.commands.handler import handle_slash
from bot.deps import Deps
from bot.listeners.failures import SORRY, replying
from bot.listeners.replays import first_delivery
from bot.slack.reply import Reply

log = logging.getLogger(__name__)
ACK_BUDGET_S = 0.05  # most commands finish well within; Slack's own limit is 3 s


def register(app: AsyncApp, deps: Deps) -> None:
    @app.command("/tock")
    async def on_tock(ack: AsyncAck, respond: AsyncRespond, command: dict[str, Any]) -> None:
        work = deps.background.spawn(
            replying(answer(deps, command), "slash-command"), name="slash-command"
        )
        done, _ = await asyncio.wait({work}, timeout=ACK_BUDGET_S)
        if done:
            reply = _result(work)
            await (ack(**ephemeral(reply)) if reply else ack())
            return
        await ack()
        deps.background.spawn(_respond_when_done(work, respond), name="slash-respond")


async def answer(deps: Deps, command: dict[str, Any]) -> Reply | None:
    """The command's reply; None for a replay, which gets no answer."""
    if not await first_delivery(deps, "command", command):
        return None
    caller = await deps.directory.caller(
        str(command.get("team_id") or ""),
        str(command.get("user_id") or ""),
        command.get("channel_id"),
    )
    return await handle_slash(
        str(command.get("text") or ""),
        caller,
        deps.tools,
        resolve_channel=deps.directory.channel_by_name,
    )


def ephemeral(reply: Reply) -> dict[str, Any]:
    return {"response_type": "ephemeral", **reply.to_message()}


def _result(work: asyncio.Task[Reply | None]) -> Reply | None:
    """The command's reply (`replying` turned a failure into words already)."""
    if work.cancelled() or work.exception() is not None:
        return SORRY  # cancelled at shutdown: nothing said yet
    return work.result()


async def _respond_when_done(work: asyncio.Task[Reply | None], respond: AsyncRespond) -> None:
    await asyncio.wait({work})
    if reply := _result(work):
        await respond(**ephemeral(reply), replace_original=False)
