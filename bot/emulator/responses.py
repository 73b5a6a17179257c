"""``response_url``: the URLs handed out with commands and clicks, and what a POST to one does.

Each URL remembers where it answers (``_ResponseTarget``). A POST is
recorded as a ``ResponsePost`` and then shown as Slack shows it: it replaces
or deletes the original (a channel message in place, or the ephemeral the
URL belongs to), posts ``in_channel``, or answers with a new ephemeral.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from bot.emulator.records import Ephemeral, ResponsePost, _ts_micros
from bot.emulator.state import Workspace


@dataclass
class _ResponseTarget:
    """Where a ``response_url`` answers: the message it came from, if any.

    Without a ``message_ts`` the original is ephemeral: the one the click
    came from, or the last one this URL posted (a slash command's answer).
    """

    channel: str
    user: str
    message_ts: str | None
    ephemeral: Ephemeral | None = None


class ResponseUrls(Workspace):
    """Mints ``response_url``s and serves ``/response/{rid}``.

    State: ``_response_targets`` (URL id -> its target). Records each POST
    in the workspace's ``responses`` and changes its messages and ephemerals.
    """

    def __init__(self, **settings: Any) -> None:
        super().__init__(**settings)
        self._response_targets: dict[str, _ResponseTarget] = {}

    def _issue_response_url(
        self,
        channel: str,
        user: str,
        message_ts: str | None = None,
        ephemeral: Ephemeral | None = None,
    ) -> str:
        rid = uuid.uuid4().hex
        self._response_targets[rid] = _ResponseTarget(channel, user, message_ts, ephemeral)
        return f"{self.base_url}/response/{rid}"

    async def _handle_response_url(self, request: web.Request) -> web.Response:
        target = self._response_targets.get(request.match_info["rid"])
        if target is None:
            return web.Response(status=404, text="no_such_response_url")
        try:
            body = await request.json()
        except json.JSONDecodeError:
            return web.Response(status=400, text="invalid_payload")
        self.responses.append(ResponsePost(str(request.url), target.channel, target.user, body))
        self._apply_response(target, body)
        self._bump()
        return web.json_response({"ok": True})

    def _apply_response(self, target: _ResponseTarget, body: dict[str, Any]) -> None:
        """Show what a response_url post means in the channel."""
        replace, delete = body.get("replace_original"), body.get("delete_original")
        if target.message_ts is not None and (replace or delete):
            self._replace_message(target, body)
        elif replace or delete:
            self._replace_ephemeral(target, body)
        elif body.get("response_type") == "in_channel":
            self._store_response_message(
                target.channel, body, self._new_ts(), body.get("thread_ts")
            )
        else:
            self._store_response_ephemeral(target, body)

    def _replace_message(self, target: _ResponseTarget, body: dict[str, Any]) -> None:
        """Delete or replace the channel message in place: same ts, same thread."""
        messages = self.messages[target.channel]
        original = next((m for m in messages if m.ts == target.message_ts), None)
        if original is None:
            return  # Slack answers 404 message_not_found here; nothing changes
        messages.remove(original)
        if not body.get("delete_original"):
            self._store_response_message(target.channel, body, original.ts, original.thread_ts)

    def _replace_ephemeral(self, target: _ResponseTarget, body: dict[str, Any]) -> None:
        """Delete or replace the ephemeral the URL belongs to; never a channel post."""
        if target.ephemeral in self.ephemerals:
            self.ephemerals.remove(target.ephemeral)
        elif body.get("delete_original"):
            return
        if body.get("delete_original"):
            target.ephemeral = None
            return
        self._store_response_ephemeral(target, body, target.ephemeral)

    def _store_response_message(
        self, channel: str, body: dict[str, Any], ts: str, thread_ts: str | None
    ) -> None:
        text = str(body.get("text", ""))
        message = self._bot_message(channel, text, body.get("blocks"), ts=ts, thread_ts=thread_ts)
        self.messages[channel].append(message)
        self.messages[channel].sort(key=lambda m: _ts_micros(m.ts))

    def _store_response_ephemeral(
        self, target: _ResponseTarget, body: dict[str, Any], replacing: Ephemeral | None = None
    ) -> None:
        """Record an ephemeral answer; it is what a later replace_original replaces."""
        ephemeral = Ephemeral(
            target.channel,
            target.user,
            str(body.get("text", "")),
            body.get("blocks"),
            replacing.thread_ts if replacing else body.get("thread_ts"),
            replacing.message_ts if replacing else self._new_ts(),
        )
        self.ephemerals.append(ephemeral)
        target.ephemeral = ephemeral
