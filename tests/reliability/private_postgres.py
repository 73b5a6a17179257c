"""A Postgres cluster of the test's own, to restart mid-burst without touching the shared one.

The machine's Postgres (5432) serves every other test and CI, so it is never
restarted; this one is made with `initdb` in a temporary directory, on a
free port, listening on loopback only with trust auth, and removed after.
`initdb` refuses to run as root, so as root every binary runs as the
`postgres` OS user (`runuser`), the directory chowned to it.
"""

from __future__ import annotations

import asyncio
import contextlib
import glob
import os
import pwd
import shutil
import tempfile
from pathlib import Path

from benchmarks.processes import free_port

BINARIES = "/usr/lib/postgresql/*/bin"  # Debian's layout; else initdb on PATH
OS_USER = "postgres"


def find_bindir() -> Path | None:
    """The newest Postgres server binaries on this machine, or None."""
    found = [Path(d) for d in glob.glob(BINARIES) if (Path(d) / "initdb").exists()]
    if found:
        return max(found, key=lambda d: int(d.parent.name) if d.parent.name.isdigit() else 0)
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def why_unusable(bindir: Path | None) -> str | None:
    """Why a private cluster cannot be made here (None when it can)."""
    if bindir is None or not (bindir / "pg_ctl").exists():
        return f"no Postgres server binaries (initdb, pg_ctl) under {BINARIES} or on PATH"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam(OS_USER)
        except KeyError:
            return f"running as root, and there is no {OS_USER!r} user to run initdb as"
        if shutil.which("runuser") is None:
            return "running as root, and there is no runuser to run initdb as postgres"
    return None


class PrivatePostgres:
    """One throwaway cluster: `create`, `restart` while in use, `destroy`."""

    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self.root = Path(tempfile.mkdtemp(prefix="tock-pg-"))
        self.data = self.root / "data"
        self.port = free_port()
        self.restarts = 0

    @property
    def admin_url(self) -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/postgres"

    async def _run(self, binary: str, *args: str) -> str:
        command = [str(self.bindir / binary), *args]
        if os.geteuid() == 0:
            command = ["runuser", "-u", OS_USER, "--", *command]
        child = await asyncio.create_subprocess_exec(
            *command,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            cwd=self.root,
        )
        output, _ = await child.communicate()
        text = output.decode(errors="replace")
        if child.returncode != 0:
            raise RuntimeError(f"{binary} {' '.join(args)} failed ({child.returncode}):\n{text}")
        return text

    async def create(self) -> None:
        """initdb and start; the directory belongs to the `postgres` user when we are root."""
        if os.geteuid() == 0:
            owner = pwd.getpwnam(OS_USER)
            os.chown(self.root, owner.pw_uid, owner.pw_gid)
        await self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "-N")
        await self.start()

    async def start(self) -> None:
        options = (
            f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.root} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        log = str(self.root / "server.log")
        data = str(self.data)
        await self._run("pg_ctl", "-D", data, "-l", log, "-w", "-t", "60", "-o", options, "start")

    async def stop(self, mode: str = "fast") -> None:
        """Stop the server: every connection ends (``fast``: clients are told, then cut)."""
        await self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop")

    async def restart(self, down_s: float) -> None:
        """Stop, stay down ``down_s`` seconds (connections are refused), start again."""
        await self.stop()
        await asyncio.sleep(down_s)  # the outage itself, not a wait for anything
        await self.start()
        self.restarts += 1

    async def destroy(self) -> None:
        """Stop the server whatever its state, and remove its directory."""
        if (self.data / "postmaster.pid").exists():
            with contextlib.suppress(RuntimeError):  # not running after all: remove it anyway
                await self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)
