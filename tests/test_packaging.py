"""Tock imports and starts from any directory, not only from the repository.

cron-descriptor installs a stray top-level `tools` directory into
site-packages. Outside the repository (a deployment directory, a benchmark's
temp dir) that directory answers `import tools`, so code in a package
`__init__` would be missing there while submodules still resolve.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

IMPORTS = (
    "import bot.runtime, bot.cli, bot.console, bot.doctor, bot.emulator.__main__; "
    "import scheduler.store, scheduler.engine; "
    "from tools.timeparse import NEXT_RUNS, parse_when; "
    "from tools.scheduler_tools import SchedulerTools"
)


def test_every_entry_point_imports_outside_the_repository(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    done = subprocess.run(
        [sys.executable, "-c", IMPORTS],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
