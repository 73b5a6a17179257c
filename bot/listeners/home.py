"""App Home: the person's own schedules, with next run and last result.

Published when the Home tab is opened and after any button changes
something. The last result of every schedule comes from one query over the
team's recent runs rather than one per schedule. While the database is
unreachable the tab keeps the view it last had (a refresh is no answer to
anyone, so `bot.listeners.failures` has nothing to say; it is logged).
"""

from __future__ import annotations

import logging
from typing import Any
from zoneinfo import ZoneInfo

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.async_context import AsyncBoltContext

from bot.deps import Deps
from bot.slack.api import SLACK_ERRORS
from bot.slack.blocks import home_view
from scheduler.errors import StoreUnavailable
from tools.scheduler_tools import ListSchedulesArgs, run_view

log = logging.getLogger(__name__)
HOME_SCHEDULES = 50  # the view holds at most 50 blocks anyway
RECENT_RUNS = 500  # runs scanned for each schedule's last result


def register(app: AsyncApp, deps: Deps) -> None:
    @app.event("app_home_opened")
    async def on_home_opened(event: dict[str, Any], context: AsyncBoltContext) -> None:
        if event.get("tab", "home") != "home":
            return  # the Messages tab: nothing to render
        team, user = str(context.team_id or ""), str(event.get("user") or "")
        deps.background.spawn(publish_home(deps, team, user), name="app-home")


async def publish_home(deps: Deps, team_id: str, user_id: str) -> None:
    try:
        caller = await deps.directory.caller(team_id, user_id, None)
        args = ListSchedulesArgs(scope="mine", page_size=HOME_SCHEDULES)
        schedules = (await deps.tools.list_schedules(caller, args))["schedules"]
        await _add_last_runs(deps, team_id, schedules)
    except StoreUnavailable as error:
        log.warning(
            "App Home not refreshed: %s", error, extra={"action": "home.stale", "user": user_id}
        )
        return
    try:
        await deps.client.views_publish(user_id=user_id, view=home_view(schedules))
    except SLACK_ERRORS as error:
        log.warning(
            "views.publish failed: %s", error, extra={"action": "home.publish", "user": user_id}
        )


async def _add_last_runs(deps: Deps, team_id: str, schedules: list[dict[str, Any]]) -> None:
    """Set `last_run` on each schedule that has a finished run among the recent ones."""
    wanted = {s["name"]: s for s in schedules}
    runs = await deps.store.list_runs(team_id=team_id, limit=RECENT_RUNS)
    for run, name in runs:  # newest first: the first finished run per name is its last
        schedule = wanted.get(name)
        if schedule is None or "last_run" in schedule or run.finished_at is None:
            continue
        schedule["last_run"] = run_view(run, ZoneInfo(schedule["timezone"]))
