"""A local Slack on loopback: Web API, Socket Mode, and signed HTTP pushes.

The test bed for everything in ``bot/`` and the embedded default for a
newcomer's local console. One in-memory workspace you can seed and inspect:

    emu = SlackEmulator(rate_limit_per_channel=1.0)
    await emu.start()                       # http://127.0.0.1:<port>/api/
    alice = emu.add_user("alice", tz="America/New_York")
    general = emu.add_channel("general", members=[alice.id])
    client = AsyncWebClient(token=emu.bot_token, base_url=emu.api_url)
    ...
    message = await emu.wait_for_message(general.id, lambda m: "hi" in m.text)

Speaking to the bot the way Slack does:

- HTTP mode: ``send_event`` / ``send_command`` / ``send_action`` build Slack's
  payloads, sign them with the signing secret (``v0:{timestamp}:{body}``,
  HMAC-SHA256) and POST them to the bot's request URL.
- Socket Mode: ``apps.connections.open`` hands out a ``ws://`` URL to this
  server; ``socket_send`` delivers an envelope and waits for the ack.

Run alone with ``python -m bot.emulator --demo`` (prints its URLs and tokens as
one JSON line); another process can seed it with ``POST /_emulator/seed``,
inject faults with ``POST /_emulator/faults`` and read counters at
``GET /_emulator/stats``.

Shapes follow Slack's documented payloads, and it refuses what Slack refuses
at the limits in ``bot.slack.ids``. Known simplifications: one bot and
one app; scopes are reported (the ``x-oauth-scopes`` header) but never
enforced; ``conversations.open`` opens one-to-one DMs only; thread replies
never broadcast; ``response_url`` and trigger ids do not expire by use count.

``SlackEmulator`` is one object made of a mixin per surface, each over the
shared ``Workspace``:

- ``records``: the records (``User``, ``Channel``, ``Message``, ...) and ``ApiError``.
- ``state``: ``Workspace``, the in-memory state, seeding, lookups and ``wait_for*``.
- ``faults``: ``inject_fault`` and the per-channel rate limit, around each call.
- ``webapi``: ``/api/{method}``: parsing, auth, errors; ``auth``, ``users``,
  ``chat`` and ``views`` methods.
- ``conversations``: the ``conversations.*`` methods.
- ``socket_mode``: ``apps.connections.open`` and the Socket Mode WebSocket.
- ``responses``: ``response_url``s and what a POST to one does.
- ``inbound``: payloads Slack sends to the bot, signed pushes, ``mention``.
- ``server``: ``SlackEmulator`` itself, the app, ``start``/``stop``, admin endpoints.
- ``__main__``: ``python -m bot.emulator``.
"""

from bot.emulator.conversations import CONVERSATION_TYPES
from bot.emulator.faults import Fault
from bot.emulator.inbound import PushResult
from bot.emulator.records import (
    ApiError,
    Channel,
    Ephemeral,
    Message,
    Params,
    ResponsePost,
    Team,
    User,
)
from bot.emulator.server import SlackEmulator
from bot.emulator.webapi import (
    APP_TOKEN_SCOPES,
    MANIFEST_BOT_SCOPES,
    TRIGGER_TTL,
)

__all__ = [
    "APP_TOKEN_SCOPES",
    "CONVERSATION_TYPES",
    "MANIFEST_BOT_SCOPES",
    "TRIGGER_TTL",
    "ApiError",
    "Channel",
    "Ephemeral",
    "Fault",
    "Message",
    "Params",
    "PushResult",
    "ResponsePost",
    "SlackEmulator",
    "Team",
    "User",
]
