"""What a person hears when their request fails on our side: one rule for every listener.

Mentions and buttons run their work after the ack through `answering(work,
tell, request)`; the slash command, which answers in its ack when it can,
through `replying(work, request)`. Either way:

- The database is unreachable (`StoreUnavailable`, wherever in the request:
  the event dedupe, the caller's zone, a tool, the thread's memory): the
  person is told DATABASE_DOWN. Logged as a warning without a traceback: an
  outage is news for `/readyz` and the engine's log, not a bug here.
- Anything else: SORRY, and the traceback goes to the log.
- Never silence, never exception text. Telling is best effort: when the
  answer cannot be delivered either (Slack unreachable too), that is logged.

`SchedulerTools.call` lets `StoreUnavailable` through for this reason: an
outage in the middle of an agent's tool loop ends the turn here as well,
instead of becoming a "tool failed" the model would have to explain.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from bot.slack.reply import Reply
from scheduler.errors import StoreUnavailable

log = logging.getLogger(__name__)
DATABASE_DOWN = Reply(
    text="I can't reach my database right now, so I couldn't do that. Try again in a minute."
)
SORRY = Reply(
    text="Sorry, something went wrong on my side and I could not answer. "
    "Try again in a moment, or use `/tock help`."
)
Tell = Callable[[Reply], Awaitable[None]]  # delivers a reply where the person is looking


def failure_reply(error: BaseException, request: str) -> Reply:
    """What the person hears about `error` (logged here, once)."""
    extra = {"action": "bot.request_failed", "request": request}
    if isinstance(error, StoreUnavailable):
        log.warning("%s: %s", request, error, extra=extra)  # says "database unavailable"
        return DATABASE_DOWN
    log.error("%s failed", request, exc_info=error, extra=extra)
    return SORRY


async def answering(work: Awaitable[None], tell: Tell, request: str) -> None:
    """Run a person's request; if it fails, `tell` them why in words."""
    try:
        await work
    except Exception as error:  # the person must hear back; the details go to the log only
        reply = failure_reply(error, request)
        try:
            await tell(reply)
        except Exception as undelivered:  # Slack is failing too: the log is all that is left
            log.warning(
                "%s: could not tell the person it failed: %s",
                request,
                type(undelivered).__name__,
                extra={"action": "bot.failure_untold", "request": request},
            )


async def replying(work: Awaitable[Reply], request: str) -> Reply:
    """`work`'s reply, or what the person hears about its failure."""
    try:
        return await work
    except Exception as error:  # the person must hear back; the details go to the log only
        return failure_reply(error, request)
