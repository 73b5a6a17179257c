"""bot.slack.pacing: the GCRA bucket and the adaptive workspace cap, on given times."""

from __future__ import annotations

import pytest

from bot.slack.pacing import AdaptiveCap, CapPolicy, Gcra

POLICY = CapPolicy(ceiling=50.0, burst=50, floor=1.0, hold_s=1.0, quiet_s=30.0, step=5.0)


def test_a_bucket_lets_its_burst_through_then_spaces_posts() -> None:
    bucket = Gcra(rate=10.0, burst=3)
    for _ in range(3):
        assert bucket.delay(0.0) == 0.0
        bucket.take(0.0)
    assert bucket.delay(0.0) == pytest.approx(0.1)


def test_a_retuned_bucket_spaces_the_next_posts_at_the_new_rate() -> None:
    bucket = Gcra(rate=10.0, burst=1)
    bucket.take(0.0)
    bucket.retune(rate=2.0, burst=1)
    assert bucket.delay(0.0) == pytest.approx(0.1)  # the post already counted keeps its slot
    bucket.take(0.1)
    assert bucket.delay(0.1) == pytest.approx(0.5)


def test_the_cap_starts_at_the_ceiling() -> None:
    cap = AdaptiveCap(POLICY)
    assert (cap.rate(0.0), cap.burst(0.0)) == (50.0, 50)
    assert cap.rate(1e9) == 50.0


def test_a_429_halves_the_rate_and_the_burst() -> None:
    cap = AdaptiveCap(POLICY)
    assert cap.refused(10.0) is True
    assert (cap.rate(10.0), cap.burst(10.0)) == (25.0, 25)
    assert cap.decreases == 1


def test_429s_right_after_a_decrease_are_the_same_news() -> None:
    cap = AdaptiveCap(POLICY)
    cap.refused(10.0)
    assert cap.refused(10.5) is False  # posts in flight when Slack said so
    assert cap.rate(10.5) == 25.0
    assert cap.refused(11.0) is True  # a second second of 429s: still too fast
    assert cap.rate(11.0) == 12.5


def test_the_hold_lasts_as_long_as_retry_after() -> None:
    cap = AdaptiveCap(POLICY)
    cap.refused(10.0, retry_after=5.0)
    assert cap.refused(14.9, retry_after=5.0) is False
    assert cap.refused(15.0) is True


def test_the_cap_never_backs_off_below_its_floor() -> None:
    cap = AdaptiveCap(POLICY)
    for second in range(20):
        cap.refused(float(second))
    assert (cap.rate(20.0), cap.burst(20.0)) == (1.0, 1)


@pytest.mark.parametrize(
    ("at", "rate"),
    [
        (10.0, 25.0),
        (40.9, 25.0),  # Retry-After ends at 11: the first quiet period ends at 41
        (41.0, 30.0),
        (71.0, 35.0),
        (100.0, 35.0),
        (131.0, 45.0),  # two periods at once
        (161.0, 50.0),
        (10_000.0, 50.0),  # never above the ceiling
    ],
)
def test_a_quiet_period_after_the_pause_adds_a_step(at: float, rate: float) -> None:
    cap = AdaptiveCap(POLICY)
    cap.refused(10.0, retry_after=1.0)
    assert cap.rate(at) == rate


def test_a_recovering_cap_counts_steps_from_the_last_one() -> None:
    cap = AdaptiveCap(POLICY)
    cap.refused(0.0)  # 25/s; steps due at 30, 60, ...
    assert cap.rate(45.0) == 30.0
    assert cap.rate(59.9) == 30.0
    assert cap.rate(60.0) == 35.0


def test_a_429_while_recovering_halves_the_recovered_rate() -> None:
    cap = AdaptiveCap(POLICY)
    cap.refused(0.0)
    assert cap.refused(65.0) is True  # at 35/s by then
    assert cap.rate(65.0) == 17.5
    assert cap.rate(94.9) == 17.5  # the quiet period starts over
    assert cap.rate(95.0) == 22.5


@pytest.mark.parametrize(
    "fields",
    [
        {"floor": 0.0},
        {"floor": 60.0},
        {"decrease": 1.0},
        {"decrease": 0.0},
        {"step": 0.0},
        {"quiet_s": 0.0},
        {"burst": 0},
    ],
)
def test_a_policy_that_cannot_work_is_refused(fields: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        CapPolicy(**({"ceiling": 50.0, "burst": 50} | fields))  # type: ignore[arg-type]
