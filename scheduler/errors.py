"""Errors raised by the scheduler package.

SchedulerError
 ├── CronError            an expression a person wrote is not valid cron
 ├── TriggerError         a trigger definition is not valid
 ├── NotFound             no such schedule or run
 ├── Conflict             a name is already taken, or a row changed underneath us
 ├── StoreUnavailable     the database cannot be reached or failed mid-statement
 └── JobError             raised by job handlers
      ├── PermanentJobError   do not retry (bad channel, revoked token, ...)
      ├── TransientJobError   retry with backoff (429, 5xx, timeouts)
      └── NotOurs             the replica lost its hold on the run before acting

Any other exception from a handler counts as transient.
"""


class SchedulerError(Exception):
    """Root of every error this package raises on purpose."""


class CronError(SchedulerError, ValueError):
    """A cron expression is malformed; the message says which field and why."""


class TriggerError(SchedulerError, ValueError):
    """A trigger definition (once/interval/cron) is not valid."""


class NotFound(SchedulerError, LookupError):
    """The schedule or run does not exist (or is not visible to the caller)."""


class Conflict(SchedulerError):
    """A unique name is taken, or a concurrent change won."""


class StoreUnavailable(SchedulerError):
    """The database failed (unreachable, connection lost, driver error); may pass.

    The store raises it wherever a driver error enters, with the driver's
    exception as ``__cause__``; a unique-key violation is a `Conflict` instead.
    """


class JobError(SchedulerError):
    """Base for errors a job handler raises to steer retries."""


class PermanentJobError(JobError):
    """The run failed for a reason retrying cannot fix."""


class TransientJobError(JobError):
    """The run failed for a reason that may pass; retry after backoff.

    ``retry_after`` (seconds) overrides the computed backoff when the remote
    side told us how long to wait.
    """

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class NotOurs(JobError):
    """Raised by `RunContext.still_ours` before a side effect: this replica lost
    its database session (its presence), so another may take the run over.
    The handler did nothing yet; the run is retried at once, within budget or not."""
