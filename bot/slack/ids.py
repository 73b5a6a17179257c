"""Slack's names and limits, once: Tock's action ids, id patterns, Block Kit limits.

The limits are Slack's documented ones. The renderer (`blocks`), the sender
(`delivery`) and the emulator, which refuses what Slack would refuse, all
read them from here, so the three cannot drift apart.

Channel and user id patterns come from `tools.refs`, where SchedulerTools
validates the channels an agent names; the bot uses the same definitions.
"""

from __future__ import annotations

from tools.refs import CHANNEL_ID, CHANNEL_MENTION, USER_ID, USER_MENTION

__all__ = [
    "CANCEL",
    "CHANNEL_ID",
    "CHANNEL_MENTION",
    "CHOOSE",
    "CONFIRM",
    "DELETE",
    "MAX_BLOCKS",
    "MAX_BUTTON_TEXT",
    "MAX_CONFIRM_BUTTON",
    "MAX_CONFIRM_TEXT",
    "MAX_CONFIRM_TITLE",
    "MAX_CONTEXT_TEXT",
    "MAX_SECTION_TEXT",
    "MAX_TEXT",
    "MAX_VALUE",
    "PAUSE",
    "RESUME",
    "RUN",
    "RUN_EVENT_TYPE",
    "USER_ID",
    "USER_MENTION",
]

# Messages and Block Kit
MAX_TEXT = 40_000  # characters of a message's `text`
MAX_BLOCKS = 50  # blocks in one message or view
MAX_SECTION_TEXT = 3_000  # characters of one section's text
MAX_CONTEXT_TEXT = 2_000  # context elements count like section text; keep well under
MAX_BUTTON_TEXT = 75
MAX_VALUE = 2_000  # a button's value
MAX_CONFIRM_TITLE = 100
MAX_CONFIRM_TEXT = 300
MAX_CONFIRM_BUTTON = 30

# Tock's buttons. A schedule's buttons carry its name as the value.
PAUSE = "tock_pause"
RESUME = "tock_resume"
RUN = "tock_run"
DELETE = "tock_delete"
# An agent's question: CONFIRM carries `{"tool", "arguments"}` as JSON.
CONFIRM = "tock_confirm"
CANCEL = "tock_cancel"
# A reading of an ambiguous request: CHOOSE_0, CHOOSE_1, ... (ids are unique per block),
# each carrying the `{"tool", "arguments"}` that reading runs.
CHOOSE = "tock_choose"

# Message metadata marking a scheduled run's post, so a retry can find it.
RUN_EVENT_TYPE = "tock_run"
