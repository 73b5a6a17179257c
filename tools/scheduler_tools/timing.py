"""Fire-time helpers: the next runs, the shortest gap, a trigger moved to another zone.

Pure functions of a trigger and an instant, used for the views and the
spacing quota. They belong with the triggers and will move to
`scheduler/triggers.py`.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

from scheduler.triggers import (
    AnyTrigger,
    CronTrigger,
    IntervalTrigger,
    OnceTrigger,
    wall_to_instant,
)

NEXT_RUNS = 5  # fire times shown with every schedule
SPACING_SAMPLE = 10  # fire times inspected for the minimum-spacing quota


def upcoming(trigger: AnyTrigger, after: datetime, count: int = NEXT_RUNS) -> list[datetime]:
    """Up to `count` fire times strictly after `after`."""
    found: list[datetime] = []
    cursor: datetime | None = after
    while len(found) < count and (cursor := trigger.next_after(cursor)) is not None:
        found.append(cursor)
    return found


def shortest_gap(trigger: AnyTrigger, now: datetime) -> timedelta | None:
    """The smallest spacing among the next fire times; None for a one-off."""
    if isinstance(trigger, OnceTrigger):
        return None
    fires = upcoming(trigger, now, SPACING_SAMPLE)
    return min((b - a for a, b in pairwise(fires)), default=None)


def reanchor(trigger: AnyTrigger, zone: str) -> AnyTrigger:
    """The same wall-clock schedule in another zone."""
    if isinstance(trigger, CronTrigger):
        return CronTrigger(trigger.expr, zone)
    if isinstance(trigger, OnceTrigger):
        return OnceTrigger(_same_wall(trigger.at, trigger.timezone, zone), zone)
    if trigger.unit in ("minutes", "hours"):  # elapsed time: the instants do not move
        return IntervalTrigger(trigger.every, trigger.unit, trigger.anchor, zone)
    anchor = _same_wall(trigger.anchor, trigger.timezone, zone)
    return IntervalTrigger(trigger.every, trigger.unit, anchor, zone)


def _same_wall(instant: datetime, old: str, new: str) -> datetime:
    wall = instant.astimezone(ZoneInfo(old)).replace(tzinfo=None)
    return wall_to_instant(wall, ZoneInfo(new))
