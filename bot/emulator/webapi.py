"""The Web API surface: ``/api/{method}``, with its auth, users, chat and views methods.

``WebApi`` parses a call (query string, form fields or JSON), authenticates
its token, runs the method through injected faults and the rate limit
(faults.py), and answers Slack's JSON: ``{"ok": true, ...}``, or
``{"ok": false, "error": code}`` from an ``ApiError``. It keeps the table of
methods; ``conversations.py`` and ``socket_mode.py`` add theirs. The argument
checks every method shares live here too: channel, user and membership
lookups, and text and Block Kit validation.
"""

from __future__ import annotations

import json
import uuid
from collections import deque
from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from bot.emulator.faults import DroppedConnection, FaultInjection
from bot.emulator.records import ApiError, Channel, Ephemeral, Handler, Params, User
from bot.slack.ids import MAX_BLOCKS, MAX_SECTION_TEXT, MAX_TEXT
from bot.slack.scopes import BOT_SCOPES

TRIGGER_TTL = 3.0  # seconds a trigger_id stays valid for views.open
MANIFEST_BOT_SCOPES = BOT_SCOPES
APP_TOKEN_SCOPES = ("connections:write",)

# Web API errors that are answered before a method runs.
_BOT_ONLY = "not_allowed_token_type"
_NO_AUTH = frozenset({"api.test"})  # methods Slack answers without a token


def _as_json(value: Any, error: str) -> Any:
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except json.JSONDecodeError:
        raise ApiError(error) from None


def _block_errors(blocks: Any) -> list[str]:
    """Why Slack would refuse these blocks (empty when they are fine)."""
    if not isinstance(blocks, list) or not all(isinstance(b, dict) for b in blocks):
        return ["blocks must be a list of objects"]
    if len(blocks) > MAX_BLOCKS:
        return [f"must provide an array of at most {MAX_BLOCKS} items [json-pointer:/blocks]"]
    errors = []
    for i, block in enumerate(blocks):
        if "type" not in block:
            errors.append(f"missing required field: type [json-pointer:/blocks/{i}]")
        text = block.get("text")
        too_long = isinstance(text, dict) and len(str(text.get("text", ""))) > MAX_SECTION_TEXT
        if block.get("type") == "section" and too_long:
            errors.append(
                f"must be less than {MAX_SECTION_TEXT + 1} characters "
                f"[json-pointer:/blocks/{i}/text/text]"
            )
    return errors


def _thread_ts(params: Params) -> str | None:
    return str(params["thread_ts"]) if params.get("thread_ts") else None


def _without_token(params: Params) -> Params:
    """A copy of a call's arguments to log: everything but the secret."""
    return {k: v for k, v in params.items() if k != "token"}


def _hang_up(request: web.Request) -> web.Response:
    """Close the connection without an answer; the response returned is never written."""
    if request.transport is not None:
        request.transport.close()
    return web.Response()


def _read_metadata(params: Params) -> dict[str, Any] | None:
    if "metadata" not in params:
        return None
    metadata = _as_json(params["metadata"], "invalid_metadata_format")
    ok = isinstance(metadata, dict) and isinstance(metadata.get("event_type"), str)
    if not ok or not isinstance(metadata.get("event_payload", {}), dict):
        raise ApiError("invalid_metadata_format")
    return {"event_type": metadata["event_type"], "event_payload": metadata.get("event_payload")}


