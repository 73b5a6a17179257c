"""How the tools pass on a parse: ambiguity as `options` to pick from, notes with results."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pytest

from scheduler.store import Store
from tests.tools.scheduler_tools.support import ALICE, create, snapshot
from tools.scheduler_tools import PreviewArgs, SchedulerTools, ToolError, UpdateScheduleArgs
from tools.scheduler_tools.when import AMBIGUOUS_HINT, noted, refusal
from tools.timeparse import EXAMPLES, ParseError

OR_RULE = "0 10 1-7 * 1"  # cron's day-of-month OR day-of-week rule: every Monday and the 1st-7th


@dataclass(frozen=True)
class Reading:
    label: str
    when: str


class TwoReadings(ParseError):
    """Stands in for `timeparse.Ambiguous`: a ParseError with `options`."""

    def __init__(self, message: str, options: tuple[Reading, ...]) -> None:
        super().__init__(message, None)
        self.options = options


@dataclass(frozen=True)
class Parsed:
    notes: tuple[str, ...] = ()


READINGS = (Reading("4:00 AM", "every day at 4am"), Reading("4:00 PM", "every day at 4pm"))


def test_a_tool_error_lists_its_options_only_when_it_has_some() -> None:
    plain = ToolError("no", "try again")
    assert plain.to_dict() == {"error": "no", "hint": "try again"}
    asked = ToolError("4:00 AM or 4:00 PM?", AMBIGUOUS_HINT, READINGS)
    assert asked.to_dict() == {
        "error": "4:00 AM or 4:00 PM?",
        "hint": "pick one, or say it more exactly",
        "options": [
            {"label": "4:00 AM", "when": "every day at 4am"},
            {"label": "4:00 PM", "when": "every day at 4pm"},
        ],
    }


def test_an_ambiguous_parse_becomes_a_question_with_options() -> None:
    error = refusal(TwoReadings("4:00 AM or 4:00 PM?", READINGS))
    assert (error.error, error.hint) == ("4:00 AM or 4:00 PM?", AMBIGUOUS_HINT)
    assert [option["when"] for option in error.options] == ["every day at 4am", "every day at 4pm"]
    other = refusal(ParseError("I could not find a time", "try 'at 9am'"))
    assert (other.error, other.hint, other.options) == (
        "I could not find a time",
        "try 'at 9am'",
        (),
    )
    assert refusal(ParseError("too long")).hint == EXAMPLES


def test_notes_join_a_result_only_when_there_are_some() -> None:
    assert noted({"name": "s"}, Parsed(("cron's OR rule",))) == {
        "name": "s",
        "notes": ["cron's OR rule"],
    }
    assert noted({"name": "s"}, Parsed()) == {"name": "s"}
    assert noted({"name": "s"}, None) == {"name": "s"}


async def test_results_carry_no_notes_key_without_notes(tools: SchedulerTools) -> None:
    view = await create(tools, name="s")
    assert "notes" not in view
    assert "notes" not in await tools.update_schedule(
        ALICE, UpdateScheduleArgs(name="s", when="every day at 10am")
    )
    assert "notes" not in await tools.preview_when(ALICE, PreviewArgs(when="every day at 10am"))


@pytest.mark.parametrize(
    ("tool", "arguments"),
    [
        ("create_schedule", {"when": "every day at 4", "text": "Stretch"}),
        ("preview_when", {"when": "every day at 4"}),
        ("update_schedule", {"name": "s", "when": "every day at 4"}),
    ],
)
async def test_an_ambiguous_time_comes_back_from_call_as_options(
    tools: SchedulerTools, store: Store, tool: str, arguments: dict[str, Any]
) -> None:
    await create(tools, name="s")
    before = await snapshot(store)
    result = await tools.call(tool, ALICE, arguments)
    assert set(result) == {"error", "hint", "options"}, result
    assert result["hint"] == AMBIGUOUS_HINT
    assert len(result["options"]) >= 2
    assert all(set(option) == {"label", "when"} for option in result["options"])
    assert await snapshot(store) == before
    # Each reading parses one way only, and they differ.
    hours = set()
    for option in result["options"]:
        preview = await tools.call("preview_when", ALICE, {"when": option["when"]})
        assert "error" not in preview, preview
        hours.add(datetime.fromisoformat(preview["next_runs"][0]).hour)
    assert len(hours) == len(result["options"])


async def test_a_picked_option_creates_the_schedule(tools: SchedulerTools) -> None:
    asked = await tools.call("create_schedule", ALICE, {"when": "every day at 4", "text": "Go"})
    picked = asked["options"][-1]["when"]
    view = await tools.call("create_schedule", ALICE, {"when": picked, "text": "Go"})
    assert view["status"] == "active" and "error" not in view


async def test_parse_notes_appear_in_create_update_and_preview(tools: SchedulerTools) -> None:
    view = await create(tools, when=OR_RULE, name="s")
    assert view["notes"] and "1#1" in " ".join(view["notes"])
    preview = await tools.call("preview_when", ALICE, {"when": OR_RULE})
    assert preview["notes"] == view["notes"]
    await tools.update_schedule(ALICE, UpdateScheduleArgs(name="s", when="every day at 10am"))
    updated = await tools.update_schedule(ALICE, UpdateScheduleArgs(name="s", when=OR_RULE))
    assert updated["notes"] == view["notes"]
