"""bot.slack.blocks: rendering stays inside Slack's limits and never leaks markup."""

from __future__ import annotations

import json
import re
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.slack.blocks import (
    confirm_blocks,
    error_reply,
    history_blocks,
    home_view,
    is_error,
    list_blocks,
    run_line,
    schedule_blocks,
    tool_reply,
)
from bot.slack.ids import CANCEL, CONFIRM, DELETE, MAX_BLOCKS, PAUSE, RESUME, RUN
from bot.slack.mrkdwn import clip, escape, text_sections

SCHEDULE: dict[str, Any] = {
    "name": "standup",
    "description": "Every weekday at 9:30 AM (America/New_York)",
    "timezone": "America/New_York",
    "next_runs": ["2026-01-06T09:30:00-05:00", "2026-01-07T09:30:00-05:00"],
    "status": "active",
    "channel": "CENG",
    "action": "message",
    "text": "Standup in 5 minutes",
    "created_by": "UALICE",
    "source": "slash",
}


# --------------------------------------------------------------------------- limits


def assert_within_limits(blocks: list[dict[str, Any]]) -> None:
    """Slack's documented limits for every block kind we emit."""
    assert 0 < len(blocks) <= MAX_BLOCKS
    for block in blocks:
        kind = block["type"]
        if kind == "section":
            text = block["text"]["text"]
            assert 0 < len(text) <= 3000
        elif kind == "context":
            assert 0 < len(block["elements"]) <= 10
            assert all(0 < len(e["text"]) <= 3000 for e in block["elements"])
        elif kind == "actions":
            _check_actions(block)
        elif kind == "header":
            assert 0 < len(block["text"]["text"]) <= 150
        else:
            raise AssertionError(f"unexpected block type {kind}")


def _check_actions(block: dict[str, Any]) -> None:
    elements = block["elements"]
    assert 0 < len(elements) <= 25
    ids = [e["action_id"] for e in elements]
    assert len(ids) == len(set(ids)), "action ids must be unique within a block"
    for element in elements:
        assert 0 < len(element["text"]["text"]) <= 75
        assert len(element["value"]) <= 2000
        if confirm := element.get("confirm"):
            assert len(confirm["title"]["text"]) <= 100
            assert len(confirm["text"]["text"]) <= 300
            assert len(confirm["confirm"]["text"]) <= 30
            assert len(confirm["deny"]["text"]) <= 30


def _texts(blocks: list[dict[str, Any]]) -> str:
    return json.dumps(blocks)


_text = st.text(max_size=5000)
_any = st.one_of(_text, st.integers(), st.none(), st.lists(_text, max_size=3))
schedules = st.fixed_dictionaries(
    {
        "name": _text,
        "description": _any,
        "timezone": st.one_of(_text, st.sampled_from(["UTC", "Europe/Berlin", "Mars/Base"])),
        "next_runs": st.one_of(st.lists(_text, max_size=6), _any),
        "status": st.one_of(st.sampled_from(["active", "paused", "completed"]), _text),
        "channel": _any,
        "text": _any,
    },
    optional={
        "last_run": st.fixed_dictionaries(
            {"status": _text, "finished_at": _any, "error": _any, "scheduled_for": _any}
        )
    },
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(schedules)
def test_any_schedule_renders_within_limits(schedule: dict[str, Any]) -> None:
    assert_within_limits(schedule_blocks(schedule))
    assert_within_limits(tool_reply("pause_schedule", schedule).blocks or [])


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(schedules, max_size=60), st.booleans())
def test_any_listing_renders_within_limits(items: list[dict[str, Any]], more: bool) -> None:
    assert_within_limits(list_blocks({"schedules": items, "page": 1, "has_more": more}))
    assert_within_limits(home_view(items)["blocks"])


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=4000), st.integers(min_value=2, max_value=3000))
def test_clip_never_exceeds_the_limit_or_splits_an_entity(text: str, limit: int) -> None:
    escaped = escape(text)
    clipped = clip(escaped, limit)
    assert len(clipped) <= limit
    if len(escaped) > limit:
        assert clipped.endswith("…")
        assert re.search(r"&[a-z]{0,4}$", clipped[:-1]) is None, "half an entity left behind"


def test_a_hundred_schedules_fit_in_fifty_blocks_with_a_note() -> None:
    items = [SCHEDULE | {"name": f"s{i}"} for i in range(100)]
    blocks = list_blocks({"schedules": items, "page": 1, "has_more": True})
    assert_within_limits(blocks)
    assert "More not shown" in blocks[-1]["elements"][0]["text"]


# --------------------------------------------------------------------------- content


def test_user_text_is_escaped() -> None:
    blocks = schedule_blocks(SCHEDULE | {"name": "<!channel>", "text": "a & <b> <@U1>"})
    rendered = _texts(blocks)
    assert "<!channel>" not in rendered.replace('"value": "<!channel>"', "")
    assert "&lt;!channel&gt;" in rendered
    assert "a &amp; &lt;b&gt;" in rendered


