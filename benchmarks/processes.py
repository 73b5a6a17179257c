"""Child processes the benchmarks and the reliability tests run: the emulator and `tock run`.

As in production, Slack (here `python -m bot.emulator`) and each bot replica
(`python -m bot.cli run`, HTTP mode against the emulator) are processes of
their own. Each child starts in its own session, so its process group can be
killed whole; every child started here is remembered until it is reaped, and
`kill_all` (also run at exit) SIGKILLs those still running, so a benchmark
that crashes or a test that times out leaves nothing behind. A child is only
signalled while unreaped, so its pid cannot have gone to another process.

- `emulator_process(*args)`: the emulator; yields the settings line it prints.
- `BotProcess`: one `tock run`; `start`, `wait_ready` (its "tock is running"
  log line), `kill` (SIGKILL, as a crash), `stop` (SIGTERM, as a deploy).
  `bot_process(...)` is one, started and ready, for a `with` block.
- `seed_channels`, `landed`, `emulator_stats`: the emulator's admin endpoints
  and the Web API reads a bot would make.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import json
import os
import signal
import socket
import sys
from collections import deque
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import IO, Any

import aiohttp

READY_LINE = "tock is running"
START_TIMEOUT_S = 60.0  # a replica slower than this to start is broken, not slow
STOP_TIMEOUT_S = 30.0  # SIGTERM, then this long, then SIGKILL
_children: dict[int, asyncio.subprocess.Process] = {}  # started here, by pid (= process group)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def spawn(*args: str, **kwargs: Any) -> asyncio.subprocess.Process:
    """``args`` in a new session (its own process group), remembered for `kill_all`."""
    child = await asyncio.create_subprocess_exec(*args, start_new_session=True, **kwargs)
    _children[child.pid] = child
    return child


def _signal(child: asyncio.subprocess.Process, signum: int) -> None:
    """Signal ``child``'s process group, only while the child is unreaped (its pid is ours)."""
    if child.returncode is None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(child.pid, signum)


async def reap(child: asyncio.subprocess.Process, grace: float = STOP_TIMEOUT_S) -> int:
    """SIGTERM ``child``'s group, SIGKILL it if it outlives ``grace``; its exit code."""
    _signal(child, signal.SIGTERM)
    try:
        code = await asyncio.wait_for(child.wait(), grace)
    except TimeoutError:
        _signal(child, signal.SIGKILL)
        code = await child.wait()
    _children.pop(child.pid, None)
    return code


def kill_all() -> None:
    """SIGKILL every child started here that is still running (teardown, exit)."""
    for child in list(_children.values()):
        _signal(child, signal.SIGKILL)
    _children.clear()


atexit.register(kill_all)


@asynccontextmanager
async def emulator_process(*args: str) -> AsyncIterator[dict[str, Any]]:
    """``python -m bot.emulator ARGS`` in a child process; yields its settings line."""
    child = await spawn(sys.executable, "-m", "bot.emulator", *args, stdout=asyncio.subprocess.PIPE)
    try:
        assert child.stdout is not None
        line = await asyncio.wait_for(child.stdout.readline(), START_TIMEOUT_S)
        if not line:
            raise RuntimeError("the emulator exited before it printed its settings")
        yield json.loads(line)
    finally:
        await reap(child)


