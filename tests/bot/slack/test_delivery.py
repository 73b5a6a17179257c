"""The Sender against the emulator over real HTTP; assertions on emulator state."""

from __future__ import annotations

import asyncio
import socket
from collections import Counter
from typing import Any

import aiohttp
import pytest
from slack_sdk.web.async_client import AsyncWebClient

from bot.emulator import Message, SlackEmulator
from bot.slack.api import PermanentDeliveryError, TransientDeliveryError
from bot.slack.delivery import Limits, Sender
from bot.slack.ids import MAX_BLOCKS, MAX_SECTION_TEXT, MAX_TEXT
from scheduler.errors import NotOurs, PermanentJobError, TransientJobError
from tests.slack_fixtures import EmulatorFactory, FastTime

STRICT = Limits(channel_rate=1.0, channel_burst=1, workspace_rate=1_000, workspace_burst=1_000)
CAPPED = Limits(channel_rate=1.0, channel_burst=1, workspace_rate=50, workspace_burst=50)


class JumpTime:
    """Time that moves only when someone sleeps: each sleep jumps to its own end."""

    def __init__(self) -> None:
        self.now = 0.0

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        end = self.now + seconds
        await asyncio.sleep(0)
        self.now = max(self.now, end)


def sender_for(
    emulator: SlackEmulator,
    http: aiohttp.ClientSession,
    fast_time: FastTime,
    limits: Limits = STRICT,
    token: str | None = None,
) -> Sender:
    client = AsyncWebClient(
        token=token or emulator.bot_token, base_url=emulator.api_url, session=http
    )
    return Sender(client, limits=limits, clock=fast_time.clock, sleep=fast_time.sleep)


@pytest.fixture
async def limited(make_emulator: EmulatorFactory, fast_time: FastTime) -> SlackEmulator:
    """An emulator holding every channel to 1 message/s, burst 1, on fast time."""
    return await make_emulator(rate_limit_per_channel=1.0, monotonic=fast_time.clock)


def section_texts(message: Message) -> list[str]:
    return [block["text"]["text"] for block in message.blocks or []]


# ---- posting --------------------------------------------------------------------


async def test_a_post_lands_with_its_run_key(
    emulator: SlackEmulator, http: aiohttp.ClientSession, fast_time: FastTime
):
    sender = sender_for(emulator, http, fast_time)
    result = await sender.post("general", "Daily digest", idempotency_key="run-1")
    [message] = emulator.history("general")
    assert (result.channel, result.ts) == (emulator.channel("general").id, message.ts)
    assert result.permalink and result.permalink.endswith(message.ts.replace(".", ""))
    assert result.duplicate_of_existing is False
    assert message.metadata == {
        "event_type": "tock_run",
        "event_payload": {"run_key": "run-1", "part": 0, "parts": 1},
    }
    assert (sender.sent, sender.posts) == (1, 1)


async def test_before_send_is_asked_after_the_wait_for_a_turn_and_may_stop_the_post(
    emulator: SlackEmulator, http: aiohttp.ClientSession, fast_time: FastTime
):
    """A run queued behind others in its channel asks, when its turn comes,
    whether it may still act (its replica may have lost its hold meanwhile)."""
    sender = sender_for(emulator, http, fast_time)
    asked: list[int] = []

    async def still_ours() -> None:
        asked.append(len(emulator.history("general")))
        if len(asked) > 1:
            raise NotOurs("this replica lost its database session before acting")

    await sender.post("general", "first", before_send=still_ours)
    with pytest.raises(NotOurs):
        await sender.post("general", "second", before_send=still_ours)
    assert asked == [0, 1]  # asked right before each request, after the one before landed
    assert [m.text for m in emulator.history("general")] == ["first"]


async def test_pacing_alone_keeps_a_strict_channel_free_of_429(
    limited: SlackEmulator, http: aiohttp.ClientSession, fast_time: FastTime
):
    sender = sender_for(limited, http, fast_time)
    started = fast_time.clock()
    await asyncio.gather(*(sender.post("general", f"m{i}") for i in range(5)))
    assert [m.text for m in limited.history("general")] == [f"m{i}" for i in range(5)]
    assert limited.ratelimited == 0
    assert fast_time.clock() - started >= 4.0  # four gaps of one second


