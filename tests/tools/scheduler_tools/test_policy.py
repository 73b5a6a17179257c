"""SchedulerTools' checks on SQLite and Postgres: DM targets, digest sources, agents, workflows."""

from __future__ import annotations

from typing import Any

import pytest

from scheduler.clock import VirtualClock
from scheduler.registration import DECLARED_IN_FILE, DECLARED_IN_SETUP, RETIRED, register_schedule
from scheduler.store import Store
from tests.fakes.membership import FakeMembership
from tests.tools.scheduler_tools.conftest import QUOTAS
from tests.tools.scheduler_tools.support import (
    ADMIN,
    ALICE,
    BOB,
    NY,
    create,
    digest_action,
    refused,
    snapshot,
    workspace_membership,
)
from tools.scheduler_tools import (
    Caller,
    ListSchedulesArgs,
    NameArgs,
    SchedulerTools,
    UpdateScheduleArgs,
)

DANA = Caller("T1", "UDANA", "CENG", "America/New_York")
DIGEST: dict[str, Any] = {"action": "digest", "text": ""}

# --------------------------------------------------------------------------- DM targets


@pytest.mark.parametrize("me", ["me", "Me", "<@UALICE>", "<@UALICE|alice>", "UALICE"])
async def test_anyone_may_send_a_schedule_to_themselves_by_dm(
    store: Store, clock: VirtualClock, me: str
) -> None:
    nobody = workspace_membership(people=set())  # not even Alice is vouched for
    tools = SchedulerTools(store, clock, nobody, QUOTAS)
    view = await create(tools, channel=me)
    assert (view["channel"], view["target"], view["created_by"]) == ("UALICE", "dm", "UALICE")
    assert (await store.get_schedule("T1", view["name"])).channel_id == "UALICE"


async def test_a_dm_to_another_person_needs_them_to_be_a_person(
    tools: SchedulerTools, store: Store
) -> None:
    view = await create(tools, channel="<@UDANA>", name="for-dana")
    assert (view["channel"], view["target"], view["created_by"]) == ("UDANA", "dm", "UALICE")
    before = await snapshot(store)
    for someone in ("<@UBOT>", "UGONE", "<@W0NOBODY|ghost>"):
        error = await refused(create(tools, channel=someone))
        assert error.error.endswith("is not an active person in this workspace"), error.error
        assert "post to a channel" in error.hint
    assert await snapshot(store) == before


async def test_a_person_named_without_a_mention_is_refused(tools: SchedulerTools) -> None:
    error = await refused(create(tools, channel="@dana"))
    assert "can't look up the person" in error.error and "<@U0123ABC>" in error.hint
    assert "not a channel" in (await refused(create(tools, channel="dana"))).error


async def test_a_dm_to_another_person_stays_the_requesters_schedule(
    tools: SchedulerTools, store: Store
) -> None:
    await create(tools, channel="<@UDANA>", name="for-dana")
    before = await snapshot(store)
    for someone in (DANA, BOB):  # the recipient is not its owner either
        for attempt in (
            tools.pause_schedule(someone, NameArgs(name="for-dana")),
            tools.delete_schedule(someone, NameArgs(name="for-dana")),
            tools.update_schedule(someone, UpdateScheduleArgs(name="for-dana", text="x")),
        ):
            assert "only <@UALICE>" in (await refused(attempt)).error
    assert await snapshot(store) == before
    assert (await tools.pause_schedule(ADMIN, NameArgs(name="for-dana")))["status"] == "paused"


