"""The setup hook: `TOCK_APP=mypkg.tock_setup` names a module whose `setup(tock)` extends Tock.

```python
from bot.setup.hook import Tock

def setup(tock: Tock) -> None:
    tock.workflow(my_workflow)
    tock.job_kind("heartbeat-file", write_heartbeat)
    tock.register_schedule("oncall-handoff", when="every monday at 9am",
                           timezone="Europe/Berlin", channel="C0123ONCALL",
                           action="workflow", workflow="oncall-handoff")
```

Rules:
- `TOCK_APP` is `module` or `module:function` (default function `setup`),
  imported like an ASGI app: from anything installed, or from the current
  directory, which is put on `sys.path` for it.
- `setup(tock)` may be a plain or an `async` function. It runs once at
  start, before the engine; nothing it registers is applied while it runs.
  Everything is checked once it returns, and any problem (no such module, no
  `setup`, `setup` raised, a bad declaration) is a SetupError listing every
  one; then nothing at all is registered or written.
- `tock.workflow(w)` adds a `Workflow`; `tock.job_kind(name, handler)` (or
  `@tock.job_kind(name)`) adds a job kind: an `async def handler(ctx:
  RunContext) -> str | None`, its return value the run's output. Neither may
  reuse a name Tock already has.
- `tock.register_schedule(name, when=... | cron=..., ...)` declares a schedule
  with the fields of a `schedules.yml` entry (`bot.setup.declared`). It is
  upserted by name at every start with the file's entries (`bot.setup.sync`),
  `created_by="setup"`. Dropping it from the hook leaves the schedule as it
  is; only the file's removed entries are paused.
"""

from __future__ import annotations

import importlib
import inspect
import os
import re
import sys
import sysconfig
import traceback
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any, overload

from bot.setup.declared import Declared, declared
from bot.setup.errors import SetupError
from scheduler.jobs import Handler
from scheduler.workflow import Workflow

DEFAULT_FUNCTION = "setup"
_KIND = re.compile(r"[a-z0-9][a-z0-9_.-]{0,59}")
_TARGET = re.compile(r"[A-Za-z_][\w.]*(?::[A-Za-z_]\w*)?")
_STDLIB = tuple({sysconfig.get_paths()["stdlib"], sysconfig.get_paths()["platstdlib"]})


class Tock:
    """What `setup(tock)` is given: it records workflows, job kinds and schedules."""

    def __init__(self, where: str = "the setup hook") -> None:
        self.where = where
        self.workflows: list[Workflow] = []
        self.job_kinds: dict[str, Handler] = {}
        self.schedules: list[Declared] = []
        self.problems: list[str] = []

    @property
    def empty(self) -> bool:
        return not (self.workflows or self.job_kinds or self.schedules)

    def workflow(self, workflow: Workflow) -> Workflow:
        """Add a workflow; returns it, so it can be written inline."""
        if not isinstance(workflow, Workflow):
            self.problems.append(
                f"{self.where}: tock.workflow() needs a Workflow, not {workflow!r}"
            )
        elif any(w.name == workflow.name for w in self.workflows):
            self.problems.append(f"{self.where}: two workflows are named {workflow.name!r}")
        else:
            self.workflows.append(workflow)
        return workflow

    @overload
    def job_kind(self, name: str, handler: Handler) -> Handler: ...

    @overload
    def job_kind(self, name: str, handler: None = None) -> Callable[[Handler], Handler]: ...

    def job_kind(
        self, name: str, handler: Handler | None = None
    ) -> Handler | Callable[[Handler], Handler]:
        """Add the job kind `name`, run by `handler` (or use as `@tock.job_kind(name)`)."""
        if handler is None:
            return lambda fn: self.job_kind(name, fn)
        where = f"{self.where}, job kind {name!r}"
        if not isinstance(name, str) or not _KIND.fullmatch(name):
            self.problems.append(f"{where}: use 1-60 lower-case letters, digits, '_', '-' or '.'")
        elif name in self.job_kinds:
            self.problems.append(f"{where}: registered twice")
        elif not _is_async(handler):
            self.problems.append(f"{where}: the handler must be an async function (async def)")
        else:
            self.job_kinds[name] = handler
        return handler

    def register_schedule(
        self,
        name: str,
        *,
        when: str | None = None,
        cron: str | None = None,
        timezone: str = "UTC",
        channel: str | None = None,
        action: str = "message",
        text: str = "",
        workflow: str | None = None,
        **options: Any,
    ) -> None:
        """Declare the schedule `name`; the other fields as in schedules.yml."""
        fields = {"name": name, "when": when, "cron": cron, "timezone": timezone}
        fields |= {"channel": channel, "action": action, "text": text, "workflow": workflow}
        where = f"{self.where}, schedule {name!r}"
        try:
            entry = declared(fields | options, where)
        except ValueError as exc:
            self.problems.extend(exc.args)
            return
        if any(s.name == entry.name and s.team == entry.team for s in self.schedules):
            self.problems.append(f"{where}: declared twice")
            return
        self.schedules.append(entry)


async def load_app(target: str | None) -> Tock:
    """Import `target` (TOCK_APP) and run its setup hook; an empty Tock when unset."""
    if target is None:
        return Tock()
    if not _TARGET.fullmatch(target):
        raise SetupError([f"TOCK_APP={target!r} is not a module name like mypkg.tock_setup"])
    module_name, _, function = target.partition(":")
    function = function or DEFAULT_FUNCTION
    setup = getattr(_import(target, module_name), function, None)
    if not callable(setup):
        raise SetupError([f"TOCK_APP={target}: {module_name} has no {function}(tock) function"])
    tock = Tock(f"setup hook {module_name}")
    try:
        result = setup(tock)
        if inspect.isawaitable(result):
            await result
    except Exception as exc:  # the operator's code: say what and where, in one line
        raise SetupError([f"TOCK_APP={target}: setup(tock) raised {_summary(exc)}"]) from exc
    if tock.problems:
        raise SetupError(tock.problems)
    return tock


def _import(target: str, module_name: str) -> ModuleType:
    # As ASGI servers do: the operator's module may sit in the directory tock runs from.
    here = os.getcwd()
    if here not in sys.path:
        sys.path.insert(0, here)
    try:
        return importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        missing = exc.name or ""
        if module_name == missing or module_name.startswith(f"{missing}."):
            raise SetupError(
                [
                    f"TOCK_APP={target}: there is no module named {module_name!r} (install it, "
                    "or run tock from the directory that holds it)"
                ]
            ) from exc
        raise SetupError([f"TOCK_APP={target}: importing it raised {_summary(exc)}"]) from exc
    except Exception as exc:  # a bug at the module's top level
        raise SetupError([f"TOCK_APP={target}: importing it raised {_summary(exc)}"]) from exc


def _summary(exc: BaseException) -> str:
    """`KeyError: 'x' (at tock_setup.py:12)`: the error, and the innermost line outside
    Python's own library that it came from (the operator's, as a rule)."""
    frames = [
        frame
        for frame in traceback.extract_tb(exc.__traceback__)
        if not frame.filename.startswith(("<", *_STDLIB))
    ]
    at = f" (at {Path(frames[-1].filename).name}:{frames[-1].lineno})" if frames else ""
    text = str(exc).splitlines()[0] if str(exc) else ""
    return f"{type(exc).__name__}: {text}{at}" if text else f"{type(exc).__name__}{at}"


def _is_async(fn: Any) -> bool:
    return inspect.iscoroutinefunction(fn) or inspect.iscoroutinefunction(
        getattr(fn, "__call__", None)  # noqa: B004 - an object with an async __call__
    )