async def test_pacing_counts_from_slacks_answer_not_from_the_send(
    limited: SlackEmulator, http: aiohttp.ClientSession, fast_time: FastTime
):
    # The first post reaches Slack one (fast) second late. Spacing the second
    # from its send would land it inside the same second at Slack's side.
    limited.inject_fault("chat.postMessage", error=None, delay=1.0 / fast_time.speed)
    sender = sender_for(limited, http, fast_time)
    await asyncio.gather(sender.post("general", "late"), sender.post("general", "next"))
    assert [m.text for m in limited.history("general")] == ["late", "next"]
    assert limited.ratelimited == 0


async def test_a_429_storm_loses_nothing_and_doubles_nothing(
    limited: SlackEmulator, http: aiohttp.ClientSession, fast_time: FastTime
):
    # The sender believes in 4 posts/s per channel; the emulator allows 1.
    eager = Limits(channel_rate=4.0, channel_burst=4, workspace_rate=1_000, workspace_burst=100)
    sender = sender_for(limited, http, fast_time, eager)
    channels = ["general", "random", limited.add_channel("ops").id]
    texts = [f"{channel}-{i}" for channel in channels for i in range(6)]
    await asyncio.gather(*(sender.post(text.rsplit("-", 1)[0], text) for text in texts))
    landed = [m.text for channel in channels for m in limited.history(channel)]
    assert Counter(landed) == Counter(texts)
    assert limited.ratelimited > 0
    assert sender.retried_429 == limited.ratelimited
    for channel in channels:  # order within a channel is kept through retries
        got = [m.text for m in limited.history(channel)]
        assert got == sorted(got, key=lambda t: int(t.rsplit("-", 1)[1]))


async def test_a_429_pauses_every_channel_for_retry_after(
    emulator: SlackEmulator, http: aiohttp.ClientSession, fast_time: FastTime
):
    emulator.inject_fault("chat.postMessage", status=429, error="ratelimited", retry_after=3)
    pausing = asyncio.Event()

    async def sleep(seconds: float) -> None:
        pausing.set()  # only the 429 pause sleeps here: the channels are fresh
        await fast_time.sleep(seconds)

    client = AsyncWebClient(token=emulator.bot_token, base_url=emulator.api_url, session=http)
    sender = Sender(client, limits=STRICT, clock=fast_time.clock, sleep=sleep)
    started = fast_time.clock()
    first = asyncio.create_task(sender.post("general", "refused once"))
    await pausing.wait()
    await sender.post("random", "other channel")
    assert fast_time.clock() - started >= 3.0  # the other channel waited out Retry-After
    await first
    assert sender.retried_429 == emulator.ratelimited == 1
    assert [m.text for m in emulator.history("general")] == ["refused once"]


async def test_the_workspace_cap_spaces_posts_across_channels(
    emulator: SlackEmulator, http: aiohttp.ClientSession, fast_time: FastTime
):
    capped = Limits(channel_rate=100, channel_burst=10, workspace_rate=5.0, workspace_burst=1)
    sender = sender_for(emulator, http, fast_time, capped)
    channels = [emulator.add_channel(f"c{i}").id for i in range(6)]
    started = fast_time.clock()
    await asyncio.gather(*(sender.post(channel, "hi") for channel in channels))
    assert fast_time.clock() - started >= 1.0  # five gaps of 0.2 s
    assert all(len(emulator.history(channel)) == 1 for channel in channels)


async def test_a_429_lowers_the_workspace_cap_until_a_quiet_period_passes(
    emulator: SlackEmulator, http: aiohttp.ClientSession
):
    emulator.inject_fault(
        "chat.postMessage", status=429, error="ratelimited", retry_after=2, times=3
    )
    time = JumpTime()
    client = AsyncWebClient(token=emulator.bot_token, base_url=emulator.api_url, session=http)
    sender = Sender(client, limits=CAPPED, clock=time.clock, sleep=time.sleep)
    channels = [emulator.add_channel(f"c{i}").id for i in range(10)]
    await asyncio.gather(*(sender.post(c, f"to {c}", idempotency_key=c) for c in channels))
    assert all([m.text for m in emulator.history(c)] == [f"to {c}"] for c in channels)
    assert sender.retried_429 == emulator.ratelimited == 3
    assert sender.backoffs == 1  # three refusals of posts sent together: one decrease
    assert sender.workspace_rate == 25.0
    # Refused at 0 s; the quiet period counts from the end of the 2 s pause.
    time.now = 31.9
    assert sender.workspace_rate == 25.0
    time.now = 32.0
    assert sender.workspace_rate == 30.0  # a tenth of the ceiling back
    time.now = 32.0 + 4 * 30
    assert sender.workspace_rate == 50.0


