"""Job kinds: a registry of async handlers, looked up by a schedule's action kind."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime

from scheduler.errors import PermanentJobError
from scheduler.observe import Observer
from scheduler.records import Run, Schedule

log = logging.getLogger(__name__)


async def _held() -> None:
    return None


@dataclass(frozen=True)
class RunContext:
    """What a handler gets: the run, its schedule, the engine's clock reading, its observer."""

    run: Run
    schedule: Schedule
    now: datetime
    observer: Observer = field(default_factory=Observer, compare=False, repr=False)
    hold: Callable[[], Awaitable[None]] = field(default=_held, compare=False, repr=False)

    async def still_ours(self) -> None:
        """Await right before an effect outside (a post): returns while this replica
        may act for the run; raises `NotOurs` when another may have taken it over."""
        await self.hold()

    @property
    def idempotency_key(self) -> str:
        """Stable across retries of one slot, so a retry can find its own effect."""
        return f"{self.schedule.id}:{self.run.root_id}"

    @property
    def outcome_unknown(self) -> bool:
        """True when an earlier attempt may already have had its effect."""
        return self.run.attempt > 1


Handler = Callable[[RunContext], Awaitable[str | None]]


class JobRegistry:
    def __init__(self) -> None:
        self._handlers: dict[str, Handler] = {}

    def register(self, kind: str, handler: Handler) -> None:
        self._handlers[kind] = handler

    def kinds(self) -> list[str]:
        return sorted(self._handlers)

    def get(self, kind: str) -> Handler:
        try:
            return self._handlers[kind]
        except KeyError:
            raise PermanentJobError(f"no handler registered for job kind {kind!r}") from None


async def log_job(ctx: RunContext) -> str:
    """The built-in `log` kind: write the action's message to the log."""
    message = str(ctx.schedule.action.get("message", ctx.schedule.name))
    log.info(
        "%s",
        message,
        extra={"action": "job.log", "run_id": ctx.run.id, "schedule": ctx.schedule.name},
    )
    return message


def default_registry() -> JobRegistry:
    registry = JobRegistry()
    registry.register("log", log_job)
    return registry
