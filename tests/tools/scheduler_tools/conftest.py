"""SchedulerTools bound to each test's store: with an LLM (as the bot runs it), and without."""

from __future__ import annotations

import pytest

from scheduler.clock import VirtualClock
from scheduler.store import Store
from tests.fakes.membership import FakeMembership
from tests.tools.scheduler_tools.support import workspace_membership
from tools.scheduler_tools import Quotas, SchedulerTools

QUOTAS = Quotas(max_per_channel=3, max_per_user=4, min_interval_s=300, max_text=50)


@pytest.fixture
def membership() -> FakeMembership:
    return workspace_membership()


@pytest.fixture
def tools(store: Store, clock: VirtualClock, membership: FakeMembership) -> SchedulerTools:
    return SchedulerTools(store, clock, membership, QUOTAS, workflows=("weekly-report",), llm=True)


@pytest.fixture
def no_llm_tools(store: Store, clock: VirtualClock, membership: FakeMembership) -> SchedulerTools:
    return SchedulerTools(store, clock, membership, QUOTAS, workflows=("weekly-report",))