async def test_prompt_injection_cannot_borrow_rights_through_a_dm(
    tools: SchedulerTools, store: Store
) -> None:
    base = {"when": "every day at 10am", "text": "hi", "channel": "<@UDANA>"}
    for extra in ({"created_by": "UDANA"}, {"is_admin": True}, {"user_id": "UDANA"}):
        result = await tools.call("create_schedule", BOB, base | extra)
        assert set(result) == {"error", "hint"} and next(iter(extra)) in result["error"]
    ghost = await tools.call("create_schedule", BOB, base | {"channel": "<@UBOT>"})
    assert set(ghost) == {"error", "hint"} and "not an active person" in ghost["error"]
    assert await store.count_schedules("T1") == 0
    view = await tools.call("create_schedule", BOB, base | {"name": "ping-dana"})
    assert (view["created_by"], view["channel"], view["target"]) == ("UBOB", "UDANA", "dm")
    taken = await tools.call("delete_schedule", DANA, {"name": "ping-dana"})
    assert "only <@UBOB>" in taken["error"]
    assert await store.count_schedules("T1") == 1


async def test_a_dm_counts_like_a_channel_for_the_quota(
    tools: SchedulerTools, store: Store
) -> None:
    await create(tools, channel="<@UDANA>")
    await create(tools, BOB, channel="<@UDANA>")
    await create(tools, ADMIN, channel="UDANA")
    assert await store.count_schedules("T1") == 3
    error = await refused(create(tools, channel="<@UDANA>"))
    assert error.error == "<@UDANA>'s DM already has 3 schedules (the limit is 3)"
    assert await store.count_schedules("T1") == 3
    assert (await create(tools, channel="me"))["target"] == "dm"  # another person's DM has room


async def test_views_say_whether_they_post_to_a_channel_or_a_dm(tools: SchedulerTools) -> None:
    await create(tools, name="here")
    await create(tools, channel="<@UDANA>", name="dana")
    await create(tools, channel="me", name="mine")
    listed = await tools.list_schedules(ALICE, ListSchedulesArgs())
    assert [(s["name"], s["target"]) for s in listed["schedules"]] == [
        ("dana", "dm"),
        ("here", "channel"),
        ("mine", "dm"),
    ]
    to_dana = await tools.list_schedules(BOB, ListSchedulesArgs(channel="<@UDANA>"))
    assert [s["name"] for s in to_dana["schedules"]] == ["dana"]
    to_me = await tools.list_schedules(ALICE, ListSchedulesArgs(channel="me"))
    assert [s["name"] for s in to_me["schedules"]] == ["mine"]


# --------------------------------------------------------------------------- digest sources


async def test_a_digest_summarizes_the_channel_it_posts_to_by_default(
    tools: SchedulerTools, store: Store
) -> None:
    view = await create(tools, **DIGEST, name="d")
    assert (view["source_channel"], view["channel"], view["window_hours"]) == ("CENG", "CENG", 24)
    assert "digest" not in view["description"].lower()
    assert "digest" not in view["understood_as"].lower()
    stored = await store.get_schedule("T1", "d")
    assert stored.action == digest_action("CENG")


async def test_a_digest_may_summarize_another_channel(tools: SchedulerTools, store: Store) -> None:
    view = await create(
        tools, **DIGEST, name="d", source_channel="<#CSUPPORT|support>", window_hours=72
    )
    assert (view["source_channel"], view["channel"], view["window_hours"]) == (
        "CSUPPORT",
        "CENG",
        72,
    )
    assert (await store.get_schedule("T1", "d")).action["source_channel"] == "CSUPPORT"


async def test_no_one_may_digest_a_channel_they_are_not_in(
    tools: SchedulerTools, store: Store
) -> None:
    before = await snapshot(store)
    error = await refused(create(tools, BOB, **DIGEST, source_channel="CRANDOM"))
    assert error.error == "the requester is not a member of <#CRANDOM>"
    assert "summarize" in error.hint
    # Not in it and the bot not there either: the answer says nothing about the bot.
    hidden = await refused(create(tools, BOB, **DIGEST, source_channel="CQUIET"))
    assert hidden.error == "the requester is not a member of <#CQUIET>"
    assert await snapshot(store) == before


