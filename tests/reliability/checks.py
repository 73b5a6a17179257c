"""What every reliability test demands of a burst's tally (benchmarks.replicas.tally)."""

from __future__ import annotations

from typing import Any


def assert_each_slot_once(result: dict[str, Any]) -> None:
    """Every slot ended exactly once, none lost, none posted twice; the replicas stopped clean."""
    summary = {k: v for k, v in result.items() if k not in ("errors",)}
    assert result["unfinished"] == 0, f"slots with no final outcome: {summary}"
    assert result["double_outcomes"] == 0, f"slots with two outcomes: {summary}"
    assert result["duplicates"] == 0, f"posts made twice: {summary}"
    assert result["lost"] == 0, f"slots lost: {summary}"
    assert result["other"] == 0, f"slots missed, skipped or cancelled: {summary}"
    assert result["succeeded"] + result["failed"] == result["slots"], summary
    assert all(result["errors"]), f"a failed slot without its error: {result['errors']}"
    assert result["exit_codes"] == [0] * result["replicas"], f"a replica died: {summary}"


class PostedTwice(Exception):
    """A slot was posted more than once."""


def raise_if_posted_twice(result: dict[str, Any]) -> None:
    if result["duplicates"]:
        raise PostedTwice(f"{result['duplicates']} posts made twice: {result}")