async def test_repeated_429s_back_off_and_lose_or_double_nothing(
    emulator: SlackEmulator, http: aiohttp.ClientSession
):
    emulator.inject_fault("chat.postMessage", status=429, error="ratelimited", after=10, times=4)
    emulator.inject_fault("chat.postMessage", status=429, error="ratelimited", after=5, times=4)
    time = JumpTime()
    client = AsyncWebClient(token=emulator.bot_token, base_url=emulator.api_url, session=http)
    sender = Sender(client, limits=CAPPED, clock=time.clock, sleep=time.sleep)
    channels = [emulator.add_channel(f"c{i}").id for i in range(20)]
    texts = [f"{channel}-{i}" for channel in channels for i in range(3)]
    await asyncio.gather(*(sender.post(t.rsplit("-", 1)[0], t, idempotency_key=t) for t in texts))
    landed = [m.text for channel in channels for m in emulator.history(channel)]
    assert Counter(landed) == Counter(texts)
    for channel in channels:  # order within a channel is kept through retries
        assert [m.text for m in emulator.history(channel)] == [f"{channel}-{i}" for i in range(3)]
    assert sender.retried_429 == emulator.ratelimited == 8
    assert sender.backoffs >= 1 and sender.workspace_rate <= 25.0


# ---- permalinks -------------------------------------------------------------------


async def test_permalinks_are_built_as_slack_answers_them(
    emulator: SlackEmulator,
    http: aiohttp.ClientSession,
    slack_client: AsyncWebClient,
    fast_time: FastTime,
):
    sender = sender_for(emulator, http, fast_time, Limits(channel_rate=50, channel_burst=10))
    first = await sender.post("general", "top")
    reply = await sender.post("general", "in the thread", thread_ts=first.ts)
    other = await sender.post("random", "elsewhere")
    asked = [method for method, _ in emulator.calls]
    assert asked.count("auth.test") == 1 and "chat.getPermalink" not in asked
    for result in (first, reply, other):
        answer = await slack_client.chat_getPermalink(channel=result.channel, message_ts=result.ts)
        assert result.permalink == answer["permalink"]


async def test_a_failed_auth_test_costs_the_link_not_the_post(
    emulator: SlackEmulator, http: aiohttp.ClientSession, fast_time: FastTime
):
    emulator.inject_fault("auth.test")
    sender = sender_for(emulator, http, fast_time, Limits(channel_rate=50, channel_burst=10))
    unlinked = await sender.post("general", "still lands")
    assert unlinked.permalink is None and sender.permalink_failures == 1
    assert [m.text for m in emulator.history("general")] == ["still lands"]
    linked = await sender.post("general", "next")
    assert linked.permalink and linked.permalink.endswith(linked.ts.replace(".", ""))


# ---- splitting --------------------------------------------------------------------


async def test_long_text_goes_out_within_limits_and_continues_in_a_thread(
    emulator: SlackEmulator, http: aiohttp.ClientSession, fast_time: FastTime
):
    paragraphs = [f"{i:04d} " + "lorem ipsum " * 100 for i in range(90)]  # ~110,000 chars
    text = "\n\n".join(paragraphs)
    sender = sender_for(emulator, http, fast_time, Limits(channel_rate=50, channel_burst=10))
    result = await sender.post("general", text, idempotency_key="long")
    [first] = emulator.history("general")
    rest = emulator.replies("general", first.ts)
    messages = [first, *rest]
    assert len(messages) > 1 and result.parts == tuple(m.ts for m in messages)
    for message in messages:
        assert len(message.blocks or []) <= MAX_BLOCKS
        assert len(message.text) <= MAX_TEXT
        assert all(len(t) <= MAX_SECTION_TEXT for t in section_texts(message))
    sections = [t for m in messages for t in section_texts(m)]
    assert "\n\n".join(sections) == text  # cut only at paragraph breaks here


