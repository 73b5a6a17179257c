"""The workspace of a declared schedule that names none: TOCK_TEAM_ID, else the bot token's."""

from __future__ import annotations

import aiohttp
import pytest
from slack_sdk.web.async_client import AsyncWebClient

from bot.emulator import SlackEmulator
from bot.setup.errors import SetupError
from bot.setup.teams import workspace


async def test_tock_team_id_wins_and_slack_is_not_asked() -> None:
    assert await workspace("T0CONFIGURED", None)() == "T0CONFIGURED"


async def test_else_the_bot_tokens_workspace(
    emulator: SlackEmulator, slack_client: AsyncWebClient
) -> None:
    assert await workspace(None, slack_client)() == emulator.team.id


async def test_without_slack_or_a_team_it_says_what_to_set() -> None:
    with pytest.raises(SetupError) as raised:
        await workspace(None, None)()
    assert raised.value.problems == (
        "declared schedules need a Slack workspace: set TOCK_TEAM_ID to the workspace id "
        "(T0123ABC), or `team:` in each entry",
    )


async def test_a_refused_token_says_so(emulator: SlackEmulator, http: aiohttp.ClientSession):
    client = AsyncWebClient(token="xoxb-wrong", base_url=emulator.api_url, session=http)
    with pytest.raises(SetupError) as raised:
        await workspace(None, client)()
    [problem] = raised.value.problems
    assert problem.startswith("auth.test refused the bot token (invalid_auth): set TOCK_TEAM_ID")