async def test_a_digest_of_a_channel_the_bot_cannot_read_is_refused_up_front(
    tools: SchedulerTools, store: Store
) -> None:
    before = await snapshot(store)
    for kw in ({"source_channel": "<#CQUIET|quiet>"}, {"channel": "CQUIET"}):
        error = await refused(create(tools, **DIGEST, **kw))
        assert (error.error, error.hint) == (
            "I can't read <#CQUIET>",
            "invite me there with /invite @tock",
        )
    assert await snapshot(store) == before
    # A message into that channel needs no reading.
    assert (await create(tools, channel="CQUIET"))["channel"] == "CQUIET"


async def test_a_digest_by_dm_names_its_source(tools: SchedulerTools, store: Store) -> None:
    error = await refused(create(tools, **DIGEST, channel="me"))
    assert "needs a channel to summarize" in error.error and "source_channel" in error.hint
    person = await refused(create(tools, **DIGEST, source_channel="<@UBOB>"))
    assert "not a channel" in person.error
    assert await store.count_schedules("T1") == 0
    view = await create(tools, **DIGEST, channel="me", source_channel="CSUPPORT")
    assert (view["target"], view["channel"], view["source_channel"]) == (
        "dm",
        "UALICE",
        "CSUPPORT",
    )


async def test_a_digest_by_dm_to_another_person_needs_them_in_its_channel(
    tools: SchedulerTools, store: Store
) -> None:
    before = await snapshot(store)
    error = await refused(create(tools, **DIGEST, channel="<@UDANA>", source_channel="CSUPPORT"))
    assert error.error == "<@UDANA> is not a member of <#CSUPPORT>, so can't get its digest"
    assert "send it to yourself" in error.hint
    assert await snapshot(store) == before
    view = await create(tools, **DIGEST, channel="<@UBOB>", source_channel="CSUPPORT")
    assert (view["channel"], view["source_channel"]) == ("UBOB", "CSUPPORT")


@pytest.mark.parametrize("action", ["message", "agent", "workflow"])
async def test_source_channel_goes_only_with_digests(
    tools: SchedulerTools, store: Store, action: str
) -> None:
    error = await refused(
        create(
            tools,
            action=action,
            workflow="weekly-report" if action == "workflow" else None,
            source_channel="CSUPPORT",
        )
    )
    assert "`source_channel` only goes with action=digest" in error.error
    assert await store.count_schedules("T1") == 0


# --------------------------------------------------------------------------- agents and workflows


async def test_an_agent_schedule_needs_an_llm(no_llm_tools: SchedulerTools, store: Store) -> None:
    before = await snapshot(store)
    error = await refused(create(no_llm_tools, action="agent", text="summarize the week"))
    assert error.error == "an agent schedule needs an LLM, and none is configured here"
    assert error.hint == "set OPENAI_API_KEY, or schedule a message or a digest instead"
    args = {"when": "every friday at 4pm", "action": "agent", "text": "summarize the week"}
    assert await no_llm_tools.call("create_schedule", ALICE, args) == error.to_dict()
    assert await snapshot(store) == before
    # Messages and digests need no LLM.
    assert (await create(no_llm_tools, name="m"))["action"] == "message"
    assert (await create(no_llm_tools, **DIGEST, name="d"))["action"] == "digest"


async def test_with_an_llm_agent_schedules_work(tools: SchedulerTools, store: Store) -> None:
    view = await create(tools, action="agent", text="summarize the week", name="weekly")
    assert (view["action"], view["text"]) == ("agent", "summarize the week")
    assert (await store.get_schedule("T1", "weekly")).action_kind == "agent"


async def test_an_unknown_workflow_is_refused_with_the_known_ones(
    tools: SchedulerTools, store: Store, clock: VirtualClock, membership: FakeMembership
) -> None:
    error = await refused(create(tools, action="workflow", workflow="rm-rf", text=""))
    assert (error.error, error.hint) == (
        "there is no workflow named 'rm-rf'",
        "use one of: weekly-report",
    )
    bare = SchedulerTools(store, clock, membership, QUOTAS, llm=True)
    none = await refused(create(bare, action="workflow", workflow="weekly-report", text=""))
    assert none.hint == "no workflows are set up here"
    assert await store.count_schedules("T1") == 0


