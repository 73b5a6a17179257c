"""Each kind of schedule, end to end: asked for by mention and by /tock, fired, posted.

The bot runs in HTTP mode against the emulator on the engine's VirtualClock
(Monday 2026-01-05 07:00 in New York, where alice lives); what is checked is
what landed in the emulator, never the words of the request.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.emulator import Message, SlackEmulator
from bot.runtime import Bot, running_bot
from scheduler.clock import VirtualClock
from tests.bot.harness import (
    all_text,
    bot_posts,
    bot_settings,
    click,
    mention_in_thread,
    reply_to,
    settle,
    slash_answer,
)
from tests.fakes.llm import FakeOpenAI, content, tool_call


@pytest.fixture
async def bot(emulator: SlackEmulator, tmp_path: Path, clock: VirtualClock) -> AsyncIterator[Bot]:
    async with running_bot(bot_settings(emulator, tmp_path), clock=clock) as running:
        yield running


async def mention(emulator: SlackEmulator, bot: Bot, text: str, channel: str = "general") -> str:
    """@mention the bot as alice; the text of its reply in the thread."""
    asked: Message
    asked, event = emulator.mention_event(channel, "alice", text)
    assert (await emulator.send_event(bot.events_url, event)).status == 200
    return all_text(await reply_to(emulator, asked))


async def slash(emulator: SlackEmulator, bot: Bot, text: str, channel: str = "general") -> str:
    body = await slash_answer(emulator, bot, text, channel=channel)
    return str(body.get("text", "")) + str(body.get("blocks", ""))


def chatter(emulator: SlackEmulator) -> None:
    """What people said in #random: what a digest of it must be about."""
    emulator.post_as_user("random", "bob", "the deploy is done, see https://example.com/ci")
    emulator.post_as_user("random", "alice", "thanks! closing the incident")
    emulator.post_as_user("random", "bob", "retro on thursday")


async def nine_am(clock: VirtualClock, bot: Bot) -> None:
    await clock.advance(hours=2)  # 07:00 → 09:00 in New York
    await settle(bot)


async def test_a_digest_by_mention_summarizes_the_source_into_this_channel(
    bot: Bot, emulator: SlackEmulator, clock: VirtualClock
):
    chatter(emulator)
    answer = await mention(emulator, bot, "post a digest of #random every weekday at 9am")
    random_id = emulator.channel("random").id
    assert f"<#{random_id}>" in answer
    [schedule] = await bot.store.list_schedules(emulator.team.id)
    assert (schedule.action_kind, schedule.action["source_channel"]) == ("digest", random_id)

    await nine_am(clock, bot)
    [post] = bot_posts(emulator, "general")
    bob = emulator.user("bob").id
    assert post.text.startswith(f"*Digest of <#{random_id}>, last 24h*")
    assert "3 messages" in post.text and f"<@{bob}>: 2" in post.text
    assert "https://example.com/ci" in post.text
    assert "digest of" not in post.text.lower().split("\n", 1)[1]  # not the request's words


async def test_a_digest_by_slash_posts_into_the_channel_named(
    bot: Bot, emulator: SlackEmulator, clock: VirtualClock
):
    chatter(emulator)
    answer = await slash(
        emulator, bot, "digest #random every weekday at 9am in #general", channel="random"
    )
    assert "Scheduled" in answer
    await nine_am(clock, bot)
    [post] = bot_posts(emulator, "general")
    assert post.text.startswith(f"*Digest of <#{emulator.channel('random').id}>")
    assert bot_posts(emulator, "random") == []


async def test_a_digest_of_a_channel_the_bot_cannot_read_is_refused_up_front(
    bot: Bot, emulator: SlackEmulator
):
    emulator.add_channel("secret", members=[emulator.user("alice").id], bot_member=False)
    answer = await mention(emulator, bot, "post a digest of #secret every weekday at 9am")
    assert "can't read" in answer and "/invite @tock" in answer
    assert await bot.store.list_schedules(emulator.team.id) == []


