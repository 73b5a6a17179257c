"""Every SQL statement Tock runs, and every difference between dialects.

`Store` is the one storage object the scheduler and the host use. It is put
together from one class per table family; its contract is `Store`'s docstring.

- `dialect`: SQLite/Postgres differences, engine, transactions (`Database`).
- `schedules`: the schedule table (`ScheduleTables`).
- `runs`: materializing slots, manual runs, due times, reading runs (`RunTables`, `DueTimes`).
- `claims`: leasing due runs under each overlap policy (`ClaimTables`, `Claim`).
- `leases`: writes under a lease: renew, finish (one or a batch), reclaim, release
  (`LeaseTables`); `rows`: the run row every insert starts from; `bulk`:
  many rows in one statement (`BulkUpdate`, `among`).
- `audit`: the audit log (`AuditTables`, `AuditEntry`).
- `host`: seen keys, conversations, user settings (`HostTables`).
- `steps`: workflow steps, one row per try (`StepTables`, `StepRecord`).
- `history`: a run's retry chain, many runs' steps, schedules by name (`HistoryTables`).
- `retention`: deleting old finished runs and their steps (`RetentionTables`).
- `stats`: counts for monitoring (`StatsTables`).
- `models`: the tables; `migrate` and `migrations/`: the Alembic schema history.
"""

from __future__ import annotations

from scheduler.store.audit import AuditEntry, AuditTables
from scheduler.store.claims import Claim
from scheduler.store.history import HistoryTables
from scheduler.store.host import HostTables
from scheduler.store.leases import LeaseTables
from scheduler.store.retention import RetentionTables
from scheduler.store.runs import Advance, DueTimes, RunTables
from scheduler.store.schedules import ScheduleTables
from scheduler.store.stats import StatsTables
from scheduler.store.steps import StepRecord, StepStatus, StepTables

__all__ = ["Advance", "AuditEntry", "Claim", "DueTimes", "StepRecord", "StepStatus", "Store"]


