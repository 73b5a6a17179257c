"""`tock run` leaves its start-up heap out of later garbage collections."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from bot.runtime import freeze_startup_heap


class Node:
    def __init__(self) -> None:
        self.me = self  # a cycle: only a collection frees it


@pytest.fixture
def unfrozen() -> Iterator[None]:
    gc.unfreeze()
    yield
    gc.unfreeze()  # what this test froze stays collectable for the rest of the suite


def test_start_up_objects_are_frozen_and_start_up_garbage_is_freed_first(unfrozen: None):
    survivor = Node()
    garbage = weakref.ref(Node())
    freeze_startup_heap()
    assert garbage() is None  # collected before the freeze, not kept forever
    assert gc.get_freeze_count() > 0
    # Later collections walk only what came after start-up.
    assert all(obj is not survivor for obj in gc.get_objects())
    gc.unfreeze()
    assert any(obj is survivor for obj in gc.get_objects())
