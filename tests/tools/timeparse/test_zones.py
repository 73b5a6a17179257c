"""tools.timeparse.zones: reading an IANA name in any letter case, and the closest one."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from tools.timeparse import canonical_zone, closest_zone, parse_when

NOW = datetime(2026, 3, 4, 10, tzinfo=ZoneInfo("America/New_York"))


@pytest.mark.parametrize(
    ("written", "zone"),
    [
        ("America/New_York", "America/New_York"),
        ("america/new_york", "America/New_York"),
        ("AMERICA/NEW_YORK", "America/New_York"),
        (" Europe/Berlin ", "Europe/Berlin"),
        ("utc", "UTC"),
        ("UTC", "UTC"),
        ("america/port-au-prince", "America/Port-au-Prince"),
        ("etc/gmt+5", "Etc/GMT+5"),
        ("america/argentina/buenos_aires", "America/Argentina/Buenos_Aires"),
    ],
)
def test_iana_names_are_read_in_any_letter_case(written: str, zone: str) -> None:
    assert canonical_zone(written) == zone


@pytest.mark.parametrize("written", ["Mars/Olympus", "", "New York", "America/New_Yrok", "../etc"])
def test_other_names_are_not_zones(written: str) -> None:
    assert canonical_zone(written) is None


@pytest.mark.parametrize(
    ("written", "closest"),
    [
        ("America/New_Yrok", "America/New_York"),
        ("america/new_yrok", "America/New_York"),
        ("Europe/Berln", "Europe/Berlin"),
        ("Mars/Olympus", None),
    ],
)
def test_the_closest_zone_is_a_real_spelling(written: str, closest: str | None) -> None:
    assert closest_zone(written) == closest


def test_the_text_reads_iana_names_the_same_way() -> None:
    parsed = parse_when("every day at 9am in america/port-au-prince", "UTC", NOW)
    assert parsed.trigger.timezone == "America/Port-au-Prince"
