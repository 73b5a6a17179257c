"""`tock doctor`: what is missing in this configuration, said exactly.

Checks, in order: the bot token (`auth.test`) and its scopes against the
manifest's, Socket Mode's app token (`apps.connections.open`) or HTTP mode's
signing secret, the database (reachable, schema at the newest migration),
when configured, the LLM endpoint, and the operator's setup hook and schedules
file (valid; schedules removed from the file). Prints one line per check:

    ✓ fine    ! worth knowing, not fatal    ✗ must be fixed (exit 1)

Nothing here changes anything: no migrations, no files created, no posts.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

import aiohttp
import openai
import sqlalchemy as sa
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.config import Settings, secret
from bot.setup.checkup import check_operator
from bot.slack.scopes import BOT_SCOPES
from scheduler.store import Store
from scheduler.store.migrate import alembic_config

CHECK_TIMEOUT_S = 10.0
REQUIRED_SCOPES = frozenset(BOT_SCOPES)
_AUTH_REMEDIES = {
    "invalid_auth": "the token is wrong: copy the Bot User OAuth Token (xoxb-…) again",
    "token_revoked": "the token was revoked: reinstall the app and copy the new token",
    "account_inactive": "the app's bot was deactivated: reinstall the app",
    "not_authed": "no token reached Slack: check SLACK_BOT_TOKEN",
}


@dataclass
class Report:
    out: TextIO
    failures: int = 0
    lines: list[str] = field(default_factory=list)

    def ok(self, text: str) -> None:
        self._line("✓", text)

    def note(self, text: str) -> None:
        self._line("!", text)

    def fail(self, text: str) -> None:
        self.failures += 1
        self._line("✗", text)

    def _line(self, mark: str, text: str) -> None:
        self.lines.append(f"{mark} {text}")
        print(f"  {mark} {text}", file=self.out, flush=True)


def missing_scopes(granted_header: str | None) -> list[str] | None:
    """Scopes the manifest needs that the token lacks; None if Slack did not say."""
    if granted_header is None:
        return None
    granted = {s.strip() for s in granted_header.split(",") if s.strip()}
    return sorted(REQUIRED_SCOPES - granted)


async def main(settings: Settings, out: TextIO = sys.stdout) -> int:
    """`tock doctor` (the CLI runs this coroutine); 0 when nothing must be fixed."""
    report = Report(out)
    print("tock doctor", file=out)
    async with aiohttp.ClientSession() as session:
        client = AsyncWebClient(
            token=secret(settings.slack_bot_token) or None,
            base_url=settings.slack_api_url,
            session=session,
            timeout=int(CHECK_TIMEOUT_S),
        )
        await check_bot_token(settings, client, report)
        await check_mode(settings, client, report)
    await check_database(settings, report)
    await check_llm(settings, report)
    await check_setup(settings, report)
    if report.failures:
        print(f"{report.failures} problem(s) to fix; see docs/slack.md.", file=out)
        return 1
    print("All good.", file=out)
    return 0


async def check_bot_token(settings: Settings, client: AsyncWebClient, report: Report) -> None:
    token = secret(settings.slack_bot_token)
    if not token:
        report.fail(
            "SLACK_BOT_TOKEN is not set: create the app from manifest.yml, install it, and copy "
            "the Bot User OAuth Token (xoxb-…)"
        )
        return
    if not token.startswith("xoxb-"):
        report.fail("SLACK_BOT_TOKEN is not a bot token (it should start with xoxb-)")
        return
    try:
        response = await client.auth_test()
    except SlackApiError as error:
        code = str(error.response.get("error", "unknown_error"))
        report.fail(f"auth.test refused the bot token ({code}): {_AUTH_REMEDIES.get(code, code)}")
        return
    except (aiohttp.ClientError, OSError) as error:
        report.fail(f"Slack is unreachable at {settings.slack_api_url}: {_short(error)}")
        return
    report.ok(
        f"bot token: @{response.get('user')} ({response.get('user_id')}) in "
        f"{response.get('team')} ({response.get('team_id')})"
    )
    headers = {k.lower(): v for k, v in (response.headers or {}).items()}
    _report_scopes(headers.get("x-oauth-scopes"), report)


def _report_scopes(header: str | None, report: Report) -> None:
    missing = missing_scopes(header)
    if missing is None:
        report.note("scopes: not reported by this server (the emulator?); not checked")
    elif missing:
        report.fail(
            f"scopes missing: {', '.join(missing)}. Add them under OAuth & Permissions "
            "(or recreate the app from manifest.yml), then reinstall the app"
        )
    else:
        report.ok(f"scopes: all {len(REQUIRED_SCOPES)} the manifest asks for")


async def check_mode(settings: Settings, client: AsyncWebClient, report: Report) -> None:
    if settings.socket_mode:
        await _check_app_token(settings, client, report)
        return
    if settings.slack_signing_secret is None:
        report.fail(
            "neither SLACK_APP_TOKEN (Socket Mode) nor SLACK_SIGNING_SECRET (HTTP mode) is set: "
            "create an app-level token with connections:write, or copy the Signing Secret"
        )
        return
    report.ok(
        f"HTTP mode: Slack must reach https://<your host>/slack/events "
        f"(served on port {settings.port}); the signing secret is set"
    )


async def _check_app_token(settings: Settings, client: AsyncWebClient, report: Report) -> None:
    app_token = secret(settings.slack_app_token)
    if not app_token.startswith("xapp-"):
        report.fail("SLACK_APP_TOKEN is not an app-level token (it should start with xapp-)")
        return
    try:
        await client.apps_connections_open(app_token=app_token)
    except SlackApiError as error:
        code = str(error.response.get("error", "unknown_error"))
        report.fail(
            f"Socket Mode refused the app token ({code}): enable Socket Mode and create an "
            "app-level token with the connections:write scope"
        )
        return
    except (aiohttp.ClientError, OSError) as error:
        report.fail(f"Socket Mode is unreachable: {_short(error)}")
        return
    report.ok("Socket Mode: the app token opens a connection")


async def check_database(settings: Settings, report: Report) -> None:
    url = sa.make_url(settings.database_url)
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        path = Path(url.database or "")
        if not await asyncio.to_thread(path.exists):
            report.note(f"database {path} does not exist yet; it is created at start")
            return
    try:
        async with asyncio.timeout(CHECK_TIMEOUT_S):
            current = await _current_revision(settings.database_url)
    except (TimeoutError, sa.exc.SQLAlchemyError, OSError) as error:
        report.fail(f"database unreachable ({url.render_as_string()}): {_short(error)}")
        return
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    where = url.render_as_string()  # hides the password
    if current == head:
        report.ok(f"database {where}: reachable, schema at the newest migration ({head})")
    else:
        report.note(
            f"database {where}: schema at {current or 'nothing'}, newest is {head}; "
            "`tock db upgrade` (also applied when the bot starts)"
        )


async def check_setup(settings: Settings, report: Report) -> None:
    """The operator's setup hook and schedules file (`bot.setup.checkup`)."""
    for finding in await check_operator(settings):
        {"ok": report.ok, "note": report.note, "fail": report.fail}[finding.level](finding.text)


