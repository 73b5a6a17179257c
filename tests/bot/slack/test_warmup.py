"""The warm-up opens connections before a schedule's slot: a virtual clock, the emulator."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from slack_sdk.web.async_client import AsyncWebClient

from bot.emulator import SlackEmulator
from bot.runtime import running_bot
from bot.serving import listen
from bot.slack.delivery import Limits, Sender
from bot.slack.warmup import WARM_METHOD, Warmer
from scheduler.clock import VirtualClock
from scheduler.errors import StoreUnavailable
from tests.bot.harness import bot_settings

LEAD = timedelta(seconds=2)


class Connections:
    """Counts the connections a session opens and reuses."""

    def __init__(self) -> None:
        self.opened = 0
        self.reused = 0
        self.trace = aiohttp.TraceConfig()
        self.trace.on_connection_create_end.append(self._opened)
        self.trace.on_connection_reuseconn.append(self._reused)

    async def _opened(self, *_: Any) -> None:
        self.opened += 1

    async def _reused(self, *_: Any) -> None:
        self.reused += 1


@pytest.fixture
def connections() -> Connections:
    return Connections()


@pytest.fixture
async def traced(connections: Connections) -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(trace_configs=[connections.trace]) as session:
        yield session


def client_for(emulator: SlackEmulator, session: aiohttp.ClientSession) -> AsyncWebClient:
    return AsyncWebClient(token=emulator.bot_token, base_url=emulator.api_url, session=session)


def warm_ups(emulator: SlackEmulator) -> int:
    return sum(method == WARM_METHOD for method, _ in emulator.calls)


async def until(condition: Callable[[], bool]) -> None:
    """Real time passes (the warm-up is real HTTP) until ``condition`` holds."""
    async with asyncio.timeout(10):
        while not condition():  # noqa: ASYNC110  # a plain attribute, no event to wait on
            await asyncio.sleep(0.005)


def warmer_for(
    client: AsyncWebClient,
    clock: VirtualClock,
    due: list[datetime | None],
    peaks: list[int],
    first_guess: int = 3,
) -> Warmer:
    async def next_due() -> datetime | None:
        return due[0]

    async def guess() -> int:
        return first_guess

    def peak() -> int:
        return peaks.pop(0) if peaks else 0

    return Warmer(
        client, clock, next_due=next_due, peak=peak, first_guess=guess, lead_s=LEAD.seconds
    )


async def test_each_slot_is_warmed_for_lead_seconds_before_as_the_last_burst_needed(
    emulator: SlackEmulator, traced: aiohttp.ClientSession, connections: Connections
):
    clock = VirtualClock()
    slot = clock.now() + timedelta(seconds=10)
    due: list[datetime | None] = [slot]
    warmer = warmer_for(client_for(emulator, traced), clock, due, peaks=[0, 4])
    async with warmer.running():
        await until(lambda: clock.next_deadline == slot - LEAD)
        assert warm_ups(emulator) == 0
        await clock.set(slot - LEAD)
        await until(lambda: warmer.opened == 3)  # no burst yet: one per active schedule
        assert warm_ups(emulator) == connections.opened == 3
        # After the slot the store has moved on to the next one, and a burst of 4 went.
        due[0] = slot + timedelta(minutes=1)
        await until(lambda: clock.next_deadline == slot + LEAD)
        await clock.set(slot + LEAD)
        recheck = slot + LEAD + timedelta(seconds=30)  # a minute off: it looks again in 30 s
        await until(lambda: clock.next_deadline == recheck)
        await clock.set(recheck)
        await until(lambda: clock.next_deadline == due[0] - LEAD)
        await clock.set(due[0] - LEAD)
        await until(lambda: warmer.opened == 7)
    assert warmer.warmups == 2 and warm_ups(emulator) == 7
    assert connections.opened == 4  # the three warm ones, reused, and one more


async def test_posts_after_a_warm_up_open_no_connection(
    emulator: SlackEmulator, traced: aiohttp.ClientSession, connections: Connections
):
    emulator.inject_fault("chat.postMessage", error=None, delay=0.05, times=3)  # all in flight
    client = client_for(emulator, traced)
    warmer = warmer_for(client, VirtualClock(), [None], peaks=[])
    assert await warmer.warm(3) == 3
    assert connections.opened == 3
    sender = Sender(client, limits=Limits(workspace_burst=50), permalinks=False)
    channels = ["general", "random", emulator.add_channel("ops").id]
    await asyncio.gather(*(sender.post(channel, "on time") for channel in channels))
    assert connections.opened == 3 and connections.reused >= 3


@pytest.mark.parametrize("due_in", [None, timedelta(hours=1)])
async def test_nothing_due_soon_is_looked_at_again_later_without_a_warm_up(
    emulator: SlackEmulator, http: aiohttp.ClientSession, due_in: timedelta | None
):
    clock = VirtualClock()
    due = [None if due_in is None else clock.now() + due_in]
    warmer = warmer_for(client_for(emulator, http), clock, due, peaks=[])
    step = asyncio.create_task(warmer.step())
    await until(lambda: clock.next_deadline is not None)
    assert clock.next_deadline == clock.now() + timedelta(seconds=30)
    await clock.advance(30)
    await step
    assert warmer.warmups == 0 and warm_ups(emulator) == 0


async def test_a_database_outage_costs_the_warm_up_only(
    emulator: SlackEmulator, http: aiohttp.ClientSession
):
    async def unavailable() -> datetime | None:
        raise StoreUnavailable("the database is down")

    async def guess() -> int:
        return 1

    clock = VirtualClock()
    warmer = Warmer(
        client_for(emulator, http), clock, next_due=unavailable, peak=lambda: 0, first_guess=guess
    )
    step = asyncio.create_task(warmer.step())
    await until(lambda: clock.next_deadline == clock.now() + timedelta(seconds=30))
    await clock.advance(30)
    await step
    assert warmer.warmups == 0


async def test_a_closed_session_or_unreachable_slack_warms_nothing(http: aiohttp.ClientSession):
    client = AsyncWebClient(token="xoxb-x", base_url="http://127.0.0.1:9/api/", session=http)
    warmer = warmer_for(client, VirtualClock(), [None], peaks=[])
    assert await warmer.warm(2) == 0  # connection refused: logged, not raised
    async with aiohttp.ClientSession() as closed:
        pass
    client.session = closed
    assert await warmer.warm(2) == 0


async def test_for_store_reads_the_next_schedule_slot_and_the_active_count(
    emulator: SlackEmulator, http: aiohttp.ClientSession
):
    clock = VirtualClock()
    slot = clock.now() + timedelta(seconds=10)

    class Store:
        async def due_times(self) -> SimpleNamespace:
            return SimpleNamespace(schedules=slot, runs=None, leases=None)

        async def count_schedules_by_status(self) -> dict[str, int]:
            return {"active": 2, "paused": 9, "completed": 9}

    warmer = Warmer.for_store(client_for(emulator, http), clock, Store(), lambda: 0)  # type: ignore[arg-type]
    step = asyncio.create_task(warmer.step())
    await until(lambda: clock.next_deadline == slot - LEAD)
    await clock.set(slot - LEAD)
    await until(lambda: warmer.opened == 2)
    step.cancel()


@pytest.mark.parametrize(
    ("clock", "lead_s", "warms"),
    [(None, 2.0, True), (None, 0.0, False), (VirtualClock(), 2.0, False)],
    ids=["real-time", "turned-off", "virtual-clock"],
)
async def test_the_bot_warms_on_real_time_unless_turned_off(
    emulator: SlackEmulator,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    clock: VirtualClock | None,
    lead_s: float,
    warms: bool,
):
    started: list[Warmer] = []
    running = Warmer.running

    def recorded(self: Warmer) -> Any:
        started.append(self)
        return running(self)

    monkeypatch.setattr(Warmer, "running", recorded)
    settings = bot_settings(emulator, tmp_path, slack_warmup_s=lead_s)
    async with running_bot(settings, clock=clock):
        pass
    assert len(started) == warms


async def test_warm_ups_are_counted_as_web_api_calls(http: aiohttp.ClientSession):
    calls: list[tuple[str, int | None, str | None]] = []

    async def answer(request: web.Request) -> web.Response:
        return web.json_response({"ok": True})

    app = web.Application()
    app.router.add_get("/api/api.test", answer)
    runner, url = await listen(app)
    try:
        client = AsyncWebClient(token="xoxb-x", base_url=f"{url}/api/", session=http)
        warmer = Warmer(
            client,
            VirtualClock(),
            next_due=_never,
            peak=lambda: 0,
            first_guess=_one,
            on_call=lambda *call: calls.append(call),
        )
        assert await warmer.warm(2) == 2
        await runner.cleanup()  # Slack unreachable now
        assert await warmer.warm(1) == 0
    finally:
        await runner.cleanup()
    assert calls == [
        ("api.test", 200, None),
        ("api.test", 200, None),
        ("api.test", None, "network_error"),
    ]


async def _never() -> datetime | None:
    return None


async def _one() -> int:
    return 1
