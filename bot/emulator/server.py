"""``SlackEmulator``: the surfaces composed into one aiohttp application.

Routes: ``/api/{method}`` (webapi.py, conversations.py), ``/link/`` (Socket
Mode, socket_mode.py), ``/response/{rid}`` (responses.py), and the admin
endpoints another process uses: ``POST /_emulator/seed``,
``GET /_emulator/stats``, and ``POST``/``GET /_emulator/faults`` (inject
faults, see what is still queued). Also the lifecycle: ``start``, ``stop``,
``api_url``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any

import aiohttp
from aiohttp import web

from bot.emulator.conversations import Conversations
from bot.emulator.faults import FaultInjection
from bot.emulator.inbound import Inbound
from bot.emulator.responses import ResponseUrls
from bot.emulator.socket_mode import SocketMode
from bot.emulator.state import Workspace
from bot.emulator.webapi import MANIFEST_BOT_SCOPES, WebApi
from bot.serving import listen


class SlackEmulator(
    Inbound, ResponseUrls, SocketMode, Conversations, WebApi, FaultInjection, Workspace
):
    """An aiohttp application that behaves like one Slack workspace."""

    def __init__(
        self,
        *,
        bot_token: str = "xoxb-tock-emulator",
        app_token: str = "xapp-1-tock-emulator",
        signing_secret: str = "tock-emulator-signing-secret",
        team_name: str = "Tock Dev",
        team_domain: str = "tock-dev",
        rate_limit_per_channel: float | None = None,
        rate_limit_burst: int = 1,
        post_latency: float = 0.0,
        bot_scopes: Iterable[str] = MANIFEST_BOT_SCOPES,
        monotonic: Callable[[], float] = time.monotonic,
        wall: Callable[[], float] = time.time,
    ) -> None:
        # Each surface takes what it needs and initialises its own state (see its __init__).
        super().__init__(
            bot_token=bot_token,
            app_token=app_token,
            signing_secret=signing_secret,
            team_name=team_name,
            team_domain=team_domain,
            rate_limit_per_channel=rate_limit_per_channel,
            rate_limit_burst=rate_limit_burst,
            post_latency=post_latency,
            bot_scopes=bot_scopes,
            monotonic=monotonic,
            wall=wall,
        )
        self._runner: web.AppRunner | None = None
        self.app = self._build_app()

    def _build_app(self) -> web.Application:
        app = web.Application(client_max_size=4 * 1024 * 1024)
        app.router.add_route("*", "/api/{method}", self._handle_api)
        app.router.add_get("/link/", self._handle_socket)
        app.router.add_post("/response/{rid}", self._handle_response_url)
        app.router.add_post("/_emulator/seed", self._handle_seed)
        app.router.add_get("/_emulator/stats", self._handle_stats)
        app.router.add_post("/_emulator/faults", self._handle_inject_faults)
        app.router.add_get("/_emulator/faults", self._handle_faults)
        return app

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        """Serve on ``host:port``; port 0 picks a free ephemeral port."""
        self._runner, self._base = await listen(self.app, host, port)

    async def stop(self) -> None:
        """Close sockets and the server; the state stays for inspection."""
        for ws in list(self._sockets):
            await ws.close(code=aiohttp.WSCloseCode.GOING_AWAY)
        if self._http is not None:
            await self._http.close()
            self._http = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> SlackEmulator:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def api_url(self) -> str:
        """For ``AsyncWebClient(base_url=...)``."""
        return f"{self.base_url}/api/"

    async def _handle_seed(self, request: web.Request) -> web.Response:
        """Create users and channels: ``{"users": [...], "channels": [...]}``."""
        spec = await request.json()
        users = [self.add_user(**fields).id for fields in spec.get("users", [])]
        channels = [self.add_channel(**fields).id for fields in spec.get("channels", [])]
        return web.json_response({"users": users, "channels": channels})

    async def _handle_stats(self, request: web.Request) -> web.Response:
        return web.json_response(
            {
                "ratelimited": self.ratelimited,
                "messages": sum(len(m) for m in self.messages.values()),
                "in_flight": self.in_flight,
            }
        )

    async def _handle_inject_faults(self, request: web.Request) -> web.Response:
        """Queue faults: one object, or a list, of ``inject_fault``'s arguments and ``method``.

        Answers 400 (and queues none of them) when one is not such an object.
        """
        try:
            spec = await request.json()
        except ValueError:
            raise web.HTTPBadRequest(text="the body must be JSON") from None
        specs = spec if isinstance(spec, list) else [spec]
        problems = [p for s in specs if (p := _fault_problem(s))]
        if problems:
            raise web.HTTPBadRequest(text="; ".join(problems))
        for fields in specs:
            self.inject_fault(**fields)
        return await self._handle_faults(request)

    async def _handle_faults(self, request: web.Request) -> web.Response:
        """Faults still queued and faults applied so far, per method."""
        return web.json_response(
            {"pending": self.pending_faults(), "served": dict(self.faults_served)}
        )


# What ``POST /_emulator/faults`` accepts: ``inject_fault``'s arguments and their types.
_FAULT_FIELDS: dict[str, tuple[type, ...]] = {
    "method": (str,),
    "times": (int,),
    "after": (int,),
    "error": (str, type(None)),
    "status": (int,),
    "after_effect": (bool,),
    "retry_after": (int, type(None)),
    "delay": (int, float),
    "drop": (bool,),
}


def _fault_problem(fields: Any) -> str | None:
    """Why ``fields`` cannot be passed to ``inject_fault`` (None when it can)."""
    if not isinstance(fields, dict) or "method" not in fields:
        return "each fault must be an object with a 'method'"
    for name, value in fields.items():
        kinds = _FAULT_FIELDS.get(name)
        if kinds is None:
            return f"unknown fault field {name!r}"
        wrong_bool = isinstance(value, bool) and bool not in kinds  # True is an int too
        if wrong_bool or not isinstance(value, kinds):
            return f"{name} must be {' or '.join(k.__name__ for k in kinds)}"
        if not isinstance(value, bool) and isinstance(value, int | float) and value < 0:
            return f"{name} must not be negative"
    return None
