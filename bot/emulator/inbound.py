"""What Slack sends to the bot: events, slash commands and interactions.

Payload builders shaped as Slack documents them (``event_envelope``,
``command_payload``, ``action_payload``), each command and click carrying a
fresh ``response_url`` and trigger id. In HTTP mode ``send_event``,
``send_command`` and ``send_action`` sign a payload with the signing secret
(``v0:{timestamp}:{body}``, HMAC-SHA256; see ``sign``) and POST it to the
bot's request URL. ``mention`` has a person @mention the bot, over HTTP or
Socket Mode.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import aiohttp

from bot.emulator.records import Ephemeral, Message
from bot.emulator.responses import ResponseUrls
from bot.emulator.socket_mode import SocketMode


@dataclass
class PushResult:
    """What the bot answered to a signed push (event, command or action)."""

    status: int
    body: str
    headers: dict[str, str]
    elapsed: float

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


class Inbound(ResponseUrls, SocketMode):
    """Builds Slack's payloads for the bot and delivers them, signed or over the socket.

    State: ``_http``, the client session for pushes (opened on first use,
    closed by the server's ``stop``). Relies on ``ResponseUrls`` for the
    ``response_url`` of commands and clicks, on ``SocketMode`` for ``mention``
    without a URL, and on the workspace for ids, the clock and the secret.
    """

    def __init__(self, **settings: Any) -> None:
        super().__init__(**settings)
        self._http: aiohttp.ClientSession | None = None

    def event_envelope(self, event: dict[str, Any]) -> dict[str, Any]:
        """Wrap an event as Slack's ``event_callback`` body."""
        event = {"event_ts": event.get("ts") or self._new_ts(), **event}
        channel = event.get("channel", "")
        return {
            "token": "verification-token",
            "team_id": self.team.id,
            "api_app_id": self.app_id,
            "event": event,
            "type": "event_callback",
            "event_id": f"Ev{uuid.uuid4().hex[:10].upper()}",
            "event_time": int(self._wall()),
            "authorizations": [
                {
                    "enterprise_id": None,
                    "team_id": self.team.id,
                    "user_id": self.bot_user_id,
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
            "is_ext_shared_channel": False,
            "event_context": f"4-{event.get('type')}-{self.team.id}-{channel}",
        }

    def command_payload(
        self, *, command: str = "/tock", text: str = "", user: str, channel: str
    ) -> dict[str, str]:
        """The form fields of a slash command invocation."""
        person, where = self.user(user), self.channel(channel)
        return {
            "token": "verification-token",
            "team_id": self.team.id,
            "team_domain": self.team.domain,
            "channel_id": where.id,
            "channel_name": where.name,
            "user_id": person.id,
            "user_name": person.name,
            "command": command,
            "text": text,
            "api_app_id": self.app_id,
            "is_enterprise_install": "false",
            "response_url": self._issue_response_url(where.id, person.id),
            "trigger_id": self._issue_trigger(),
        }

    def action_payload(
        self,
        *,
        user: str,
        channel: str,
        action_id: str,
        value: str = "",
        block_id: str = "actions",
        message_ts: str | None = None,
        ephemeral: Ephemeral | None = None,
    ) -> dict[str, Any]:
        """A ``block_actions`` payload for a button click on a message.

        Pass ``ephemeral`` for a click on an ephemeral message: Slack then
        sends no copy of it, and its ``response_url`` replaces that ephemeral.
        """
        person, where = self.user(user), self.channel(channel)
        message = self._find_message(where, message_ts).to_api() if message_ts else None
        shown_ts = ephemeral.message_ts if ephemeral else message_ts
        payload = {
            "type": "block_actions",
            "user": {
                "id": person.id,
                "username": person.name,
                "name": person.name,
                "team_id": self.team.id,
            },
            "api_app_id": self.app_id,
            "token": "verification-token",
            "container": {
                "type": "message",
                "message_ts": shown_ts,
                "channel_id": where.id,
                "is_ephemeral": ephemeral is not None,
            },
            "trigger_id": self._issue_trigger(),
            "team": {"id": self.team.id, "domain": self.team.domain},
            "enterprise": None,
            "is_enterprise_install": False,
            "channel": {"id": where.id, "name": where.name},
            "message": message,
            "state": {"values": {}},
            "response_url": self._issue_response_url(where.id, person.id, message_ts, ephemeral),
            "actions": [
                {
                    "action_id": action_id,
                    "block_id": block_id,
                    "text": {"type": "plain_text", "text": action_id, "emoji": True},
                    "value": value,
                    "type": "button",
                    "action_ts": self._new_ts(),
                }
            ],
        }
        return {k: v for k, v in payload.items() if v is not None}

    def sign(self, body: bytes, timestamp: int | None = None) -> dict[str, str]:
        """Slack's request signature headers for ``body``."""
        stamp = str(int(self._wall()) if timestamp is None else timestamp)
        base = b"v0:" + stamp.encode() + b":" + body
        digest = hmac.new(self.signing_secret.encode(), base, hashlib.sha256).hexdigest()
        return {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": f"v0={digest}"}

    async def _push(
        self,
        url: str,
        body: bytes,
        content_type: str,
        retry_num: int | None = None,
        retry_reason: str = "http_timeout",
    ) -> PushResult:
        headers = {"Content-Type": content_type, **self.sign(body)}
        if retry_num is not None:
            headers["X-Slack-Retry-Num"] = str(retry_num)
            headers["X-Slack-Retry-Reason"] = retry_reason
        if self._http is None:
            self._http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10))
        started = self._monotonic()
        async with self._http.post(url, data=body, headers=headers) as response:
            text = await response.text()
            return PushResult(
                response.status, text, dict(response.headers), self._monotonic() - started
            )

    async def send_event(
        self,
        url: str,
        event: dict[str, Any],
        retry_num: int | None = None,
        retry_reason: str = "http_timeout",
    ) -> PushResult:
        """POST an Events API ``event_callback`` carrying ``event``, signed."""
        body = json.dumps(self.event_envelope(event)).encode()
        return await self._push(url, body, "application/json", retry_num, retry_reason)

    async def send_command(
        self, url: str, command: str = "/tock", text: str = "", *, user: str, channel: str
    ) -> PushResult:
        """POST a slash command as form fields, signed."""
        fields = self.command_payload(command=command, text=text, user=user, channel=channel)
        body = urlencode(fields).encode()
        return await self._push(url, body, "application/x-www-form-urlencoded")

    async def send_action(self, url: str, payload: dict[str, Any]) -> PushResult:
        """POST an interaction payload as the ``payload=`` form field, signed."""
        body = urlencode({"payload": json.dumps(payload)}).encode()
        return await self._push(url, body, "application/x-www-form-urlencoded")

    def mention_event(self, channel: str, user: str, text: str) -> tuple[Message, dict[str, Any]]:
        """Store "<@bot> text" from ``user`` and return it with its app_mention."""
        message = self.post_as_user(channel, user, f"<@{self.bot_user_id}> {text}")
        event = {
            "type": "app_mention",
            "user": message.user,
            "text": message.text,
            "ts": message.ts,
            "channel": message.channel,
            "team": self.team.id,
            "event_ts": message.ts,
        }
        return message, event

    async def mention(
        self, channel: str, user: str, text: str, *, url: str | None = None
    ) -> Message:
        """A person @mentions the bot: over HTTP when ``url`` is given, else Socket Mode."""
        message, event = self.mention_event(channel, user, text)
        if url is not None:
            await self.send_event(url, event)
        else:
            await self.socket_send("events_api", self.event_envelope(event))
        return message
