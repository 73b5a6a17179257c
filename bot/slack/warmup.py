"""Open connections to Slack shortly before scheduled posts fall due.

A post on a pooled connection goes out in its run's first step; on a cold
one it waits for a TCP (and, against Slack, TLS) handshake that completes
only after the engine has started every run of the minute. aiohttp closes
idle connections after 15 s, so the posts of a schedule that fires every
minute, or every morning, always start cold.

Keeping connections open longer is not safe: Slack may close an idle one
just as a post goes out on it, and aiohttp does not retry a POST (it may
have arrived). So the `Warmer` keeps aiohttp's keep-alive and instead,
``lead_s`` before the next schedule is due, sends as many cheap GETs
(``api.test``: no token, no side effect) at once as posts are expected,
which leaves that many fresh connections in the pool. A GET on a connection the server just closed
is retried by aiohttp on a new one, so the warm-up cannot fail that way, and
the posts reuse connections that are ``lead_s`` old.

How many posts: as many as were in flight at once in the last burst (the
Sender's `take_peak`); before the first burst, one per active schedule, at
most ``most``. The due time is the store's next schedule slot, read every
``recheck_s`` at most, so a schedule created meanwhile is warmed for from
its second slot on. Everything here is best effort: a failure costs latency
only and is logged at debug level. The warm-ups count in the Slack metrics
as any Web API request does (method ``api.test``).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from urllib.parse import urljoin

import aiohttp
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.api import SLACK_ERRORS, CallObserver, answer_error, network_code
from scheduler.clock import Clock
from scheduler.errors import StoreUnavailable
from scheduler.store import Store

log = logging.getLogger(__name__)

WARM_METHOD = "api.test"  # needs no token, changes nothing
WARM_TIMEOUT = aiohttp.ClientTimeout(total=10)  # a warm-up never holds anything up for long


class Warmer:
    """Warms ``client``'s connection pool before each due schedule slot (see the module doc)."""

    def __init__(
        self,
        client: AsyncWebClient,
        clock: Clock,
        *,
        next_due: Callable[[], Awaitable[datetime | None]],
        peak: Callable[[], int],
        first_guess: Callable[[], Awaitable[int]],
        lead_s: float = 2.0,
        recheck_s: float = 30.0,
        most: int = 50,
        on_call: CallObserver | None = None,
    ) -> None:
        self._client = client
        self._on_call = on_call  # the metrics count these requests as any Web API call
        self._clock = clock
        self._next_due = next_due
        self._peak = peak
        self._first_guess = first_guess
        self._lead = timedelta(seconds=lead_s)
        self._recheck = timedelta(seconds=recheck_s)
        self._most = most
        self._url = urljoin(client.base_url, WARM_METHOD)
        # The posts' headers without the token, so the warm-up looks like any client.
        self._headers = {k: v for k, v in client.headers.items() if k != "Authorization"}
        self._expected: int | None = None  # posts of the last burst; None before the first
        self.warmups = 0  # rounds of warm-up sent
        self.opened = 0  # warm-up requests answered

    @classmethod
    def for_store(
        cls,
        client: AsyncWebClient,
        clock: Clock,
        store: Store,
        peak: Callable[[], int],
        *,
        lead_s: float = 2.0,
        on_call: CallObserver | None = None,
    ) -> Warmer:
        """A warmer for the schedules in ``store``, ``peak`` being the Sender's `take_peak`."""

        async def next_due() -> datetime | None:
            return (await store.due_times()).schedules

        async def first_guess() -> int:
            return (await store.count_schedules_by_status())["active"]

        return cls(
            client,
            clock,
            next_due=next_due,
            peak=peak,
            first_guess=first_guess,
            lead_s=lead_s,
            on_call=on_call,
        )

    @asynccontextmanager
    async def running(self) -> AsyncIterator[Warmer]:
        """`run` in a task for the block's length."""
        task = asyncio.create_task(self.run(), name="tock-slack-warmup")
        try:
            yield self
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def run(self) -> None:
        """Warm before each due slot, until cancelled; a bug here must not stop the bot."""
        while True:
            try:
                await self.step()
            except Exception:
                log.warning("the Slack warm-up failed", exc_info=True)
                await self._clock.sleep_until(self._clock.now() + self._recheck)

    async def step(self) -> None:
        """Wait for the next slot's warm-up time and warm; or look again later."""
        now = self._clock.now()
        try:
            due = await self._next_due()
        except StoreUnavailable as error:
            log.debug("no warm-up: the database is unavailable: %s", error)
            due = None
        if due is None or due - now > self._recheck + self._lead:
            await self._clock.sleep_until(now + self._recheck)
            return
        if due <= now:  # being fired right now: the store moves it on shortly
            await self._clock.sleep_until(now + self._lead)
            return
        await self._clock.sleep_until(due - self._lead)
        await self.warm(await self._connections())
        # Past the slot (not at it: the engine's pass at the slot comes first), then look again.
        await self._clock.sleep_until(due + self._lead)

    async def _connections(self) -> int:
        peak = self._peak()
        if peak > 0:
            self._expected = peak
        elif self._expected is None:
            try:
                self._expected = await self._first_guess()
            except StoreUnavailable:
                return 1
        return max(1, min(self._expected, self._most))

    async def warm(self, count: int) -> int:
        """Send ``count`` warm-up requests at once; how many were answered."""
        self.warmups += 1
        answers = await asyncio.gather(*(self._touch() for _ in range(count)))
        answered = sum(answers)
        self.opened += answered
        log.debug("warmed %d of %d connections to Slack", answered, count)
        return answered

    async def _touch(self) -> bool:
        session = self._client.session
        if session is None or session.closed:
            return False
        try:
            # The posts' ssl and proxy settings: the same pool key, so they reuse these.
            async with session.get(
                self._url,
                headers=self._headers,
                ssl=self._client.ssl,  # type: ignore[arg-type]  # what slack_sdk passes
                proxy=self._client.proxy,
                timeout=WARM_TIMEOUT,
            ) as response:
                status, body = response.status, await response.read()
        except SLACK_ERRORS as error:
            log.debug("a warm-up request to Slack failed: %s", error)
            self._observe(None, network_code(error))
            return False
        try:
            data = json.loads(body)
        except ValueError:
            data = None
        self._observe(status, answer_error(status, data))
        return True

    def _observe(self, status: int | None, error: str | None) -> None:
        if self._on_call is not None:
            self._on_call(WARM_METHOD, status, error)
