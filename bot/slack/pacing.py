"""How fast posts may go: a GCRA bucket and the adaptive workspace cap.

Pure logic: every method takes ``now`` (monotonic seconds) from the caller;
nothing here reads a clock or sleeps. The Sender (`bot.slack.delivery`)
applies them.

`Gcra` (generic cell rate algorithm) lets ``burst`` posts go at once, then
one every ``1/rate`` seconds. `AdaptiveCap` is the workspace-wide rate.
Slack keeps its workspace limit unpublished, so the configured rate
(``TOCK_SLACK_POSTS_PER_S``) is a ceiling and the cap finds out the rest:

1. It starts at the ceiling.
2. A 429 multiplies the rate by ``decrease`` (never below ``floor``). The
   posts already in flight when Slack said so may be refused too; they say
   nothing new, so further 429s within ``hold_s`` of a decrease (or within
   the ``Retry-After`` it came with, whichever is longer) are not decreases.
3. After ``quiet_s`` without a decrease (counted from the end of its
   ``Retry-After`` pause), and after each further ``quiet_s``, the rate
   grows by ``step`` posts/s, up to the ceiling.
4. The burst scales with the rate (never below 1): a backed-off cap must not
   let the same crowd through at once.

Slack does not say which limit a 429 hit (the channel's or the
workspace's), so any 429 counts; a channel-level one costs some throughput
for a while and never a post. The ``Retry-After`` pause itself is the
Sender's: this cap only decides the rate after it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


class Gcra:
    """``burst`` at once, then one per ``1/rate`` seconds; the rate may change."""

    def __init__(self, rate: float, burst: int) -> None:
        self._tat = -math.inf  # theoretical arrival time of the next post
        self.retune(rate, burst)

    def retune(self, rate: float, burst: int) -> None:
        """Take a new rate and burst; posts already counted stay counted."""
        self._interval = 1.0 / rate
        self._tolerance = (max(1, burst) - 1) * self._interval

    def delay(self, now: float) -> float:
        return max(0.0, self._tat - self._tolerance - now)

    def take(self, now: float) -> None:
        self._tat = max(self._tat, now) + self._interval

    def settle(self, answered_at: float) -> None:
        """Count the last slot from when Slack answered, the latest it saw it."""
        self._tat = max(self._tat, answered_at + self._interval)


@dataclass(frozen=True)
class CapPolicy:
    """The constants of `AdaptiveCap` (see the module docstring)."""

    ceiling: float  # posts/s: the configured rate, never exceeded
    burst: int  # posts at once at the ceiling
    floor: float = 1.0  # posts/s: never backed off below this
    decrease: float = 0.5  # a 429 multiplies the rate by this
    hold_s: float = 1.0  # 429s this soon after a decrease are the same news
    quiet_s: float = 30.0  # seconds without a decrease before each increase
    step: float = 5.0  # posts/s added per quiet period

    def __post_init__(self) -> None:
        if not 0 < self.floor <= self.ceiling:
            raise ValueError("the cap needs 0 < floor <= ceiling")
        if not 0 < self.decrease < 1:
            raise ValueError("decrease must be between 0 and 1")
        if self.step <= 0 or self.quiet_s <= 0 or self.burst < 1:
            raise ValueError("step, quiet_s and burst must be positive")


class AdaptiveCap:
    """The workspace-wide posts/s: multiplicative decrease, additive increase."""

    def __init__(self, policy: CapPolicy) -> None:
        self.policy = policy
        self._rate = policy.ceiling  # as of `_since`
        self._since = -math.inf  # when the rate last changed (increases included)
        self._hold_until = -math.inf
        self.decreases = 0

    def rate(self, now: float) -> float:
        """The rate at ``now``: the last one plus a step per quiet period since."""
        policy = self.policy
        if self._rate >= policy.ceiling:
            return policy.ceiling
        periods = math.floor((now - self._since) / policy.quiet_s)
        if periods <= 0:
            return self._rate
        # Fold the increases in, so the next period counts from the last step.
        self._rate = min(policy.ceiling, self._rate + periods * policy.step)
        self._since += periods * policy.quiet_s
        return self._rate

    def burst(self, now: float) -> int:
        policy = self.policy
        return max(1, math.floor(policy.burst * self.rate(now) / policy.ceiling))

    def refused(self, now: float, retry_after: float = 0.0) -> bool:
        """Slack answered 429 at ``now``; True if that lowered the rate."""
        if now < self._hold_until:
            return False
        policy = self.policy
        self._rate = max(policy.floor, self.rate(now) * policy.decrease)
        self._hold_until = now + max(policy.hold_s, retry_after)
        # The quiet period starts when Slack lets us post again.
        self._since = now + retry_after
        self.decreases += 1
        return True