async def _current_revision(database_url: str) -> str | None:
    store = await Store.open(database_url, upgrade=False)
    try:
        async with store.engine.connect() as conn:
            await conn.execute(sa.text("SELECT 1"))
            return await conn.run_sync(
                lambda sync: MigrationContext.configure(sync).get_current_revision()
            )
    finally:
        await store.close()


async def check_llm(settings: Settings, report: Report) -> None:
    if not settings.llm_enabled:
        report.note("OPENAI_API_KEY is not set: the offline agent answers (no LLM)")
        return
    where = settings.openai_base_url or "api.openai.com"
    client = openai.AsyncOpenAI(
        api_key=secret(settings.openai_api_key),
        base_url=settings.openai_base_url,
        timeout=CHECK_TIMEOUT_S,
        max_retries=0,
    )
    try:
        models = await _model_ids(client, settings.model)
    except openai.AuthenticationError:
        report.fail(f"the LLM at {where} refused OPENAI_API_KEY (401)")
        return
    except openai.OpenAIError as error:
        report.fail(f"the LLM at {where} is unreachable: {type(error).__name__}")
        return
    finally:
        await client.close()
    if models is not None and settings.model not in models:
        report.fail(f"TOCK_MODEL {settings.model!r} is not offered at {where}")
        return
    report.ok(f"LLM at {where} answers with model {settings.model}")


async def _model_ids(client: openai.AsyncOpenAI, model: str) -> set[str] | None:
    """The served model ids, or None when the server has no model list (then one tiny call)."""
    try:
        page = await client.models.list()
    except openai.NotFoundError:
        await client.chat.completions.create(
            model=model, messages=[{"role": "user", "content": "ping"}], max_tokens=1
        )
        return None
    ids: Iterable[str] = (m.id for m in page.data)
    return set(ids) or None


def _short(error: BaseException) -> str:
    text = str(error).splitlines()[0] if str(error) else type(error).__name__
    return text[:200]
