"""When a schedule fires: `cron`, `once` or `interval`, behind one interface.

Every trigger answers `next_after(instant)` with the first fire time strictly
after `instant` (an aware datetime), or None when it will never fire again.
Triggers serialize to plain dicts for storage and back. The math on top of
that one interface lives here too: `upcoming` (the next N fire times; nothing
else computes them), `shortest_gap` (the tightest spacing soon) and
`reanchor` (the same wall-clock schedule in another zone).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import islice, pairwise
from typing import Any, Literal, Protocol
from zoneinfo import ZoneInfo

from scheduler import cron
from scheduler.errors import CronError, TriggerError

IntervalUnit = Literal["minutes", "hours", "days", "weeks"]
UNITS: tuple[IntervalUnit, ...] = ("minutes", "hours", "days", "weeks")


class Trigger(Protocol):
    kind: str
    timezone: str

    def next_after(self, instant: datetime) -> datetime | None: ...

    def describe(self) -> str: ...

    def to_dict(self) -> dict[str, Any]: ...


def _check_zone(name: str) -> None:
    try:
        cron.zone(name)
    except CronError as exc:
        raise TriggerError(str(exc)) from exc


def _aware(instant: datetime, name: str) -> datetime:
    if instant.tzinfo is None:
        raise TriggerError(f"{name} must carry a timezone offset")
    return instant


@dataclass(frozen=True)
class CronTrigger:
    expr: str
    timezone: str
    kind: str = "cron"

    def __post_init__(self) -> None:
        _check_zone(self.timezone)
        object.__setattr__(self, "expr", cron.validate(self.expr))

    def next_after(self, instant: datetime) -> datetime | None:
        return cron.next_after(self.expr, self.timezone, instant)

    def describe(self) -> str:
        return f"{cron.describe(self.expr)} ({self.timezone})"

    def to_dict(self) -> dict[str, Any]:
        return {"kind": "cron", "cron": self.expr, "timezone": self.timezone}


@dataclass(frozen=True)
class OnceTrigger:
    at: datetime
    timezone: str
    kind: str = "once"

    def __post_init__(self) -> None:
        _check_zone(self.timezone)
        _aware(self.at, "a one-off time")

    def next_after(self, instant: datetime) -> datetime | None:
        # UTC comparison: datetimes sharing a ZoneInfo compare by wall time, ignoring fold.
        return self.at if self.at.astimezone(UTC) > instant.astimezone(UTC) else None

    def describe(self) -> str:
        local = self.at.astimezone(ZoneInfo(self.timezone))
        return f"Once, at {local:%a %d %b %Y %H:%M} ({self.timezone})"

    def to_dict(self) -> dict[str, Any]:
        return {"kind": "once", "at": self.at.isoformat(), "timezone": self.timezone}


@dataclass(frozen=True)
class IntervalTrigger:
    """Every N units from an anchor.

    Minutes and hours are elapsed time; days and weeks keep the anchor's wall
    clock time across DST (a time that falls in a spring-forward gap moves to
    just after it, an ambiguous one takes the first occurrence).
    """

    every: int
    unit: IntervalUnit
    anchor: datetime
    timezone: str
    kind: str = "interval"

    def __post_init__(self) -> None:
        _check_zone(self.timezone)
        _aware(self.anchor, "an interval anchor")
        if self.unit not in UNITS:
            raise TriggerError(f"interval unit must be one of {', '.join(UNITS)}")
        if self.every < 1:
            raise TriggerError("an interval must be at least 1")

    def next_after(self, instant: datetime) -> datetime | None:
        if self.unit in ("minutes", "hours"):
            # Elapsed time: do the arithmetic in UTC, where a ZoneInfo cannot
            # turn it into wall-clock arithmetic.
            step = timedelta(**{self.unit: self.every})
            anchor, now = self.anchor.astimezone(UTC), instant.astimezone(UTC)
            if now < anchor:
                return anchor
            return anchor + ((now - anchor) // step + 1) * step
        return self._next_wall_clock(instant)

    def _next_wall_clock(self, instant: datetime) -> datetime:
        days = self.every * (7 if self.unit == "weeks" else 1)
        tz = ZoneInfo(self.timezone)
        local_anchor = self.anchor.astimezone(tz).replace(tzinfo=None)
        elapsed = (instant.astimezone(tz).replace(tzinfo=None) - local_anchor).days
        k = max(0, elapsed // days - 1)
        after = instant.astimezone(UTC)
        while True:
            fire = wall_to_instant(local_anchor + timedelta(days=k * days), tz)
            if fire.astimezone(UTC) > after:
                return fire
            k += 1

    def describe(self) -> str:
        local = self.anchor.astimezone(ZoneInfo(self.timezone))
        unit = self.unit[:-1] if self.every == 1 else self.unit
        count = "" if self.every == 1 else f"{self.every} "
        if self.unit in ("days", "weeks"):
            day = f" on {local:%A}" if self.unit == "weeks" else ""
            return f"Every {count}{unit}{day} at {local:%I:%M %p} ({self.timezone})"
        return f"Every {count}{unit}, starting {local:%a %d %b %H:%M} ({self.timezone})"

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": "interval",
            "every": self.every,
            "unit": self.unit,
            "anchor": self.anchor.isoformat(),
            "timezone": self.timezone,
        }


def wall_to_instant(wall: datetime, tz: ZoneInfo) -> datetime:
    """The instant a naive local wall time denotes.

    An ambiguous time takes its first occurrence; a time inside a
    spring-forward gap moves to the end of the gap, as Debian cron does.
    """
    first = wall.replace(tzinfo=tz, fold=0)
    if first.astimezone(UTC).astimezone(tz).replace(tzinfo=None) == wall:
        return first
    # Gap: fold=1 reads the wall time with the new offset (an instant before
    # the change), fold=0 with the old one (after it); the change lies between.
    lo = wall.replace(tzinfo=tz, fold=1).astimezone(UTC)
    hi = first.astimezone(UTC)
    after = hi.astimezone(tz).utcoffset()
    while hi - lo > timedelta(seconds=1):
        mid = lo + (hi - lo) / 2
        if mid.astimezone(tz).utcoffset() == after:
            hi = mid
        else:
            lo = mid
    return hi.replace(microsecond=0).astimezone(tz)


AnyTrigger = CronTrigger | OnceTrigger | IntervalTrigger


def upcoming(trigger: Trigger, after: datetime, count: int) -> list[datetime]:
    """Up to `count` fire times strictly after `after`; fewer once the trigger ends."""
    if isinstance(trigger, CronTrigger):  # one cron walk, not one per fire time
        return list(islice(cron.iter_runs(trigger.expr, trigger.timezone, after), count))
    found: list[datetime] = []
    cursor: datetime | None = after
    while len(found) < count and (cursor := trigger.next_after(cursor)) is not None:
        found.append(cursor)
    return found


def shortest_gap(trigger: Trigger, after: datetime, sample: int = 10) -> timedelta | None:
    """The smallest spacing among the next `sample` fire times; None below two fires."""
    # Elapsed time, in UTC: two fires sharing a ZoneInfo subtract as wall times,
    # so an hourly job's repeated 01:00 on a fall-back night would be 0 apart.
    fires = [fire.astimezone(UTC) for fire in upcoming(trigger, after, sample)]
    return min((b - a for a, b in pairwise(fires)), default=None)


def reanchor(trigger: AnyTrigger, zone: str) -> AnyTrigger:
    """The same wall-clock schedule in `zone` (9:00 stays 9:00, now 9:00 there).

    Minute and hour intervals are elapsed time, so their instants do not move.
    """
    if isinstance(trigger, CronTrigger):
        return CronTrigger(trigger.expr, zone)
    if isinstance(trigger, OnceTrigger):
        return OnceTrigger(_same_wall(trigger.at, trigger.timezone, zone), zone)
    if trigger.unit in ("minutes", "hours"):
        return IntervalTrigger(trigger.every, trigger.unit, trigger.anchor, zone)
    anchor = _same_wall(trigger.anchor, trigger.timezone, zone)
    return IntervalTrigger(trigger.every, trigger.unit, anchor, zone)


def _same_wall(instant: datetime, old: str, new: str) -> datetime:
    wall = instant.astimezone(ZoneInfo(old)).replace(tzinfo=None)
    return wall_to_instant(wall, ZoneInfo(new))


def _whole(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).isdigit():
        raise TriggerError(f"interval 'every' must be a whole number, got {value!r}")
    return int(value)


def trigger_from_dict(data: dict[str, Any]) -> AnyTrigger:
    """Rebuild a trigger from `to_dict()` output; raise TriggerError if malformed."""
    try:
        kind = data["kind"]
        if kind == "cron":
            return CronTrigger(data["cron"], data["timezone"])
        if kind == "once":
            return OnceTrigger(datetime.fromisoformat(data["at"]), data["timezone"])
        if kind == "interval":
            return IntervalTrigger(
                _whole(data["every"]),
                data["unit"],
                datetime.fromisoformat(data["anchor"]),
                data["timezone"],
            )
    except (KeyError, TypeError, ValueError) as exc:
        if isinstance(exc, TriggerError | CronError):
            raise
        raise TriggerError(f"malformed trigger: {exc}") from exc
    raise TriggerError(f"unknown trigger kind {data.get('kind')!r}")
