"""The ``conversations.*`` Web API methods: info, history, replies, members, list, open.

Reading a channel the way Slack pages it: ``oldest``/``latest`` bounds,
``limit``, and an opaque ``next_cursor`` (base64 of what the next page starts
at); a thread parent in a page carries its reply summary.
"""

from __future__ import annotations

import base64
from collections import defaultdict
from collections.abc import Callable
from typing import Any, TypeVar

from bot.emulator.records import ApiError, Channel, Message, Params, _ts_micros
from bot.emulator.state import _dm_id
from bot.emulator.webapi import WebApi

CONVERSATION_TYPES = frozenset({"public_channel", "private_channel", "mpim", "im"})

T = TypeVar("T")


def _as_bool(value: Any) -> bool:
    return value is True or str(value).lower() in ("1", "true")


def _limit(params: Params, *, most: int) -> int:
    try:
        return max(1, min(int(params.get("limit") or 100), most))
    except ValueError:
        raise ApiError("invalid_limit") from None


def _cursor(prefix: str, value: str) -> str:
    return base64.b64encode(f"{prefix}:{value}".encode()).decode()


def _uncursor(prefix: str, cursor: str) -> str:
    try:
        kind, _, value = base64.b64decode(cursor).decode().partition(":")
    except ValueError:
        raise ApiError("invalid_cursor") from None
    if kind != prefix:
        raise ApiError("invalid_cursor")
    return value


def _page(
    items: list[T],
    params: Params,
    *,
    prefix: str,
    key: Callable[[T], str],
    most: int,
    starts: Callable[[str], Callable[[T], bool]] | None = None,
) -> tuple[list[T], str]:
    """One page of ``items`` from the ``cursor`` on, ``limit`` long, and the next cursor.

    A cursor names the ``key`` of the first item of its page. The page starts
    at the first item ``starts(key)`` accepts; by default, the item with that key.
    """
    start = 0
    if params.get("cursor"):
        first = _uncursor(prefix, str(params["cursor"]))
        at = starts(first) if starts else (lambda item: key(item) == first)
        start = next((i for i, item in enumerate(items) if at(item)), len(items))
    end = start + _limit(params, most=most)
    next_cursor = _cursor(prefix, key(items[end])) if end < len(items) else ""
    return items[start:end], next_cursor


