"""Bolt listeners, one module per kind of Slack input; each has `register(app, deps)`.

Every listener acknowledges at once and hands the work to `deps.background`,
so Slack's 3-second budget is never spent on the database, the LLM or
another Slack call. `failures` (no listener) is what the person hears when
that work fails: one rule for all of them.
"""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot.deps import Deps
from bot.listeners import actions, commands, home, mentions


def register_all(app: AsyncApp, deps: Deps) -> None:
    for module in (mentions, commands, actions, home):
        module.register(app, deps)
