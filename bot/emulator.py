"""A local Slack on loopback: Web API, Socket Mode, and signed HTTP pushes.

The test bed for everything in ``bot/`` and the embedded default for a
newcomer's local console. One in-memory workspace you can seed and inspect:

    emu = SlackEmulator(rate_limit_per_channel=1.0)
    await emu.start()                       # http://127.0.0.1:<port>/api/
    alice = emu.add_user("alice", tz="America/New_York")
    general = emu.add_channel("general", members=[alice.id])
    client = AsyncWebClient(token=emu.bot_token, base_url=emu.api_url)
    ...
    message = await emu.wait_for_message(general.id, lambda m: "hi" in m.text)

Speaking to the bot the way Slack does:

- HTTP mode: ``send_event`` / ``send_command`` / ``send_action`` build Slack's
  payloads, sign them with the signing secret (``v0:{timestamp}:{body}``,
  HMAC-SHA256) and POST them to the bot's request URL.
- Socket Mode: ``apps.connections.open`` hands out a ``ws://`` URL to this
  server; ``socket_send`` delivers an envelope and waits for the ack.

Run alone with ``python -m bot.emulator --demo`` (prints its URLs and tokens as
one JSON line); another process can seed it with ``POST /_emulator/seed`` and
read counters at ``GET /_emulator/stats``.

Shapes follow Slack's documented payloads. Known simplifications: one bot and
one app; scopes are reported (the ``x-oauth-scopes`` header) but never
enforced; ``conversations.open`` opens one-to-one DMs only; thread replies
never broadcast; ``response_url`` and trigger ids do not expire by use count.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import hashlib
import hmac
import itertools
import json
import math
import signal
import time
import uuid
from collections import defaultdict, deque
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import aiohttp
from aiohttp import web

from bot.scopes import BOT_SCOPES

T = TypeVar("T")
Params = dict[str, Any]

MAX_TEXT = 40_000  # chat.postMessage truncates/refuses text past this
MAX_BLOCKS = 50  # blocks per message
MAX_SECTION_TEXT = 3_000  # characters in a section block's text
TRIGGER_TTL = 3.0  # seconds a trigger_id stays valid for views.open
MANIFEST_BOT_SCOPES = BOT_SCOPES
APP_TOKEN_SCOPES = ("connections:write",)
CONVERSATION_TYPES = frozenset({"public_channel", "private_channel", "mpim", "im"})

# Web API errors that are answered before a method runs.
_BOT_ONLY = "not_allowed_token_type"


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


@dataclass
class Fault:
    """What an injected failure answers instead of (or after) the real call."""

    error: str | None = "internal_error"  # None: no failure, only the delay
    status: int = 200
    after_effect: bool = False  # apply the call, then fail: an unknown outcome
    retry_after: int | None = None
    delay: float = 0.0  # real seconds the request takes to "arrive"


@dataclass
class PushResult:
    """What the bot answered to a signed push (event, command or action)."""

    status: int
    body: str
    headers: dict[str, str]
    elapsed: float

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


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


class _ChannelLimiter:
    """GCRA per key: ``burst`` at once, then one every ``1/rate`` seconds."""

    def __init__(self, rate: float, burst: int) -> None:
        self._interval = 1.0 / rate
        self._tolerance = (burst - 1) * self._interval
        self._tat: dict[str, float] = {}

    def admit(self, key: str, now: float) -> float:
        """Take a slot at ``now``; return 0, or the seconds until one is free."""
        tat = self._tat.get(key, now)
        wait = tat - self._tolerance - now
        if wait > 0:
            return wait
        self._tat[key] = max(tat, now) + self._interval
        return 0.0


def _ts_micros(ts: Any) -> int:
    """Slack ts ("1700000000.000100") to integer microseconds, for ordering."""
    try:
        return int(Decimal(str(ts)) * 1_000_000)
    except InvalidOperation:
        raise ApiError("invalid_ts_latest") from None


def _as_bool(value: Any) -> bool:
    return value is True or str(value).lower() in ("1", "true")


def _as_json(value: Any, error: str) -> Any:
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except json.JSONDecodeError:
        raise ApiError(error) from None


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


def _dm_id(user_id: str) -> str:
    """The id of the bot's DM with a person: "D" and the user id's digits."""
    return "D" + user_id.removeprefix("U")


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


def _read_metadata(params: Params) -> dict[str, Any] | None:
    if "metadata" not in params:
        return None
    metadata = _as_json(params["metadata"], "invalid_metadata_format")
    ok = isinstance(metadata, dict) and isinstance(metadata.get("event_type"), str)
    if not ok or not isinstance(metadata.get("event_payload", {}), dict):
        raise ApiError("invalid_metadata_format")
    return {"event_type": metadata["event_type"], "event_payload": metadata.get("event_payload")}


class SlackEmulator:
    """An aiohttp application that behaves like one Slack workspace."""

    def __init__(
        self,
        *,
        bot_token: str = "xoxb-tock-emulator",
        app_token: str = "xapp-1-tock-emulator",
        signing_secret: str = "tock-emulator-signing-secret",
        team_name: str = "Tock Dev",
        team_domain: str = "tock-dev",
        rate_limit_per_channel: float | None = None,
        rate_limit_burst: int = 1,
        bot_scopes: Iterable[str] = MANIFEST_BOT_SCOPES,
        monotonic: Callable[[], float] = time.monotonic,
        wall: Callable[[], float] = time.time,
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
        self.acks: list[dict[str, Any]] = []
        self.calls: deque[tuple[str, Params]] = deque(maxlen=10_000)  # recent, for tests
        self.ratelimited = 0  # HTTP 429 answers served, by any cause
        self._limiter = (
            _ChannelLimiter(rate_limit_per_channel, rate_limit_burst)
            if rate_limit_per_channel
            else None
        )
        self._faults: dict[str, deque[Fault | None]] = defaultdict(deque)
        self._triggers: dict[str, float] = {}
        self._response_targets: dict[str, _ResponseTarget] = {}
        self._pending_acks: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self._sockets: list[web.WebSocketResponse] = []
        self._runner: web.AppRunner | None = None
        self._http: aiohttp.ClientSession | None = None
        self._base = ""
        self._methods: dict[str, Callable[[Params], Awaitable[dict[str, Any]]]] = {
            "auth.test": self._auth_test,
            "chat.postMessage": self._chat_post_message,
            "chat.postEphemeral": self._chat_post_ephemeral,
            "chat.update": self._chat_update,
            "chat.getPermalink": self._chat_get_permalink,
            "users.info": self._users_info,
            "conversations.info": self._conversations_info,
            "conversations.history": self._conversations_history,
            "conversations.replies": self._conversations_replies,
            "conversations.members": self._conversations_members,
            "conversations.list": self._conversations_list,
            "conversations.open": self._conversations_open,
            "views.publish": self._views_publish,
            "views.open": self._views_open,
            "apps.connections.open": self._apps_connections_open,
        }
        self.app = self._build_app()

    # ---- lifecycle -------------------------------------------------------

    def _build_app(self) -> web.Application:
        app = web.Application(client_max_size=4 * 1024 * 1024)
        app.router.add_route("*", "/api/{method}", self._handle_api)
        app.router.add_get("/link/", self._handle_socket)
        app.router.add_post("/response/{rid}", self._handle_response_url)
        app.router.add_post("/_emulator/seed", self._handle_seed)
        app.router.add_get("/_emulator/stats", self._handle_stats)
        return app

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        """Serve on ``host:port``; port 0 picks a free ephemeral port."""
        self._runner = web.AppRunner(self.app, access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        bound_port = self._runner.addresses[0][1]
        netloc = f"[{host}]" if ":" in host else host  # an IPv6 literal needs brackets
        self._base = f"http://{netloc}:{bound_port}"

    async def stop(self) -> None:
        """Close sockets and the server; the state stays for inspection."""
        for ws in list(self._sockets):
            await ws.close(code=aiohttp.WSCloseCode.GOING_AWAY)
        if self._http is not None:
            await self._http.close()
            self._http = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> SlackEmulator:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        if not self._base:
            raise RuntimeError("the emulator is not started")
        return self._base

    @property
    def api_url(self) -> str:
        """For ``AsyncWebClient(base_url=...)``."""
        return f"{self.base_url}/api/"

    # ---- seeding ---------------------------------------------------------

    def _new_id(self, prefix: str) -> str:
        return f"{prefix}{next(self._ids):08X}"

    def _new_ts(self) -> str:
        """A channel-unique, strictly increasing "seconds.micros" timestamp."""
        self._last_ts = max(int(self._wall() * 1_000_000), self._last_ts + 1)
        return f"{self._last_ts // 1_000_000}.{self._last_ts % 1_000_000:06d}"

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

    # ---- fault injection -------------------------------------------------

    def inject_fault(
        self,
        method: str,
        *,
        times: int = 1,
        error: str | None = "internal_error",
        status: int = 200,
        after_effect: bool = False,
        retry_after: int | None = None,
        delay: float = 0.0,
        after: int = 0,
    ) -> None:
        """Make ``times`` calls of ``method`` fail, once ``after`` calls went through.

        ``status`` >= 500 answers an HTTP error; 429 adds ``Retry-After``.
        ``after_effect=True`` performs the call first (the message is posted)
        and then fails, so the caller cannot tell whether it landed.
        ``delay`` holds the request that long before anything else (latency,
        or a client timeout when it is long); with ``error=None`` the call then
        succeeds, even if the client stopped waiting.
        """
        fault = Fault(error, status, after_effect, retry_after, delay)
        self._faults[method].extend([None] * after + [fault] * times)

    # ---- waiting ---------------------------------------------------------

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

    async def wait_for_message(
        self,
        channel: str,
        predicate: Callable[[Message], bool] | None = None,
        *,
        timeout: float = 2.0,  # noqa: ASYNC109 (test waiters take a deadline)
    ) -> Message:
        """The first message (top-level or reply) in ``channel`` that matches."""
        accept = predicate or (lambda _: True)

        def probe() -> Message | None:
            messages = self.messages[self.channel(channel).id]
            return next((m for m in messages if accept(m)), None)

        return await self.wait_for(probe, timeout=timeout, what=f"a message in {channel}")

    async def wait_for_ephemeral(
        self,
        predicate: Callable[[Ephemeral], bool] | None = None,
        *,
        timeout: float = 2.0,  # noqa: ASYNC109 (test waiters take a deadline)
    ) -> Ephemeral:
        accept = predicate or (lambda _: True)
        return await self.wait_for(
            lambda: next((e for e in self.ephemerals if accept(e)), None),
            timeout=timeout,
            what="an ephemeral message",
        )

    async def wait_for_response(
        self,
        predicate: Callable[[ResponsePost], bool] | None = None,
        *,
        timeout: float = 2.0,  # noqa: ASYNC109 (test waiters take a deadline)
    ) -> ResponsePost:
        """The first POST to a ``response_url`` that matches."""
        accept = predicate or (lambda _: True)
        return await self.wait_for(
            lambda: next((r for r in self.responses if accept(r)), None),
            timeout=timeout,
            what="a response_url post",
        )

    async def wait_for_home(self, user: str, *, timeout: float = 2.0) -> dict[str, Any]:  # noqa: ASYNC109 (test waiters take a deadline)
        user_id = self.user(user).id
        return await self.wait_for(
            lambda: self.home_views.get(user_id), timeout=timeout, what=f"home of {user}"
        )

    async def wait_for_modal(
        self,
        predicate: Callable[[dict[str, Any]], bool] | None = None,
        *,
        timeout: float = 2.0,  # noqa: ASYNC109 (test waiters take a deadline)
    ) -> dict[str, Any]:
        accept = predicate or (lambda _: True)
        return await self.wait_for(
            lambda: next((v for v in self.modals if accept(v)), None),
            timeout=timeout,
            what="a modal",
        )

    # ---- Web API ---------------------------------------------------------

    async def _handle_api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        headers: dict[str, str] = {}
        try:
            params = await self._read_params(request)
            self.calls.append((method, params))
            if method not in self._methods:
                raise ApiError("unknown_method")
            token = self._authenticate(method, request.headers.get("Authorization", ""), params)
            scopes = self.bot_scopes if token == self.bot_token else APP_TOKEN_SCOPES
            headers["x-oauth-scopes"] = ",".join(scopes)  # as Slack reports a token's grants
            body = await self._call(method, params)
        except ApiError as e:
            return self._error_response(method, e, headers)
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

    async def _call(self, method: str, params: Params) -> dict[str, Any]:
        handler = self._methods[method]
        fault = (self._faults[method].popleft() if self._faults[method] else None) or Fault(None)
        if fault.delay:
            await asyncio.sleep(fault.delay)
        if fault.error is not None and not fault.after_effect:
            raise self._fault_error(fault.error, fault)
        if method == "chat.postMessage":
            self._check_rate(str(params.get("channel", "")))
        body = await handler(params)
        if fault.error is not None:
            raise self._fault_error(fault.error, fault)
        return body

    def _fault_error(self, error: str, fault: Fault) -> ApiError:
        extra = {"retry_after": fault.retry_after or 1} if fault.status == 429 else {}
        return ApiError(error, status=fault.status, **extra)

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

    def _check_rate(self, channel_ref: str) -> None:
        if self._limiter is None:
            return
        key = self._channel_id_or_raw(channel_ref)
        wait = self._limiter.admit(key, self._monotonic())
        if wait > 0:
            raise ApiError("ratelimited", status=429, retry_after=max(1, math.ceil(wait)))

    def _channel_id_or_raw(self, ref: str) -> str:
        try:
            return self.channel(ref).id
        except KeyError:
            return ref

    def _require_channel(self, params: Params, key: str = "channel") -> Channel:
        ref = str(params.get(key, ""))
        try:
            return self.channel(ref)
        except KeyError:
            if ref in self.users:  # as in Slack: a user id reaches the app's DM with them
                return self.dm_channel(ref)
            raise ApiError("channel_not_found") from None

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

    def _bot_message(self, channel: Channel, params: Params) -> Message:
        text, blocks = self._read_content(params)
        return Message(
            ts=self._new_ts(),
            channel=channel.id,
            text=text,
            user=self.bot_user_id,
            bot_id=self.bot_id,
            app_id=self.app_id,
            blocks=blocks,
            thread_ts=str(params["thread_ts"]) if params.get("thread_ts") else None,
            metadata=_read_metadata(params),
        )

    def _find_message(self, channel: Channel, ts: Any) -> Message:
        for message in self.messages[channel.id]:
            if message.ts == str(ts):
                return message
        raise ApiError("message_not_found")

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
        message = self._bot_message(channel, params)
        self.messages[channel.id].append(message)
        self._bump()
        return {"channel": channel.id, "ts": message.ts, "message": message.to_api()}

    async def _chat_post_ephemeral(self, params: Params) -> dict[str, Any]:
        channel = self._require_channel(params)
        user = self._require_user(params.get("user"))
        if user.id not in channel.members:
            raise ApiError("user_not_in_channel")
        text, blocks = self._read_content(params)
        thread_ts = str(params["thread_ts"]) if params.get("thread_ts") else None
        ephemeral = Ephemeral(channel.id, user.id, text, blocks, thread_ts, self._new_ts())
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

        ordered = [m for m in messages if in_range(m)]
        ordered.sort(key=lambda m: _ts_micros(m.ts), reverse=newest_first)
        if params.get("cursor"):
            # The cursor names the first message of the page.
            start = _ts_micros(_uncursor("next_ts", str(params["cursor"])))
            if newest_first:
                ordered = [m for m in ordered if _ts_micros(m.ts) <= start]
            else:
                ordered = [m for m in ordered if _ts_micros(m.ts) >= start]
        limit = _limit(params, most=999)
        page, rest = ordered[:limit], ordered[limit:]
        with_metadata = _as_bool(params.get("include_all_metadata"))
        threads = self._threads(channel)
        return {
            "messages": [
                m.to_api(include_metadata=with_metadata, replies=threads.get(m.ts)) for m in page
            ],
            "has_more": bool(rest),
            "pin_count": 0,
            "response_metadata": {"next_cursor": _cursor("next_ts", rest[0].ts) if rest else ""},
        }

    async def _conversations_members(self, params: Params) -> dict[str, Any]:
        members = self._require_channel(params).members
        start = 0
        if params.get("cursor"):
            after = _uncursor("user_id", str(params["cursor"]))
            start = members.index(after) if after in members else len(members)
        limit = _limit(params, most=1000)
        page, rest = members[start : start + limit], members[start + limit :]
        next_cursor = _cursor("user_id", rest[0]) if rest else ""
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
        start = 0
        if params.get("cursor"):
            after = _uncursor("channel_id", str(params["cursor"]))
            ids = [c.id for c in listed]
            start = ids.index(after) if after in ids else len(ids)
        limit = _limit(params, most=1000)
        page, rest = listed[start : start + limit], listed[start + limit :]
        return {
            "channels": [c.to_api(self.bot_user_id) for c in page],
            "response_metadata": {"next_cursor": _cursor("channel_id", rest[0].id) if rest else ""},
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

    async def _apps_connections_open(self, params: Params) -> dict[str, Any]:
        query = urlencode({"ticket": uuid.uuid4(), "app_id": self.app_id})
        return {"url": f"{self.base_url.replace('http', 'ws', 1)}/link/?{query}"}

    # ---- Socket Mode -----------------------------------------------------

    async def _handle_socket(self, request: web.Request) -> web.WebSocketResponse:
        """Slack's Socket Mode: hello, then envelopes out and acks back."""
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        self._sockets.append(ws)
        self._bump()
        try:
            await ws.send_json(self._hello())
            async for frame in ws:
                if frame.type == aiohttp.WSMsgType.TEXT:
                    self._record_ack(frame.data)
        finally:
            self._sockets.remove(ws)
            self._bump()
        return ws

    def _hello(self) -> dict[str, Any]:
        return {
            "type": "hello",
            "num_connections": len(self._sockets),
            "debug_info": {
                "host": "applink-emulator",
                "build_number": 1,
                "approximate_connection_time": 18060,
            },
            "connection_info": {"app_id": self.app_id},
        }

    def _record_ack(self, data: str) -> None:
        try:
            ack = json.loads(data)
        except json.JSONDecodeError:
            return
        if not isinstance(ack, dict) or "envelope_id" not in ack:
            return
        self.acks.append(ack)
        waiter = self._pending_acks.pop(str(ack["envelope_id"]), None)
        if waiter is not None and not waiter.done():
            waiter.set_result(ack)
        self._bump()

    @property
    def socket_connections(self) -> int:
        return len(self._sockets)

    async def wait_for_socket(self, *, timeout: float = 2.0) -> None:  # noqa: ASYNC109 (test waiters take a deadline)
        """Until a Socket Mode client is connected."""
        await self.wait_for(lambda: self._sockets, timeout=timeout, what="a socket connection")

    async def socket_send(
        self,
        kind: str,
        payload: dict[str, Any],
        *,
        timeout: float = 2.0,  # noqa: ASYNC109 (test waiters take a deadline)
        retry_attempt: int = 0,
        retry_reason: str = "",
    ) -> dict[str, Any]:
        """Deliver one envelope to the newest connection; return its ack.

        ``kind`` is ``events_api``, ``slash_commands`` or ``interactive``.
        """
        await self.wait_for_socket(timeout=timeout)
        envelope: dict[str, Any] = {
            "envelope_id": str(uuid.uuid4()),
            "payload": payload,
            "type": kind,
            "accepts_response_payload": kind != "events_api",
        }
        if kind == "events_api":
            envelope.update(retry_attempt=retry_attempt, retry_reason=retry_reason)
        acked = asyncio.get_running_loop().create_future()
        self._pending_acks[envelope["envelope_id"]] = acked
        await self._sockets[-1].send_json(envelope)
        try:
            async with asyncio.timeout(timeout):
                return await acked
        except TimeoutError:
            self._pending_acks.pop(envelope["envelope_id"], None)
            raise TimeoutError(f"no ack for {kind} envelope within {timeout}s") from None

    async def socket_disconnect(self, reason: str = "refresh_requested") -> None:
        """Ask connected clients to reconnect, as Slack does periodically."""
        for ws in list(self._sockets):
            await ws.send_json({"type": "disconnect", "reason": reason, "debug_info": {}})
            await ws.close()

    # ---- payloads Slack sends to the bot ---------------------------------

    def _issue_trigger(self) -> str:
        trigger_id = f"{next(self._ids)}.{int(self._wall())}.{uuid.uuid4().hex}"
        self._triggers[trigger_id] = self._monotonic()
        return trigger_id

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

    # ---- HTTP-mode pushes ------------------------------------------------

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

    # ---- admin, for a console or a benchmark in another process ----------

    async def _handle_seed(self, request: web.Request) -> web.Response:
        """Create users and channels: ``{"users": [...], "channels": [...]}``."""
        spec = await request.json()
        users = [self.add_user(**fields).id for fields in spec.get("users", [])]
        channels = [self.add_channel(**fields).id for fields in spec.get("channels", [])]
        return web.json_response({"users": users, "channels": channels})

    async def _handle_stats(self, request: web.Request) -> web.Response:
        return web.json_response(
            {
                "ratelimited": self.ratelimited,
                "messages": sum(len(m) for m in self.messages.values()),
            }
        )

    # ---- response_url ----------------------------------------------------

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
        message = Message(
            ts=ts,
            channel=channel,
            text=str(body.get("text", "")),
            user=self.bot_user_id,
            bot_id=self.bot_id,
            app_id=self.app_id,
            blocks=body.get("blocks"),
            thread_ts=thread_ts,
        )
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


