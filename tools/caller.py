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
    """Answers "is this user in that channel?" (the host asks Slack)."""

    async def is_member(self, team_id: str, channel_id: str, user_id: str) -> bool: ...


@dataclass(frozen=True)
class Quotas:
    max_per_channel: int = 25
    max_per_user: int = 50
    min_interval_s: int = 300  # minimum spacing between posts of one schedule into a channel
    max_text: int = 4000
