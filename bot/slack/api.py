"""Slack Web API helpers used everywhere: the one error classifier and the one pager.

Errors. A failed call becomes a `DeliveryError` with Slack's error code as
``.code``, and the scheduler's job error it behaves as:

   DeliveryError (mixin, .code)
    ├── PermanentDeliveryError   PermanentJobError: channel_not_found,
    │                            not_in_channel, is_archived, invalid_auth,
    │                            token_revoked, msg_too_long, invalid_blocks, ...
    └── TransientDeliveryError   TransientJobError: HTTP 429 (with its
                                 Retry-After) and 5xx, network errors and
                                 timeouts, internal_error, ...

The rule is one: transient when Slack says "try again later" (HTTP 429 or
5xx, or one of `TRANSIENT_CODES`) or the request may not have arrived;
every other refusal is permanent, because waiting will not change it.

Paging. `collect` follows `response_metadata.next_cursor` through slack_sdk's
own page iteration (`async for page in response`), up to a cap.

Counting. `ObservedWebClient` reports every request it sends (method, HTTP
status, Slack's error code) to a callback: the bot's metrics.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from scheduler.errors import PermanentJobError, TransientJobError

# What a Slack call can raise: refused, or the network failed (TimeoutError is
# an OSError). Lookups that may fail soft catch exactly these.
SLACK_ERRORS = (SlackApiError, aiohttp.ClientError, OSError)

# Slack's documented "try again later" answers.
TRANSIENT_CODES = frozenset(
    {
        "ratelimited",
        "internal_error",
        "fatal_error",
        "service_unavailable",
        "request_timeout",
        "team_added_to_org",
    }
)
# Examples of the rest, for readers and tests; the rule is "not transient".
PERMANENT_CODES = frozenset(
    {
        "channel_not_found",
        "not_in_channel",
        "is_archived",
        "invalid_auth",
        "not_authed",
        "account_inactive",
        "token_revoked",
        "token_expired",
        "missing_scope",
        "msg_too_long",
        "invalid_blocks",
        "no_text",
        "restricted_action",
    }
)


class DeliveryError(Exception):
    """Mixin for Slack call failures: ``code`` is Slack's error (or ours)."""

    code: str


class PermanentDeliveryError(DeliveryError, PermanentJobError):
    """Slack refused the call for a reason retrying cannot fix."""

    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(message)
        self.code = code


class TransientDeliveryError(DeliveryError, TransientJobError):
    """The call failed or may have failed; the run should retry later."""

    def __init__(self, message: str, *, code: str, retry_after: float | None = None) -> None:
        super().__init__(message, retry_after=retry_after)
        self.code = code


def error_code(error: SlackApiError) -> str:
    """Slack's error code, or `http_<status>` when the body has none."""
    data = error.response.data
    code = data.get("error") if isinstance(data, dict) else None
    return str(code) if code else f"http_{error.response.status_code}"


def retry_after(error: SlackApiError) -> float | None:
    """Seconds Slack asked us to wait, when this is a rate-limit answer; else None."""
    if error.response.status_code != 429 and error_code(error) != "ratelimited":
        return None
    try:
        return max(0.0, float(error.response.headers.get("Retry-After", 1)))
    except (TypeError, ValueError):
        return 1.0


def classify(method: str, where: str, error: SlackApiError) -> DeliveryError:
    """The DeliveryError for a refused call of `method` in `where` (a channel)."""
    code = error_code(error)
    message = f"{method} in {where} failed: {code}"
    wait = retry_after(error)
    if wait is not None or error.response.status_code >= 500 or code in TRANSIENT_CODES:
        return TransientDeliveryError(message, code=code, retry_after=wait)
    return PermanentDeliveryError(message, code=code)


def network_code(error: BaseException) -> str:
    """Our code for a call that got no answer."""
    return "timeout" if isinstance(error, TimeoutError) else "network_error"


def network_error(method: str, where: str, error: BaseException) -> TransientDeliveryError:
    """The call may or may not have reached Slack: retry (a post checks first if it did)."""
    code = network_code(error)
    return TransientDeliveryError(f"{method} in {where}: {code}", code=code)


@asynccontextmanager
async def classified(method: str, where: str) -> AsyncIterator[None]:
    """Turn what a Slack call raises inside the block into a DeliveryError."""
    try:
        yield
    except SlackApiError as error:
        raise classify(method, where, error) from error
    except (aiohttp.ClientError, OSError) as error:
        raise network_error(method, where, error) from error


async def collect(call: Awaitable[AsyncSlackResponse], key: str, most: int) -> list[Any]:
    """Up to `most` items under `key`, across the cursor pages of `call`'s answer."""
    items: list[Any] = []
    async for page in await call:
        items.extend(page.get(key) or [])
        if len(items) >= most:
            break
    return items[:most]


CallObserver = Callable[[str, int | None, str | None], None]


class ObservedWebClient(AsyncWebClient):
    """An AsyncWebClient that tells `on_call(method, status, error)` of every request.

    `status` is the HTTP status (None: no answer came), `error` Slack's error
    code (`error_code`'s rule; `network_code` without an answer,
    `invalid_response` for a body that is not JSON; None when ok). slack_sdk
    sends every request from `_request`, `api_call` and each further cursor
    page (`async for page in response`) alike, so this sees them all; copies
    (the Sender's) keep the callback.
    """

    def __init__(self, *args: Any, on_call: CallObserver, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.on_call = on_call

    async def _request(
        self, *, http_verb: str, api_url: str, req_args: dict[str, Any]
    ) -> dict[str, Any]:
        method = api_url.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]
        try:
            answer = await super()._request(http_verb=http_verb, api_url=api_url, req_args=req_args)
        except SlackApiError as error:  # an answer slack_sdk could not read (aiohttp's response)
            self.on_call(method, getattr(error.response, "status", None), "invalid_response")
            raise
        except (aiohttp.ClientError, OSError) as error:
            self.on_call(method, None, network_code(error))
            raise
        status, data = answer.get("status_code"), answer.get("data")
        ok = status == 200 and isinstance(data, dict) and data.get("ok") is True
        code = data.get("error") if isinstance(data, dict) else None
        self.on_call(method, status, None if ok else str(code or f"http_{status}"))
        return answer