async def test_an_agent_schedule_without_an_llm_is_refused_with_a_way_out(
    bot: Bot, emulator: SlackEmulator
):
    asked = "every morning at 8 ask: what changed in #eng yesterday?"
    assert "needs an LLM" in await mention(emulator, bot, asked)
    assert "needs an LLM" in await slash(emulator, bot, asked)
    assert await bot.store.list_schedules(emulator.team.id) == []


async def test_an_agent_schedule_posts_the_llms_answer(
    emulator: SlackEmulator, tmp_path: Path, clock: VirtualClock
):
    async with FakeOpenAI() as fake:
        settings = bot_settings(
            emulator, tmp_path, openai_api_key="test-key", openai_base_url=fake.base_url
        )
        async with running_bot(settings, clock=clock) as bot:
            answer = await slash(emulator, bot, "every day at 9am ask: what changed yesterday?")
            assert "Scheduled" in answer
            [schedule] = await bot.store.list_schedules(emulator.team.id)
            assert (schedule.action_kind, schedule.action["text"]) == (
                "agent",
                "what changed yesterday?",
            )
            fake.script(content("Two deploys and one incident, all closed."))
            await nine_am(clock, bot)
            [post] = bot_posts(emulator, "general")
            assert post.text == "Two deploys and one incident, all closed."
            assert fake.requests[-1]["messages"][-1]["content"] == "what changed yesterday?"


async def test_an_agent_schedule_asked_for_in_chat_goes_through_the_llm(
    emulator: SlackEmulator, tmp_path: Path, clock: VirtualClock
):
    async with FakeOpenAI() as fake:
        settings = bot_settings(
            emulator, tmp_path, openai_api_key="test-key", openai_base_url=fake.base_url
        )
        async with running_bot(settings, clock=clock) as bot:
            prompt = "what changed in #eng yesterday?"
            fake.script(
                tool_call(
                    "create_schedule",
                    {"when": "every day at 9am", "action": "agent", "text": prompt},
                ),
                content("Done: every morning at 9 I'll ask that."),
            )
            await mention(emulator, bot, f"every morning at 9 ask: {prompt}")
            [schedule] = await bot.store.list_schedules(emulator.team.id)
            assert (schedule.action_kind, schedule.action["text"]) == ("agent", prompt)

            fake.script(content("Nothing changed in #eng yesterday."))
            await nine_am(clock, bot)
            [post] = bot_posts(emulator, "general")
            assert post.text == "Nothing changed in #eng yesterday."


async def test_a_workflow_schedule_by_mention_and_by_slash(
    bot: Bot, emulator: SlackEmulator, clock: VirtualClock
):
    assert "Scheduled" in await mention(
        emulator, bot, "run the heartbeat workflow every weekday at 9am"
    )
    assert "Scheduled" in await slash(
        emulator, bot, "every weekday at 9am run the heartbeat workflow", channel="random"
    )
    refused = await mention(emulator, bot, "run the weekly-report workflow every monday at 9am")
    assert "no workflow named" in refused and "heartbeat" in refused  # the known ones

    await nine_am(clock, bot)
    for channel in ("general", "random"):
        [post] = bot_posts(emulator, channel)
        assert "Workflow *heartbeat* ran" in post.text
    assert len(await bot.store.list_schedules(emulator.team.id)) == 2


async def test_remind_a_person_by_slash_lands_in_their_dm(
    bot: Bot, emulator: SlackEmulator, clock: VirtualClock
):
    bob, alice = emulator.user("bob").id, emulator.user("alice").id
    answer = await slash(emulator, bot, f"every day at 9am remind <@{bob}> to send the report")
    assert "Scheduled" in answer
    await nine_am(clock, bot)
    [post] = bot_posts(emulator, emulator.dm_channel(bob).id)
    assert post.text == f"Reminder: send the report (from <@{alice}>)"
    assert bot_posts(emulator, "general") == []


