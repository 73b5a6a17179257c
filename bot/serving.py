"""Serving an aiohttp application: the bot's web server, the emulator, the test fakes.

Each runs a real server, tests on loopback with a free ephemeral port, and
hands out the URL it bound; ``listen`` is that, once.
"""

from __future__ import annotations

from aiohttp import web


async def listen(
    app: web.Application, host: str = "127.0.0.1", port: int = 0
) -> tuple[web.AppRunner, str]:
    """Serve ``app`` on ``host:port`` (port 0 picks a free one).

    Returns the runner, whose ``cleanup()`` stops the server, and the base
    URL it listens on, ``http://host:port``.
    """
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    bound_port = runner.addresses[0][1]
    if host in ("0.0.0.0", "::"):  # every interface: loopback reaches it from here
        host = "127.0.0.1"
    netloc = f"[{host}]" if ":" in host else host  # an IPv6 literal needs brackets
    return runner, f"http://{netloc}:{bound_port}"
