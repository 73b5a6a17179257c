"""Log lines: one per record, `key=value` or JSON, tagged with their run, free of secrets.

- Format (`TOCK_LOG_FORMAT`). `keyvalue`, the default: the time, level,
  logger and message, then the record's extras as `key=value` (a value with
  a space or a quote is JSON-quoted), then any traceback on the lines below:
  `2026-01-05 12:00:00,017 INFO scheduler.engine: run 7 succeeded
  action=run.succeeded run_id=7 schedule=standup attempt=1`.
  `json`: one object per line, `time` (ISO 8601, UTC), `level`, `logger`,
  `message`, then every extra, and `exception` when there is one.
- Context. `ScopeFilter` copies the run the current task works for
  (`scheduler.observe.log_scope`: `run_id`, `schedule` and, inside a
  workflow step, `step`) onto each record that does not carry them already.
- Secrets. `Redactor` replaces Slack tokens (`xoxb-`, `xoxp-`, `xapp-`, …),
  `sk-` API keys and every configured secret value (`configured_secrets`:
  the Slack tokens and signing secret, the LLM key, the database password)
  with `[redacted]` in the message and its arguments, the extras, and the
  exception and stack text, before any formatter sees the record. Both
  filters sit on every handler `configure_logging` installs; the engine
  scrubs the run and step errors it stores with the same `redact`.
- Libraries (slack_sdk, Bolt, aiohttp's access log, openai) log only warnings
  unless TOCK_LOG_LEVEL=DEBUG.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import IO, Any, Literal
from urllib.parse import quote

import sqlalchemy as sa

from bot.app import BOLT_LOGGER
from bot.config import Settings, secret
from scheduler.observe import log_scope

LogFormat = Literal["keyvalue", "json"]
SLACK_LOGGER = "tock.slack"  # the Web API client's logger
LINE = "%(asctime)s %(levelname)s %(name)s: %(message)s"
REDACTED = "[redacted]"
MIN_SECRET_CHARS = 8  # a shorter configured value would blank ordinary words
# Slack tokens (bot, user, app-level, refresh, ...) and OpenAI-style keys.
TOKEN_PATTERN = r"\b(?:xox[a-z]|xapp)-[A-Za-z0-9-]{4,}|\bsk-[A-Za-z0-9_-]{16,}"
_FIRST_KEYS = ("action", "run_id", "schedule", "step")  # key=value puts these first
_STANDARD = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName"}
_NEEDS_QUOTES = re.compile(r'[\s"=]')
_TRACEBACKS = logging.Formatter()


def configured_secrets(settings: Settings) -> list[str]:
    """Every secret value the settings hold: tokens, keys, the database's password."""
    values = (
        settings.slack_bot_token,
        settings.slack_signing_secret,
        settings.slack_app_token,
        settings.openai_api_key,
    )
    found = [secret(value) for value in values if value is not None]
    return found + _database_password(settings.database_url)


def _database_password(url: str) -> list[str]:
    """The password in the database URL, as written there and decoded."""
    try:
        password = sa.make_url(url).password
    except sa.exc.ArgumentError:  # not a URL: Store.open says so, not the log setup
        return []
    return list(dict.fromkeys([password, quote(password, safe="")])) if password else []


def configure_logging(
    level: str,
    *,
    fmt: LogFormat = "keyvalue",
    secrets: Iterable[str] = (),
    stream: IO[str] | None = None,
) -> logging.Handler:
    """Send every log record to stderr (or `stream`) in `fmt`, redacted; the handler."""
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter() if fmt == "json" else KeyValueFormatter(LINE))
    handler.addFilter(ScopeFilter())
    handler.addFilter(Redactor(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    set_library_log_levels(level)
    return handler


def set_library_log_levels(level: str) -> None:
    """Library chatter only when debugging Tock itself.

    Set on the loggers themselves: slack_sdk and Bolt test `logger.level`, not
    the effective level, and format a debug line for every request while it
    is NOTSET.
    """
    quiet = logging.DEBUG if level == "DEBUG" else logging.WARNING
    names = (SLACK_LOGGER, BOLT_LOGGER, "slack_bolt", "slack_sdk", "aiohttp.access", "openai")
    for name in names:
        logging.getLogger(name).setLevel(quiet)


class ScopeFilter(logging.Filter):
    """Tag records with the run (and step) the current task works for."""

    def filter(self, record: logging.LogRecord) -> bool:
        scope = log_scope()
        if scope is not None:
            fields = {"run_id": scope.run_id, "schedule": scope.schedule, "step": scope.step}
            for key, value in fields.items():
                if value is not None and not hasattr(record, key):
                    setattr(record, key, value)
        return True


class Redactor(logging.Filter):
    """Blank out tokens, keys and the configured secrets (see the module docstring)."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        values = sorted({s for s in secrets if len(s) >= MIN_SECRET_CHARS}, key=len, reverse=True)
        self._pattern = re.compile("|".join([*map(re.escape, values), TOKEN_PATTERN]))

    def redact(self, text: str) -> str:
        return self._pattern.sub(REDACTED, text)

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # a bad call: logging would print its arguments raw
            message = f"{record.msg} (bad log arguments: {record.args!r})"
        record.msg, record.args = self.redact(message), None
        for key, value in extras(record).items():
            text = value if isinstance(value, str) else str(value)
            if self._pattern.search(text):
                setattr(record, key, self.redact(text))
        if record.exc_info and not record.exc_text:
            record.exc_text = _TRACEBACKS.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


def extras(record: logging.LogRecord) -> dict[str, Any]:
    """What the call added to the record (`extra=`, or a filter)."""
    return {k: v for k, v in vars(record).items() if k not in _STANDARD}


class KeyValueFormatter(logging.Formatter):
    """The line, then the extras as key=value pairs; a traceback follows below."""

    def formatMessage(self, record: logging.LogRecord) -> str:
        found = extras(record)
        keys = [k for k in _FIRST_KEYS if k in found] + [k for k in found if k not in _FIRST_KEYS]
        pairs = " ".join(f"{k}={_pair_value(found[k])}" for k in keys)
        line = super().formatMessage(record)
        return f"{line} {pairs}" if pairs else line


def _pair_value(value: Any) -> str:
    text = value if isinstance(value, str) else str(value)
    return json.dumps(text, ensure_ascii=False) if not text or _NEEDS_QUOTES.search(text) else text


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time, level, logger, message, extras, exception."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry |= {k: v for k, v in extras(record).items() if k not in entry}
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, default=str, ensure_ascii=False)