class Store(
    ScheduleTables,
    RunTables,
    LeaseTables,
    StepTables,
    HistoryTables,
    RetentionTables,
    StatsTables,
    AuditTables,
    HostTables,
):
    """Async storage over SQLite or Postgres (SQLAlchemy Core).

    Contract, for every public method:

    - Instants in and out are aware datetimes; what comes back is in UTC
      (binding a naive datetime to a column fails).
    - Values in and out are plain records from `scheduler.records`
      (`ScheduleSpec`, `Schedule`, `Run`, `ClaimedRun`, `SlotPlan`, `Outcome`), this
      package's `Advance`, `AuditEntry`, `Claim`, `DueTimes` and `StepRecord`, or builtins.
    - The errors raised on purpose are `scheduler.errors.NotFound` (no such
      row) and `scheduler.errors.Conflict` (a taken name, or a concurrent
      change seen through `Schedule.version`). A failing database (unreachable,
      connection lost, any other driver error) raises
      `scheduler.errors.StoreUnavailable` from every method, `open` and
      `listen` included, with the driver's exception as `__cause__`.
    - Each public method is one transaction: it commits whole or not at all,
      audit rows included (an optional `audit: AuditEntry` is written in the
      same transaction as the change it records).
    - A commit that may move the next wake-up calls the `on_change` listeners,
      and on Postgres also sends `NOTIFY tock_changes` for other replicas.

    Dialects: Postgres claims rows with `FOR UPDATE SKIP LOCKED` and wakes
    replicas with `NOTIFY` (`listen` subscribes); SQLite runs in WAL mode on
    one connection and begins every transaction with `BEGIN IMMEDIATE`, so
    writers queue on the file lock instead of failing mid-transaction.
    Upserts use each dialect's `INSERT ... ON CONFLICT`. Updates of many rows
    with values of their own (finishes, next slots) are one `UPDATE ... FROM
    unnest(...)` on Postgres and an in-process executemany on SQLite; lists
    of ids bind as one array on Postgres (`bulk`).

    Lifecycle (`dialect.Database`):
      `open(url, *, upgrade=True, pool_size=10) -> Store` connects and applies
      migrations; `close()`; `on_change(listener)`; `listen(callback, *,
      presence=None)` returns an async unsubscriber on Postgres, None on
      SQLite, and with `presence=owner` holds that owner's presence lock and
      lists it in `replicas` while subscribed; `present(owner) -> bool |
      None` whether that lock is held now (None: never asked); `ping()` raises
      StoreUnavailable unless `SELECT 1` answers; `queries` counts statements
      executed.

    Schedules (`schedules.ScheduleTables`):
      `create_schedule(spec, now, audit=None) -> Schedule`, Conflict on a taken
      name; `create_schedules(specs, now) -> int`, Conflict if any name is
      taken; `register_schedule(spec, now, *, keep_pause=True) -> Schedule`,
      an upsert by (team, name) that recomputes `next_run_at` only when the
      trigger changed or the schedule becomes enabled, moves `version` only
      when a field changed, and (`keep_pause`) leaves a stored pause paused;
      `get_schedule(team_id, name)` and `get_schedule_by_id(id) -> Schedule`,
      NotFound; `list_schedules(team_id=None, *, created_by, channel_id, limit,
      offset) -> list[Schedule]` by name; `count_schedules(team_id, *,
      created_by, channel_id) -> int`; `update_schedule(schedule, changes, now,
      audit=None) -> Schedule`, Conflict when the row moved past
      `schedule.version` or the new name is taken; `delete_schedule(schedule,
      now, audit=None)`, with its runs and their steps, NotFound if already gone.

    Runs (`runs.RunTables`, claiming in `claims.ClaimTables`):
      `materialize_due(now, plan, limit=500) -> int` schedules handled;
      `advance(now, plan, owner, lease, limit, batch=500) -> Advance`
      materializes (`.materialized`: schedules handled), claims (`.claim`)
      and reads `due_times` (`.due`) in one transaction; `claim_runs(owner, now, lease,
      limit) -> list[ClaimedRun]` under each schedule's overlap policy (one
      statement leases them all; runs of one schedule share its `Schedule`);
      `add_manual_run(schedule, now, audit=None) -> Run`; `due_times() ->
      DueTimes`; `next_wakeup() -> datetime | None`; `get_run(id) -> Run`,
      NotFound; `list_runs(*, team_id, schedule_id, since, status, limit) ->
      list[(Run, schedule name)]` newest first; `count_runs(**column_equals) ->
      dict[status, int]`.

    Leases (`leases.LeaseTables`; the fence is `lease_owner = owner` and
    `status = 'running'`, so every write below is idempotent):
      `renew_leases(owner, run_ids, now, lease) -> set[int]` still ours;
      `finish_runs(owner, outcomes: Sequence[Outcome]) -> set[int]` writes
      many outcomes in one transaction, each only if its lease is still ours,
      with the retry rows they ask for, and returns the run ids recorded: the
      rest wrote nothing (lease lost); an outcome written by an earlier call
      counts as recorded and writes nothing twice;
      `finish_run(run, owner, now, status, *, error, output, retry_at) ->
      bool`, the same for one run, False when the lease was lost;
      `reclaim_expired(now, retry_at) -> int`; `free_owners(me) -> set[str]`
      listed owners whose presence lock is free (Postgres; empty on SQLite);
      `reap_owners(me, owners, now) -> int` fails the running runs of those
      still free, queues their retries due now, unlists them;
      `abandon_runs(owner, run_ids, now) -> int` fails runs stopped midway
      (shutdown) and queues their retries due now; `release_runs(owner,
      run_ids, now) -> int` gives never-started runs back as they were. A finish on Postgres sends
      NOTIFY when a run of a finished run's schedule is pending and due.
      Claims: one running run at a time per skip/queue schedule, enforced by
      a unique index; a claim that loses that race is tried again.

    Workflow steps (`steps.StepTables`; the rules are in that module):
      `start_step(run, path, now) -> StepRecord`, a `running` try numbered
      after every earlier try of `path` under `run.root_id`, Conflict if that
      number was taken meanwhile; `finish_step(step, now, status, *, summary,
      output, error) -> bool`, False when the try no longer runs (abandoned),
      Conflict when another try of the path is done already (succeeded or
      skipped); `abandon_steps(root_run_id, now) -> int` fails the tries left
      `running`; `completed_steps(root_run_id) -> dict[path, output JSON |
      None]` the done paths of every attempt (None: skipped); `list_steps(*,
      run_id | root_run_id, limit=1000) -> list[StepRecord]` in start order.

    History (`history.HistoryTables`, read-only, for `tock runs`):
      `run_attempts(run) -> list[Run]` the run's retry chain, oldest first;
      `steps_by_run(run_ids) -> dict[run id, list[StepRecord]]` in start
      order, an empty list for a run without steps; `schedules_named(name)
      -> list[Schedule]` one per team at most.

    Retention (`retention.RetentionTables`):
      `prune(before, *, limit=10_000) -> {"runs": n, "steps": m}` deletes
      final runs finished before `before`, with their steps, except runs whose
      retry chain still has an unfinished attempt; `limit` runs means: call again.

    Monitoring (`stats.StatsTables`):
      `count_schedules_by_status() -> {"active", "paused", "completed": n}`;
      `queue_depth(now) -> {"pending": due and not started, "running": n}`.

    Audit (`audit.AuditTables`):
      `write_audit(entry, now)`; `list_audit(team_id, limit=100) -> list[dict]`
      newest first.

    Host tables (`host.HostTables`):
      `first_time_seen(key, now) -> bool` True only the first time;
      `forget_seen(before) -> int` deletes keys seen before `before`;
      `load_conversation(key) -> list[dict]`, empty when unknown;
      `save_conversation(key, team_id, messages, now)`;
      `get_user_timezone(team_id, user_id) -> str | None`;
      `set_user_timezone(team_id, user_id, timezone, now)`.
    """
