"""Failures on demand and per-channel rate limits around each Web API call.

``inject_fault`` queues a ``Fault`` per method; every call takes the next
one (or none) and ``_call_with_faults`` applies it around the method's
handler: a delay, an error instead of the call, an error after it, or no
answer at all (``drop``: the server closes the connection, before or after
the call, as a crashed proxy or a network cut does). Posts
(``chat.postMessage``) also pass ``_ChannelLimiter``, a GCRA per channel, and
an over-limit post is answered 429 with ``Retry-After`` as Slack does.

Another process injects faults with ``POST /_emulator/faults`` (server.py),
its body the keyword arguments of ``inject_fault`` plus ``method``.
"""

from __future__ import annotations

import asyncio
import math
from collections import Counter, defaultdict, deque
from dataclasses import dataclass
from typing import Any

from bot.emulator.records import ApiError, Handler, Params
from bot.emulator.state import Workspace


@dataclass
class Fault:
    """What an injected failure answers instead of (or after) the real call."""

    error: str | None = "internal_error"  # None: no failure, only the delay
    status: int = 200
    after_effect: bool = False  # apply the call, then fail: an unknown outcome
    retry_after: int | None = None
    delay: float = 0.0  # real seconds the request takes to "arrive"
    drop: bool = False  # close the connection instead of answering


class DroppedConnection(Exception):
    """Raised by a ``drop`` fault: the server closes the connection without an answer."""


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


def _failure(fault: Fault) -> Exception:
    """What a failing fault raises: no answer at all, or Slack's error."""
    if fault.drop:
        return DroppedConnection()
    extra = {"retry_after": fault.retry_after or 1} if fault.status == 429 else {}
    return ApiError(fault.error or "internal_error", status=fault.status, **extra)


class FaultInjection(Workspace):
    """Injected faults and the per-channel limit, for the Web API to apply.

    ``post_latency`` holds every post that long before it lands, as Slack's
    answers take a while: a process killed meanwhile leaves a post that
    landed with no one to record it.

    State: ``_faults``, a queue per method (``None`` entries let a call
    through), ``_limiter`` (``None`` without ``rate_limit_per_channel``),
    ``faults_served`` (faults applied, per method) and ``in_flight`` (calls
    being handled now, delayed ones included). Relies on the workspace's
    monotonic clock and channel lookup.
    """

    def __init__(
        self,
        *,
        rate_limit_per_channel: float | None,
        rate_limit_burst: int,
        post_latency: float = 0.0,
        **settings: Any,
    ) -> None:
        super().__init__(**settings)
        self.post_latency = post_latency  # real seconds every chat.postMessage takes to land
        self._limiter = (
            _ChannelLimiter(rate_limit_per_channel, rate_limit_burst)
            if rate_limit_per_channel
            else None
        )
        self._faults: dict[str, deque[Fault | None]] = defaultdict(deque)
        self.faults_served: Counter[str] = Counter()
        self.in_flight = 0

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
        drop: bool = False,
    ) -> None:
        """Make ``times`` calls of ``method`` fail, once ``after`` calls went through.

        ``status`` >= 500 answers an HTTP error; 429 adds ``Retry-After``.
        ``after_effect=True`` performs the call first (the message is posted)
        and then fails, so the caller cannot tell whether it landed.
        ``delay`` holds the request that long before anything else (latency,
        or a client timeout when it is long); with ``error=None`` the call then
        succeeds, even if the client stopped waiting. ``drop=True`` answers
        nothing: the connection is closed instead (after the call when
        ``after_effect``), whatever ``error`` says.
        """
        if times < 0 or after < 0 or delay < 0:
            raise ValueError("times, after and delay must not be negative")
        fault = Fault(error, status, after_effect, retry_after, delay, drop)
        self._faults[method].extend([None] * after + [fault] * times)

    def pending_faults(self) -> dict[str, int]:
        """Faults still queued per method (calls let through before them not counted)."""
        return {m: n for m, q in self._faults.items() if (n := sum(f is not None for f in q))}

    async def _call_with_faults(
        self, method: str, params: Params, handler: Handler
    ) -> dict[str, Any]:
        """Run ``handler`` as the next fault for ``method`` says, within the rate limit."""
        queued = self._faults[method].popleft() if self._faults[method] else None
        if queued is not None:
            self.faults_served[method] += 1
        fault = queued or Fault(None)
        self.in_flight += 1
        try:
            return await self._apply(fault, method, params, handler)
        finally:
            self.in_flight -= 1

    async def _apply(
        self, fault: Fault, method: str, params: Params, handler: Handler
    ) -> dict[str, Any]:
        failing = fault.error is not None or fault.drop
        delay = fault.delay + (self.post_latency if method == "chat.postMessage" else 0.0)
        if delay:
            await asyncio.sleep(delay)
        if failing and not fault.after_effect:
            raise _failure(fault)
        if method == "chat.postMessage":
            self._check_rate(str(params.get("channel", "")))
        body = await handler(params)
        if failing:
            raise _failure(fault)
        return body

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
