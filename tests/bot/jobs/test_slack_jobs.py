"""The Slack job kinds, run by the real engine against the emulator.

Schedules are written straight into the store and fired with a manual run
(due at the virtual now), so each test is about the job kind, not parsing.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.emulator import SlackEmulator
from bot.jobs.digest import digest_text, links, transcript
from bot.jobs.slack_jobs import pause_notice, render_placeholders
from bot.runtime import Bot, running_bot
from scheduler.clock import VirtualClock
from scheduler.records import Schedule, ScheduleSpec
from scheduler.triggers import CronTrigger
from tests.bot.harness import bot_posts, bot_settings, settle
from tests.fakes.llm import FakeOpenAI, content


@pytest.fixture
def now_clock() -> VirtualClock:
    """Virtual time starting at the real now: digests read the emulator's real timestamps."""
    return VirtualClock(datetime.now(UTC).replace(microsecond=0))


@pytest.fixture
async def bot(
    emulator: SlackEmulator, tmp_path: Path, now_clock: VirtualClock
) -> AsyncIterator[Bot]:
    async with running_bot(bot_settings(emulator, tmp_path), clock=now_clock) as running:
        yield running


async def add(
    bot: Bot, emulator: SlackEmulator, kind: str, action: dict[str, Any], **over: Any
) -> Schedule:
    spec = ScheduleSpec(
        team_id=emulator.team.id,
        name=over.pop("name", f"{kind}-job"),
        trigger=CronTrigger("0 9 * * *", over.pop("timezone", "America/New_York")),
        action_kind=kind,
        action=action,
        channel_id=emulator.channel(over.pop("channel", "general")).id,
        created_by=emulator.user("alice").id,
        **over,
    )
    return await bot.store.create_schedule(spec, bot.deps.clock.now())


async def run_now(bot: Bot, schedule: Schedule) -> None:
    await bot.store.add_manual_run(schedule, bot.deps.clock.now())
    await settle(bot)


async def statuses(bot: Bot, schedule: Schedule) -> list[tuple[str, int]]:
    runs = await bot.store.list_runs(schedule_id=schedule.id)
    return sorted((run.status, run.attempt) for run, _ in runs)


# ---- message ---------------------------------------------------------------------


def schedule_named(name: str, timezone: str) -> Schedule:
    spec_time = datetime(2026, 1, 1, tzinfo=UTC)
    return Schedule(
        id=1, team_id="T1", name=name, trigger=CronTrigger("0 9 * * *", timezone),
        timezone=timezone, action_kind="message", action={}, channel_id="C1", enabled=True,
        next_run_at=None, misfire_grace_s=300, catch_up=True, overlap="skip", max_retries=3,
        timeout_s=300, created_by="U1", source="chat", version=1,
        created_at=spec_time, updated_at=spec_time,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("text", "timezone", "expected"),
    [
        ("{weekday} {date} {time}", "America/New_York", "Sunday 2026-03-08 03:30"),
        ("{weekday} {date} {time}", "Europe/Berlin", "Sunday 2026-03-08 08:30"),
        ("{schedule}: {unknown} {{date}} {date", "UTC", "standup: {unknown} {2026-03-08} {date"),
        ("no placeholders", "UTC", "no placeholders"),
    ],
)
def test_placeholders_are_rendered_in_the_schedules_zone(text: str, timezone: str, expected: str):
    at = datetime(2026, 3, 8, 7, 30, tzinfo=UTC)  # just after New York's spring-forward gap
    assert render_placeholders(text, schedule_named("standup", timezone), at) == expected


async def test_a_message_run_with_an_unknown_outcome_is_posted_once(
    bot: Bot, emulator: SlackEmulator, now_clock: VirtualClock
):
    schedule = await add(bot, emulator, "message", {"text": "Once only"})
    # The post lands, then Slack answers 500: the run cannot know it worked.
    emulator.inject_fault("chat.postMessage", error="internal_error", status=500, after_effect=True)
    await run_now(bot, schedule)
    assert await statuses(bot, schedule) == [("failed", 1), ("pending", 2)]

    now_clock.on_wake = bot.engine.settle  # the retry ends before time runs past its lease
    await now_clock.advance(minutes=5)  # past the retry's backoff
    await settle(bot)
    assert [m.text for m in bot_posts(emulator, "general")] == ["Once only"]
    assert await statuses(bot, schedule) == [("failed", 1), ("succeeded", 2)]
    assert bot.sender.found_existing == 1


async def test_a_transient_failure_retries_without_pausing(
    bot: Bot, emulator: SlackEmulator, now_clock: VirtualClock
):
    schedule = await add(bot, emulator, "message", {"text": "Eventually"})
    emulator.inject_fault("chat.postMessage", error="service_unavailable", status=503)
    await run_now(bot, schedule)
    await now_clock.advance(minutes=5)
    await settle(bot)
    assert [m.text for m in bot_posts(emulator, "general")] == ["Eventually"]
    assert (await bot.store.get_schedule_by_id(schedule.id)).enabled


