"""The one sender for all channel posts: paced, split, idempotent, classified.

Every post of the bot goes through ``Sender.post``:

1. Split. Text longer than one section (3,000 characters) becomes section
   blocks, at most 50 blocks and 40,000 characters per message, cut at
   paragraph, then line, then word boundaries. Messages after the first go in
   the thread of the first.
2. Pace. One post in flight per channel, through a per-channel GCRA bucket
   (``channel_rate`` with ``channel_burst``) whose next slot counts from the
   moment Slack *answered* the previous post: Slack measures the gap when a
   request arrives, somewhere between our send and its answer, so only the
   answer is a safe anchor whatever the latency (anchored on the send, a
   10,000-post burst into strict channels drew 18-71 429s, and each one
   pauses every channel). Then a workspace-wide cap, served first come,
   first served, that adapts (`bot.slack.pacing`): it starts at
   ``workspace_rate`` (``TOCK_SLACK_POSTS_PER_S``), halves on a 429 and
   creeps back up after a quiet period.
3. 429. Slack rate-limits per method, so a ``Retry-After`` pauses
   chat.postMessage for every channel until it passes. The refused post did not
   land, so it is retried, up to a budget.
4. Idempotency. With a key, each message carries
   ``{"event_type": "tock_run", "event_payload": {"run_key": key, ...}}`` as
   metadata. A run retried after an unknown outcome passes
   ``check_existing=True`` and gets the message that already landed instead of
   a second one.
5. Permalink. Built, not asked for: Slack's permalinks are the workspace URL
   (``auth.test``, asked once per Sender) + ``archives/{channel}/p{ts without
   the dot}``, with ``?thread_ts=&cid=`` for a reply, which is what
   chat.getPermalink answers. A call per post would hold each run after its
   post for no news. Without the URL (auth.test failed) the link is None: the
   post landed either way.
6. Sending. chat.postMessage goes through `bot.slack.api.PostMessage`, the
   request's fixed parts built once per Sender: a burst is CPU-bound, and
   slack_sdk rebuilds them for every call.
7. Errors. Slack's answers become `PermanentDeliveryError` (do not retry) or
   `TransientDeliveryError` (retry later), classified once in `bot.slack.api`.
   A post whose outcome is unknown (5xx, dropped connection) is never re-sent
   here: that is the run's retry, with ``check_existing=True``.
"""

from __future__ import annotations

import asyncio
import copy
import logging
import math
import time
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.api import (
    SLACK_ERRORS,
    PermanentDeliveryError,
    PostMessage,
    TransientDeliveryError,
    classified,
    classify,
    collect,
    network_error,
    retry_after,
)
from bot.slack.ids import RUN_EVENT_TYPE
from bot.slack.pacing import AdaptiveCap, CapPolicy, Gcra
from bot.slack.splitting import MessagePart, plan_parts

log = logging.getLogger(__name__)

LOOKUP_DEPTH = 1_000  # most recent messages searched for a landed post
LOOKUP_PAGE = 200  # messages per history page when looking for a landed post


@dataclass(frozen=True)
class Limits:
    """How fast the Sender posts.

    Slack allows about one message per second per channel ("short bursts
    allowed") and keeps an unpublished workspace-wide limit. 50 posts/s is
    well under any workspace limit reported; it is the ceiling of the adaptive
    workspace cap, which backs off on a 429 and recovers a tenth of the
    ceiling per ``recover_after_s`` quiet seconds (see `bot.slack.pacing`).
    """

    channel_rate: float = 1.0  # posts per second per channel
    channel_burst: int = 3  # posts a quiet channel takes at once
    workspace_rate: float = 50.0  # posts per second across the workspace, at most
    workspace_burst: int = 50
    workspace_floor: float = 1.0  # posts per second the cap never backs off below
    recover_after_s: float = 30.0  # quiet seconds before each step back up
    max_429_retries: int = 8  # refusals of one message before giving up
    max_retry_after: float = 60.0  # a longer pause fails the post with retry_after

    @classmethod
    def for_workspace(cls, posts_per_s: float) -> Limits:
        """Defaults with a workspace ceiling of ``posts_per_s``, bursting one second's worth."""
        return cls(workspace_rate=posts_per_s, workspace_burst=max(1, round(posts_per_s)))

    def cap_policy(self) -> CapPolicy:
        ceiling = self.workspace_rate
        return CapPolicy(
            ceiling=ceiling,
            burst=self.workspace_burst,
            floor=min(self.workspace_floor, ceiling),
            quiet_s=self.recover_after_s,
            step=ceiling / 10,  # back from half to full in five quiet periods, at any size
        )


