"""Work the bot does after Slack has its ack: held, named, logged, drained.

Bolt starts listeners with a bare `ensure_future` that nothing holds or
watches. Replies to mentions, deferred slash answers and App Home refreshes
go through `Background.spawn` instead, so a failure is logged with its name,
shutdown can wait for replies in flight, and tests and the console can wait
for "the bot is done" as an event rather than a sleep.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any, TypeVar

log = logging.getLogger(__name__)
T = TypeVar("T")


class Background:
    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()
        self._idle = asyncio.Event()
        self._idle.set()
        self.failures = 0

    @property
    def pending(self) -> int:
        return len(self._tasks)

    def spawn(self, work: Coroutine[Any, Any, T], name: str) -> asyncio.Task[T]:
        task = asyncio.create_task(work, name=name)
        self._tasks.add(task)
        self._idle.clear()
        task.add_done_callback(self._done)
        return task

    def _done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not self._tasks:
            self._idle.set()
        if task.cancelled():
            return
        if (error := task.exception()) is not None:
            self.failures += 1
            log.error(
                "background task %s failed",
                task.get_name(),
                exc_info=error,
                extra={"action": "bot.background_failed", "task": task.get_name()},
            )

    async def wait_idle(self) -> None:
        """Until nothing is in flight (work spawned meanwhile is waited for too)."""
        while self._tasks:
            await self._idle.wait()

    async def close(self, grace_s: float) -> None:
        """Let work in flight finish within `grace_s`, then cancel the rest."""
        try:
            async with asyncio.timeout(grace_s):
                await self.wait_idle()
        except TimeoutError:
            log.warning(
                "cancelling %d unfinished background tasks",
                len(self._tasks),
                extra={"action": "bot.background_cancel"},
            )
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
