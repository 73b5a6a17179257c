"""``python -m bot.emulator``: run a standalone emulator until SIGINT or SIGTERM.

It prints one JSON line (its URLs, tokens and signing secret, and with
``--demo`` the ids of the seeded people and channels) for a parent process
to read; the benchmarks start it this way (benchmarks/processes.py). Another
process seeds it (``POST /_emulator/seed``), injects faults
(``POST /_emulator/faults``) and reads counters (``GET /_emulator/stats``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal

from bot.emulator.server import SlackEmulator


async def _serve(args: argparse.Namespace) -> None:
    emulator = SlackEmulator(
        rate_limit_per_channel=args.rate_limit_per_channel,
        rate_limit_burst=args.rate_limit_burst,
        post_latency=args.post_latency,
    )
    await emulator.start(args.host, args.port)
    seeded = emulator.seed_demo() if args.demo else {}
    settings = {
        "api_url": emulator.api_url,
        "base_url": emulator.base_url,
        "bot_token": emulator.bot_token,
        "app_token": emulator.app_token,
        "signing_secret": emulator.signing_secret,
        **seeded,
    }
    print(json.dumps(settings), flush=True)  # one line a parent process can read
    stop = asyncio.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        # Installed explicitly: a background job inherits SIGINT ignored.
        asyncio.get_running_loop().add_signal_handler(signum, stop.set)
    try:
        await stop.wait()
    finally:
        await emulator.stop()


def main(argv: list[str] | None = None) -> None:
    """``python -m bot.emulator``: run a standalone emulator until SIGINT or SIGTERM."""
    parser = argparse.ArgumentParser(description="Run the local Slack emulator.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--demo", action="store_true", help="seed two users and two channels")
    parser.add_argument("--rate-limit-per-channel", type=float, default=None)
    parser.add_argument("--rate-limit-burst", type=int, default=1)
    parser.add_argument(
        "--post-latency", type=float, default=0.0, help="seconds each chat.postMessage takes"
    )
    args = parser.parse_args(argv)
    asyncio.run(_serve(args))


if __name__ == "__main__":
    main()
