"""`tock console`: a local Slack (the emulator), the bot against it, and a prompt.

You type as a Slack user ("you") in a channel; the bot answers as it would
in Slack, and scheduled posts appear as they land:

    @tock every weekday at 9am post "Standup"     an @mention (app_mention event)
    /tock list                                     the slash command
    #eng                                           switch channel (#general, #eng)
    :wait                                          wait for the next scheduled post
    :help, :quit                                   (end of input quits too)

Like Slack with `should_escape`, a `#channel` you type becomes a channel link.
Anything else is said in the channel without mentioning the bot.

The emulator, its ids and the SQLite file (`tock-console.db`, or
TOCK_DATABASE_URL) are the same on every start, so schedules survive a
restart. The bot runs in HTTP mode with the offline agent unless an OpenAI
key is configured. `--script FILE` feeds the lines non-interactively,
waiting for each answer before the next line, and exits 0 (1 if an answer
never came).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import SecretStr

from bot.config import Settings
from bot.emulator import Ephemeral, Message, PushResult, SlackEmulator
from bot.logs import Redactor, configured_secrets
from bot.runtime import Bot, running_bot
from bot.slack.ids import CHANNEL_MENTION, USER_MENTION

CONSOLE_DB = "sqlite+aiosqlite:///tock-console.db"
DEFAULT_TZ = "America/New_York"
YOU, GENERAL, ENG = "U0CONSOLE", "C0GENERAL", "C0ENG"
REPLY_TIMEOUT_S = 60.0  # an LLM turn can take a while; the offline agent takes ms
POST_TIMEOUT_S = 120.0  # `:wait`: the next scheduled post (every-minute schedules)
WATCH_S = 3600.0
HELP = "\n".join(
    [
        '    @tock every weekday at 9am post "Standup"     an @mention (app_mention event)',
        "    /tock list                                     the slash command",
        "    #eng                                           switch channel (#general, #eng)",
        "    :wait                                          wait for the next scheduled post",
        "    :help, :quit                                   (end of input quits too)",
    ]
)
_CHANNEL_WORD = re.compile(r"(?<![<\w])#([a-z0-9][a-z0-9_-]*)")


class NoAnswer(Exception):
    """The bot did not answer in time."""


def local_timezone(settings: Settings) -> str:
    """The zone you type in: TOCK_CONSOLE_TZ or TZ, then /etc/localtime, else New York."""
    candidates = [settings.console_timezone or ""]
    try:
        target = os.readlink("/etc/localtime")
        candidates.append(target.split("zoneinfo/", 1)[-1])
    except OSError:
        pass
    for name in candidates:
        try:
            if name and ZoneInfo(name):
                return name
        except (ZoneInfoNotFoundError, ValueError):
            continue
    return DEFAULT_TZ


def seed(emulator: SlackEmulator, timezone: str) -> None:
    """ "you", and #general and #eng with you and the bot (your DM opens on first use)."""
    emulator.add_user("you", tz=timezone, user_id=YOU, real_name="You")
    emulator.add_channel("general", members=[YOU], channel_id=GENERAL)
    emulator.add_channel("eng", members=[YOU], channel_id=ENG)


def console_settings(settings: Settings, emulator: SlackEmulator) -> Settings:
    """The user's settings, with Slack pointed at the emulator."""
    # The console keeps its own file unless a database was configured on purpose.
    database = settings.database_url if "database_url" in settings.model_fields_set else CONSOLE_DB
    return settings.model_copy(
        update={
            "slack_bot_token": SecretStr(emulator.bot_token),
            "slack_signing_secret": SecretStr(emulator.signing_secret),
            "slack_app_token": None,
            "slack_api_url": emulator.api_url,
            "host": "127.0.0.1",
            "port": 0,
            "database_url": database,
        }
    )


