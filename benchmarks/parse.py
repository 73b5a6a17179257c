"""How fast and how right `parse_when` is on the phrase table.

    python -m benchmarks.parse --json

Prints one JSON line: {"phrases", "correct", "share_correct", "p50_ms", "p99_ms",
"adversarial_max_ms"}.
A phrase is correct when it does what its table row says: fires as listed,
is refused, or asks the question listed (with readings that parse). Latency
is per call, refusals and questions included, after a warm-up (dateparser's
first call alone costs ~0.1 s). `adversarial_max_ms` is the slowest of the
4,000-character texts that once made parsing slow (best of three tries each,
so a GC pause does not count). Targets: p50 <= 1 ms, p99 <= 10 ms, all
correct, adversarial_max_ms <= 50.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import statistics
import time
from typing import Any

from tests.tools.timeparse.adversarial import ADVERSARIAL, repeated
from tests.tools.timeparse.phrases import NY, PHRASES, Case, check
from tools.timeparse import ParseError, parse_when, warm_up


def _timed(case: Case) -> float:
    """Seconds one parse of `case` takes."""
    now = case.now_at()
    start = time.perf_counter()
    with contextlib.suppress(ParseError):  # refusals are part of the workload
        parse_when(case.text, case.tz, now)
    return time.perf_counter() - start


def _timed_text(text: str) -> float:
    """Seconds one parse of `text` (in New York, at the phrase table's first `now`) takes."""
    now = PHRASES[0].now_at()
    start = time.perf_counter()
    with contextlib.suppress(ParseError):
        parse_when(text, NY, now)
    return time.perf_counter() - start


def run(rounds: int) -> dict[str, Any]:
    warm_up()
    for case in PHRASES:
        _timed(case)
    samples = [_timed(case) * 1000 for _ in range(rounds) for case in PHRASES]
    correct = sum(check(case) is None for case in PHRASES)
    cuts = statistics.quantiles(samples, n=100)
    return {
        "phrases": len(PHRASES),
        "correct": correct,
        "share_correct": round(correct / len(PHRASES), 4),
        "p50_ms": round(statistics.median(samples), 3),
        "p99_ms": round(cuts[98], 3),
        "adversarial_max_ms": round(
            max(min(_timed_text(repeated(unit)) for _ in range(3)) for unit in ADVERSARIAL) * 1000,
            3,
        ),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON line (the default)")
    parser.add_argument("--rounds", type=int, default=30, help="parses of each phrase")
    args = parser.parse_args(argv)
    print(json.dumps(run(args.rounds)))


if __name__ == "__main__":
    main()
