"""Settings from the environment and `.env`: one typed object, secrets masked.

Every secret is a `SecretStr`, so printing or logging `Settings` shows
`**********`; code reads the value with `.get_secret_value()` where it hands
the token to Slack or OpenAI, and nowhere else.

An empty variable (`SLACK_APP_TOKEN=` in a copied `.env`) counts as unset.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from tools.caller import Quotas

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///tock.db"
SLACK_API_URL = "https://slack.com/api/"


class Settings(BaseSettings):
    """Read once at start; pass it down, never read the environment elsewhere."""

    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        case_sensitive=False,
        validate_by_name=True,
        validate_by_alias=True,
    )

    # Slack
    slack_bot_token: SecretStr | None = Field(None, validation_alias="SLACK_BOT_TOKEN")
    slack_signing_secret: SecretStr | None = Field(None, validation_alias="SLACK_SIGNING_SECRET")
    slack_app_token: SecretStr | None = Field(None, validation_alias="SLACK_APP_TOKEN")
    slack_api_url: str = Field(SLACK_API_URL, validation_alias="SLACK_API_URL")
    # The ceiling of the adaptive workspace-wide post cap (bot.slack.pacing): 429s lower it.
    slack_posts_per_s: float = Field(50.0, gt=0, validation_alias="TOCK_SLACK_POSTS_PER_S")
    # Seconds before a schedule's slot to open connections for its posts (bot.slack.warmup); 0: off.
    slack_warmup_s: float = Field(2.0, ge=0, le=10, validation_alias="TOCK_SLACK_WARMUP_S")

    # Runs in flight at once per process. Most wait on Slack, not the CPU, and a
    # minute's posts should not queue behind each other's finish writes.
    max_concurrent_runs: int = Field(200, ge=1, validation_alias="TOCK_MAX_CONCURRENT_RUNS")

    # Serving and storage
    host: str = Field("0.0.0.0", validation_alias="TOCK_HOST")
    port: int = Field(3000, ge=0, le=65535, validation_alias="TOCK_PORT")
    database_url: str = Field(DEFAULT_DATABASE_URL, validation_alias="TOCK_DATABASE_URL")
    log_level: str = Field("INFO", validation_alias="TOCK_LOG_LEVEL")

    # LLM (optional: without a key the deterministic offline agent answers)
    openai_api_key: SecretStr | None = Field(None, validation_alias="OPENAI_API_KEY")
    openai_base_url: str | None = Field(None, validation_alias="OPENAI_BASE_URL")
    model: str = Field("gpt-4o-mini", validation_alias="TOCK_MODEL")
    llm_timeout_s: float = Field(20.0, gt=0, validation_alias="TOCK_LLM_TIMEOUT_S")

    # Quotas, enforced by tools.SchedulerTools
    max_per_channel: int = Field(25, ge=1, validation_alias="TOCK_MAX_PER_CHANNEL")
    max_per_user: int = Field(50, ge=1, validation_alias="TOCK_MAX_PER_USER")
    min_interval_s: int = Field(300, ge=60, validation_alias="TOCK_MIN_INTERVAL_S")
    max_text: int = Field(4000, ge=1, le=40_000, validation_alias="TOCK_MAX_TEXT")

    # Caches of Slack lookups: people rarely change zones, channels change often.
    user_cache_ttl_s: float = Field(600.0, ge=0, validation_alias="TOCK_USER_CACHE_TTL_S")
    member_cache_ttl_s: float = Field(60.0, ge=0, validation_alias="TOCK_MEMBER_CACHE_TTL_S")

    # Observability: the log line format; how many days finished runs are kept.
    log_format: Literal["keyvalue", "json"] = Field("keyvalue", validation_alias="TOCK_LOG_FORMAT")
    retention_days: int = Field(90, ge=1, validation_alias="TOCK_RETENTION_DAYS")

    # The local console: the zone "you" type in (default: this machine's /etc/localtime).
    console_timezone: str | None = Field(
        None, validation_alias=AliasChoices("TOCK_CONSOLE_TZ", "TZ")
    )

    # The operator's extension points (bot/setup): a setup(tock) hook, declared schedules,
    # and the workspace those schedules belong to when an entry names none.
    tock_app: str | None = Field(None, validation_alias="TOCK_APP")
    schedules_file: Path | None = Field(None, validation_alias="TOCK_SCHEDULES_FILE")
    team_id: str | None = Field(None, validation_alias="TOCK_TEAM_ID")

    @field_validator(
        "slack_bot_token",
        "slack_signing_secret",
        "slack_app_token",
        "openai_api_key",
        "openai_base_url",
        "console_timezone",
        "tock_app",
        "schedules_file",
        "team_id",
        mode="before",
    )
    @classmethod
    def _blank_is_unset(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("console_timezone")
    @classmethod
    def _posix_tz(cls, value: str | None) -> str | None:
        """TZ may read `:Europe/Berlin` (POSIX: a zone file); the name is what counts."""
        return value.lstrip(":") or None if value is not None else None

    @field_validator("log_format", mode="before")
    @classmethod
    def _lower_format(cls, value: Any) -> Any:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        level = value.upper()
        if level not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
            raise ValueError("TOCK_LOG_LEVEL must be DEBUG, INFO, WARNING, ERROR or CRITICAL")
        return level

    @property
    def socket_mode(self) -> bool:
        """Socket Mode when an app-level token is set, else HTTP on `port`."""
        return self.slack_app_token is not None

    @property
    def llm_enabled(self) -> bool:
        return self.openai_api_key is not None

    @property
    def quotas(self) -> Quotas:
        return Quotas(
            max_per_channel=self.max_per_channel,
            max_per_user=self.max_per_user,
            min_interval_s=self.min_interval_s,
            max_text=self.max_text,
        )

    def missing_for_slack(self, *, listening: bool = True) -> list[str]:
        """Variables the bot cannot serve Slack without, in this mode.

        Posting always needs the bot token (scheduled posts too, so an
        engine-only `tock run --no-slack` needs it); only a listener
        (`listening`) needs the signing secret or the app token.
        """
        missing = [] if self.slack_bot_token else ["SLACK_BOT_TOKEN"]
        if listening and not self.socket_mode and not self.slack_signing_secret:
            missing.append("SLACK_SIGNING_SECRET (or SLACK_APP_TOKEN for Socket Mode)")
        return missing


def secret(value: SecretStr | None) -> str:
    """The plain value of an optional secret ("" when unset)."""
    return value.get_secret_value() if value is not None else ""
