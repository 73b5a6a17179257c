"""The operator's own code and schedules: the setup hook and `schedules.yml`.

Tock's answer to a web framework's lifespan: before the engine starts,
`TOCK_APP=mypkg.tock_setup` names a module whose `setup(tock)` registers
workflows, job kinds and schedules, and `schedules.yml` lists schedules that
must always exist. Both are checked whole first (any problem is a
`SetupError`, one sentence each, and nothing changes), then synced by name:
never duplicated across restarts or replicas starting together. Their
schedules are `source="startup"`: chat cannot change or delete them, admins
may pause and resume them (`tools.scheduler_tools.policy`).

Modules: `hook` (the `Tock` object, loading TOCK_APP), `declared` (one
declared schedule's fields), `plans` (what it becomes: trigger and action),
`schedules_file` (reading the file), `sync` (the upsert and retiring),
`teams` (the workspace a declaration belongs to), `startup` (the order at
start), `trial` (`tock workflows run`), `commands` (the `tock` commands),
`checkup` (`tock doctor`'s lines), `errors` (`SetupError`). This package
imports only `errors` on its own, so `tock` stays quick to start; import
`bot.setup.hook.Tock` for type hints.
"""

from __future__ import annotations

from bot.setup.errors import SetupError

__all__ = ["SetupError"]
