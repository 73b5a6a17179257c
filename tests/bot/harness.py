"""A whole bot under test: settings pointed at the emulator, helpers to drive it.

`bot_settings(emulator, tmp_path, **overrides)` gives Settings for HTTP mode
against the emulator with a fresh SQLite file; `running_bot` (bot.runtime)
starts it. `idle(bot)` waits until the bot has finished everything it started
after an ack (replies, App Home publishes): an event, not a sleep.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.config import Settings
from bot.emulator import Message, SlackEmulator
from bot.runtime import Bot
from scheduler.clock import VirtualClock

# Mondays at noon UTC; the emulator stamps messages with real time, so tests
# reading history by time start the virtual clock at the real now instead.
MONDAY_NOON = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)


def bot_settings(emulator: SlackEmulator, tmp_path: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "slack_bot_token": emulator.bot_token,
        "slack_signing_secret": emulator.signing_secret,
        "slack_app_token": None,
        "slack_api_url": emulator.api_url,
        "host": "127.0.0.1",
        "port": 0,
        "database_url": f"sqlite+aiosqlite:///{tmp_path / 'tock.db'}",
        "openai_api_key": None,
        "openai_base_url": None,
        "log_level": "INFO",
    }
    return Settings(_env_file=None, **(values | overrides))  # type: ignore[call-arg]


def virtual_clock(start: datetime = MONDAY_NOON) -> VirtualClock:
    return VirtualClock(start)


async def idle(bot: Bot) -> None:
    await bot.background.wait_idle()


async def settle(bot: Bot) -> None:
    """The engine parked with nothing in flight, and the bot's own work done."""
    await bot.engine.settle()
    await idle(bot)


async def slash_answer(
    emulator: SlackEmulator, bot: Bot, text: str, user: str = "alice", channel: str = "general"
) -> dict[str, Any]:
    """`/tock text` over HTTP; the ephemeral answer's body, wherever it came.

    A quick command is answered in the ack; a slow one (a cold start, a busy
    machine) is acked empty and answered on its response_url. Both are right.
    """
    before = len(emulator.responses)
    pushed = await emulator.send_command(bot.events_url, text=text, user=user, channel=channel)
    assert pushed.status == 200, pushed.body
    assert pushed.elapsed < 3.0
    if pushed.body:
        return dict(pushed.json())
    await idle(bot)
    [answer] = emulator.responses[before:]
    return answer.body


def bot_posts(emulator: SlackEmulator, channel: str) -> list[Message]:
    """Top-level messages the bot posted in a channel."""
    return [m for m in emulator.history(channel) if m.bot_id == emulator.bot_id]


async def reply_to(emulator: SlackEmulator, message: Message, timeout: float = 5.0) -> Message:  # noqa: ASYNC109
    """The bot's reply in the thread of `message`."""
    return await emulator.wait_for_message(
        message.channel,
        lambda m: m.thread_ts == message.ts and m.bot_id == emulator.bot_id,
        timeout=timeout,
    )


def all_text(message: Any) -> str:
    """A message's fallback text and every text in its blocks, for assertions."""
    parts = [str(getattr(message, "text", "") or "")]
    for block in getattr(message, "blocks", None) or []:
        parts.extend(_texts(block))
    return "\n".join(parts)


def _texts(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [str(node["text"])] if isinstance(node.get("text"), str) else []
        return found + [t for value in node.values() for t in _texts(value)]
    if isinstance(node, list):
        return [t for item in node for t in _texts(item)]
    return []


async def mention_in_thread(
    emulator: SlackEmulator, bot: Bot, parent: Message, text: str, user: str = "alice"
) -> Message:
    message = emulator.post_as_user(
        parent.channel, user, f"<@{emulator.bot_user_id}> {text}", thread_ts=parent.ts
    )
    event = {
        "type": "app_mention",
        "user": message.user,
        "text": message.text,
        "ts": message.ts,
        "thread_ts": parent.ts,
        "channel": message.channel,
    }
    assert (await emulator.send_event(bot.events_url, event)).status == 200
    return message


async def click(
    emulator: SlackEmulator, bot: Bot, message: Message, action_id: str, user: str = "alice"
) -> None:
    [value] = [
        element["value"]
        for block in message.blocks or []
        if block["type"] == "actions"
        for element in block["elements"]
        if element["action_id"] == action_id
    ]
    payload = emulator.action_payload(
        user=user,
        channel=message.channel,
        action_id=action_id,
        value=value,
        message_ts=message.ts,
    )
    pushed = await emulator.send_action(bot.events_url, payload)
    assert pushed.status == 200
    await idle(bot)