async def _serve(args: argparse.Namespace) -> None:
    emulator = SlackEmulator(
        rate_limit_per_channel=args.rate_limit_per_channel, rate_limit_burst=args.rate_limit_burst
    )
    await emulator.start(args.host, args.port)
    seeded = emulator.seed_demo() if args.demo else {}
    settings = {
        "api_url": emulator.api_url,
        "base_url": emulator.base_url,
        "bot_token": emulator.bot_token,
        "app_token": emulator.app_token,
        "signing_secret": emulator.signing_secret,
        **seeded,
    }
    print(json.dumps(settings), flush=True)  # one line a parent process can read
    stop = asyncio.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        # Installed explicitly: a background job inherits SIGINT ignored.
        asyncio.get_running_loop().add_signal_handler(signum, stop.set)
    try:
        await stop.wait()
    finally:
        await emulator.stop()


def main(argv: list[str] | None = None) -> None:
    """``python -m bot.emulator``: run a standalone emulator until SIGINT or SIGTERM."""
    parser = argparse.ArgumentParser(description="Run the local Slack emulator.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--demo", action="store_true", help="seed two users and two channels")
    parser.add_argument("--rate-limit-per-channel", type=float, default=None)
    parser.add_argument("--rate-limit-burst", type=int, default=1)
    args = parser.parse_args(argv)
    asyncio.run(_serve(args))


if __name__ == "__main__":
    main()