@dataclass(frozen=True)
class PostResult:
    channel: str
    ts: str  # the first (top-level) message
    permalink: str | None
    duplicate_of_existing: bool = False
    parts: tuple[str, ...] = ()  # ts of every message, the first included


class _Lane:
    """One channel: its posts go one at a time, in arrival order."""

    def __init__(self, limits: Limits) -> None:
        self.lock = asyncio.Lock()
        self.pacer = Gcra(limits.channel_rate, limits.channel_burst)


def permalink(team_url: str, channel: str, ts: str, thread_ts: str | None = None) -> str:
    """Slack's permalink of message ``ts`` (a reply when ``thread_ts`` is another ts)."""
    link = f"{team_url.rstrip('/')}/archives/{channel}/p{ts.replace('.', '')}"
    if thread_ts is not None and thread_ts != ts:
        link += "?" + urlencode({"thread_ts": thread_ts, "cid": channel})
    return link


def _run_metadata(key: str, part: int, parts: int) -> dict[str, Any]:
    payload = {"run_key": key, "part": part, "parts": parts}
    return {"event_type": RUN_EVENT_TYPE, "event_payload": payload}


def _run_part(message: dict[str, Any], key: str) -> int | None:
    """The part number if ``message`` carries this run key, else None."""
    metadata = message.get("metadata") or {}
    payload = metadata.get("event_payload") or {}
    if metadata.get("event_type") != RUN_EVENT_TYPE or payload.get("run_key") != key:
        return None
    return int(payload.get("part", 0))


def _run_parts(message: dict[str, Any]) -> int:
    """How many messages the post of ``message`` was split into."""
    payload = (message.get("metadata") or {}).get("event_payload") or {}
    return int(payload.get("parts", 1))