class WebApi(FaultInjection):
    """Serves ``/api/{method}`` from the table ``_methods``.

    State: ``_methods`` (Slack method name -> handler), ``calls`` (recent
    calls with their arguments, for tests) and ``ratelimited`` (429 answers
    served, by any cause). Relies on the workspace for tokens, scopes and
    records, and on ``FaultInjection`` for what happens around each call.
    """

    def __init__(self, **settings: Any) -> None:
        super().__init__(**settings)
        self.calls: deque[tuple[str, Params]] = deque(maxlen=10_000)  # recent, for tests
        self.ratelimited = 0  # HTTP 429 answers served, by any cause
        self._methods: dict[str, Handler] = {
            "api.test": self._api_test,
            "auth.test": self._auth_test,
            "chat.postMessage": self._chat_post_message,
            "chat.postEphemeral": self._chat_post_ephemeral,
            "chat.update": self._chat_update,
            "chat.getPermalink": self._chat_get_permalink,
            "users.info": self._users_info,
            "views.publish": self._views_publish,
            "views.open": self._views_open,
        }

    async def _handle_api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        headers: dict[str, str] = {}
        try:
            params = await self._read_params(request)
            self.calls.append((method, _without_token(params)))
            if method not in self._methods:
                raise ApiError("unknown_method")
            if method in _NO_AUTH:  # as Slack: it checks the connection, not the caller
                params.pop("token", None)
                return web.json_response({"ok": True, **await self._methods[method](params)})
            token = self._authenticate(method, request.headers.get("Authorization", ""), params)
            scopes = self.bot_scopes if token == self.bot_token else APP_TOKEN_SCOPES
            headers["x-oauth-scopes"] = ",".join(scopes)  # as Slack reports a token's grants
            body = await self._call_with_faults(method, params, self._methods[method])
        except ApiError as e:
            return self._error_response(method, e, headers)
        except DroppedConnection:
            return _hang_up(request)
        return web.json_response({"ok": True, **body}, headers=headers)

    def _error_response(
        self, method: str, error: ApiError, headers: dict[str, str]
    ) -> web.Response:
        if error.status == 429:
            self.ratelimited += 1
            headers["Retry-After"] = str(error.extra.pop("retry_after", 1))
        body = {"ok": False, "error": error.code, **error.extra}
        if error.code == "unknown_method":
            body["req_method"] = method
        return web.json_response(body, status=error.status, headers=headers)

    async def _read_params(self, request: web.Request) -> Params:
        """Query string, form fields or a JSON body, as Slack accepts all three."""
        params: Params = dict(request.query)
        if not request.can_read_body:
            return params
        if request.content_type == "application/json":
            try:
                body = await request.json()
            except json.JSONDecodeError:
                raise ApiError("invalid_json") from None
            params.update(body if isinstance(body, dict) else {})
        else:
            form = await request.post()
            params.update({k: v for k, v in form.items() if isinstance(v, str)})
        return params

    def _authenticate(self, method: str, header: str, params: Params) -> str:
        """The caller's token, once it is known and fits ``method``."""
        token = header.removeprefix("Bearer ").strip() or str(params.pop("token", ""))
        params.pop("token", None)
        if not token:
            raise ApiError("not_authed")
        if token not in (self.bot_token, self.app_token):
            raise ApiError("invalid_auth")
        wants_app_token = method == "apps.connections.open"
        if (token == self.app_token) != wants_app_token:
            raise ApiError(_BOT_ONLY)
        return token

    def _require_channel(self, params: Params, key: str = "channel") -> Channel:
        ref = str(params.get(key, ""))
        try:
            return self.channel(ref)
        except KeyError:
            if ref in self.users:  # as in Slack: a user id reaches the app's DM with them
                return self.dm_channel(ref)
            raise ApiError("channel_not_found") from None

    def _require_user(self, user_ref: Any) -> User:
        try:
            return self.user(str(user_ref or ""))
        except KeyError:
            raise ApiError("user_not_found") from None

    def _require_member(self, channel: Channel) -> None:
        if self.bot_user_id not in channel.members:
            raise ApiError("not_in_channel")

    def _read_content(self, params: Params) -> tuple[str, list[dict[str, Any]] | None]:
        """Validate text and blocks as chat.postMessage does."""
        text = str(params.get("text") or "")
        blocks = _as_json(params.get("blocks"), "invalid_blocks_format") or None
        if not text and not blocks and not params.get("attachments"):
            raise ApiError("no_text")
        if len(text) > MAX_TEXT:
            raise ApiError("msg_too_long")
        if blocks is not None and (errors := _block_errors(blocks)):
            messages = [f"[ERROR] {error}" for error in errors]
            raise ApiError(
                "invalid_blocks", errors=errors, response_metadata={"messages": messages}
            )
        return text, blocks

    async def _api_test(self, params: Params) -> dict[str, Any]:
        return {"args": params} if params else {}

    async def _auth_test(self, params: Params) -> dict[str, Any]:
        return {
            "url": f"https://{self.team.domain}.slack.com/",
            "team": self.team.name,
            "user": self.users[self.bot_user_id].name,
            "team_id": self.team.id,
            "user_id": self.bot_user_id,
            "bot_id": self.bot_id,
            "is_enterprise_install": False,
        }

    async def _chat_post_message(self, params: Params) -> dict[str, Any]:
        channel = self._require_channel(params)
        if channel.is_archived:
            raise ApiError("is_archived")
        self._require_member(channel)
        text, blocks = self._read_content(params)
        message = self._bot_message(
            channel.id, text, blocks, thread_ts=_thread_ts(params), metadata=_read_metadata(params)
        )
        self.messages[channel.id].append(message)
        self._bump()
        return {"channel": channel.id, "ts": message.ts, "message": message.to_api()}

    async def _chat_post_ephemeral(self, params: Params) -> dict[str, Any]:
        channel = self._require_channel(params)
        user = self._require_user(params.get("user"))
        if user.id not in channel.members:
            raise ApiError("user_not_in_channel")
        text, blocks = self._read_content(params)
        ephemeral = Ephemeral(channel.id, user.id, text, blocks, _thread_ts(params), self._new_ts())
        self.ephemerals.append(ephemeral)
        self._bump()
        return {"message_ts": ephemeral.message_ts}

    async def _chat_update(self, params: Params) -> dict[str, Any]:
        channel = self._require_channel(params)
        message = self._find_message(channel, params.get("ts"))
        if message.bot_id != self.bot_id:
            raise ApiError("cant_update_message")
        text, blocks = self._read_content(params)
        message.text, message.blocks, message.edited = text, blocks, True
        if "metadata" in params:
            message.metadata = _read_metadata(params)
        self._bump()
        return {"channel": channel.id, "ts": message.ts, "text": text, "message": message.to_api()}

    async def _chat_get_permalink(self, params: Params) -> dict[str, Any]:
        channel = self._require_channel(params)
        message = self._find_message(channel, params.get("message_ts"))
        link = f"https://{self.team.domain}.slack.com/archives/{channel.id}/p"
        link += message.ts.replace(".", "")
        if message.is_reply:
            link += "?" + urlencode({"thread_ts": message.thread_ts, "cid": channel.id})
        return {"channel": channel.id, "permalink": link}

    async def _users_info(self, params: Params) -> dict[str, Any]:
        return {"user": self._require_user(params.get("user")).to_api(self._wall())}

    def _stored_view(self, view: Any, **extra: Any) -> dict[str, Any]:
        view = _as_json(view, "invalid_arguments")
        if not isinstance(view, dict) or "type" not in view:
            raise ApiError("invalid_arguments")
        if errors := _block_errors(view.get("blocks", [])):
            raise ApiError("invalid_arguments", errors=errors)
        stored = {
            "id": self._new_id("V"),
            "team_id": self.team.id,
            "app_id": self.app_id,
            "bot_id": self.bot_id,
            "state": {"values": {}},
            "hash": uuid.uuid4().hex[:16],
            "private_metadata": "",
            "callback_id": "",
            **view,
            **extra,
        }
        return stored

    async def _views_publish(self, params: Params) -> dict[str, Any]:
        user = self._require_user(params.get("user_id"))
        view = self._stored_view(params.get("view"))
        if view["type"] != "home":
            raise ApiError("invalid_arguments")
        self.home_views[user.id] = view
        self._bump()
        return {"view": view}

    async def _views_open(self, params: Params) -> dict[str, Any]:
        trigger_id = str(params.get("trigger_id", ""))
        issued = self._triggers.get(trigger_id)
        if issued is None:
            raise ApiError("invalid_trigger_id")
        if self._monotonic() - issued > TRIGGER_TTL:
            raise ApiError("expired_trigger_id")
        view = self._stored_view(params.get("view"), trigger_id=trigger_id)
        self.modals.append(view)
        self._bump()
        return {"view": view}
