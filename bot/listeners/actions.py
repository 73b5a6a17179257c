"""Buttons: pause, resume, run now, delete, the agents' confirm/cancel, and readings.

The clicking person is the caller (Slack vouches for `body.user`), so a
button on someone else's message can only do what that person may do.
Acked at once; the work and the answer happen in the background:

- a message showing one schedule is replaced by the schedule's new state;
  a list, or an ephemeral (which Slack does not hand back to us), gets a
  separate ephemeral answer instead of losing its other rows;
- a click on App Home has no `response_url`: the refreshed tab is the answer,
  and a refusal goes to the person's DM with the app;
- after any change the clicker's App Home is republished.

A reading button (`tock_choose_N`, offered when a time had two readings)
runs the create or update it carries, like a Confirm button does. A click
that fails (the database down, a bug) is answered where a refusal would be,
as `bot.listeners.failures` says. A replayed click (its `trigger_id` seen
before, `bot.listeners.replays`) does nothing.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Collection, Coroutine
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond

from bot.agents.turn import CHOOSABLE, CONFIRM_FIRST, run_confirmed
from bot.commands.verbs import BY_BUTTON
from bot.deps import Deps
from bot.listeners.failures import answering
from bot.listeners.home import publish_home
from bot.listeners.replays import first_delivery
from bot.slack.api import DeliveryError
from bot.slack.blocks import is_error, text_reply, tool_reply
from bot.slack.ids import CANCEL, CHOOSE, CONFIRM
from bot.slack.reply import Reply
from tools.caller import Caller

log = logging.getLogger(__name__)
_SCHEDULE_BUTTON = re.compile("|".join(f"^{re.escape(button)}$" for button in BY_BUTTON))
_CHOICE_BUTTON = re.compile(rf"^{CHOOSE}_[0-9]+$")
CANCELLED = text_reply("Cancelled: nothing was changed.")
BAD_CONFIRMATION = Reply(text="That button is no longer valid. Ask me again.")


def register(app: AsyncApp, deps: Deps) -> None:
    def spawn(
        work: Coroutine[Any, Any, None], body: dict[str, Any], respond: AsyncRespond, name: str
    ) -> None:
        async def tell(reply: Reply) -> None:
            await show(deps, body, respond, reply, replace=False, failed=True)

        deps.background.spawn(answering(work, tell, name), name=name)

    @app.action(_SCHEDULE_BUTTON)
    async def on_schedule_button(
        ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], respond: AsyncRespond
    ) -> None:
        await ack()
        work = schedule_button(deps, body, action, respond)
        spawn(work, body, respond, f"button:{action['action_id']}")

    @app.action(CONFIRM)
    async def on_confirm(
        ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], respond: AsyncRespond
    ) -> None:
        await ack()
        spawn(confirm(deps, body, action, respond), body, respond, f"button:{CONFIRM}")

    @app.action(_CHOICE_BUTTON)
    async def on_choose(
        ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], respond: AsyncRespond
    ) -> None:
        await ack()
        work = confirm(deps, body, action, respond, allowed=CHOOSABLE)
        spawn(work, body, respond, f"button:{CHOOSE}")

    @app.action(CANCEL)
    async def on_cancel(ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond) -> None:
        await ack()
        work = show(deps, body, respond, CANCELLED, replace=True)
        spawn(work, body, respond, f"button:{CANCEL}")


async def schedule_button(
    deps: Deps, body: dict[str, Any], action: dict[str, Any], respond: AsyncRespond
) -> None:
    if not await first_delivery(deps, "click", body):
        return
    caller = await clicker(deps, body)
    tool = BY_BUTTON[action["action_id"]].tool
    result = await deps.tools.call(tool, caller, {"name": str(action.get("value") or "")})
    failed = is_error(result)
    reply = tool_reply(tool, result)
    await show(deps, body, respond, reply, replace=not failed and shows_one(body), failed=failed)
    if not failed:
        await publish_home(deps, caller.team_id, caller.user_id)


async def confirm(
    deps: Deps,
    body: dict[str, Any],
    action: dict[str, Any],
    respond: AsyncRespond,
    allowed: Collection[str] = CONFIRM_FIRST,
) -> None:
    """Run a Confirm (or reading) button's tool call as the person who clicked."""
    if not await first_delivery(deps, "click", body):
        return
    caller = await clicker(deps, body)
    try:
        payload = json.loads(str(action.get("value") or ""))
    except json.JSONDecodeError:
        payload = None
    if not isinstance(payload, dict):
        await show(deps, body, respond, BAD_CONFIRMATION, replace=False, failed=True)
        return
    reply = await run_confirmed(deps.tools, caller, payload, allowed)
    await show(deps, body, respond, reply, replace=True)
    await publish_home(deps, caller.team_id, caller.user_id)


async def clicker(deps: Deps, body: dict[str, Any]) -> Caller:
    user = body.get("user") or {}
    team = (body.get("team") or {}).get("id") or user.get("team_id") or ""
    channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get(
        "channel_id"
    )
    return await deps.directory.caller(str(team), str(user.get("id") or ""), channel)


def shows_one(body: dict[str, Any]) -> bool:
    """True when the clicked message is about one schedule (safe to replace)."""
    if (body.get("container") or {}).get("is_ephemeral"):
        return False  # Slack sends no copy of an ephemeral; replacing it blind is a guess
    blocks = (body.get("message") or {}).get("blocks") or []
    return sum(1 for block in blocks if block.get("type") == "actions") == 1


async def show(
    deps: Deps,
    body: dict[str, Any],
    respond: AsyncRespond,
    reply: Reply,
    *,
    replace: bool,
    failed: bool = False,
) -> None:
    """Answer the click where the person is looking."""
    if body.get("response_url"):
        visible = body.get("message") is not None and not (body.get("container") or {}).get(
            "is_ephemeral"
        )
        await respond(
            response_type="ephemeral", replace_original=replace and visible, **reply.to_message()
        )
        return
    user = str((body.get("user") or {}).get("id") or "")
    if not failed or not user:
        return  # App Home: the republished tab shows the outcome
    try:
        await deps.sender.post(user, reply.text, blocks=reply.blocks)
    except DeliveryError as error:
        log.warning("could not answer a click in DM: %s", error, extra={"action": "button.dm"})