def bot_env(
    settings: dict[str, Any], db_url: str, port: int, extra: dict[str, str] | None = None
) -> dict[str, str]:
    """`tock run`'s environment: HTTP mode against the emulator, none of ours leaking in."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "OPENAI_", "TOCK_"))}
    return env | {
        "SLACK_BOT_TOKEN": settings["bot_token"],
        "SLACK_SIGNING_SECRET": settings["signing_secret"],
        "SLACK_API_URL": settings["api_url"],
        "TOCK_HOST": "127.0.0.1",
        "TOCK_PORT": str(port),
        "TOCK_DATABASE_URL": db_url,
        "TOCK_LOG_LEVEL": "INFO",
        **(extra or {}),
    }


class BotProcess:
    """One `tock run` replica, restartable: a new process (and port) at each start.

    Its log (stderr) is drained all the time, so the bot never blocks on a
    full pipe; lines go to ``logs`` when given, and the last ones are kept
    in ``tail`` for error messages.
    """

    def __init__(
        self,
        settings: dict[str, Any],
        db_url: str,
        directory: str,
        extra: dict[str, str] | None = None,
        logs: IO[str] | None = None,
        name: str = "tock",
    ) -> None:
        self.settings, self.db_url, self.directory = settings, db_url, directory
        self.extra = dict(extra or {})
        self.logs, self.name = logs, name
        self.child: asyncio.subprocess.Process | None = None
        self.port = 0
        self.starts = 0
        self.tail: deque[str] = deque(maxlen=50)
        self._ready = asyncio.Event()
        self._reader: asyncio.Task[None] | None = None

    @property
    def events_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/slack/events"

    @property
    def running(self) -> bool:
        return self.child is not None and self.child.returncode is None

    async def start(self) -> None:
        """Start a new process; returns at once (see `wait_ready`)."""
        if self.running:
            raise RuntimeError(f"{self.name} is already running")
        self.port = free_port()
        self.starts += 1
        self._ready = asyncio.Event()
        env = bot_env(self.settings, self.db_url, self.port, self.extra)
        self.child = await spawn(
            *(sys.executable, "-m", "bot.cli", "run"),
            env=env,
            cwd=self.directory,
            stderr=asyncio.subprocess.PIPE,
        )
        assert self.child.stderr is not None
        self._reader = asyncio.create_task(self._read(self.child.stderr, self._ready))

    async def wait_ready(self, within: float = START_TIMEOUT_S) -> None:
        """Until the bot logs that it is running; raise if it exits or takes too long."""
        assert self._reader is not None
        ready = asyncio.ensure_future(self._ready.wait())
        try:
            await asyncio.wait(
                {self._reader, ready}, timeout=within, return_when=asyncio.FIRST_COMPLETED
            )
        finally:
            ready.cancel()
        if not self._ready.is_set():
            last = "".join(list(self.tail)[-10:])
            raise RuntimeError(f"{self.name} did not start; its last log lines:\n{last}")

    def kill(self) -> None:
        """SIGKILL the replica now, as a crash or an OOM kill would."""
        if self.child is not None:
            _signal(self.child, signal.SIGKILL)

    async def stop(self, grace: float = STOP_TIMEOUT_S) -> int | None:
        """SIGTERM (graceful), SIGKILL after ``grace`` seconds; the exit code."""
        if self.child is None:
            return None
        code = await reap(self.child, grace)
        if self._reader is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.wait_for(self._reader, 5)
        return code

    async def restart(self) -> None:
        """Reap the old process (killed or not) and start a new one."""
        await self.stop()
        await self.start()

    async def _read(self, stream: asyncio.StreamReader, ready: asyncio.Event) -> None:
        async for raw in stream:
            line = raw.decode(errors="replace")
            self.tail.append(line)
            if self.logs is not None:
                self.logs.write(f"[{self.name}#{self.starts}] {line}")
            if READY_LINE in line:
                ready.set()


@asynccontextmanager
async def bot_process(
    settings: dict[str, Any],
    db_url: str,
    directory: str,
    extra: dict[str, str] | None = None,
    logs: IO[str] | None = None,
) -> AsyncIterator[BotProcess]:
    """One `tock run` against the emulator; yields once it is running, stops it after."""
    bot = BotProcess(settings, db_url, directory, extra, logs)
    await bot.start()
    try:
        await bot.wait_ready()
        yield bot
    finally:
        await bot.stop()


async def seed_channels(
    http: aiohttp.ClientSession, base_url: str, names: list[str], members: Sequence[str] = ()
) -> list[str]:
    """Create channels (the bot in each, and ``members``); their ids, in order."""
    spec = {"channels": [{"name": name, "members": list(members)} for name in names]}
    async with http.post(f"{base_url}/_emulator/seed", json=spec) as response:
        response.raise_for_status()
        return list((await response.json())["channels"])


async def landed(
    http: aiohttp.ClientSession, api_url: str, token: str, channels: list[str]
) -> list[dict[str, Any]]:
    """Every message in ``channels``, read back through conversations.history (all pages)."""
    messages: list[dict[str, Any]] = []
    headers = {"Authorization": f"Bearer {token}"}
    for channel in channels:
        cursor = ""
        while True:
            params = {"channel": channel, "limit": "999", "cursor": cursor}
            async with http.get(
                f"{api_url}conversations.history", params=params, headers=headers
            ) as response:
                page = await response.json()
            if not page.get("ok"):
                raise RuntimeError(f"conversations.history in {channel}: {page.get('error')}")
            messages += page["messages"]
            cursor = (page.get("response_metadata") or {}).get("next_cursor") or ""
            if not cursor:
                break
    return messages


async def emulator_stats(http: aiohttp.ClientSession, base_url: str) -> dict[str, Any]:
    async with http.get(f"{base_url}/_emulator/stats") as response:
        return dict(await response.json())
