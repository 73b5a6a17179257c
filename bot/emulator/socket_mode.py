"""Socket Mode: the ``apps.connections.open`` URL and the WebSocket behind it.

A client calls ``apps.connections.open`` with the app token and gets a
``ws://…/link/`` URL to this server. On connecting it receives ``hello``;
``socket_send`` then delivers an envelope to the newest connection and waits
for the ack carrying its ``envelope_id``; ``socket_disconnect`` asks clients
to reconnect, as Slack does periodically.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any
from urllib.parse import urlencode

import aiohttp
from aiohttp import web

from bot.emulator.records import Params
from bot.emulator.webapi import WebApi


class SocketMode(WebApi):
    """Serves ``/link/`` and adds ``apps.connections.open`` to the Web API's table.

    State: ``_sockets`` (open connections, newest last), ``_pending_acks``
    (envelope id -> the ``socket_send`` waiting for it) and ``acks`` (every
    ack received, for tests). Relies on the workspace's ``base_url`` and app id.
    """

    def __init__(self, **settings: Any) -> None:
        super().__init__(**settings)
        self.acks: list[dict[str, Any]] = []
        self._pending_acks: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self._sockets: list[web.WebSocketResponse] = []
        self._methods["apps.connections.open"] = self._apps_connections_open

    async def _apps_connections_open(self, params: Params) -> dict[str, Any]:
        query = urlencode({"ticket": uuid.uuid4(), "app_id": self.app_id})
        return {"url": f"{self.base_url.replace('http', 'ws', 1)}/link/?{query}"}

    async def _handle_socket(self, request: web.Request) -> web.WebSocketResponse:
        """Slack's Socket Mode: hello, then envelopes out and acks back."""
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        self._sockets.append(ws)
        self._bump()
        try:
            await ws.send_json(self._hello())
            async for frame in ws:
                if frame.type == aiohttp.WSMsgType.TEXT:
                    self._record_ack(frame.data)
        finally:
            self._sockets.remove(ws)
            self._bump()
        return ws

    def _hello(self) -> dict[str, Any]:
        return {
            "type": "hello",
            "num_connections": len(self._sockets),
            "debug_info": {
                "host": "applink-emulator",
                "build_number": 1,
                "approximate_connection_time": 18060,
            },
            "connection_info": {"app_id": self.app_id},
        }

    def _record_ack(self, data: str) -> None:
        try:
            ack = json.loads(data)
        except json.JSONDecodeError:
            return
        if not isinstance(ack, dict) or "envelope_id" not in ack:
            return
        self.acks.append(ack)
        waiter = self._pending_acks.pop(str(ack["envelope_id"]), None)
        if waiter is not None and not waiter.done():
            waiter.set_result(ack)
        self._bump()

    @property
    def socket_connections(self) -> int:
        return len(self._sockets)

    async def wait_for_socket(self, *, timeout: float = 2.0) -> None:  # noqa: ASYNC109 (test waiters take a deadline)
        """Until a Socket Mode client is connected."""
        await self.wait_for(lambda: self._sockets, timeout=timeout, what="a socket connection")

    async def socket_send(
        self,
        kind: str,
        payload: dict[str, Any],
        *,
        timeout: float = 2.0,  # noqa: ASYNC109 (test waiters take a deadline)
        retry_attempt: int = 0,
        retry_reason: str = "",
    ) -> dict[str, Any]:
        """Deliver one envelope to the newest connection; return its ack.

        ``kind`` is ``events_api``, ``slash_commands`` or ``interactive``.
        """
        await self.wait_for_socket(timeout=timeout)
        envelope: dict[str, Any] = {
            "envelope_id": str(uuid.uuid4()),
            "payload": payload,
            "type": kind,
            "accepts_response_payload": kind != "events_api",
        }
        if kind == "events_api":
            envelope.update(retry_attempt=retry_attempt, retry_reason=retry_reason)
        acked = asyncio.get_running_loop().create_future()
        self._pending_acks[envelope["envelope_id"]] = acked
        await self._sockets[-1].send_json(envelope)
        try:
            async with asyncio.timeout(timeout):
                return await acked
        except TimeoutError:
            self._pending_acks.pop(envelope["envelope_id"], None)
            raise TimeoutError(f"no ack for {kind} envelope within {timeout}s") from None

    async def socket_disconnect(self, reason: str = "refresh_requested") -> None:
        """Ask connected clients to reconnect, as Slack does periodically."""
        for ws in list(self._sockets):
            await ws.send_json({"type": "disconnect", "reason": reason, "debug_info": {}})
            await ws.close()