@pytest.mark.parametrize("fault", ["archived", "deleted"])
async def test_a_channel_that_cannot_be_posted_in_pauses_and_tells_the_owner(
    bot: Bot, emulator: SlackEmulator, fault: str
):
    alice = emulator.user("alice")
    schedule = await add(bot, emulator, "message", {"text": "Hello"})
    general = emulator.channel("general")
    if fault == "archived":
        general.is_archived = True
    else:
        del emulator.channels[general.id]
    await run_now(bot, schedule)
    assert await statuses(bot, schedule) == [("failed", 1)]
    assert not (await bot.store.get_schedule_by_id(schedule.id)).enabled
    code = "is_archived" if fault == "archived" else "channel_not_found"
    notice = await emulator.wait_for_message(emulator.dm_channel(alice.id).id)
    assert notice.text == pause_notice(schedule, code)


# ---- agent -----------------------------------------------------------------------


async def test_an_agent_job_answers_as_its_creator(bot: Bot, emulator: SlackEmulator):
    await add(bot, emulator, "message", {"text": "x"}, name="standup")
    schedule = await add(bot, emulator, "agent", {"text": "list my schedules"}, name="report")
    await run_now(bot, schedule)
    [post] = bot_posts(emulator, "general")
    shown = post.text + str(post.blocks)
    assert "standup" in shown and "report" in shown
    assert await statuses(bot, schedule) == [("succeeded", 1)]


# ---- digest ----------------------------------------------------------------------


def seed_conversation(emulator: SlackEmulator) -> None:
    emulator.post_as_user("general", "alice", "Release notes: <https://example.com/notes|notes>")
    emulator.post_as_user("general", "bob", "Looks good, see https://example.com/ci")
    emulator.post_as_user("general", "alice", "Shipping at 3")


async def test_a_digest_without_an_llm_counts_people_and_links(bot: Bot, emulator: SlackEmulator):
    seed_conversation(emulator)
    schedule = await add(bot, emulator, "digest", {"text": "", "window_hours": 24})
    await run_now(bot, schedule)
    [digest] = bot_posts(emulator, "general")
    alice, bob = emulator.user("alice").id, emulator.user("bob").id
    assert "3 messages" in digest.text
    assert f"<@{alice}>: 2" in digest.text and f"<@{bob}>: 1" in digest.text
    assert "https://example.com/notes" in digest.text and "https://example.com/ci" in digest.text


async def test_a_digest_with_an_llm_summarizes_the_transcript(
    emulator: SlackEmulator, tmp_path: Path, now_clock: VirtualClock
):
    seed_conversation(emulator)
    async with FakeOpenAI() as fake:
        settings = bot_settings(
            emulator, tmp_path, openai_api_key="test", openai_base_url=fake.base_url
        )
        async with running_bot(settings, clock=now_clock) as bot:
            schedule = await add(bot, emulator, "digest", {"text": "", "window_hours": 24})
            fake.script(content("• The release ships at 3"))
            await run_now(bot, schedule)
            [digest] = bot_posts(emulator, "general")
            assert "The release ships at 3" in digest.text
            assert "Shipping at 3" in fake.requests[0]["messages"][-1]["content"]

            fake.fail_next(500, times=2)  # the LLM is down: the plain digest still goes out
            await run_now(bot, schedule)
            assert "3 messages" in bot_posts(emulator, "general")[-1].text


def test_the_plain_digest_names_the_busiest_threads():
    messages = [
        {"user": "U1", "ts": "1.0", "text": "quiet"},
        {"user": "U2", "ts": "2.0", "text": "hot <topic>", "reply_count": 7},
        {"user": "U1", "ts": "3.0", "text": "warm", "reply_count": 2},
        {"bot_id": "B1", "ts": "4.0", "text": "earlier digest https://skip.me"},
    ]
    text = digest_text(messages, "C1", 24)
    assert "3 messages" in text
    assert text.index("hot &lt;topic&gt; (7 replies)") < text.index("warm (2 replies)")
    assert "skip.me" not in text  # bot posts (earlier digests) are not content
    assert links(messages[:3]) == []
    assert transcript(messages).splitlines()[0] == "<@U1>: quiet"


def test_an_empty_window_says_so():
    assert "No messages" in digest_text([], "C1", 24)


# ---- workflow --------------------------------------------------------------------


async def test_a_registered_workflow_posts_a_line(bot: Bot, emulator: SlackEmulator):
    schedule = await add(bot, emulator, "workflow", {"text": "", "workflow": "heartbeat"})
    await run_now(bot, schedule)
    [post] = bot_posts(emulator, "general")
    assert "heartbeat" in post.text


async def test_an_unknown_workflow_fails_without_retries(bot: Bot, emulator: SlackEmulator):
    schedule = await add(bot, emulator, "workflow", {"text": "", "workflow": "rm-rf"})
    await run_now(bot, schedule)
    assert await statuses(bot, schedule) == [("failed", 1)]
    assert bot_posts(emulator, "general") == []
