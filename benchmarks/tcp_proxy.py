"""A loopback TCP relay that can be cut: a network partition between one process and a server.

Point one replica's database URL at a `TcpProxy` in front of Postgres, and
`cut(seconds)` partitions that replica alone from the database: every
connection through the proxy is reset at once and new ones are refused
until the cut ends, while the replica itself keeps running (and reaching
Slack). Restarting Postgres cuts every replica at once; this cuts one.
"""

from __future__ import annotations

import asyncio
import contextlib

from benchmarks.processes import free_port

CHUNK = 64 * 1024


class TcpProxy:
    """Relay ``127.0.0.1:port`` to ``upstream``; `cut` it for a while. Use in one event loop."""

    def __init__(self, upstream_host: str, upstream_port: int) -> None:
        self.upstream = (upstream_host, upstream_port)
        self.port = free_port()
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._relays: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        """Listen (again) on the same port."""
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", self.port)

    async def disconnect(self) -> None:
        """Reset every connection and refuse new ones, until `start`."""
        await self._drop_all()

    async def cut(self, seconds: float) -> None:
        """`disconnect` for ``seconds``, then listen again."""
        await self.disconnect()
        await asyncio.sleep(seconds)  # the partition itself, not a wait for anything
        await self.start()

    async def close(self) -> None:
        await self._drop_all()

    async def _drop_all(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.close()  # no new connections: they are refused from now on
        for writer in list(self._writers):
            writer.transport.abort()
        for task in list(self._relays):
            task.cancel()
        await asyncio.gather(*self._relays, return_exceptions=True)
        if server is not None:
            await server.wait_closed()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.upstream)
        except OSError:
            writer.transport.abort()
            return
        self._writers |= {writer, up_writer}
        pumps = [
            asyncio.create_task(self._pump(reader, up_writer)),
            asyncio.create_task(self._pump(up_reader, writer)),
        ]
        self._relays.update(pumps)
        try:
            await asyncio.wait(pumps, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in pumps:
                task.cancel()
            for w in (writer, up_writer):
                w.transport.abort()
                self._writers.discard(w)
            self._relays.difference_update(pumps)

    @staticmethod
    async def _pump(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(OSError, asyncio.IncompleteReadError):
            while data := await reader.read(CHUNK):
                writer.write(data)
                await writer.drain()
