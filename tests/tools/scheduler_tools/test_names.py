"""tools.scheduler_tools.names: slugs, derived names and channel arguments (no store)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tools.scheduler_tools import MAX_NAME, ToolError, channel_id, derive_name, slugify


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
