"""How one post becomes messages within Slack's limits. Pure: no I/O.

Text longer than one section (3,000 characters) becomes section blocks, at
most 50 blocks and 40,000 characters per message, cut at paragraph, then
line, then word boundaries. The Sender posts the first part in the channel
and the rest in its thread.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.slack.ids import MAX_BLOCKS, MAX_SECTION_TEXT, MAX_TEXT
from bot.slack.mrkdwn import section


@dataclass(frozen=True)
class MessagePart:
    text: str
    blocks: list[dict[str, Any]] | None


def split_text(text: str, limit: int = MAX_SECTION_TEXT) -> list[str]:
    """Cut ``text`` into pieces of at most ``limit`` characters.

    Cuts at the last paragraph break in the second half of the window, else a
    line break, else a space, else mid-word; the separator is dropped.
    """
    pieces: list[str] = []
    while len(text) > limit:
        cut, skip = _cut_point(text, limit)
        pieces.append(text[:cut])
        text = text[cut + skip :]
    if text or not pieces:
        pieces.append(text)
    return pieces


def _cut_point(text: str, limit: int) -> tuple[int, int]:
    for separator in ("\n\n", "\n", " "):
        at = text.rfind(separator, limit // 2, limit + len(separator))
        if at > 0:
            return at, len(separator)
    return limit, 0


def _truncate(text: str, limit: int = MAX_TEXT) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _split_block(block: dict[str, Any]) -> list[dict[str, Any]]:
    """A section whose text is too long becomes several sections."""
    text = block.get("text")
    if block.get("type") != "section" or not isinstance(text, dict):
        return [block]
    pieces = split_text(str(text.get("text", "")))
    first = {**block, "text": {**text, "text": pieces[0]}}
    rest = [{"type": "section", "text": {**text, "text": piece}} for piece in pieces[1:]]
    return [first, *rest]


def _block_text(block: dict[str, Any]) -> str:
    text = block.get("text")
    return str(text.get("text", "")) if isinstance(text, dict) else ""


def _group(blocks: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """Pack blocks into messages of at most 50 blocks and 40,000 characters."""
    groups: list[list[dict[str, Any]]] = [[]]
    size = 0
    for block in blocks:
        length = len(_block_text(block)) + 1  # +1 for the newline in the fallback text
        if groups[-1] and (len(groups[-1]) == MAX_BLOCKS or size + length > MAX_TEXT):
            groups.append([])
            size = 0
        groups[-1].append(block)
        size += length
    return groups


def plan_parts(text: str, blocks: list[dict[str, Any]] | None = None) -> list[MessagePart]:
    """The messages one post becomes, each within Slack's limits."""
    if blocks is None and len(text) <= MAX_SECTION_TEXT:
        return [MessagePart(text, None)]
    if blocks is None:
        sections = [section(piece) for piece in split_text(text)]
    else:
        sections = [split for block in blocks for split in _split_block(block)]
    groups = _group(sections)
    fallbacks = [_truncate("\n".join(filter(None, map(_block_text, g))) or "…") for g in groups]
    if blocks is not None:
        fallbacks[0] = _truncate(text) if text else fallbacks[0]
    return [MessagePart(fallback, group) for fallback, group in zip(fallbacks, groups, strict=True)]
