"""Pure decisions about slots and retries; the store and engine apply them."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Protocol

from scheduler.records import NewRun, SlotPlan
from scheduler.triggers import AnyTrigger

MAX_SLOTS_PER_PASS = 10_000  # a schedule far behind jumps ahead after this many
MAX_MISSED_ROWS = 100  # keep the newest missed slots visible, not a flood
MISSED = "missed: the scheduler was not running within the misfire grace"
COALESCED = "coalesced: a later slot of this schedule was due at the same time"


class Plannable(Protocol):
    """What planning reads of a schedule (a `Schedule` is one); nothing else."""

    @property
    def trigger(self) -> AnyTrigger: ...
    @property
    def next_run_at(self) -> datetime | None: ...
    @property
    def misfire_grace_s(self) -> int: ...
    @property
    def catch_up(self) -> bool: ...


def plan_slots(schedule: Plannable, now: datetime) -> SlotPlan:
    """Turn every slot of `schedule` due by `now` into run rows.

    The newest slot within the misfire grace becomes a pending run; older
    in-grace slots are `skipped` (coalesced, so a late engine does not post a
    burst). Slots beyond the grace become `missed` rows, plus at most one
    catch-up run when no in-grace slot already covers them.
    """
    grace = timedelta(seconds=schedule.misfire_grace_s)
    slot = schedule.next_run_at
    due: list[datetime] = []
    missed: list[datetime] = []
    for _ in range(MAX_SLOTS_PER_PASS):
        if slot is None or slot > now:
            break
        (due if now - slot <= grace else missed).append(slot)
        slot = schedule.trigger.next_after(slot)
    else:
        slot = schedule.trigger.next_after(now)
    runs = [NewRun(s, "schedule", "missed", s, MISSED) for s in missed[-MAX_MISSED_ROWS:]]
    runs += [NewRun(s, "schedule", "skipped", s, COALESCED) for s in due[:-1]]
    runs += [NewRun(s, "schedule", "pending", s) for s in due[-1:]]
    if missed and not due and schedule.catch_up:
        runs.append(NewRun(missed[-1], "catch-up", "pending", None))
    return SlotPlan(runs=runs, next_run_at=slot)


def backoff_seconds(
    attempt: int, base: float = 10.0, cap: float = 3600.0, rng: random.Random | None = None
) -> float:
    """Exponential backoff with full jitter above half the step."""
    step = min(cap, base * 2 ** (attempt - 1))
    return step / 2 + (rng or random).random() * step / 2
