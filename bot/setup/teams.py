"""Which Slack workspace a declared schedule belongs to when it names none.

Rule, in order: the entry's own `team`; else `TOCK_TEAM_ID`; else the
workspace the bot token belongs to, as `auth.test` answers at start (a bot
token is one workspace's, so this is the workspace people use it from, and
chat sees the schedule there: admins can pause and resume it). Asked once
per sync and only when an entry needs it; when Slack cannot answer, the
sync stops with a SetupError saying to set `TOCK_TEAM_ID`.
"""

from __future__ import annotations

from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError

from bot.setup.errors import SetupError
from bot.setup.sync import TeamSource

NEEDS_TEAM = "set TOCK_TEAM_ID to the workspace id (T0123ABC), or `team:` in each entry"


def workspace(configured: str | None, client: Any | None) -> TeamSource:
    """The default workspace: `configured` (TOCK_TEAM_ID), else `client`'s auth.test."""

    async def team() -> str:
        if configured is not None:
            return configured
        if client is None:
            raise SetupError([f"declared schedules need a Slack workspace: {NEEDS_TEAM}"])
        return await _auth_team(client)

    return team


async def _auth_team(client: Any) -> str:
    try:
        response = await client.auth_test()
    except SlackApiError as error:
        code = error.response.get("error", "unknown_error")
        raise SetupError([f"auth.test refused the bot token ({code}): {NEEDS_TEAM}"]) from None
    except (aiohttp.ClientError, OSError, TimeoutError) as error:
        raise SetupError([f"Slack did not answer auth.test ({error}): {NEEDS_TEAM}"]) from None
    team = str(response.get("team_id") or "")
    if not team:
        raise SetupError([f"auth.test named no workspace: {NEEDS_TEAM}"])
    return team
