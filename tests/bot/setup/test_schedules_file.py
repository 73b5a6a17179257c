"""Reading schedules.yml: the whole file checked, one sentence per problem."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.setup.errors import SetupError
from bot.setup.schedules_file import read_schedules_file, schedules_path

EXAMPLES = Path(__file__).parents[3] / "examples" / "schedules.yml"


def written(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "schedules.yml"
    path.write_text(text, encoding="utf-8")
    return path


def problems(path: Path) -> tuple[str, ...]:
    with pytest.raises(SetupError) as raised:
        read_schedules_file(path)
    return raised.value.problems


def test_the_example_file_reads() -> None:
    entries = read_schedules_file(EXAMPLES).entries
    assert [e.name for e in entries] == ["standup", "support-digest", "weekly-review", "invoices"]
    assert entries[1].source_channel == "C0123SUPPORT" and entries[2].max_retries == 1


@pytest.mark.parametrize("text", ["", "# nothing yet\n", "schedules:\n", "schedules: []\n", "[]\n"])
def test_an_empty_file_declares_nothing(tmp_path: Path, text: str) -> None:
    assert read_schedules_file(written(tmp_path, text)).entries == ()


def test_a_bare_list_works_too(tmp_path: Path) -> None:
    path = written(tmp_path, "- name: a\n  cron: '0 9 * * *'\n  channel: C0ENG\n  text: hi\n")
    [entry] = read_schedules_file(path).entries
    assert (entry.name, entry.cron, entry.timezone, entry.action) == (
        "a",
        "0 9 * * *",
        "UTC",
        "message",
    )


def test_channels_are_ids_or_mentions(tmp_path: Path) -> None:
    path = written(
        tmp_path,
        "schedules:\n"
        "  - {name: a, cron: '0 9 * * *', channel: '<#C0ENG|eng>', text: x}\n"
        "  - {name: b, cron: '0 9 * * *', channel: U0DANA, text: x, timezone: europe/berlin}\n",
    )
    a, b = read_schedules_file(path).entries
    assert (a.channel, b.channel, b.timezone) == ("C0ENG", "U0DANA", "Europe/Berlin")


def test_every_problem_of_every_entry_is_named(tmp_path: Path) -> None:
    path = written(
        tmp_path,
        "schedules:\n"
        "  - name: Daily Standup\n    when: every day at 9\n    channel: '#eng'\n"
        "  - name: b\n    when: every day at 9\n    cron: '0 9 * * *'\n    colour: red\n"
        "  - just a string\n"
        "  - when: every day at 9\n"
        "  - name: c\n    cron: '0 9 * * *'\n    timezone: Mars/Base\n    overlap: never\n",
    )
    found = problems(path)
    assert found[0].startswith(f"{path} entry 1 (Daily Standup), `name`: use lower-case")
    assert "e.g. 'daily-standup'" in found[0]
    assert "`channel`: '#eng' is not a channel or user id" in found[1]
    assert f"{path} entry 2 (b): unknown field `colour`" in found[2]
    assert "give exactly one of `when` (plain English or cron) and `cron`" in found[3]
    assert found[4] == f"{path} entry 3: is not a mapping of fields (name: …, when: …)"
    assert found[5] == f"{path} entry 4: `name` is missing"
    assert "`timezone`: unknown timezone 'Mars/Base'" in found[6]
    assert "`overlap`:" in found[7]
    assert len(found) == 8


def test_two_entries_with_one_name(tmp_path: Path) -> None:
    entry = "  - {name: a, cron: '0 9 * * *', channel: C0ENG, text: x}\n"
    assert problems(written(tmp_path, "schedules:\n" + entry * 2)) == (
        f"{tmp_path / 'schedules.yml'}: two entries are named 'a'",
    )


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("schedules:\n  - name: a\n   when: x\n", "line 3, column 4: not valid YAML"),
        ("name: a\n", "the top level must be `schedules:` with a list of entries"),
        ("schedules: {name: a}\n", "the top level must be `schedules:`"),
    ],
)
def test_a_file_that_is_not_a_list_of_entries(tmp_path: Path, text: str, said: str) -> None:
    [problem] = problems(written(tmp_path, text))
    assert said in problem


def test_a_named_file_must_exist(tmp_path: Path) -> None:
    [problem] = problems(tmp_path / "missing.yml")
    assert problem.endswith("missing.yml: no such file (TOCK_SCHEDULES_FILE names it)")


def test_the_default_file_is_used_only_when_it_exists(tmp_path: Path) -> None:
    assert schedules_path(None, tmp_path) is None
    written(tmp_path, "")
    assert schedules_path(None, tmp_path) == tmp_path / "schedules.yml"
    assert schedules_path(Path("elsewhere.yml"), tmp_path) == Path("elsewhere.yml")


def test_workflow_input_must_be_plain_values(tmp_path: Path) -> None:
    path = written(
        tmp_path,
        "schedules:\n  - name: a\n    cron: '0 9 * * *'\n    action: workflow\n"
        "    workflow: w\n    input: {since: 2026-01-01}\n",
    )
    [problem] = problems(path)
    assert problem.endswith(
        "entry 1 (a), `input`: use plain values (text, numbers, true/false, "
        "lists, mappings); quote dates"
    )