# ----------------------------------------------------------------- declared by the operator


async def declare(store: Store, clock: VirtualClock, name: str, created_by: str) -> None:
    """A schedule as schedules.yml (or the setup hook) declares it."""
    await register_schedule(
        store,
        clock,
        name,
        cron="0 9 * * 1-5",
        timezone=NY,
        action="message",
        args={"text": "Standup", "window_hours": None, "workflow": None},
        team_id="T1",
        channel_id="CENG",
        created_by=created_by,
    )


async def test_nobody_changes_or_deletes_a_declared_schedule_from_chat(
    tools: SchedulerTools, store: Store, clock: VirtualClock
) -> None:
    await declare(store, clock, "standup", DECLARED_IN_FILE)
    before = await snapshot(store)
    for caller in (ADMIN, ALICE):
        change = await refused(
            tools.update_schedule(caller, UpdateScheduleArgs(name="standup", when="10am"))
        )
        assert change.error == (
            "'standup' is declared by the operator in schedules.yml, so it can't be changed here"
        )
        assert change.hint == (
            "to change it, edit schedules.yml, then restart Tock or run `tock schedules sync`; "
            "an admin can pause or resume it"
        )
        delete = await refused(tools.delete_schedule(caller, NameArgs(name="standup")))
        assert "so it can't be deleted here" in delete.error
    assert await snapshot(store) == before


async def test_only_an_admin_pauses_resumes_or_runs_a_declared_schedule(
    tools: SchedulerTools, store: Store, clock: VirtualClock
) -> None:
    await declare(store, clock, "hooked", DECLARED_IN_SETUP)
    for attempt in (
        tools.pause_schedule(ALICE, NameArgs(name="hooked")),
        tools.run_schedule_now(ALICE, NameArgs(name="hooked")),
    ):
        error = await refused(attempt)
        assert error.error.startswith("only an admin can ")
        assert error.error.endswith(
            "'hooked': it is declared by the operator in its setup hook (TOCK_APP)"
        )
    assert (await tools.pause_schedule(ADMIN, NameArgs(name="hooked")))["status"] == "paused"
    await declare(store, clock, "hooked", DECLARED_IN_SETUP)  # a restart: the pause stays
    assert (await store.get_schedule("T1", "hooked")).enabled is False
    assert (await tools.resume_schedule(ADMIN, NameArgs(name="hooked")))["status"] == "active"
    assert (await tools.run_schedule_now(ADMIN, NameArgs(name="hooked")))["run_id"]


async def test_a_schedule_removed_from_the_file_may_be_deleted_by_an_admin(
    tools: SchedulerTools, store: Store, clock: VirtualClock
) -> None:
    await declare(store, clock, "old", RETIRED)
    error = await refused(tools.delete_schedule(ALICE, NameArgs(name="old")))
    assert error.error == "only an admin can delete 'old': it is declared by the operator " + (
        "in schedules.yml and then removed from it"
    )
    change = await refused(tools.update_schedule(ADMIN, UpdateScheduleArgs(name="old", text="x")))
    assert change.hint.endswith("an admin can resume or delete it")
    assert (await tools.delete_schedule(ADMIN, NameArgs(name="old")))["status"] == "deleted"


async def test_the_llm_gets_the_refusal_as_data(
    tools: SchedulerTools, store: Store, clock: VirtualClock
) -> None:
    await declare(store, clock, "standup", DECLARED_IN_FILE)
    result = await tools.call("update_schedule", ADMIN, {"name": "standup", "text": "x"})
    assert result["error"].endswith("so it can't be changed here")
    assert "edit schedules.yml" in result["hint"]
