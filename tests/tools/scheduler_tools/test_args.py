"""The schema the LLM reads: new fields, and descriptions that say what it may ask for."""

from __future__ import annotations

from typing import Any

import pytest

from tools.scheduler_tools import SchedulerTools

WHEN_PHRASES = [
    "the first Monday of every month",
    "every other week on Monday and Wednesday",
    "every hour between 9am and 5pm on weekdays",
    "starting next Monday",
    "until Friday",
    "6 times",
    "LW",
    "5L",
    "1#1",
    "0 12 L * *",
]


def function(tools: SchedulerTools, name: str) -> dict[str, Any]:
    return next(s["function"] for s in tools.tool_schemas() if s["function"]["name"] == name)


@pytest.mark.parametrize("tool", ["create_schedule", "update_schedule"])
def test_targets_sources_and_times_are_in_the_schema(tools: SchedulerTools, tool: str) -> None:
    props = function(tools, tool)["parameters"]["properties"]
    assert {"when", "channel", "source_channel", "window_hours"} <= set(props)
    for phrase in WHEN_PHRASES:
        assert phrase in props["when"]["description"], phrase
    channel = props["channel"]["description"]
    assert "<@U0123ABC>" in channel and "DM" in channel and '"me"' in channel
    source = props["source_channel"]["description"]
    assert "digest only" in source and "the requester must be in it" in source
    assert "72" in props["window_hours"]["description"]


def test_create_says_how_to_update_and_how_to_answer_options(tools: SchedulerTools) -> None:
    create = function(tools, "create_schedule")["description"]
    assert "update_schedule, one call" in create and "never delete and re-create" in create
    assert "`options`" in create and "ask the user to pick" in create
    assert 'channel="me"' in create
    for phrase in ("the first Monday of every month", "between 9am and 5pm", "6 times", "1#1"):
        assert phrase in create, phrase
    update = function(tools, "update_schedule")["description"]
    assert "in one call" in update and "Never delete and re-create" in update
    assert "`options`" in update
    assert "`options`" in function(tools, "preview_when")["description"]


def test_the_schema_still_names_no_caller(tools: SchedulerTools) -> None:
    for name in ("create_schedule", "update_schedule", "list_schedules"):
        params = function(tools, name)["parameters"]
        assert not {"user_id", "team_id", "is_admin", "created_by"} & set(params["properties"])
        assert params["additionalProperties"] is False
    update = function(tools, "update_schedule")["parameters"]
    assert update["required"] == ["name"]
    assert update["properties"]["window_hours"]["anyOf"][0] == {
        "type": "integer",
        "minimum": 1,
        "maximum": 168,
    }


def test_update_says_a_partial_change_keeps_the_rest(tools: SchedulerTools) -> None:
    update = function(tools, "update_schedule")
    when = update["parameters"]["properties"]["when"]["description"]
    for text in (update["description"], when):
        assert "a partial change keeps what it does not name" in text.lower()
        assert "'9:30' keeps the days" in text and "'Fridays' keeps the time" in text
    assert (
        "keeps"
        not in function(tools, "create_schedule")["parameters"]["properties"]["when"]["description"]
    )