class Conversations(WebApi):
    """Adds the ``conversations.*`` methods to the Web API's table.

    No state of its own: it reads the workspace's channels and messages, and
    ``conversations.open`` creates the bot's DM with a person on first use.
    """

    def __init__(self, **settings: Any) -> None:
        super().__init__(**settings)
        self._methods.update(
            {
                "conversations.info": self._conversations_info,
                "conversations.history": self._conversations_history,
                "conversations.replies": self._conversations_replies,
                "conversations.members": self._conversations_members,
                "conversations.list": self._conversations_list,
                "conversations.open": self._conversations_open,
            }
        )

    async def _conversations_info(self, params: Params) -> dict[str, Any]:
        return {"channel": self._require_channel(params).to_api(self.bot_user_id)}

    async def _conversations_history(self, params: Params) -> dict[str, Any]:
        channel = self._require_channel(params)
        self._require_member(channel)
        top_level = [m for m in self.messages[channel.id] if not m.is_reply]
        return self._page_of_messages(channel, top_level, params, newest_first=True)

    async def _conversations_replies(self, params: Params) -> dict[str, Any]:
        channel = self._require_channel(params)
        self._require_member(channel)
        parent = self._find_message(channel, params.get("ts"))
        root = parent.thread_ts or parent.ts
        thread = [m for m in self.messages[channel.id] if m.ts == root or m.thread_ts == root]
        return self._page_of_messages(channel, thread, params, newest_first=False)

    def _threads(self, channel: Channel) -> dict[str, list[Message]]:
        """Replies by their parent's ts, oldest first."""
        threads: dict[str, list[Message]] = defaultdict(list)
        for message in sorted(self.messages[channel.id], key=lambda m: _ts_micros(m.ts)):
            if message.is_reply and message.thread_ts is not None:
                threads[message.thread_ts].append(message)
        return threads

    def _page_of_messages(
        self, channel: Channel, messages: list[Message], params: Params, *, newest_first: bool
    ) -> dict[str, Any]:
        """Filter by oldest/latest, then one cursor page, as Slack paginates."""
        inclusive = _as_bool(params.get("inclusive"))
        oldest = _ts_micros(params.get("oldest") or 0)
        latest = _ts_micros(params["latest"]) if params.get("latest") else None

        def in_range(m: Message) -> bool:
            ts = _ts_micros(m.ts)
            low = ts >= oldest if inclusive else ts > oldest
            high = latest is None or (ts <= latest if inclusive else ts < latest)
            return low and high

        def from_ts(first: str) -> Callable[[Message], bool]:
            """The cursor's message, or where it was: ts order survives a deletion."""
            start = _ts_micros(first)
            if newest_first:
                return lambda m: _ts_micros(m.ts) <= start
            return lambda m: _ts_micros(m.ts) >= start

        ordered = [m for m in messages if in_range(m)]
        ordered.sort(key=lambda m: _ts_micros(m.ts), reverse=newest_first)
        page, next_cursor = _page(
            ordered, params, prefix="next_ts", key=lambda m: m.ts, most=999, starts=from_ts
        )
        with_metadata = _as_bool(params.get("include_all_metadata"))
        threads = self._threads(channel)
        return {
            "messages": [
                m.to_api(include_metadata=with_metadata, replies=threads.get(m.ts)) for m in page
            ],
            "has_more": bool(next_cursor),
            "pin_count": 0,
            "response_metadata": {"next_cursor": next_cursor},
        }

    async def _conversations_members(self, params: Params) -> dict[str, Any]:
        members = self._require_channel(params).members
        page, next_cursor = _page(members, params, prefix="user_id", key=str, most=1000)
        return {"members": page, "response_metadata": {"next_cursor": next_cursor}}

    async def _conversations_list(self, params: Params) -> dict[str, Any]:
        """Public channels, and the private channels and DMs the bot is in."""
        types = {t.strip() for t in str(params.get("types") or "public_channel").split(",")}
        if not types <= CONVERSATION_TYPES:
            raise ApiError("invalid_types")
        exclude_archived = _as_bool(params.get("exclude_archived"))
        listed = [
            c
            for c in self.channels.values()
            if c.kind in types
            and (c.kind == "public_channel" or self.bot_user_id in c.members)
            and not (exclude_archived and c.is_archived)
        ]
        page, next_cursor = _page(
            listed, params, prefix="channel_id", key=lambda c: c.id, most=1000
        )
        return {
            "channels": [c.to_api(self.bot_user_id) for c in page],
            "response_metadata": {"next_cursor": next_cursor},
        }

    async def _conversations_open(self, params: Params) -> dict[str, Any]:
        """The bot's DM with one person (``users=U…``), or an existing one (``channel=D…``)."""
        if params.get("channel"):
            channel = self._require_channel(params)
            if not channel.is_im:
                raise ApiError("method_not_supported_for_channel_type")
            opened = True
        else:
            users = [u.strip() for u in str(params.get("users") or "").split(",") if u.strip()]
            if not users:
                raise ApiError("users_list_not_supplied")
            if len(users) > 1:
                raise ApiError("not_supported")  # group DMs are not emulated
            person = self._require_user(users[0])
            if person.deleted:
                raise ApiError("user_disabled")
            opened = _dm_id(person.id) in self.channels
            channel = self.dm_channel(person.id)
        full = _as_bool(params.get("return_im"))
        found = {"channel": channel.to_api(self.bot_user_id) if full else {"id": channel.id}}
        return {"no_op": True, "already_open": True, **found} if opened else found