@dataclass
class Transcript:
    """Prints what appears in the emulator, each thing once."""

    emulator: SlackEmulator
    out: TextIO
    shown: set[tuple[str, str, str]] = field(default_factory=set)
    # By key, not position: a response_url may replace an ephemeral in place.
    ephemerals_shown: set[tuple[str, str, str]] = field(default_factory=set)

    def drain(self) -> None:
        for channel_id, messages in list(self.emulator.messages.items()):
            for message in list(messages):
                self._message(channel_id, message)
        for ephemeral in list(self.emulator.ephemerals):
            if _ephemeral_key(ephemeral) not in self.ephemerals_shown:
                self.ephemerals_shown.add(_ephemeral_key(ephemeral))
                self._ephemeral(ephemeral)

    def has_news(self) -> bool:
        unseen = any(
            m.bot_id and _key(m) not in self.shown
            for messages in self.emulator.messages.values()
            for m in messages
        )
        return unseen or any(
            _ephemeral_key(e) not in self.ephemerals_shown for e in self.emulator.ephemerals
        )

    def _message(self, channel_id: str, message: Message) -> None:
        key = _key(message)
        if key in self.shown:
            return
        self.shown.add(key)
        if not message.bot_id:
            return  # people's messages were echoed as typed
        where = self.label(channel_id)
        how = " (in thread)" if message.is_reply else ""
        how += " (updated)" if message.edited else ""
        self.say(f"[{where}] tock{how}: {self.render(message.text, message.blocks)}")

    def _ephemeral(self, ephemeral: Ephemeral) -> None:
        where = self.label(ephemeral.channel)
        self.say(f"[{where}] tock (only you): {self.render(ephemeral.text, ephemeral.blocks)}")

    def ack(self, channel_id: str, pushed: PushResult) -> None:
        """The answer Slack shows from a slash command's HTTP response."""
        body = pushed.json() if pushed.body.startswith("{") else {"text": pushed.body}
        if body and (body.get("text") or body.get("blocks")):
            shown = self.render(str(body.get("text") or ""), body.get("blocks"))
            self.say(f"[{self.label(channel_id)}] tock (only you): {shown}")

    def label(self, channel_id: str) -> str:
        channel = self.emulator.channels.get(channel_id)
        if channel is None:
            return channel_id
        return "DM" if channel.is_im else f"#{channel.name}"

    def render(self, text: str, blocks: list[dict[str, Any]] | None) -> str:
        """Block Kit as plain lines: sections, context, and buttons as [Label]."""
        lines = [line for block in blocks or [] for line in _block_lines(block)] or [text]
        return self._names("\n    ".join(line for line in lines if line.strip()))

    def _names(self, text: str) -> str:
        """Channel and user mentions as Slack shows them: #eng, @alice."""

        def channel(match: re.Match[str]) -> str:
            ident, label = match.groups()
            return f"#{label}" if label else self.label(ident)

        def person(match: re.Match[str]) -> str:
            user = self.emulator.users.get(match.group(1))
            return f"@{user.name}" if user else f"@{match.group(1)}"

        return USER_MENTION.sub(person, CHANNEL_MENTION.sub(channel, text))

    def say(self, line: str) -> None:
        print(line, file=self.out, flush=True)


def _key(message: Message) -> tuple[str, str, str]:
    return (message.channel, message.ts, message.text + json.dumps(message.blocks))


def _ephemeral_key(ephemeral: Ephemeral) -> tuple[str, str, str]:
    return (ephemeral.channel, ephemeral.message_ts, ephemeral.text + json.dumps(ephemeral.blocks))


def _block_lines(block: dict[str, Any]) -> list[str]:
    kind = block.get("type")
    if kind in ("section", "header") and isinstance(block.get("text"), dict):
        return str(block["text"].get("text", "")).splitlines()
    if kind == "context":
        return [str(e.get("text", "")) for e in block.get("elements", []) if "text" in e]
    if kind == "actions":
        labels = [f"[{e['text']['text']}]" for e in block.get("elements", []) if "text" in e]
        return [" ".join(labels)]
    return []


