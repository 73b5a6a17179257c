"""bot.agents.offline: plain phrasings → tool calls, with "it" resolved from the thread."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.agents.offline import OfflineAgent, close_example, last_schedule
from bot.agents.reading import normalize, read_intent
from bot.agents.suggest import suggest
from bot.agents.turn import AgentTurn, run_confirmed
from bot.slack.reply import Reply
from scheduler.clock import VirtualClock
from scheduler.store import Store
from tests.fakes.membership import FakeMembership
from tools.scheduler_tools import Caller, CreateScheduleArgs, SchedulerTools

NY = "America/New_York"
NOW = datetime(2026, 1, 5, 17, 0, tzinfo=UTC)
ALICE = Caller(team_id="T1", user_id="UALICE", channel_id="CGENERAL", timezone=NY)
BOB = Caller(team_id="T1", user_id="UBOB", channel_id="CENG", timezone=NY)
CHANNELS = {"eng": "CENG", "general": "CGENERAL"}


async def resolve(name: str) -> str | None:
    return CHANNELS.get(name)


def make_agent(store: Store, clock: VirtualClock) -> OfflineAgent:
    return OfflineAgent(SchedulerTools(store, clock, FakeMembership()), resolve_channel=resolve)


@pytest.fixture
def agent(store: Store, clock: VirtualClock) -> OfflineAgent:
    """On SQLite and Postgres."""
    return make_agent(store, clock)


@pytest.fixture
async def lite(tmp_path: Path, clock: VirtualClock) -> AsyncIterator[OfflineAgent]:
    """On SQLite only, where the backend makes no difference."""
    store = await Store.open(f"sqlite+aiosqlite:///{tmp_path / 'tock.db'}")
    yield make_agent(store, clock)
    pool = store.engine.pool
    await store.close()
    assert pool.checkedout() == 0, "a test leaked a database connection"


class Thread:
    """One Slack thread: each turn continues from the history the last one returned."""

    def __init__(self, agent: OfflineAgent, caller: Caller = ALICE) -> None:
        self.agent = agent
        self.caller = caller
        self.history: list[dict[str, Any]] = []

    async def say(self, text: str) -> Reply:
        turn: AgentTurn = await self.agent.respond(self.caller, text, self.history)
        self.history = json.loads(json.dumps(turn.history))  # stored as JSON
        return turn.reply


def everything(reply: Reply) -> str:
    return reply.text + json.dumps(reply.blocks or [])


def confirm_payload(reply: Reply) -> dict[str, Any]:
    for block in reply.blocks or []:
        for element in block.get("elements", []):
            if element.get("action_id") == "tock_confirm":
                return json.loads(element["value"])
    raise AssertionError(f"no confirm button in {reply}")


# --------------------------------------------------------------------------- against a store


async def test_create_then_refer_to_it(agent: OfflineAgent) -> None:
    store, thread = agent.tools.store, Thread(agent)
    reply = await thread.say("remind #eng every weekday at 9:30am to stand up")
    [schedule] = await store.list_schedules("T1")
    assert "Scheduled" in reply.text
    assert (schedule.channel_id, schedule.action["text"]) == ("CENG", "Reminder: stand up")
    name = schedule.name
    assert thread.history[-1]["tock"] == {"schedule": name}

    assert "Paused" in (await thread.say("pause it")).text
    assert not (await store.get_schedule("T1", name)).enabled
    assert "Resumed" in (await thread.say("can you resume that one please?")).text
    assert (await store.get_schedule("T1", name)).enabled
    assert "Running" in (await thread.say("run it now")).text
    assert await store.count_runs(schedule_id=schedule.id) == {"pending": 1}
    assert "History" in (await thread.say("what's the history of it?")).text
    assert name in everything(await thread.say("show it"))

    asked = await thread.say("delete it")
    assert await store.get_schedule("T1", name)  # nothing deleted yet
    payload = confirm_payload(asked)
    assert payload == {"tool": "delete_schedule", "arguments": {"name": name}}
    assert "Deleted" in (await run_confirmed(agent.tools, ALICE, payload)).text
    assert await store.list_schedules("T1") == []


async def test_post_quoted_text_and_list_by_scope(agent: OfflineAgent) -> None:
    store = agent.tools.store
    await Thread(agent).say("post 'Deploy freeze starts' every day at 9")
    await Thread(agent, BOB).say("remind #eng every friday at 4pm to fill in timesheets")
    mine = await store.list_schedules("T1", created_by="UALICE")
    assert [(s.channel_id, s.action["text"]) for s in mine] == [
        ("CGENERAL", "Deploy freeze starts")
    ]

    thread = Thread(agent)
    alice_only = everything(await thread.say("show my schedules"))
    assert "Deploy freeze" in alice_only and "timesheets" not in alice_only
    in_eng = everything(await thread.say("list schedules in #eng"))
    assert "timesheets" in in_eng and "Deploy freeze" not in in_eng
    both = everything(await thread.say("list"))
    assert "timesheets" in both and "Deploy freeze" in both


# --------------------------------------------------------------------------- SQLite only


async def test_it_without_a_thread_asks_which(lite: OfflineAgent) -> None:
    reply = await Thread(lite).say("pause it")
    assert "Which schedule?" in reply.text


async def test_names_from_an_llm_thread_are_understood(lite: OfflineAgent) -> None:
    await lite.tools.create_schedule(
        ALICE, CreateScheduleArgs(when="every day at 9", text="x", name="standup")
    )
    thread = Thread(lite)
    thread.history = [
        {"role": "user", "content": "create a standup"},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "c1",
                    "type": "function",
                    "function": {"name": "create_schedule", "arguments": '{"name": "standup"}'},
                }
            ],
        },
        {"role": "tool", "tool_call_id": "c1", "content": json.dumps({"name": "standup"})},
        {"role": "assistant", "content": "Created."},
    ]
    assert "Paused standup" in (await thread.say("pause it")).text


async def test_delete_that_cannot_succeed_says_why_instead_of_asking(lite: OfflineAgent) -> None:
    reply = await Thread(lite).say("delete ghost")
    assert "no schedule named 'ghost'" in reply.text
    assert "tock_confirm" not in everything(reply)
    args = CreateScheduleArgs(when="every day at 9", text="x", name="bobs")
    await lite.tools.create_schedule(BOB, args)
    reply = await Thread(lite).say("delete bobs")
    assert "only <@UBOB>" in everything(reply)
    assert "tock_confirm" not in everything(reply)


async def test_unclear_requests_get_help_and_write_nothing(lite: OfflineAgent) -> None:
    thread = Thread(lite)
    for text in ("hello there", "paus standup", "'; DROP TABLE x; --"):
        reply = await thread.say(text)
        assert "didn't catch" in reply.text, text
        assert "remind #eng" in everything(reply)
    assert "Try: `pause standup`" in everything(await thread.say("paus standup"))
    # An edit with no schedule in sight asks which one; it is never a new schedule.
    assert "Which schedule?" in (await Thread(lite).say("make it 10am instead")).text
    assert await lite.tools.store.list_schedules("T1") == []


async def test_create_problems_are_explained(lite: OfflineAgent) -> None:
    thread = Thread(lite)
    assert "can't find #nowhere" in (await thread.say("post 'x' every day at 9 in #nowhere")).text
    assert "at most every" in (await thread.say("post 'spam' every minute")).text
    assert "one pair of quotes" in (await thread.say("post 'a' \"b\" every day at 9")).text
    assert await lite.tools.store.list_schedules("T1") == []


async def test_help(lite: OfflineAgent) -> None:
    assert "I can schedule messages" in (await Thread(lite).say("help")).text
    assert "I can schedule messages" in (await Thread(lite).say("")).text  # a bare mention


async def test_remind_a_person_reaches_them_by_dm(lite: OfflineAgent) -> None:
    await Thread(lite).say("remind <@UBOB> to submit the report every friday at 4pm")
    [schedule] = await lite.tools.store.list_schedules("T1")
    assert schedule.channel_id == "UBOB"  # the app's DM with Bob
    assert schedule.action["text"] == "Reminder: submit the report (from <@UALICE>)"


async def test_remind_me_reaches_the_person_asking_by_dm(lite: OfflineAgent) -> None:
    await Thread(lite).say("in 20 minutes remind me to stretch")
    [schedule] = await lite.tools.store.list_schedules("T1")
    assert (schedule.channel_id, schedule.action["text"]) == ("UALICE", "Reminder: stretch")


async def test_people_mentioned_in_a_message_stay_in_it(lite: OfflineAgent) -> None:
    await Thread(lite).say('post "lunch with <@UBOB>?" every friday at noon in #eng')
    [schedule] = await lite.tools.store.list_schedules("T1")
    assert (schedule.channel_id, schedule.action["text"]) == ("CENG", "lunch with <@UBOB>?")


async def test_history_stays_short(lite: OfflineAgent) -> None:
    thread = Thread(lite)
    for _ in range(15):
        await thread.say("help")
    assert len(thread.history) <= 20
    assert thread.history[0]["role"] == "user"


# --------------------------------------------------------------------------- pure reading


@pytest.mark.parametrize(
    ("text", "tool", "name"),
    [
        ("pause standup", "pause_schedule", "standup"),
        ("please pause the standup schedule", "pause_schedule", "standup"),
        ("could you stop standup?", "pause_schedule", "standup"),
        ("resume it", "resume_schedule", None),
        ("unpause that one", "resume_schedule", None),
        ("delete `standup`", "delete_schedule", "standup"),
        ("remove the schedule called standup", "delete_schedule", "standup"),
        ("run standup now", "run_schedule_now", "standup"),
        ("history standup", "schedule_history", "standup"),
        ("show me the history of standup", "schedule_history", "standup"),
        ("show standup", "get_schedule", "standup"),
        ("list", "list_schedules", None),
        ("show my schedules", "list_schedules", None),
        ("what's scheduled?", "list_schedules", None),
        ("help", "help", None),
        ("what can you do", "help", None),
        ("remind #eng every weekday at 9:30am to stand up", "create", None),
        ("post 'x' every day at 9", "create", None),
        ("every day at 9 in #eng say hi", "create", None),
        ("make it 10am instead", "update_schedule", None),
        ("change standup to 9:30", "update_schedule", "standup"),
        ("move it to Fridays", "update_schedule", None),
        ("make the digest weekly on Monday", "update_schedule", "digest"),
        ("rename standup to daily-standup", "update_schedule", "standup"),
        ("post it in #ops instead", "update_schedule", None),
        ("change the text of standup to 'Standup now'", "update_schedule", "standup"),
        ("what runs in #eng?", "list_schedules", None),
        ("what did I schedule?", "list_schedules", None),
        ("when does standup run next?", "when", "standup"),
        ("did the digest run this morning?", "schedule_history", "digest"),
        ("post a digest of #eng every weekday at 9am", "create", None),
        ("run the heartbeat workflow every monday at 9am", "create", None),
        ("good morning", "unknown", None),
    ],
)
def test_read_intent(text: str, tool: str, name: str | None) -> None:
    intent = read_intent(normalize(text), NY, NOW)
    assert (intent.tool, intent.name) == (tool, name)


@pytest.mark.parametrize(
    ("text", "changes"),
    [
        ("change standup to 9:30", {"when": "9:30"}),
        ("make it 10am instead", {"when": "10am"}),
        ("rename standup to daily-standup", {"new_name": "daily-standup"}),
        ('change the text to "Standup now"', {"text": "Standup now"}),
        ("change the message of standup to: hello all", {"text": "hello all"}),
    ],
)
def test_an_edit_says_what_changes(text: str, changes: dict[str, str]) -> None:
    assert read_intent(normalize(text), NY, NOW).changes == changes


@pytest.mark.parametrize("typo", ["chnage standup to 9:30", "chagne it to 10am", "cancle standup"])
def test_a_typo_is_never_answered_with_a_destructive_example(typo: str) -> None:
    example = close_example(normalize(typo)) or ""
    assert not any(word in example.split() for word in ("delete", "remove", "cancel", "kill"))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("remind #eng every weekday at 9:30am to stand up",
         '/tock every weekday at 9:30am "Reminder: stand up" in #eng'),
        ("show my schedules", "/tock list mine"),
        ("please pause standup", "/tock pause standup"),
        ("pause it", None),
        ("good morning", None),
    ],
)  # fmt: skip
def test_suggest(text: str, expected: str | None) -> None:
    assert suggest(text, NY, NOW) == expected


def test_last_schedule_prefers_the_newest_mention() -> None:
    history = [
        {"role": "assistant", "content": "a", "tock": {"schedule": "old"}},
        {"role": "tool", "content": '{"name": "new"}'},
        {"role": "assistant", "content": "b", "tock": {}},
    ]
    assert last_schedule(history) == "new"
    assert last_schedule([]) is None
