"""`schedules.yml`: the schedules that must always exist, read and checked whole.

```yaml
schedules:
  - name: standup
    when: every weekday at 9:30am
    timezone: Europe/Berlin
    channel: C0123ENG
    text: Standup in 5 minutes
```

Rules:
- The file is `TOCK_SCHEDULES_FILE`, else `./schedules.yml` when it exists;
  with neither there is no file, and the schedules an earlier file declared
  are left as they are (the log and `tock doctor` say so). A named file that
  does not exist is an error. An empty file, or `schedules: []`, declares
  nothing: every schedule it declared before is paused.
- The top level is `schedules:` with a list of entries (a bare list works
  too); each entry's fields are `bot.setup.declared`'s.
- Every entry is checked before anything is used; each problem is one
  sentence naming the entry (its position and name) and the field.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bot.setup.declared import Declared, declared
from bot.setup.errors import SetupError

DEFAULT_FILE = Path("schedules.yml")


@dataclass(frozen=True)
class SchedulesFile:
    """The file's path, and its entries in order."""

    path: Path
    entries: tuple[Declared, ...]

    def where(self, index: int) -> str:
        """`schedules.yml entry 2 (standup)`, for messages."""
        return f"{self.path} entry {index + 1} ({self.entries[index].name})"


def schedules_path(configured: Path | None, here: Path | None = None) -> Path | None:
    """The file to sync: the configured one, else `./schedules.yml` if it exists, else None."""
    if configured is not None:
        return configured
    default = (
        here / DEFAULT_FILE if here is not None else DEFAULT_FILE
    )  # relative: shorter messages
    return default if default.is_file() else None


def read_schedules_file(path: Path) -> SchedulesFile:
    """The file's entries, every one checked; SetupError listing each problem."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SetupError([f"{path}: no such file (TOCK_SCHEDULES_FILE names it)"]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SetupError([f"{path}: cannot be read ({exc})"]) from None
    raw = _entries(path, _load(path, text))
    problems: list[str] = []
    entries: list[Declared] = []
    for index, item in enumerate(raw):
        where = f"{path} entry {index + 1}" + (
            f" ({item['name']})"
            if isinstance(item, dict) and isinstance(item.get("name"), str)
            else ""
        )
        if not isinstance(item, dict):
            problems.append(f"{where}: is not a mapping of fields (name: …, when: …)")
            continue
        try:
            entries.append(declared(item, where))
        except ValueError as exc:
            problems.extend(exc.args)
    problems += _duplicates(path, entries)
    if problems:
        raise SetupError(problems)
    return SchedulesFile(path, tuple(entries))


def _load(path: Path, text: str) -> Any:
    try:
        return yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        at = f" line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        raise SetupError([f"{path}{at}: not valid YAML ({exc.problem})"]) from None
    except yaml.YAMLError as exc:
        raise SetupError([f"{path}: not valid YAML ({exc})"]) from None


def _entries(path: Path, document: Any) -> list[Any]:
    if document is None:
        return []
    if isinstance(document, dict) and set(document) <= {"schedules"}:
        document = document.get("schedules") or []
    if not isinstance(document, list):
        raise SetupError([f"{path}: the top level must be `schedules:` with a list of entries"])
    return document


def _duplicates(path: Path, entries: list[Declared]) -> list[str]:
    seen: set[tuple[str | None, str]] = set()
    problems = []
    for entry in entries:
        key = (entry.team, entry.name)
        if key in seen:
            problems.append(f"{path}: two entries are named {entry.name!r}")
        seen.add(key)
    return problems
