"""When a schedule fires: `cron`, `once`, `interval`, `rrule` or `bounded`, behind one interface.

Every trigger answers `next_after(instant)` with the first fire time strictly
after `instant` (an aware datetime), or None when it will never fire again.
Triggers serialize to plain dicts for storage and back. The math on top of
that one interface lives here too: `upcoming` (the next N fire times; nothing
else computes them), `shortest_gap` (the tightest spacing soon) and
`reanchor` (the same wall-clock schedule in another zone).

What cron cannot say: `RRuleTrigger` (RFC 5545 rules, e.g. every other week
on Monday and Wednesday, or 9:00 and 13:30 together) and `BoundedTrigger`
(any trigger between a start and an end, or for a number of fires). Every
kind keeps the Debian cron DST rules: wall times in a spring-forward gap run
once right after it, a repeated hour runs once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from functools import lru_cache
from itertools import islice, pairwise
from typing import Any, Literal, Protocol
from zoneinfo import ZoneInfo

from scheduler import cron, recurrence
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


def _fixed(instant: datetime, zone: str) -> datetime:
    """`instant` in `zone` with a fixed offset: what it reads back as from ISO, so
    equality survives a round trip even in a repeated hour (where a ZoneInfo
    time never equals one in another zone)."""
    local = instant.astimezone(ZoneInfo(zone))
    return local.replace(tzinfo=timezone(local.utcoffset() or timedelta(0)))


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


@dataclass(frozen=True)
class RRuleTrigger:
    """The union of RFC 5545 rule bodies, run on wall time in `timezone` from the
    wall time of `start` (to the minute): "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,WE;BYHOUR=10"."""

    rules: tuple[str, ...]
    start: datetime
    timezone: str
    kind: str = "rrule"

    def __post_init__(self) -> None:
        _check_zone(self.timezone)
        object.__setattr__(self, "start", _fixed(_aware(self.start, "a rule start"), self.timezone))
        if isinstance(self.rules, str) or not self.rules:
            raise TriggerError("an rrule trigger needs a tuple of one or more rules")
        object.__setattr__(self, "rules", tuple(recurrence.normalize(r) for r in self.rules))

    def _wall_start(self) -> datetime:
        local = self.start.astimezone(ZoneInfo(self.timezone))
        return local.replace(tzinfo=None, second=0, microsecond=0)

    def next_after(self, instant: datetime) -> datetime | None:
        tz = ZoneInfo(self.timezone)
        after = instant.astimezone(UTC)
        # Walls map to instants in order, and the wall time of `instant` maps
        # to it or (in a repeated hour) earlier, so nothing before it can count.
        wall = instant.astimezone(tz).replace(tzinfo=None, second=0, microsecond=0)
        for fire_wall in recurrence.walls_from(self.rules, self._wall_start(), wall):
            fire = wall_to_instant(fire_wall, tz)
            if fire.astimezone(UTC) > after:
                return fire
        return None

    def describe(self) -> str:
        return f"{recurrence.describe(self.rules, self._wall_start())} ({self.timezone})"

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": "rrule",
            "rules": list(self.rules),
            "start": self.start.isoformat(),
            "timezone": self.timezone,
        }


MAX_COUNT = 1000


@dataclass(frozen=True)
class BoundedTrigger:
    """What `trigger` fires, not before `start` and not after `end`.

    `count` becomes `end` here (the count-th fire at or after `start`, or an
    earlier `end`) and is kept for the description. After the end
    `next_after` is None, so the schedule shows as completed.
    """

    trigger: AnyTrigger
    start: datetime | None = None
    end: datetime | None = None
    count: int | None = None
    kind: str = "bounded"
    timezone: str = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "timezone", self.trigger.timezone)
        for bound, name in (("start", "a start"), ("end", "an end")):
            if (value := getattr(self, bound)) is not None:
                object.__setattr__(self, bound, _fixed(_aware(value, name), self.timezone))
        if self.start is None and self.end is None and self.count is None:
            raise TriggerError("a bounded trigger needs a start, an end or a count")
        if self.start and self.end and self.end.astimezone(UTC) < self.start.astimezone(UTC):
            raise TriggerError("a bounded trigger cannot end before it starts")
        if self.count is not None:
            self._apply_count()

    def _apply_count(self) -> None:
        count = self.count
        if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= MAX_COUNT:
            raise TriggerError(f"a count must be a whole number from 1 to {MAX_COUNT}")
        if self.start is None:
            raise TriggerError("a count needs a start to count from")
        last = nth_fire(self.trigger, self.start, count)
        if last is not None and (
            self.end is None or last.astimezone(UTC) < self.end.astimezone(UTC)
        ):
            object.__setattr__(self, "end", _fixed(last, self.timezone))

    def next_after(self, instant: datetime) -> datetime | None:
        fire = self.trigger.next_after(self._cursor(instant))
        return fire if fire is not None and self._within_end(fire) else None

    def _cursor(self, instant: datetime) -> datetime:
        """Where the inner trigger is asked from: `instant`, or just before the start."""
        if self.start is not None and self.start.astimezone(UTC) > instant.astimezone(UTC):
            return self.start - timedelta(microseconds=1)  # the start itself may fire
        return instant

    def _within_end(self, fire: datetime) -> bool:
        return self.end is None or fire.astimezone(UTC) <= self.end.astimezone(UTC)

    def describe(self) -> str:
        inner = self.trigger.describe()
        zone = f" ({self.timezone})"
        head = inner[: -len(zone)] if inner.endswith(zone) else inner
        return f"{head}, {self.bounds_text()}{zone}"

    def bounds_text(self) -> str:
        """The bounds in words: "from Mon Jan 5 until Fri Jan 9", "6 times, until Mon Feb 9"."""
        tz = ZoneInfo(self.timezone)
        start, end = (b.astimezone(tz) if b else None for b in (self.start, self.end))
        years = bool(start and end and start.year != end.year)
        pieces = [f"{self.count} time{'s' if self.count != 1 else ''}"] if self.count else []
        if start and not self.count:
            pieces.append(f"from {_bound_text(start, years)}")
        if end:
            pieces.append(f"until {_bound_text(end, years, bool(self.count))}")
        return " ".join(pieces) if not self.count else ", ".join(pieces)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": "bounded",
            "trigger": self.trigger.to_dict(),
            "start": self.start.isoformat() if self.start else None,
            "end": self.end.isoformat() if self.end else None,
            "count": self.count,
        }


@lru_cache(maxsize=1024)  # stored bounded triggers are rebuilt on every read
def nth_fire(trigger: AnyTrigger, start: datetime, count: int) -> datetime | None:
    """The `count`-th fire at or after `start` (where a count ends), or None."""
    fires = upcoming(trigger, start - timedelta(microseconds=1), count)
    return fires[-1] if fires else None


def _bound_text(at: datetime, year: bool, day_only: bool = False) -> str:
    day = f"{at:%a %b} {at.day}" + (f", {at.year}" if year else "")
    if day_only or (at.hour, at.minute) in ((0, 0), (23, 59)):
        return day
    return f"{day} {recurrence.clock((at.hour, at.minute))}"


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


AnyTrigger = CronTrigger | OnceTrigger | IntervalTrigger | RRuleTrigger | BoundedTrigger


def upcoming(trigger: Trigger, after: datetime, count: int) -> list[datetime]:
    """Up to `count` fire times strictly after `after`; fewer once the trigger ends."""
    if isinstance(trigger, CronTrigger):  # one cron walk, not one per fire time
        return list(islice(cron.iter_runs(trigger.expr, trigger.timezone, after), count))
    if isinstance(trigger, BoundedTrigger):  # the inner walk, cut at the bounds
        fires = upcoming(trigger.trigger, trigger._cursor(after), count)
        return [fire for fire in fires if trigger._within_end(fire)]
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

    Minute and hour intervals are elapsed time, so their instants do not move;
    a bounded trigger's start and end keep their wall-clock times too.
    """
    if isinstance(trigger, CronTrigger):
        return CronTrigger(trigger.expr, zone)
    if isinstance(trigger, OnceTrigger):
        return OnceTrigger(_same_wall(trigger.at, trigger.timezone, zone), zone)
    if isinstance(trigger, RRuleTrigger):
        return RRuleTrigger(trigger.rules, _same_wall(trigger.start, trigger.timezone, zone), zone)
    if isinstance(trigger, BoundedTrigger):
        old = trigger.timezone
        start, end = (_same_wall(b, old, zone) if b else None for b in (trigger.start, trigger.end))
        return BoundedTrigger(reanchor(trigger.trigger, zone), start, end, trigger.count)
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


def _instant_or_none(value: object) -> datetime | None:
    return None if value is None else datetime.fromisoformat(str(value))


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
        if kind == "rrule":
            if not isinstance(data["rules"], list | tuple):
                raise TriggerError("rrule 'rules' must be a list of rule bodies")
            rules = tuple(str(rule) for rule in data["rules"])
            return RRuleTrigger(rules, datetime.fromisoformat(data["start"]), data["timezone"])
        if kind == "bounded":
            if not isinstance(data["trigger"], dict):
                raise TriggerError("a bounded trigger's 'trigger' must be a trigger dict")
            return BoundedTrigger(
                trigger_from_dict(data["trigger"]),
                _instant_or_none(data.get("start")),
                _instant_or_none(data.get("end")),
                data.get("count"),
            )
    except (KeyError, TypeError, ValueError) as exc:
        if isinstance(exc, TriggerError | CronError):
            raise
        raise TriggerError(f"malformed trigger: {exc}") from exc
    raise TriggerError(f"unknown trigger kind {data.get('kind')!r}")
