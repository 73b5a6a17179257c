"""Who is asking (a `Caller`) and who is in a channel, as Slack says.

`SlackDirectory` answers from Slack, remembering answers briefly:

- a person's timezone is their `/tock tz` choice (stored), else the `tz` of
  `users.info`, else UTC; `is_admin` is Slack's `is_admin or is_owner`, and
  counts only in the person's own workspace (`team_id`, or one of an
  Enterprise Grid user's `enterprise_user.teams`): an admin of another org
  in a Slack Connect channel is no admin here.
  Profiles are cached for `user_ttl_s` because every mention, command and
  click needs one and people rarely change zones.
- channel membership comes from `conversations.members`, cached for
  `member_ttl_s` (short: people join and leave); whether the bot itself may
  read a channel (a digest's source) from `conversations.info`'s `is_member`.
- a person may be the target of a reminder when `users.info` knows them as
  an active human (`is_person`). A direct message channel
  has no member list the bot may read without `im:read`; its one person is
  known from the signed event that arrived in it (`note_dm`).

Cache expiry follows the injected clock, so tests on a virtual clock can
expire entries by advancing it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Generic, TypeVar

from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.api import SLACK_ERRORS, collect
from bot.slack.ids import USER_ID
from scheduler.clock import Clock
from scheduler.store import Store
from tools.caller import Caller

log = logging.getLogger(__name__)
T = TypeVar("T")
FALLBACK_TZ = "UTC"
PAGE = 1000  # items per conversations.* page, Slack's most
MAX_MEMBERS = 100_000  # members read for one membership check
MAX_CHANNELS = 20_000  # channels read to resolve one typed #name


@dataclass(frozen=True)
class Profile:
    timezone: str
    is_admin: bool
    is_person: bool  # an active human: not deleted, not a bot
    teams: frozenset[str] = frozenset()  # the workspaces the person belongs to

    def admin_in(self, team_id: str) -> bool:
        """Admin rights hold where the person is at home, nowhere else."""
        return self.is_admin and team_id in self.teams


class TtlCache(Generic[T]):
    """A small map whose entries expire `ttl` after they were stored."""

    def __init__(self, ttl_s: float, now: Callable[[], datetime], max_size: int = 10_000) -> None:
        self._ttl = timedelta(seconds=ttl_s)
        self._now = now
        self._max = max_size
        self._entries: dict[str, tuple[datetime, T]] = {}

    def get(self, key: str) -> T | None:
        entry = self._entries.get(key)
        if entry is None or entry[0] <= self._now():
            return None
        return entry[1]

    def put(self, key: str, value: T) -> None:
        if len(self._entries) >= self._max:
            self._entries.clear()  # crude but bounded; a miss only costs one API call
        self._entries[key] = (self._now() + self._ttl, value)

    def drop(self, key: str) -> None:
        self._entries.pop(key, None)


class SlackDirectory:
    """People and channel members as Slack reports them (implements `Membership`)."""

    def __init__(
        self,
        client: AsyncWebClient,
        store: Store,
        clock: Clock,
        *,
        user_ttl_s: float = 600.0,
        member_ttl_s: float = 60.0,
    ) -> None:
        self._client = client
        self._store = store
        self._profiles: TtlCache[Profile] = TtlCache(user_ttl_s, clock.now)
        self._members: TtlCache[frozenset[str]] = TtlCache(member_ttl_s, clock.now)
        self._channel_ids: TtlCache[str] = TtlCache(member_ttl_s, clock.now)
        self._readable: TtlCache[bool] = TtlCache(member_ttl_s, clock.now)
        self._dm_people: dict[str, str] = {}

    async def caller(self, team_id: str, user_id: str, channel_id: str | None) -> Caller:
        """The person behind a request, with the zone their times are read in."""
        profile = await self.profile(user_id)
        chosen = await self._store.get_user_timezone(team_id, user_id)
        return Caller(
            team_id=team_id,
            user_id=user_id,
            channel_id=channel_id,
            timezone=chosen or profile.timezone,
            is_admin=profile.admin_in(team_id),
        )

    async def profile(self, user_id: str) -> Profile:
        if (cached := self._profiles.get(user_id)) is not None:
            return cached
        try:
            response = await self._client.users_info(user=user_id)
        except SLACK_ERRORS as error:
            # Not cached: the next request asks again. Admin rights fail closed.
            log.warning(
                "users.info failed; using UTC and no admin rights",
                extra={"action": "slack.users_info", "user": user_id, "error": str(error)},
            )
            return Profile(FALLBACK_TZ, is_admin=False, is_person=False)
        profile = _profile(response.get("user") or {})
        self._profiles.put(user_id, profile)
        return profile

    def note_dm(self, channel_id: str, user_id: str) -> None:
        """Slack told us (signed) that `user_id` wrote in the DM `channel_id`."""
        self._dm_people[channel_id] = user_id

    async def is_member(self, team_id: str, channel_id: str, user_id: str) -> bool:
        if channel_id in self._dm_people:
            return self._dm_people[channel_id] == user_id
        members = await self.members(channel_id)
        return user_id in members

    async def is_person(self, team_id: str, user_id: str) -> bool:
        """Whether `user_id` is an active person in the workspace (fails closed)."""
        return bool(USER_ID.fullmatch(user_id)) and (await self.profile(user_id)).is_person

    async def bot_can_read(self, team_id: str, channel_id: str) -> bool:
        """Whether the bot is in `channel_id`, so it may read its history (fails closed)."""
        if (cached := self._readable.get(channel_id)) is not None:
            return cached
        try:
            response = await self._client.conversations_info(channel=channel_id)
        except SLACK_ERRORS as error:
            log.info(
                "conversations.info failed",
                extra={"action": "slack.channel_info", "channel": channel_id, "error": str(error)},
            )
            return False
        readable = bool((response.get("channel") or {}).get("is_member"))
        self._readable.put(channel_id, readable)
        return readable

    async def members(self, channel_id: str) -> frozenset[str]:
        """Everyone in the channel; empty when Slack will not say (fail closed)."""
        if (cached := self._members.get(channel_id)) is not None:
            return cached
        try:
            members = await self._all_members(channel_id)
        except SLACK_ERRORS as error:
            log.info(
                "conversations.members failed",
                extra={"action": "slack.members", "channel": channel_id, "error": str(error)},
            )
            return frozenset()
        self._members.put(channel_id, members)
        return members

    async def _all_members(self, channel_id: str) -> frozenset[str]:
        call = self._client.conversations_members(channel=channel_id, limit=PAGE)
        return frozenset(await collect(call, "members", MAX_MEMBERS))

    async def channel_by_name(self, name: str) -> str | None:
        """The id of `#name` (for `/tock … in #eng` typed without Slack's link)."""
        wanted = name.lstrip("#").lower()
        if (cached := self._channel_ids.get(wanted)) is not None:
            return cached
        try:
            names = await self._channel_names()
        except SLACK_ERRORS as error:
            log.info(
                "conversations.list failed",
                extra={"action": "slack.channels", "error": str(error)},
            )
            return None
        for found, channel_id in names.items():
            self._channel_ids.put(found, channel_id)
        return names.get(wanted)

    async def _channel_names(self) -> dict[str, str]:
        call = self._client.conversations_list(
            types="public_channel,private_channel", exclude_archived=True, limit=PAGE
        )
        channels = await collect(call, "channels", MAX_CHANNELS)
        return {str(c.get("name", "")).lower(): str(c["id"]) for c in channels}

    def forget_channel(self, channel_id: str) -> None:
        """Drop what is cached about a channel (e.g. after the bot was removed from it)."""
        self._members.drop(channel_id)
        self._readable.drop(channel_id)


def _profile(user: dict[str, Any]) -> Profile:
    grid = user.get("enterprise_user")
    teams = [user.get("team_id"), *(grid.get("teams") or [] if isinstance(grid, dict) else [])]
    return Profile(
        timezone=str(user.get("tz") or FALLBACK_TZ),
        is_admin=bool(user.get("is_admin") or user.get("is_owner")),
        is_person=not (user.get("deleted") or user.get("is_bot")),
        teams=frozenset(str(team) for team in teams if isinstance(team, str) and team),
    )