# ---- idempotency ------------------------------------------------------------------


async def test_a_retry_after_an_unknown_outcome_finds_the_landed_post(
    emulator: SlackEmulator, http: aiohttp.ClientSession, fast_time: FastTime
):
    sender = sender_for(emulator, http, fast_time)
    await sender.post("general", "noise before")
    emulator.inject_fault("chat.postMessage", status=500, after_effect=True)
    with pytest.raises(TransientDeliveryError):
        await sender.post("general", "the digest", idempotency_key="run-7")
    retried = await sender.post(
        "general", "the digest", idempotency_key="run-7", check_existing=True
    )
    digests = [m for m in emulator.history("general") if m.text == "the digest"]
    assert len(digests) == 1
    assert retried.duplicate_of_existing is True
    assert retried.ts == digests[0].ts
    assert sender.found_existing == 1


async def test_a_retry_posts_only_the_missing_parts_of_a_split_post(
    emulator: SlackEmulator, http: aiohttp.ClientSession, fast_time: FastTime
):
    text = "\n\n".join("paragraph " * 290 for _ in range(30))  # three messages
    sender = sender_for(emulator, http, fast_time, Limits(channel_rate=50, channel_burst=10))
    emulator.inject_fault("chat.postMessage", status=502, after_effect=True, after=1)
    with pytest.raises(TransientDeliveryError):
        await sender.post("general", text, idempotency_key="run-9")
    result = await sender.post("general", text, idempotency_key="run-9", check_existing=True)
    [first] = emulator.history("general")
    parts = [
        m.metadata["event_payload"]["part"]
        for m in [first, *emulator.replies("general", first.ts)]
        if m.metadata
    ]
    assert parts == [0, 1, 2]
    assert result.duplicate_of_existing and len(result.parts) == 3


async def test_a_timed_out_post_that_landed_is_found_on_retry(
    emulator: SlackEmulator, fast_time: FastTime
):
    emulator.inject_fault("chat.postMessage", error=None, delay=0.3)
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=0.1)) as impatient:
        sender = sender_for(emulator, impatient, fast_time)
        with pytest.raises(TransientDeliveryError) as caught:
            await sender.post("general", "slow", idempotency_key="run-3")
        assert caught.value.code == "timeout"
        landed = await emulator.wait_for_message("general", lambda m: m.text == "slow")
        retried = await sender.post("general", "slow", idempotency_key="run-3", check_existing=True)
    assert (retried.ts, retried.duplicate_of_existing) == (landed.ts, True)
    assert len(emulator.history("general")) == 1


async def test_check_existing_posts_when_nothing_landed(
    emulator: SlackEmulator, http: aiohttp.ClientSession, fast_time: FastTime
):
    sender = sender_for(emulator, http, fast_time)
    await sender.post("general", "other run", idempotency_key="run-1")
    result = await sender.post("general", "mine", idempotency_key="run-2", check_existing=True)
    assert result.duplicate_of_existing is False
    assert [m.text for m in emulator.history("general")] == ["other run", "mine"]


# ---- errors -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("channel", "code"),
    [("C-GONE", "channel_not_found"), ("outside", "not_in_channel"), ("attic", "is_archived")],
)
async def test_a_refused_channel_is_permanent(
    emulator: SlackEmulator,
    http: aiohttp.ClientSession,
    fast_time: FastTime,
    channel: str,
    code: str,
):
    emulator.add_channel("outside", bot_member=False)
    emulator.add_channel("attic", is_archived=True)
    sender = sender_for(emulator, http, fast_time)
    with pytest.raises(PermanentDeliveryError) as caught:
        await sender.post(channel, "hello")
    assert isinstance(caught.value, PermanentJobError)
    assert caught.value.code == code
    assert sender.failed_permanent == 1


