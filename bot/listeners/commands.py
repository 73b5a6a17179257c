"""`/tock`: answered in the ack when quick, else acked empty and answered later.

Slack shows an error if the ack takes more than 3 seconds. The command's
work (a few database statements, maybe one cached `users.info`) usually
takes milliseconds, so the ack carries the ephemeral answer itself: one
round trip, nothing in between. When it has not finished within
`ACK_BUDGET_S` (a busy database, a cold Slack lookup) the ack is empty, which
Slack shows as nothing, and the answer follows through `respond()` on the
command's `response_url`. The budget is short so that acks stay fast under
load (see benchmarks/ack.py); the person sees the answer either way.
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
from bot.slack.reply import Reply

log = logging.getLogger(__name__)
ACK_BUDGET_S = 0.05  # most commands finish well within; Slack's own limit is 3 s
FAILED = Reply(text="Sorry, that command failed on my side. Try again in a moment.")


def register(app: AsyncApp, deps: Deps) -> None:
    @app.command("/tock")
    async def on_tock(ack: AsyncAck, respond: AsyncRespond, command: dict[str, Any]) -> None:
        work = deps.background.spawn(answer(deps, command), name="slash-command")
        done, _ = await asyncio.wait({work}, timeout=ACK_BUDGET_S)
        if done:
            await ack(**ephemeral(_result(work)))
            return
        await ack()
        deps.background.spawn(_respond_when_done(work, respond), name="slash-respond")


async def answer(deps: Deps, command: dict[str, Any]) -> Reply:
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


def _result(work: asyncio.Task[Reply]) -> Reply:
    """The command's reply; a failure is logged by Background, the person gets FAILED."""
    if work.cancelled() or work.exception() is not None:
        return FAILED
    return work.result()


async def _respond_when_done(work: asyncio.Task[Reply], respond: AsyncRespond) -> None:
    await asyncio.wait({work})
    await respond(**ephemeral(_result(work)), replace_original=False)
