"""How Slack names channels and people inside text: ids and mentions.

One definition for SchedulerTools, which checks the channel an agent or a
person names, and for the bot, which reads and renders them. Ids are
upper-case letters and digits after a one-letter kind: channels are C
(public), G (private) or D (direct message); people are U or W (Enterprise
Grid). A mention is `<#C123>` / `<@U123>`, optionally with `|label`.
"""

from __future__ import annotations

import re

CHANNEL_ID = re.compile(r"[CGD][A-Z0-9]{2,20}")
USER_ID = re.compile(r"[UW][A-Z0-9]{2,20}")
# Groups: the id, then the label Slack may add (`<#C123|eng>`).
CHANNEL_MENTION = re.compile(rf"<#({CHANNEL_ID.pattern})(?:\|([^>]{{0,80}}))?>")
USER_MENTION = re.compile(rf"<@({USER_ID.pattern})(?:\|([^>]{{0,80}}))?>")