class Console:
    """The person at the keyboard, speaking Slack to the bot through the emulator."""

    def __init__(self, emulator: SlackEmulator, bot: Bot, out: TextIO, *, echo: bool) -> None:
        self.emulator = emulator
        self.bot = bot
        self.echo = echo  # a terminal shows what was typed; a script or a pipe does not
        self.transcript = Transcript(emulator, out)
        self.channel = GENERAL
        self.waited: set[tuple[str, str]] = set()

    async def handle(self, line: str) -> bool:
        """Act on one line; False to quit."""
        line = line.strip()
        if not line or line.startswith("# "):
            return True
        if line in (":quit", ":q", ":exit"):
            return False
        if self.echo:
            self.transcript.say(f"[{self.transcript.label(self.channel)}] you: {line}")
        if line in (":help", ":h"):
            self.transcript.say(HELP)
        elif line == ":wait":
            await self.wait_for_post()
        elif re.fullmatch(r"#[\w-]+", line):
            self.switch(line[1:])
        elif line.startswith("/tock"):
            await self.slash(line.removeprefix("/tock").strip())
        elif line.startswith("@tock"):
            await self.mention(line.removeprefix("@tock").strip())
        else:
            self.emulator.post_as_user(self.channel, YOU, self.escape(line))
            self.transcript.say("    (tock only hears @tock … and /tock …)")
        return True

    def switch(self, name: str) -> None:
        try:
            self.channel = self.emulator.channel(name).id
        except KeyError:
            names = ", ".join(f"#{c.name}" for c in self.emulator.channels.values() if not c.is_im)
            self.transcript.say(f"    no channel #{name}; there are {names}")

    def escape(self, text: str) -> str:
        """`#eng` becomes `<#C0ENG|eng>`, as Slack sends a channel picked in the composer."""

        def link(match: re.Match[str]) -> str:
            try:
                channel = self.emulator.channel(match.group(1))
            except KeyError:
                return match.group(0)
            return f"<#{channel.id}|{channel.name}>"

        return _CHANNEL_WORD.sub(link, text)

    async def mention(self, text: str) -> None:
        message, event = self.emulator.mention_event(self.channel, YOU, self.escape(text))
        await self.emulator.send_event(self.bot.events_url, event)
        try:
            await self.emulator.wait_for_message(
                self.channel,
                lambda m: m.thread_ts == message.ts and m.bot_id is not None,
                timeout=REPLY_TIMEOUT_S,
            )
        except TimeoutError:
            raise NoAnswer(f"no answer to the mention within {REPLY_TIMEOUT_S:.0f}s") from None
        await self.settle()

    async def slash(self, text: str) -> None:
        pushed = await self.emulator.send_command(
            self.bot.events_url, text=self.escape(text), user=YOU, channel=self.channel
        )
        self.transcript.ack(self.channel, pushed)
        await self.settle()  # a slow command answers later through response_url

    async def wait_for_post(self) -> None:
        """Until a scheduled post lands that no earlier `:wait` accounted for.

        It may have landed (and been printed) already, e.g. right after
        `/tock run NAME`: waiting is about the post, not about the printing.
        """

        def landed() -> tuple[str, str] | None:
            dms = {c.id for c in self.emulator.channels.values() if c.is_im}
            posts = [
                (m.channel, m.ts)
                for channel, messages in self.emulator.messages.items()
                if channel not in dms
                for m in messages
                if m.bot_id and not m.is_reply
            ]
            return next(
                (p for p in sorted(posts, key=lambda p: p[1]) if p not in self.waited), None
            )

        try:
            post = await self.emulator.wait_for(
                landed, timeout=POST_TIMEOUT_S, what="a scheduled post"
            )
        except TimeoutError:
            raise NoAnswer(f"no scheduled post within {POST_TIMEOUT_S:.0f}s") from None
        self.waited.add(post)
        await self.settle()

    async def settle(self) -> None:
        await self.bot.background.wait_idle()
        self.transcript.drain()

    async def watch(self) -> None:
        """Print scheduled posts and late answers whenever they land."""
        while True:
            try:
                await self.emulator.wait_for(self.transcript.has_news, timeout=WATCH_S)
            except TimeoutError:
                continue
            self.transcript.drain()


async def run_console(
    settings: Settings,
    lines: list[str] | None = None,
    *,
    out: TextIO = sys.stdout,
    timezone: str | None = None,
) -> int:
    """The console; `lines` is a script (None: read the keyboard)."""
    emulator = SlackEmulator()
    await emulator.start()
    seed(emulator, timezone or local_timezone(settings))
    try:
        async with running_bot(console_settings(settings, emulator)) as bot:
            echo = lines is not None or not sys.stdin.isatty()
            console = Console(emulator, bot, out, echo=echo)
            console.transcript.drain()  # what is already there is not news
            console.transcript.say(_banner(bot, console, lines is None))
            watcher = asyncio.create_task(console.watch(), name="console-watch")
            try:
                return await _feed(console, lines)
            finally:
                watcher.cancel()
    finally:
        await emulator.stop()


async def _feed(console: Console, lines: list[str] | None) -> int:
    try:
        if lines is not None:
            for line in lines:
                if not await console.handle(line):
                    break
            return 0
        while await console.handle(await _prompt(console)):
            pass
        return 0
    except NoAnswer as error:
        console.transcript.say(f"!! {error}")
        return 1


async def _prompt(console: Console) -> str:
    label = console.transcript.label(console.channel)
    try:
        return await asyncio.to_thread(input, f"{label}> ")
    except EOFError:
        return ":quit"


def _banner(bot: Bot, console: Console, interactive: bool) -> str:
    agent = "LLM agent" if bot.settings.llm_enabled else "offline agent (no OPENAI_API_KEY)"
    zone = console.emulator.user("you").tz
    lines = [f"tock console: you are @you ({zone}) in #general; {agent}."]
    if interactive:
        lines.append(HELP)
    return "\n".join(lines)


async def main(script: Path | None, settings: Settings) -> int:
    """`tock console [--script FILE]` (the CLI runs this coroutine)."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    redactor = Redactor(configured_secrets(settings))  # e.g. a real OPENAI_API_KEY
    for handler in logging.getLogger().handlers:
        handler.addFilter(redactor)
    if script is None:
        return await run_console(settings)
    text = await asyncio.to_thread(script.read_text, encoding="utf-8")
    return await run_console(settings, text.splitlines())
