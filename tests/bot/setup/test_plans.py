"""What a declared schedule becomes: its trigger and action, or every reason it can't be."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from bot.setup.declared import Declared
from bot.setup.plans import EntryProblems, plan
from tests.bot.setup.support import CATALOG

NOW = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
BASE: dict[str, Any] = {"name": "x", "when": "every day at 9am", "channel": "C0ENG", "text": "hi"}


def planned(**fields: Any) -> Any:
    return plan(Declared.model_validate(BASE | fields), CATALOG, NOW, new_after=NOW)


def refused(**fields: Any) -> list[tuple[str, str]]:
    with pytest.raises(EntryProblems) as raised:
        planned(**fields)
    return raised.value.problems


def test_a_message_is_stored_as_chat_stores_it() -> None:
    found = planned(timezone="Europe/Berlin")
    assert found.trigger.to_dict() == {
        "kind": "cron",
        "cron": "0 9 * * *",
        "timezone": "Europe/Berlin",
    }
    assert (found.action_kind, found.action) == (
        "message",
        {"text": "hi", "window_hours": None, "workflow": None},
    )


def test_when_takes_cron_too_and_a_zone_said_in_it() -> None:
    assert planned(when="30 9 * * 1-5").trigger.to_dict()["cron"] == "30 9 * * 1-5"
    assert planned(when="every monday at 9am ET").trigger.timezone == "America/New_York"


def test_a_digest_summarizes_its_channel_unless_told_otherwise() -> None:
    own = planned(action="digest", text="")
    assert own.action | {} == {
        "text": "",
        "window_hours": 24,
        "workflow": None,
        "source_channel": "C0ENG",
    }
    other = planned(action="digest", text="", source_channel="C0SUPPORT", window_hours=72)
    assert (other.action["source_channel"], other.action["window_hours"]) == ("C0SUPPORT", 72)


def test_a_workflow_carries_its_input() -> None:
    found = planned(action="workflow", workflow="oncall", text="", input={"rotation": ["U1"]})
    assert found.action == {
        "text": "",
        "window_hours": None,
        "workflow": "oncall",
        "input": {"rotation": ["U1"]},
    }


def test_a_setup_hook_kind_gets_its_args_and_needs_no_channel() -> None:
    found = planned(action="beat", channel=None, text="", args={"path": "/tmp/beat"})
    assert (found.action_kind, found.action) == ("beat", {"path": "/tmp/beat"})


@pytest.mark.parametrize(
    ("fields", "field", "said"),
    [
        ({"when": "at 4 every day"}, "when", "Write 'at 4am every day' or 'at 4pm every day'"),
        ({"when": "every day at 9 post hi"}, "when", "'post hi' is not part of a time"),
        ({"when": "every 30 seconds"}, "when", "more often than once a minute"),
        ({"when": None, "cron": "61 * * * *"}, "cron", "minute 61 is outside 0-59"),
        ({"when": "on 2025-03-01 at 9am"}, "when", "is in the past"),
        ({"text": ""}, "text", "a message schedule needs text"),
        ({"channel": None}, "channel", "needs a channel"),
        ({"action": "agent"}, "action", "needs an LLM: set OPENAI_API_KEY"),
        ({"action": "teleport"}, "action", "there is no job kind 'teleport' (known: agent, beat"),
        ({"action": "workflow"}, "workflow", "say which workflow to run (registered: heartbeat"),
        ({"action": "workflow", "workflow": "nope"}, "workflow", "there is no workflow 'nope'"),
        ({"workflow": "oncall"}, "workflow", "only goes with action workflow, not message"),
        ({"input": [1]}, "input", "only goes with action workflow"),
        ({"window_hours": 3}, "window_hours", "only goes with action digest"),
        ({"args": {"a": 1}}, "args", "only goes with a setup-hook job kind"),
        ({"action": "digest", "channel": "U0DANA"}, "channel", "a digest summarizes a channel"),
    ],
)
def test_what_does_not_fit_is_named_by_field(fields: dict[str, Any], field: str, said: str) -> None:
    problems = refused(**fields)
    assert any(f == field and said in text for f, text in problems), problems


def test_every_problem_of_an_entry_at_once() -> None:
    problems = refused(when="at 4 every day", text="", workflow="oncall")
    assert [field for field, _ in problems] == ["when", "workflow", "text"]


def test_a_stored_schedule_is_read_as_of_when_it_was_declared() -> None:
    entry = Declared.model_validate(BASE | {"when": "on march 3 at 9am"})
    first = plan(entry, CATALOG, NOW, new_after=NOW)
    a_year_on = plan(entry, CATALOG, NOW)  # as of its created_at: the same instant
    assert first.trigger == a_year_on.trigger
    assert first.trigger.to_dict()["at"].startswith("2026-03-03T09:00")