async def test_a_revoked_token_is_permanent(
    emulator: SlackEmulator, http: aiohttp.ClientSession, fast_time: FastTime
):
    sender = sender_for(emulator, http, fast_time, token="xoxb-revoked")
    with pytest.raises(PermanentDeliveryError) as caught:
        await sender.post("general", "hello")
    assert caught.value.code == "invalid_auth"


@pytest.mark.parametrize(
    ("fault", "code"),
    [
        ({"status": 503, "error": "service_unavailable"}, "service_unavailable"),
        ({"status": 200, "error": "internal_error"}, "internal_error"),
    ],
)
async def test_server_trouble_is_transient(
    emulator: SlackEmulator,
    http: aiohttp.ClientSession,
    fast_time: FastTime,
    fault: dict[str, Any],
    code: str,
):
    emulator.inject_fault("chat.postMessage", **fault)
    sender = sender_for(emulator, http, fast_time)
    with pytest.raises(TransientDeliveryError) as caught:
        await sender.post("general", "hello")
    assert isinstance(caught.value, TransientJobError)
    assert caught.value.code == code
    assert not emulator.history("general")


async def test_too_many_429s_become_transient_with_retry_after(
    emulator: SlackEmulator, http: aiohttp.ClientSession, fast_time: FastTime
):
    emulator.inject_fault("chat.postMessage", status=429, error="ratelimited", times=3)
    budget = Limits(channel_rate=1.0, channel_burst=1, max_429_retries=2)
    sender = sender_for(emulator, http, fast_time, budget)
    with pytest.raises(TransientDeliveryError) as caught:
        await sender.post("general", "hello")
    assert (caught.value.code, caught.value.retry_after) == ("ratelimited", 1.0)
    assert emulator.ratelimited == 3 and not emulator.history("general")


async def test_a_long_pause_fails_posts_at_once_with_retry_after(
    emulator: SlackEmulator, http: aiohttp.ClientSession, fast_time: FastTime
):
    emulator.inject_fault("chat.postMessage", status=429, error="ratelimited", retry_after=600)
    sender = sender_for(emulator, http, fast_time)
    started = fast_time.clock()
    for channel in ("general", "random"):
        with pytest.raises(TransientDeliveryError) as caught:
            await sender.post(channel, "hello")
        assert caught.value.retry_after is not None and caught.value.retry_after > 590
    assert fast_time.clock() - started < 60
    assert emulator.ratelimited == 1 and not emulator.history("random")


async def test_an_unreachable_slack_is_transient(http: aiohttp.ClientSession, fast_time: FastTime):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = AsyncWebClient(token="xoxb-x", base_url=f"http://127.0.0.1:{port}/api/", session=http)
    sender = Sender(client, clock=fast_time.clock, sleep=fast_time.sleep)
    with pytest.raises(TransientDeliveryError) as caught:
        await sender.post("C1", "hello")
    assert caught.value.code == "network_error"


async def test_the_callers_client_keeps_its_retry_handlers(emulator: SlackEmulator):
    client = AsyncWebClient(token=emulator.bot_token, base_url=emulator.api_url)
    handlers = list(client.retry_handlers)
    Sender(client)
    assert client.retry_handlers == handlers


async def test_a_cancelled_run_waits_for_its_post_in_the_air_before_it_stops(
    emulator: SlackEmulator, http: aiohttp.ClientSession, fast_time: FastTime
):
    """Stopped (shutdown, lost lease, timeout) mid-request, the post still lands,
    and only then does the cancellation go on: the retry that looks for it finds it."""
    sender = sender_for(emulator, http, fast_time)
    emulator.inject_fault("chat.postMessage", error=None, delay=0.2)  # a slow answer
    posting = asyncio.create_task(sender.post("general", "digest", idempotency_key="run-9"))
    async with asyncio.timeout(5):
        while True:  # the request has reached Slack
            if any(method == "chat.postMessage" for method, _ in emulator.calls):
                break
            await asyncio.sleep(0.01)
    posting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await posting
    [message] = emulator.history("general")  # landed before the cancellation went on
    assert message.text == "digest"
    retry = await sender.post("general", "digest", idempotency_key="run-9", check_existing=True)
    assert retry.duplicate_of_existing and len(emulator.history("general")) == 1
