"""What the security (and payload fuzz) tests share: raw signed requests and what changed.

The emulator's `send_*` helpers always sign correctly; these build the body
and headers separately so a test can sign wrongly, sign another body, or
send the same bytes twice. `bot_state` is everything a request could write,
to prove a refused one wrote nothing; `shown` is everything the bot showed
people, to prove no exception text reached them.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import aiohttp

from bot.emulator import SlackEmulator
from bot.runtime import Bot
from scheduler.records import Schedule, ScheduleSpec
from scheduler.triggers import CronTrigger

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
OTHER_TEAM = "T0OTHER"  # a workspace this bot was never installed in


@dataclass(frozen=True)
class Raw:
    """A request body and its content type, before signing."""

    body: bytes
    content_type: str


def event_body(emulator: SlackEmulator, event: dict[str, Any], **envelope: Any) -> Raw:
    return Raw(json.dumps(emulator.event_envelope(event) | envelope).encode(), JSON)


def command_body(fields: dict[str, Any]) -> Raw:
    return Raw(urlencode(fields).encode(), FORM)


def action_body(payload: dict[str, Any] | str) -> Raw:
    text = payload if isinstance(payload, str) else json.dumps(payload)
    return Raw(urlencode({"payload": text}).encode(), FORM)


async def post(
    http: aiohttp.ClientSession, url: str, raw: Raw, headers: dict[str, str]
) -> tuple[int, str]:
    """POST `raw` with exactly `headers` (plus its content type); (status, body)."""
    headers = {"Content-Type": raw.content_type, **headers}
    async with http.post(url, data=io.BytesIO(raw.body), headers=headers) as response:
        return response.status, await response.text()


async def signed(
    http: aiohttp.ClientSession, emulator: SlackEmulator, bot: Bot, raw: Raw
) -> tuple[int, str]:
    return await post(http, bot.events_url, raw, emulator.sign(raw.body))


async def add_schedule(
    bot: Bot, emulator: SlackEmulator, name: str, owner: str = "alice", channel: str = "general"
) -> Schedule:
    """A daily message schedule of `owner`'s, straight into the store."""
    spec = ScheduleSpec(
        team_id=emulator.team.id,
        name=name,
        trigger=CronTrigger("0 9 * * *", "America/New_York"),
        action_kind="message",
        action={"text": f"{name} text", "window_hours": None, "workflow": None},
        channel_id=emulator.channel(channel).id,
        created_by=emulator.user(owner).id,
        source="chat",
    )
    return await bot.store.create_schedule(spec, bot.deps.clock.now())


async def bot_state(bot: Bot, *teams: str) -> dict[str, Any]:
    """Schedules of every team, runs, the audit of `teams`, and people's zones."""
    store = bot.store
    schedules = [s.to_dict() for s in await store.list_schedules(limit=10_000)]
    runs = [r.to_dict() for r, _ in await store.list_runs(limit=10_000)]
    audit = [a for team in teams for a in await store.list_audit(team, limit=10_000)]
    return {"schedules": schedules, "runs": runs, "audit": audit}


def shown(emulator: SlackEmulator) -> str:
    """Everything the bot showed anyone: posts, ephemerals, response_url answers, Home tabs."""
    parts: list[Any] = [m for messages in emulator.messages.values() for m in messages if m.bot_id]
    parts += [*emulator.ephemerals, *(r.body for r in emulator.responses)]
    parts += list(emulator.home_views.values())
    return "\n".join(
        json.dumps(part, default=str) if isinstance(part, dict) else repr(part) for part in parts
    )