async def test_an_edit_in_the_thread_moves_the_next_post(
    bot: Bot, emulator: SlackEmulator, clock: VirtualClock
):
    asked, event = emulator.mention_event("general", "alice", 'post "Standup" every weekday at 9am')
    assert (await emulator.send_event(bot.events_url, event)).status == 200
    await reply_to(emulator, asked)
    changed = await mention_in_thread(emulator, bot, asked, "change it to 9:30")
    reply = await emulator.wait_for_message(
        "general", lambda m: m.thread_ts == asked.ts and m.bot_id is not None and m.ts > changed.ts
    )
    answer = all_text(reply)
    assert "Updated" in answer and "9:30" in answer
    [schedule] = await bot.store.list_schedules(emulator.team.id)
    assert schedule.trigger.describe().startswith("At 09:30 AM, Monday through Friday")

    await nine_am(clock, bot)
    assert bot_posts(emulator, "general") == []  # not at 9:00 any more
    await clock.advance(minutes=30)
    await settle(bot)
    assert [post.text for post in bot_posts(emulator, "general")] == ["Standup"]


async def test_a_time_with_two_readings_asks_and_the_button_picks_one(
    bot: Bot, emulator: SlackEmulator
):
    asked, event = emulator.mention_event("general", "alice", 'post "Stretch" every day at 4')
    assert (await emulator.send_event(bot.events_url, event)).status == 200
    question = await reply_to(emulator, asked)
    assert "4:00 AM or 4:00 PM" in all_text(question)
    assert await bot.store.list_schedules(emulator.team.id) == []  # nothing guessed

    buttons = {
        element["text"]["text"]: element["action_id"]
        for block in question.blocks or []
        if block["type"] == "actions"
        for element in block["elements"]
    }
    await click(emulator, bot, question, buttons["4:00 PM"])
    [schedule] = await bot.store.list_schedules(emulator.team.id)
    assert schedule.trigger.to_dict()["cron"] == "0 16 * * *"
    assert schedule.action["text"] == "Stretch"


async def test_a_time_with_two_readings_is_asked_in_slash_with_a_command_each(
    bot: Bot, emulator: SlackEmulator
):
    answer = await slash(emulator, bot, 'every day at 4 "Stretch"')
    assert "4:00 AM or 4:00 PM" in answer
    assert '/tock every day at 4am \\"Stretch\\"' in answer or "every day at 4am" in answer
    assert "every day at 4pm" in answer
    assert await bot.store.list_schedules(emulator.team.id) == []


async def test_a_scheduled_workflow_posts_its_result_and_records_every_step(
    bot: Bot, emulator: SlackEmulator, clock: VirtualClock
):
    asked = 'every weekday at 9am run the draft-and-review workflow "ship notes for v2"'
    assert "Scheduled" in await slash(emulator, bot, asked)
    await nine_am(clock, bot)
    [post] = bot_posts(emulator, "general")
    assert post.text == "Ship notes for v2."  # the second draft, once the review passed

    [(run, _)] = await bot.store.list_runs(team_id=emulator.team.id)
    steps = await bot.store.list_steps(run_id=run.id)
    assert [(s.path, s.status) for s in steps if s.path != "draft_review"] == [
        ("draft_review/1/draft", "succeeded"),
        ("draft_review/1/review", "succeeded"),
        ("draft_review/2/draft", "succeeded"),
        ("draft_review/2/review", "succeeded"),
        ("post", "succeeded"),
    ]
    assert all(s.duration_ms is not None for s in steps)
    [schedule] = await bot.store.list_schedules(emulator.team.id)
    history = await slash(emulator, bot, f"history {schedule.name}")
    assert "succeeded" in history and "6 steps" in history  # the loop is a step too


async def test_run_a_workflow_now_by_mention_and_by_slash(
    bot: Bot, emulator: SlackEmulator, clock: VirtualClock
):
    assert "Running the workflow now" in await mention(
        emulator, bot, "run the heartbeat workflow now"
    )
    await settle(bot)
    assert "Running the workflow now" in await slash(emulator, bot, "run-workflow heartbeat")
    await settle(bot)
    posts = [post.text for post in bot_posts(emulator, "general")]
    assert len(posts) == 2 and all("Workflow *heartbeat* ran" in text for text in posts)
    refused = await slash(emulator, bot, "run-workflow nope")
    assert "no workflow named" in refused and "channel-digest" in refused
