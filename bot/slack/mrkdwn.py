"""Slack mrkdwn text within Block Kit's limits: escaping, clipping, sections. Pure.

User text is mrkdwn-escaped (`&`, `<`, `>`) so that nothing a person or a
model wrote can ping a channel or fake a link; `with_mentions` turns only
user and channel links back on. Clipping never leaves half an entity behind.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from bot.slack.ids import CHANNEL_ID, MAX_BLOCKS, MAX_CONTEXT_TEXT, MAX_SECTION_TEXT, USER_ID

_ENTITY_TAIL = re.compile(r"&[a-z]{0,4}$")  # "&amp;" cut short
_ESCAPED_MENTION = re.compile(
    rf"&lt;((?:#{CHANNEL_ID.pattern}|@{USER_ID.pattern})(?:\|[\w.-]{{0,80}})?)&gt;"
)


def escape(text: object) -> str:
    """Escape the three characters Slack's mrkdwn treats as control characters."""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def clip(text: str, limit: int) -> str:
    """Shorten to at most `limit` characters with an ellipsis.

    Never leaves half an HTML entity behind (`&am…`), which Slack would show raw.
    """
    if len(text) <= limit:
        return text
    cut = _ENTITY_TAIL.sub("", text[: limit - 1])
    return cut + "…"


def with_mentions(escaped: str) -> str:
    """Re-enable user and channel links in escaped text; `<!channel>` stays inert.

    Tool errors name people and channels as `<@U123>` / `<#C123>`, which should
    render as links; special mentions must never ping from an error message.
    """
    return _ESCAPED_MENTION.sub(r"<\1>", escaped)


def one_line(text: object, limit: int) -> str:
    """User text as one escaped, clipped line (for listings)."""
    flat = " ".join(str(text).split())
    return clip(escape(flat), limit)


def plain(text: str, limit: int) -> dict[str, Any]:
    return {"type": "plain_text", "text": clip(text or " ", limit), "emoji": True}


def section(text: str) -> dict[str, Any]:
    """A mrkdwn section; `text` must already be escaped."""
    return {
        "type": "section",
        "text": {"type": "mrkdwn", "text": clip(text or " ", MAX_SECTION_TEXT)},
    }


def context(text: str) -> dict[str, Any]:
    return {
        "type": "context",
        "elements": [{"type": "mrkdwn", "text": clip(text, MAX_CONTEXT_TEXT)}],
    }


def text_sections(lines: Iterable[str], max_blocks: int = MAX_BLOCKS) -> list[dict[str, Any]]:
    """Pack lines into as few sections as fit, at most `max_blocks` of them."""
    blocks: list[dict[str, Any]] = []
    chunk = ""
    for line in lines:
        line = clip(line, MAX_SECTION_TEXT)
        if chunk and len(chunk) + 1 + len(line) > MAX_SECTION_TEXT:
            blocks.append(section(chunk))
            chunk = ""
        chunk = f"{chunk}\n{line}" if chunk else line
    if chunk:
        blocks.append(section(chunk))
    return blocks[:max_blocks]


# --------------------------------------------------------------------------- values
