"""The Bolt app: request verification, authorization, and Tock's listeners.

`process_before_response=False`: Bolt answers Slack as soon as a listener
acks (events are acked before the listener starts), and the listeners move
their work to `deps.background`. The app is the same in HTTP and Socket
Mode; `bot.runtime` decides how requests reach it.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.response import BoltResponse

from bot.config import secret
from bot.deps import Deps
from bot.listeners import register_all

log = logging.getLogger(__name__)
BOLT_LOGGER = "tock.bolt"  # its level is set by bot.runtime


class _ExpectedTokenWarning(logging.Filter):
    """Bolt reads SLACK_BOT_TOKEN itself and warns that our client's token wins: it should."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "`token` will be unused" not in record.getMessage()


_bolt_log = logging.getLogger(BOLT_LOGGER)
_bolt_log.addFilter(_ExpectedTokenWarning())


def build_app(deps: Deps) -> AsyncApp:
    signing_secret = secret(deps.settings.slack_signing_secret)
    app = AsyncApp(
        # The client carries the bot token and the Web API base URL (Slack, or
        # the local emulator); passing `token=` as well would only be ignored.
        client=deps.client,
        signing_secret=signing_secret,
        # Socket Mode requests arrive over an authenticated socket, unsigned.
        request_verification_enabled=bool(signing_secret),
        process_before_response=False,
        logger=_bolt_log,
    )
    register_all(app, deps)

    @app.error
    async def on_error(error: Exception, body: dict[str, Any]) -> BoltResponse | None:
        # Logged with its traceback; the person never sees exception text.
        log.error(
            "listener failed: %s",
            type(error).__name__,
            exc_info=error,
            extra={"action": "bolt.error", "type": body.get("type")},
        )
        return None

    return app
