"""What the bot says back: plain text for notifications, optional Block Kit.

Where it is shown (ephemeral, in a thread, on App Home) is the app's choice;
a `Reply` only carries the content.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass
class Reply:
    text: str  # plain-text fallback, always set (notifications, screen readers)
    blocks: list[dict[str, Any]] | None = None  # Block Kit

    def to_message(self) -> dict[str, Any]:
        """Keyword arguments for `chat.postMessage` / `respond` (no None blocks)."""
        message: dict[str, Any] = {"text": self.text}
        if self.blocks:
            message["blocks"] = self.blocks
        return message