class Sender:
    """Posts to Slack channels within Slack's limits; see the module docstring."""

    def __init__(
        self,
        client: AsyncWebClient,
        *,
        limits: Limits | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        permalinks: bool = True,
    ) -> None:
        # The SDK's default retry re-sends a request after a dropped connection;
        # for a post that may already have landed that doubles it. A shallow copy
        # keeps the caller's client (and its session) as it was.
        self._client = copy.copy(client)
        self._client.retry_handlers = []
        self._post_message = PostMessage(self._client)  # the hot path, assembled once
        self._limits = limits or Limits()
        self._clock = clock
        self._sleep = sleep
        self._permalinks = permalinks
        self._lanes: dict[str, _Lane] = {}
        self._cap = AdaptiveCap(self._limits.cap_policy())
        self._workspace = Gcra(self._limits.workspace_rate, self._limits.workspace_burst)
        self._workspace_lock = asyncio.Lock()
        self._paused_until = -math.inf  # chat.postMessage is paused until then (429)
        self._team_url: str | None = None  # for permalinks, from auth.test
        self._team_url_lock = asyncio.Lock()
        self.sent = 0  # messages that landed
        self.posts = 0  # post() calls that succeeded
        self.retried_429 = 0  # messages re-sent after a 429
        self.found_existing = 0  # posts answered from history instead of re-sent
        self.failed_permanent = 0
        self.failed_transient = 0
        self.permalink_failures = 0
        self._in_flight = 0  # chat.postMessage requests awaiting Slack's answer
        self._peak = 0  # the most in flight at once since `take_peak`

    @property
    def workspace_rate(self) -> float:
        """The workspace cap now, in posts per second (lower after a 429)."""
        return self._cap.rate(self._clock())

    @property
    def backoffs(self) -> int:
        """How often a 429 lowered the workspace cap."""
        return self._cap.decreases

    def take_peak(self) -> int:
        """The most posts in flight at once since the last call (0: none was sent).

        What a burst needed in connections: the warm-up (`bot.slack.warmup`)
        opens that many before the next one.
        """
        peak, self._peak = self._peak, self._in_flight
        return peak

    async def post(
        self,
        channel: str,
        text: str,
        *,
        blocks: list[dict[str, Any]] | None = None,
        thread_ts: str | None = None,
        idempotency_key: str | None = None,
        check_existing: bool = False,
        before_send: Callable[[], Awaitable[None]] | None = None,
    ) -> PostResult:
        """Post ``text`` (and ``blocks``) to ``channel``, split if needed.

        ``check_existing`` (with a key) first looks for messages of this key
        already in the channel and posts only what is missing.
        ``before_send`` is awaited right before each request goes out, after
        any wait for its turn: it may raise to stop the post (a run whose
        replica lost its hold on it, `RunContext.still_ours`).
        """
        parts = plan_parts(text, blocks)
        look_for = idempotency_key if check_existing else None
        try:
            channel_id, stamps, found = await self._deliver(
                channel, parts, thread_ts, idempotency_key, look_for, before_send
            )
        except PermanentDeliveryError:
            self.failed_permanent += 1
            raise
        except TransientDeliveryError:
            self.failed_transient += 1
            raise
        self.posts += 1
        self.found_existing += found
        # Outside the channel's lane: the next post there need not wait for a link.
        permalink = await self._permalink(channel_id, stamps[0], thread_ts)
        return PostResult(channel_id, stamps[0], permalink, found, tuple(stamps))

    async def _deliver(
        self,
        channel: str,
        parts: list[MessagePart],
        thread_ts: str | None,
        key: str | None,
        look_for: str | None,
        before_send: Callable[[], Awaitable[None]] | None = None,
    ) -> tuple[str, list[str], bool]:
        """Post the parts not yet landed, in order; return channel id, ts's, found."""
        lane = self._lanes.get(channel) or self._lanes.setdefault(channel, _Lane(self._limits))
        async with lane.lock:
            landed = await self._find_landed(channel, look_for, thread_ts) if look_for else {}
            stamps: list[str] = []
            for number, part in enumerate(parts):
                if number in landed:
                    stamps.append(landed[number])
                    continue
                fields = self._fields(part, thread_ts or (stamps[0] if stamps else None))
                if key is not None:
                    fields["metadata"] = _run_metadata(key, number, len(parts))
                data = await self._send(lane, channel, fields, before_send)
                channel = str(data.get("channel") or channel)
                stamps.append(str(data["ts"]))
        return channel, stamps, 0 in landed

    @staticmethod
    def _fields(part: MessagePart, thread_ts: str | None) -> dict[str, Any]:
        fields: dict[str, Any] = {"text": part.text}
        if part.blocks is not None:
            fields["blocks"] = part.blocks
        if thread_ts is not None:
            fields["thread_ts"] = thread_ts
        return fields

    # ---- pacing and sending ----------------------------------------------

    async def _send(
        self,
        lane: _Lane,
        channel: str,
        fields: dict[str, Any],
        before_send: Callable[[], Awaitable[None]] | None = None,
    ) -> dict[str, Any]:
        """One chat.postMessage, re-sent after each 429 (it did not land)."""
        refusals = 0
        while True:
            await self._take_turn(lane)
            if before_send is not None:
                await before_send()
            self._in_flight += 1
            self._peak = max(self._peak, self._in_flight)
            try:
                data = await _seen_through(self._post_message(channel=channel, **fields))
            except SlackApiError as error:
                lane.pacer.settle(self._clock())
                refusals += 1
                self._pause_for_429(channel, error, refusals)
                self.retried_429 += 1
                continue
            except (aiohttp.ClientError, OSError) as error:
                raise network_error("chat.postMessage", channel, error) from error
            finally:
                self._in_flight -= 1
            lane.pacer.settle(self._clock())
            self.sent += 1
            return data

    def _pause_for_429(self, channel: str, error: SlackApiError, refusals: int) -> None:
        """Pause chat.postMessage for a 429 (within budget); raise for anything else."""
        wait = retry_after(error)
        if wait is None:
            raise classify("chat.postMessage", channel, error) from error
        now = self._clock()
        self._paused_until = max(self._paused_until, now + wait)
        self._cap.refused(now, wait)  # the cap after the pause: lower, unless just lowered
        log.info(
            "slack rate limited chat.postMessage",
            extra={
                "action": "slack.ratelimited",
                "channel": channel,
                "retry_after": wait,
                "workspace_rate": round(self._cap.rate(now), 2),
            },
        )
        if refusals > self._limits.max_429_retries or wait > self._limits.max_retry_after:
            raise TransientDeliveryError(
                f"chat.postMessage in {channel}: still rate limited after {refusals} tries",
                code="ratelimited",
                retry_after=wait,
            ) from error

    async def _take_turn(self, lane: _Lane) -> None:
        """Wait for the channel's slot, then the workspace's and any 429 pause."""
        await self._sleep_while(lane.pacer.delay)
        async with self._workspace_lock:  # FIFO: waiters are served in order
            self._refuse_long_pause()
            await self._sleep_while(self._workspace_delay)
            now = self._clock()
            self._workspace.take(now)
            lane.pacer.take(now)

    def _refuse_long_pause(self) -> None:
        """Fail now rather than hold a run through a long 429 pause."""
        remaining = self._paused_until - self._clock()
        if remaining > self._limits.max_retry_after:
            raise TransientDeliveryError(
                f"chat.postMessage is paused by Slack for {remaining:.0f}s",
                code="ratelimited",
                retry_after=remaining,
            )

    def _workspace_delay(self, now: float) -> float:
        self._workspace.retune(self._cap.rate(now), self._cap.burst(now))
        return max(self._workspace.delay(now), self._paused_until - now)

    async def _sleep_while(self, delay: Callable[[float], float]) -> None:
        # Re-check after each sleep: a 429 elsewhere may have extended the pause.
        while (wait := delay(self._clock())) > 0:
            await self._sleep(wait)

    # ---- reading back ------------------------------------------------------

    async def _permalink(self, channel: str, ts: str, thread_ts: str | None) -> str | None:
        """A link to the message, or None: the post landed either way."""
        if not self._permalinks:
            return None
        base = self._team_url or await self._learn_team_url()
        return None if base is None else permalink(base, channel, ts, thread_ts)

    async def _learn_team_url(self) -> str | None:
        """The workspace URL, from one auth.test shared by the posts waiting for it."""
        async with self._team_url_lock:
            if self._team_url is not None:
                return self._team_url
            try:
                response = await self._client.auth_test()
                self._team_url = str(response["url"])
            except (*SLACK_ERRORS, KeyError) as error:
                self.permalink_failures += 1
                log.warning(
                    "no permalink for a posted message",
                    extra={"action": "slack.permalink", "error": str(error)},
                )
            return self._team_url

    async def _find_landed(self, channel: str, key: str, thread_ts: str | None) -> dict[int, str]:
        """Messages of this run key already posted: part number -> ts."""
        if thread_ts is not None:
            messages = await self._read_replies(channel, thread_ts)
        else:
            messages = await self._read_history(channel)
        first = next((m for m in messages if _run_part(m, key) == 0), None)
        if first is None:
            return {}
        if thread_ts is None and _run_parts(first) > 1:
            # Continuations live in the thread of the first message.
            messages = await self._read_replies(channel, str(first["ts"]))
        landed = {part: str(m["ts"]) for m in messages if (part := _run_part(m, key)) is not None}
        landed[0] = str(first["ts"])
        return landed

    async def _read_history(self, channel: str) -> list[dict[str, Any]]:
        return await self._read(self._client.conversations_history, channel)

    async def _read_replies(self, channel: str, thread_ts: str) -> list[dict[str, Any]]:
        return await self._read(self._client.conversations_replies, channel, ts=thread_ts)

    async def _read(
        self, fetch: Callable[..., Awaitable[Any]], channel: str, **kwargs: Any
    ) -> list[dict[str, Any]]:
        """Up to LOOKUP_DEPTH recent messages, with their metadata."""
        call = fetch(channel=channel, include_all_metadata=True, limit=LOOKUP_PAGE, **kwargs)
        async with classified("history lookup", channel):
            return await collect(call, "messages", LOOKUP_DEPTH)


async def _seen_through(request: Coroutine[Any, Any, dict[str, Any]]) -> dict[str, Any]:
    """Await a request that may be on its way to Slack; if the caller is
    cancelled meanwhile (shutdown, a lost lease, a run timeout), wait for the
    request to end (the session's timeout bounds it) before passing the
    cancellation on. So the run's retry, which looks for the landed post
    first, runs after this post landed or failed, never while it is in the air.
    """
    sending = asyncio.ensure_future(request)
    sending.add_done_callback(_retrieved)
    try:
        return await asyncio.shield(sending)
    except asyncio.CancelledError:
        await asyncio.wait({sending})  # a second cancellation stops this wait too
        raise


def _retrieved(task: asyncio.Future[Any]) -> None:
    """Mark a request's error as seen: after a cancellation it is the retry's to find."""
    if not task.cancelled():
        task.exception()
