"""tools.scheduler_tools.names: slugs, derived names, channel and zone arguments (no store)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tools.scheduler_tools import (
    IANA_HINT,
    MAX_NAME,
    TARGET_HINT,
    Target,
    ToolError,
    channel_id,
    checked_zone,
    derive_name,
    is_person_id,
    slugify,
    target_ref,
)


@given(st.text(max_size=200))
def test_slugs_are_short_stable_and_clean(text: str) -> None:
    slug = slugify(text)
    assert slugify(slug) == slug
    assert len(slug) <= MAX_NAME
    assert not slug.startswith("-") and not slug.endswith("-") and "_" not in slug


def test_derived_names_skip_filler_and_markup() -> None:
    assert derive_name("post the standup reminder in <#C1|eng>") == "standup-reminder"
    assert derive_name("remind me to drink water @bob") == "drink-water"
    assert derive_name("please post") == ""


def test_channel_arguments_are_ids_or_mentions() -> None:
    assert channel_id("C0123ABC") == "C0123ABC"
    assert channel_id(" <#C0123ABC|eng> ") == "C0123ABC"
    assert channel_id("<#G0123ABC>") == "G0123ABC"
    with pytest.raises(ToolError) as info:
        channel_id("#eng")
    assert "<#C0123ABC|eng>" in info.value.hint
    with pytest.raises(ToolError):
        channel_id("https://example.com/hook")


@pytest.mark.parametrize(
    "raw",
    [
        "C" + "A" * 21,  # longer than any Slack id
        "<#C" + "A" * 21 + ">",
        "<#C0123ABC|" + "e" * 81 + ">",  # longer than a channel name
        "<#C0123ABC|eng",
        "<@U0123ABC>",
        "c0123abc",
    ],
)
def test_channel_arguments_follow_slacks_id_rules(raw: str) -> None:
    with pytest.raises(ToolError):
        channel_id(raw)


def test_channel_mentions_may_have_an_empty_label() -> None:
    assert channel_id("<#C0123ABC|>") == "C0123ABC"


@pytest.mark.parametrize(
    ("raw", "target"),
    [
        ("me", Target("dm", "UME")),
        (" ME ", Target("dm", "UME")),
        ("<@U0123ABC>", Target("dm", "U0123ABC")),
        ("<@U0123ABC|dana>", Target("dm", "U0123ABC")),
        ("W0123ABC", Target("dm", "W0123ABC")),
        ("<#C0123ABC|eng>", Target("channel", "C0123ABC")),
        ("G0123ABC", Target("channel", "G0123ABC")),
        ("D0123ABC", Target("channel", "D0123ABC")),
    ],
)
def test_targets_are_channels_or_people(raw: str, target: Target) -> None:
    assert target_ref(raw, "UME") == target
    assert is_person_id(target.id) == (target.kind == "dm")


@pytest.mark.parametrize("raw", ["@dana", "dana", "#eng", "u0123abc", "<@U0123ABC", "myself"])
def test_other_targets_are_refused_with_both_spellings_as_the_hint(raw: str) -> None:
    with pytest.raises(ToolError) as info:
        target_ref(raw, "UME")
    assert info.value.hint == TARGET_HINT
    assert "<#C0123ABC|eng>" in TARGET_HINT and "<@U0123ABC>" in TARGET_HINT


def test_no_stored_target_is_a_person() -> None:
    assert not is_person_id(None) and not is_person_id("")


def test_zone_arguments_are_canonical_or_refused_with_the_closest() -> None:
    assert checked_zone("america/new_york") == "America/New_York"
    with pytest.raises(ToolError) as typo:
        checked_zone("America/New_Yrok")
    assert typo.value.hint == "the closest IANA name is America/New_York"
    with pytest.raises(ToolError) as nowhere:
        checked_zone("Mars/Olympus")
    assert (nowhere.value.error, nowhere.value.hint) == (
        "unknown timezone 'Mars/Olympus'",
        IANA_HINT,
    )
