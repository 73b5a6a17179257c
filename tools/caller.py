"""Who is asking, what they may touch, and how much: supplied by the host, never the LLM."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Caller:
    """The person behind a tool call, as Slack vouches for them."""

    team_id: str
    user_id: str
    channel_id: str | None  # where the request was made
    timezone: str  # IANA, from users.info
    is_admin: bool = False


class Membership(Protocol):
    """What the host asks Slack for the checks: channel members, people, the bot's reach.

    Each answer fails closed: when Slack will not say, the answer is False.
    """

    async def is_member(self, team_id: str, channel_id: str, user_id: str) -> bool:
        """Whether `user_id` is in `channel_id`."""
        ...

    async def is_person(self, team_id: str, user_id: str) -> bool:
        """Whether `user_id` is a real, active person in the workspace (not a bot, not gone)."""
        ...

    async def bot_can_read(self, team_id: str, channel_id: str) -> bool:
        """Whether the bot may read `channel_id`'s history (it is in the channel)."""
        ...


@dataclass(frozen=True)
class Quotas:
    max_per_channel: int = 25  # a person's DM counts as a channel
    max_per_user: int = 50
    min_interval_s: int = 300  # minimum spacing between posts of one schedule into a channel
    max_text: int = 4000
