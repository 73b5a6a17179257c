"""The emulator's records, and the vocabulary all its surfaces share.

The workspace's contents (``Team``, ``User``, ``Channel``, ``Message``,
``Ephemeral``) with their Web API shapes, and ``ResponsePost``, one POST the
bot made to a ``response_url``. ``ApiError`` is how any lookup or method
fails; the Web API answers it as Slack's ``{"ok": false, "error": code}``.
``Params`` and ``Handler`` are a Web API call's arguments and one method.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

Params = dict[str, Any]
Handler = Callable[[Params], Awaitable[dict[str, Any]]]


class ApiError(Exception):
    """A Web API call fails with Slack's ``{"ok": false, "error": code}``."""

    def __init__(self, code: str, *, status: int = 200, **extra: Any) -> None:
        super().__init__(code)
        self.code = code
        self.status = status
        self.extra = extra


@dataclass
class Team:
    id: str
    name: str
    domain: str


@dataclass
class User:
    id: str
    name: str
    team_id: str
    tz: str = "UTC"
    is_admin: bool = False
    is_owner: bool = False
    is_bot: bool = False
    real_name: str = ""
    deleted: bool = False

    def to_api(self, now: float) -> dict[str, Any]:
        when = datetime.fromtimestamp(now, ZoneInfo(self.tz))
        offset = when.utcoffset()
        return {
            "id": self.id,
            "team_id": self.team_id,
            "name": self.name,
            "deleted": self.deleted,
            "real_name": self.real_name or self.name,
            "tz": self.tz,
            "tz_label": when.tzname(),
            "tz_offset": int(offset.total_seconds()) if offset else 0,
            "is_admin": self.is_admin,
            "is_owner": self.is_owner,
            "is_bot": self.is_bot,
            "profile": {"real_name": self.real_name or self.name, "display_name": self.name},
        }


@dataclass
class Channel:
    id: str
    name: str
    members: list[str] = field(default_factory=list)
    is_archived: bool = False
    is_private: bool = False
    created: int = 0
    creator: str = ""
    im_user: str | None = None  # set on the bot's direct-message channel with this person

    @property
    def is_im(self) -> bool:
        return self.im_user is not None

    @property
    def kind(self) -> str:
        """The ``types`` value of conversations.list that selects this channel."""
        if self.is_im:
            return "im"
        return "private_channel" if self.is_private else "public_channel"

    def to_api(self, bot_user_id: str) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "name": self.name,
            "is_channel": self.kind == "public_channel",
            "is_group": False,
            "is_im": self.is_im,
            "is_private": self.is_private,
            "is_archived": self.is_archived,
            "is_member": bot_user_id in self.members,
            "created": self.created,
            "creator": self.creator,
            "num_members": len(self.members),
        }
        if self.im_user is not None:
            out["user"] = self.im_user
        return out


@dataclass
class Message:
    ts: str
    channel: str
    text: str
    user: str | None = None
    bot_id: str | None = None
    app_id: str | None = None
    blocks: list[dict[str, Any]] | None = None
    thread_ts: str | None = None
    metadata: dict[str, Any] | None = None
    edited: bool = False

    @property
    def is_reply(self) -> bool:
        return self.thread_ts is not None and self.thread_ts != self.ts

    def to_api(
        self, *, include_metadata: bool = False, replies: list[Message] | None = None
    ) -> dict[str, Any]:
        """Slack's message object; a thread parent with ``replies`` summarises them."""
        out: dict[str, Any] = {"type": "message", "ts": self.ts, "text": self.text}
        optional = {
            "user": self.user,
            "bot_id": self.bot_id,
            "app_id": self.app_id,
            "blocks": self.blocks,
            "thread_ts": self.thread_ts,
        }
        out.update({k: v for k, v in optional.items() if v is not None})
        if replies:
            people = list(dict.fromkeys(r.user for r in replies if r.user))
            out.update(
                thread_ts=self.ts,
                reply_count=len(replies),
                reply_users=people,
                reply_users_count=len(people),
                latest_reply=max(replies, key=lambda r: _ts_micros(r.ts)).ts,
            )
        if include_metadata and self.metadata is not None:
            out["metadata"] = self.metadata
        return out


@dataclass
class Ephemeral:
    channel: str
    user: str
    text: str
    blocks: list[dict[str, Any]] | None
    thread_ts: str | None
    message_ts: str


@dataclass
class ResponsePost:
    """One POST the bot made to a ``response_url`` the emulator handed out."""

    url: str
    channel: str
    user: str
    body: dict[str, Any]

    @property
    def response_type(self) -> str:
        return str(self.body.get("response_type", "ephemeral"))


def _ts_micros(ts: Any) -> int:
    """Slack ts ("1700000000.000100") to integer microseconds, for ordering."""
    try:
        return int(Decimal(str(ts)) * 1_000_000)
    except InvalidOperation:
        raise ApiError("invalid_ts_latest") from None
