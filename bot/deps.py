"""What every listener and job kind shares, built once by `bot.runtime`."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from slack_sdk.web.async_client import AsyncWebClient

from bot.background import Background
from scheduler.clock import Clock
from scheduler.store import Store
from scheduler.workflow import Ask, WorkflowRegistry

if TYPE_CHECKING:
    from bot.agents.turn import Agent
    from bot.config import Settings
    from bot.health import Metrics
    from bot.slack.delivery import Sender
    from bot.slack.directory import SlackDirectory
    from tools.scheduler_tools import SchedulerTools

# Agent turns at once. More wait their turn, so a burst of mentions cannot
# queue hundreds of statements ahead of a slash command's few (the database
# serves in order) or starve acks of CPU.
MAX_CONCURRENT_TURNS = 8


@dataclass
class Deps:
    """The bot's shared parts, passed to every listener and job kind."""

    settings: Settings
    store: Store
    clock: Clock
    client: AsyncWebClient
    sender: Sender
    directory: SlackDirectory
    tools: SchedulerTools
    agent: Agent
    background: Background
    metrics: Metrics
    workflows: WorkflowRegistry  # the built-ins and the operator's (TOCK_APP)
    ask: Ask | None = None  # how agent steps are answered: the LLM, else None (a stand-in)
    turns: asyncio.Semaphore = field(
        default_factory=lambda: asyncio.Semaphore(MAX_CONCURRENT_TURNS)
    )
