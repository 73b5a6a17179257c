"""The in-memory workspace that every surface of the emulator reads and changes.

``Workspace`` holds the installed app (tokens, signing secret, scopes, team
and bot ids), the people, channels and messages, and what the bot left
behind (ephemerals, App Home views, modals, ``response_url`` posts). It
seeds (``add_user``, ``add_channel``, ``join``, ``leave``, ``seed_demo``,
``dm_channel``), looks things up (``channel``, ``user``, ``history``,
``replies``), stores what people write (``post_as_user``), and mints ids,
timestamps and trigger ids. Every change calls ``_bump``, which wakes the
``wait_for*`` helpers to re-check their condition.
"""

from __future__ import annotations

import asyncio
import itertools
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from bot.emulator.records import (
    ApiError,
    Channel,
    Ephemeral,
    Message,
    ResponsePost,
    Team,
    User,
)

T = TypeVar("T")


def _dm_id(user_id: str) -> str:
    """The id of the bot's DM with a person: "D" and the user id's digits."""
    return "D" + user_id.removeprefix("U")


class Workspace:
    """One Slack workspace with one app installed, held in memory.

    The base of every surface mixin; ``SlackEmulator`` passes it the app's
    credentials and the clocks (``monotonic`` for durations, ``wall`` for
    timestamps), both replaceable so tests can move time.
    """

    def __init__(
        self,
        *,
        bot_token: str,
        app_token: str,
        signing_secret: str,
        team_name: str,
        team_domain: str,
        bot_scopes: Iterable[str],
        monotonic: Callable[[], float],
        wall: Callable[[], float],
    ) -> None:
        self.bot_token = bot_token
        self.app_token = app_token
        self.signing_secret = signing_secret
        self.bot_scopes = tuple(bot_scopes)  # reported in x-oauth-scopes, not enforced
        self._changed = asyncio.Event()  # swapped on every change; see _bump
        self._monotonic = monotonic
        self._wall = wall
        self._ids = itertools.count(1)
        self._last_ts = 0
        # Ids come from one counter, in this order, so a restarted emulator has the same ones.
        self.team = Team(self._new_id("T"), team_name, team_domain)
        self.teams: dict[str, Team] = {self.team.id: self.team}
        self.app_id = self._new_id("A")
        self.bot_id = self._new_id("B")
        self.users: dict[str, User] = {}
        self.bot_user_id = self.add_user("tock", is_bot=True).id
        self.channels: dict[str, Channel] = {}
        self.messages: dict[str, list[Message]] = defaultdict(list)
        self.ephemerals: list[Ephemeral] = []
        self.home_views: dict[str, dict[str, Any]] = {}
        self.modals: list[dict[str, Any]] = []
        self.responses: list[ResponsePost] = []
        self._triggers: dict[str, float] = {}  # trigger_id -> monotonic time it was issued
        self._base = ""  # set once the server listens; see base_url

    @property
    def base_url(self) -> str:
        """``http://host:port`` of the running server, where handed-out URLs point."""
        if not self._base:
            raise RuntimeError("the emulator is not started")
        return self._base

    def _new_id(self, prefix: str) -> str:
        return f"{prefix}{next(self._ids):08X}"

    def _new_ts(self) -> str:
        """A channel-unique, strictly increasing "seconds.micros" timestamp."""
        self._last_ts = max(int(self._wall() * 1_000_000), self._last_ts + 1)
        return f"{self._last_ts // 1_000_000}.{self._last_ts % 1_000_000:06d}"

    def _issue_trigger(self) -> str:
        """A trigger id, as a command or a click carries; views.open accepts it a while."""
        trigger_id = f"{next(self._ids)}.{int(self._wall())}.{uuid.uuid4().hex}"
        self._triggers[trigger_id] = self._monotonic()
        return trigger_id

    def add_user(
        self,
        name: str,
        *,
        tz: str = "UTC",
        is_admin: bool = False,
        is_owner: bool = False,
        is_bot: bool = False,
        real_name: str = "",
        user_id: str | None = None,
    ) -> User:
        ZoneInfo(tz)  # fail at seeding time on a misspelt zone
        user = User(
            id=user_id or self._new_id("U"),
            name=name,
            team_id=self.team.id,
            tz=tz,
            is_admin=is_admin,
            is_owner=is_owner,
            is_bot=is_bot,
            real_name=real_name,
        )
        self.users[user.id] = user
        self._bump()
        return user

    def add_channel(
        self,
        name: str,
        *,
        members: Iterable[str] = (),
        bot_member: bool = True,
        is_private: bool = False,
        is_archived: bool = False,
        channel_id: str | None = None,
    ) -> Channel:
        """Create a channel; the bot is a member unless ``bot_member=False``."""
        channel = Channel(
            id=channel_id or self._new_id("C"),
            name=name.lstrip("#"),
            is_private=is_private,
            is_archived=is_archived,
            created=int(self._wall()),
            creator=self.bot_user_id,
        )
        self.channels[channel.id] = channel
        for user in [*members, *([self.bot_user_id] if bot_member else [])]:
            self.join(channel.id, user)
        self._bump()
        return channel

    def join(self, channel: str, user: str) -> None:
        """Add ``user`` (id or name) to ``channel`` (id or name)."""
        found, member = self.channel(channel), self.user(user)
        if member.id not in found.members:
            found.members.append(member.id)
        self._bump()

    def leave(self, channel: str, user: str) -> None:
        found, member = self.channel(channel), self.user(user)
        if member.id in found.members:
            found.members.remove(member.id)
        self._bump()

    def seed_demo(self) -> dict[str, str]:
        """A small workspace for a local console: two people, two channels."""
        alice = self.add_user("alice", tz="America/New_York", is_admin=True)
        bob = self.add_user("bob", tz="Europe/Berlin")
        general = self.add_channel("general", members=[alice.id, bob.id])
        random = self.add_channel("random", members=[alice.id, bob.id])
        return {"alice": alice.id, "bob": bob.id, "general": general.id, "random": random.id}

    def dm_channel(self, user: str) -> Channel:
        """The bot's direct-message channel with ``user`` (id or name), created on first use."""
        member = self.user(user)
        dm_id = _dm_id(member.id)
        if dm_id not in self.channels:
            dm = self.add_channel(
                f"dm-{member.name}", members=[member.id], is_private=True, channel_id=dm_id
            )
            dm.im_user = member.id
        return self.channels[dm_id]

    def channel(self, ref: str) -> Channel:
        """A channel by id or by name (with or without ``#``)."""
        if ref in self.channels:
            return self.channels[ref]
        for channel in self.channels.values():
            if channel.name == ref.lstrip("#"):
                return channel
        raise KeyError(ref)

    def user(self, ref: str) -> User:
        """A user by id or by name."""
        if ref in self.users:
            return self.users[ref]
        for user in self.users.values():
            if user.name == ref:
                return user
        raise KeyError(ref)

    def history(self, channel: str) -> list[Message]:
        """Top-level messages of a channel, oldest first."""
        return [m for m in self.messages[self.channel(channel).id] if not m.is_reply]

    def replies(self, channel: str, thread_ts: str) -> list[Message]:
        """Replies in one thread, oldest first (the parent excluded)."""
        return [
            m
            for m in self.messages[self.channel(channel).id]
            if m.is_reply and m.thread_ts == thread_ts
        ]

    def _find_message(self, channel: Channel, ts: Any) -> Message:
        for message in self.messages[channel.id]:
            if message.ts == str(ts):
                return message
        raise ApiError("message_not_found")

    def post_as_user(
        self, channel: str, user: str, text: str, *, thread_ts: str | None = None
    ) -> Message:
        """Store a message a person wrote (no event is sent)."""
        message = Message(
            ts=self._new_ts(),
            channel=self.channel(channel).id,
            text=text,
            user=self.user(user).id,
            thread_ts=thread_ts,
        )
        self.messages[message.channel].append(message)
        self._bump()
        return message

    def _bot_message(
        self,
        channel_id: str,
        text: str,
        blocks: list[dict[str, Any]] | None,
        *,
        ts: str | None = None,
        thread_ts: str | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> Message:
        """A message from the bot (not stored yet), at a new ts unless given one."""
        return Message(
            ts=ts or self._new_ts(),
            channel=channel_id,
            text=text,
            user=self.bot_user_id,
            bot_id=self.bot_id,
            app_id=self.app_id,
            blocks=blocks,
            thread_ts=thread_ts,
            metadata=metadata,
        )

    def _bump(self) -> None:
        """Wake every waiter: the state changed."""
        self._changed.set()
        self._changed = asyncio.Event()

    async def wait_for(
        self,
        probe: Callable[[], T | None],
        *,
        timeout: float = 2.0,  # noqa: ASYNC109 (test waiters take a deadline)
        what: str = "condition",
    ) -> T:
        """Return ``probe()`` as soon as it is truthy; re-checked on each change."""
        try:
            async with asyncio.timeout(timeout):
                while True:
                    changed = self._changed
                    result = probe()
                    if result:
                        return result
                    await changed.wait()
        except TimeoutError:
            raise TimeoutError(f"timed out after {timeout}s waiting for {what}") from None

    async def _wait_for_first(
        self,
        items: Callable[[], Iterable[T]],
        predicate: Callable[[T], bool] | None,
        *,
        timeout: float,  # noqa: ASYNC109 (test waiters take a deadline)
        what: str,
    ) -> T:
        """The first of ``items()`` that matches ``predicate`` (any, without one)."""
        accept = predicate or (lambda _: True)
        return await self.wait_for(
            lambda: next((item for item in items() if accept(item)), None),
            timeout=timeout,
            what=what,
        )

    async def wait_for_message(
        self,
        channel: str,
        predicate: Callable[[Message], bool] | None = None,
        *,
        timeout: float = 2.0,  # noqa: ASYNC109 (test waiters take a deadline)
    ) -> Message:
        """The first message (top-level or reply) in ``channel`` that matches."""
        return await self._wait_for_first(
            lambda: self.messages[self.channel(channel).id],
            predicate,
            timeout=timeout,
            what=f"a message in {channel}",
        )

    async def wait_for_ephemeral(
        self,
        predicate: Callable[[Ephemeral], bool] | None = None,
        *,
        timeout: float = 2.0,  # noqa: ASYNC109 (test waiters take a deadline)
    ) -> Ephemeral:
        """The first ephemeral message that matches."""
        return await self._wait_for_first(
            lambda: self.ephemerals, predicate, timeout=timeout, what="an ephemeral message"
        )

    async def wait_for_response(
        self,
        predicate: Callable[[ResponsePost], bool] | None = None,
        *,
        timeout: float = 2.0,  # noqa: ASYNC109 (test waiters take a deadline)
    ) -> ResponsePost:
        """The first POST to a ``response_url`` that matches."""
        return await self._wait_for_first(
            lambda: self.responses, predicate, timeout=timeout, what="a response_url post"
        )

    async def wait_for_modal(
        self,
        predicate: Callable[[dict[str, Any]], bool] | None = None,
        *,
        timeout: float = 2.0,  # noqa: ASYNC109 (test waiters take a deadline)
    ) -> dict[str, Any]:
        """The first modal opened that matches."""
        return await self._wait_for_first(
            lambda: self.modals, predicate, timeout=timeout, what="a modal"
        )

    async def wait_for_home(self, user: str, *, timeout: float = 2.0) -> dict[str, Any]:  # noqa: ASYNC109 (test waiters take a deadline)
        """The App Home view published for ``user``."""
        user_id = self.user(user).id
        return await self.wait_for(
            lambda: self.home_views.get(user_id), timeout=timeout, what=f"home of {user}"
        )
