"""Replayed commands and clicks: each one Slack sent is acted on once.

Slack never retries a slash command or an interaction, so the same one
arriving again is a replay: a captured request sent again within the five
minutes its signature stays valid (or a proxy resending it). Each carries a
`trigger_id` Slack mints per invocation; `store.first_time_seen`, the table
that lets one delivery of a redelivered event through, does the same for
these, across restarts and replicas. A request without a trigger id (Slack
always sends one) is let through: there is nothing to tell it by.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping
from typing import Any

from bot.deps import Deps

log = logging.getLogger(__name__)
MAX_TRIGGER = 150  # the seen-key column holds 200; a longer id is stored as its digest


async def first_delivery(deps: Deps, kind: str, body: Mapping[str, Any]) -> bool:
    """False when this `kind` of request (a command, a click) was seen before."""
    trigger = body.get("trigger_id")
    if not isinstance(trigger, str) or not trigger:
        return True
    if len(trigger) > MAX_TRIGGER:
        trigger = hashlib.sha256(trigger.encode()).hexdigest()
    if await deps.store.first_time_seen(f"{kind}:{trigger}", deps.clock.now()):
        return True
    log.warning("replayed %s ignored", kind, extra={"action": "slack.replay", "kind": kind})
    return False
