"""update_schedule on SQLite and Postgres: DM targets, a digest's source and window, one call."""

from __future__ import annotations

from typing import Any

from scheduler.clock import VirtualClock
from scheduler.records import ScheduleSpec
from scheduler.store import AuditEntry, Store
from scheduler.triggers import CronTrigger
from tests.tools.scheduler_tools.support import (
    ALICE,
    BOB,
    create,
    digest_action,
    refused,
    snapshot,
)
from tools.scheduler_tools import NameArgs, SchedulerTools, UpdateScheduleArgs

DIGEST: dict[str, Any] = {"action": "digest", "text": ""}


async def update(tools: SchedulerTools, caller: Any = ALICE, **kw: Any) -> dict[str, Any]:
    return await tools.update_schedule(caller, UpdateScheduleArgs(**kw))


async def test_update_moves_a_schedule_to_a_dm_and_back(
    tools: SchedulerTools, store: Store
) -> None:
    await create(tools, name="s")
    assert (await update(tools, name="s", channel="me"))["target"] == "dm"
    view = await update(tools, name="s", channel="<@UDANA>")
    assert (view["channel"], view["target"], view["created_by"]) == ("UDANA", "dm", "UALICE")
    before = await snapshot(store)
    error = await refused(update(tools, name="s", channel="UBOT"))
    assert "not an active person" in error.error
    assert await snapshot(store) == before
    back = await update(tools, name="s", channel="<#CENG|eng>")
    assert (back["channel"], back["target"]) == ("CENG", "channel")


async def test_moving_into_a_full_dm_is_refused(tools: SchedulerTools, store: Store) -> None:
    for _ in range(3):
        await create(tools, BOB, channel="<@UDANA>")
    await create(tools, name="s")
    before = await snapshot(store)
    error = await refused(update(tools, name="s", channel="UDANA"))
    assert "<@UDANA>'s DM already has 3" in error.error
    assert await snapshot(store) == before


async def test_a_digests_source_and_window_change_in_one_call(
    tools: SchedulerTools, store: Store
) -> None:
    await create(tools, **DIGEST, name="d")
    view = await update(tools, name="d", source_channel="<#CSUPPORT|support>", window_hours=72)
    assert (view["source_channel"], view["window_hours"], view["channel"]) == (
        "CSUPPORT",
        72,
        "CENG",
    )
    assert [row["action"] for row in await store.list_audit("T1")] == ["update", "create"]
    stored = await store.get_schedule("T1", "d")
    assert stored.action == digest_action("CSUPPORT", 72)


async def test_an_update_checks_a_new_source_like_a_create(
    tools: SchedulerTools, store: Store
) -> None:
    await create(tools, BOB, **DIGEST, name="d")
    before = await snapshot(store)
    not_in = await refused(update(tools, BOB, name="d", source_channel="CRANDOM"))
    assert not_in.error == "the requester is not a member of <#CRANDOM>"
    assert await snapshot(store) == before
    await create(tools, **DIGEST, name="mine")
    before = await snapshot(store)
    unread = await refused(update(tools, name="mine", source_channel="CQUIET"))
    assert (unread.error, unread.hint) == (
        "I can't read <#CQUIET>",
        "invite me there with /invite @tock",
    )
    assert await snapshot(store) == before


async def test_a_digest_moves_to_another_persons_dm_only_if_they_can_read_it(
    tools: SchedulerTools, store: Store
) -> None:
    await create(tools, **DIGEST, name="d", source_channel="CSUPPORT")
    before = await snapshot(store)
    error = await refused(update(tools, name="d", channel="UDANA"))
    assert error.error == "<@UDANA> is not a member of <#CSUPPORT>, so can't get its digest"
    assert await snapshot(store) == before
    assert (await update(tools, name="d", channel="<@UBOB>"))["channel"] == "UBOB"
    before = await snapshot(store)
    resourced = await refused(update(tools, name="d", source_channel="CRANDOM"))
    assert resourced.error == "<@UBOB> is not a member of <#CRANDOM>, so can't get its digest"
    assert await snapshot(store) == before


async def test_digest_fields_are_refused_on_other_kinds(
    tools: SchedulerTools, store: Store
) -> None:
    await create(tools, name="m")
    before = await snapshot(store)
    for kw in ({"source_channel": "CSUPPORT"}, {"window_hours": 48}):
        error = await refused(update(tools, name="m", **kw))
        assert "only go with digests" in error.error and "message schedule" in error.hint
    assert await snapshot(store) == before


async def test_nothing_to_change_names_every_field(tools: SchedulerTools) -> None:
    await create(tools, name="m")
    error = await refused(update(tools, name="m"))
    assert error.error == "nothing to change"
    for field in ("new_name", "when", "text", "channel", "source_channel", "window_hours"):
        assert field in error.hint


async def test_moving_a_digest_keeps_what_it_summarizes(
    tools: SchedulerTools, store: Store, clock: VirtualClock
) -> None:
    await create(tools, **DIGEST, name="d")
    assert (await update(tools, name="d", channel="COPS"))["source_channel"] == "CENG"
    # A digest stored before sources were named summarized its channel; moving keeps that.
    spec = ScheduleSpec(
        team_id="T1",
        name="old",
        trigger=CronTrigger("0 9 * * *", "UTC"),
        action_kind="digest",
        action={"text": "", "window_hours": 24, "workflow": None},
        channel_id="CENG",
        created_by="UALICE",
        source="chat",
    )
    audit = AuditEntry(team_id="T1", actor="UALICE", action="create")
    await store.create_schedule(spec, clock.now(), audit)
    assert (await tools.get_schedule(ALICE, NameArgs(name="old")))["source_channel"] == "CENG"
    moved = await update(tools, name="old", channel="me")
    assert (moved["channel"], moved["source_channel"]) == ("UALICE", "CENG")
    assert (await store.get_schedule("T1", "old")).action["source_channel"] == "CENG"