def test_buttons_follow_the_status() -> None:
    def ids(schedule: dict[str, Any]) -> list[str]:
        return [e["action_id"] for e in schedule_blocks(schedule)[-1]["elements"]]

    assert ids(SCHEDULE) == [PAUSE, RUN, DELETE]
    assert ids(SCHEDULE | {"status": "paused"}) == [RESUME, RUN, DELETE]
    assert ids(SCHEDULE | {"status": "completed"}) == [RUN, DELETE]


def test_buttons_carry_the_name_and_delete_asks_first() -> None:
    actions = schedule_blocks(SCHEDULE)[-1]["elements"]
    assert {e["value"] for e in actions} == {"standup"}
    delete = actions[-1]
    assert delete["style"] == "danger"
    assert "standup" in delete["confirm"]["text"]["text"]


def test_a_name_too_long_for_a_button_gets_no_buttons() -> None:
    blocks = schedule_blocks(SCHEDULE | {"name": "x" * 2001})
    assert [b["type"] for b in blocks] == ["section"]


def test_next_runs_are_shown_in_the_schedules_zone() -> None:
    text = schedule_blocks(SCHEDULE)[0]["text"]["text"]
    assert "Tue Jan 6, 9:30 AM EST" in text
    assert "<#CENG>" in text


def test_last_result_is_shown_when_present() -> None:
    last = {
        "status": "failed",
        "finished_at": "2026-01-05T14:30:00+00:00",
        "error": "not_in_channel",
    }
    text = schedule_blocks(SCHEDULE | {"last_run": last})[0]["text"]["text"]
    assert "Last: :x: failed Mon Jan 5, 9:30 AM EST: not_in_channel" in text


def test_empty_listing_suggests_a_command() -> None:
    blocks = list_blocks({"schedules": [], "page": 1, "has_more": False})
    assert "/tock every weekday" in blocks[0]["text"]["text"]


def test_home_view_lists_schedules() -> None:
    view = home_view([SCHEDULE])
    assert view["type"] == "home"
    assert_within_limits(view["blocks"])
    assert "standup" in _texts(view["blocks"])
    assert "no schedules" in _texts(home_view([])["blocks"])


def test_history_lists_runs_newest_first() -> None:
    runs = [
        {"status": "failed", "finished_at": "2026-01-06T14:30:00+00:00", "error": "boom <x>"},
        {"status": "succeeded", "finished_at": "2026-01-05T14:30:00+00:00", "trigger": "manual"},
    ]
    blocks = history_blocks("standup", {"runs": runs}, "America/New_York")
    text = blocks[0]["text"]["text"]
    assert text.index("failed") < text.index("succeeded")
    assert "boom &lt;x&gt;" in text and "(manual)" in text
    assert "No runs yet" in history_blocks("standup", {"runs": []})[0]["text"]["text"]


def test_error_reply_keeps_user_links_but_not_special_mentions() -> None:
    reply = error_reply({"error": "only <@UALICE> can pause it", "hint": "ask <!channel>"})
    text = reply.blocks[0]["text"]["text"] if reply.blocks else ""
    assert "<@UALICE>" in text
    assert "&lt;!channel&gt;" in text


def test_is_error_only_matches_refusals() -> None:
    assert is_error({"error": "x", "hint": "y"})
    assert not is_error(SCHEDULE)


def test_confirm_blocks_carry_the_call_as_json() -> None:
    blocks = confirm_blocks("Delete it?", {"tool": "delete_schedule", "arguments": {"name": "a"}})
    assert blocks is not None
    confirm, cancel = blocks[1]["elements"]
    assert (confirm["action_id"], cancel["action_id"]) == (CONFIRM, CANCEL)
    assert json.loads(confirm["value"]) == {"tool": "delete_schedule", "arguments": {"name": "a"}}
    assert confirm_blocks("?", {"tool": "x", "arguments": {"name": "n" * 2000}}) is None


def test_tool_reply_headlines() -> None:
    assert "Scheduled *standup*" in _texts(tool_reply("create_schedule", SCHEDULE).blocks or [])
    assert (
        tool_reply("delete_schedule", SCHEDULE | {"deleted": "standup"}).text
        == "Deleted *standup*."
    )
    listing = tool_reply("list_schedules", {"schedules": [SCHEDULE], "has_more": False})
    assert listing.blocks and listing.blocks[0]["text"]["text"] == "*1 schedule*"
    preview = tool_reply("preview_when", {"description": "Every day", "next_runs": []})
    assert "That would run: Every day" in preview.text


def test_long_text_packs_into_several_sections() -> None:
    blocks = text_sections(["a" * 2000, "b" * 2000, "c" * 2000])
    assert len(blocks) == 3
    assert_within_limits(blocks)


def test_a_workflow_run_shows_its_duration_steps_and_failed_step() -> None:
    run = {
        "status": "failed",
        "finished_at": "2026-01-05T09:00:03-05:00",
        "duration_ms": 3200,
        "error": "step 'draft_review/2/review' failed: boom",
        "steps": [
            {"path": "draft_review/1/draft", "status": "succeeded"},
            {"path": "draft_review/2/review", "status": "failed"},
        ],
    }
    line = run_line(run, "America/New_York")
    assert "3.2s" in line and "2 steps" in line
    assert "failed at `draft_review/2/review`" in line
