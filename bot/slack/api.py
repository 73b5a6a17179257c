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

Posting. `PostMessage` is chat.postMessage with its request assembled once
instead of per call (the Sender's hot path).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import urljoin

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_base_client import AsyncBaseClient
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
        status = answer.get("status_code")
        self.on_call(method, status, answer_error(status, answer.get("data")))
        return answer


def answer_error(status: int | None, data: Any) -> str | None:
    """The error an answer reports (`error_code`'s rule): None when it is ok."""
    if status == 200 and isinstance(data, dict) and data.get("ok") is True:
        return None
    code = data.get("error") if isinstance(data, dict) else None
    return str(code or f"http_{status}")


POST_MESSAGE = "chat.postMessage"


class PostMessage:
    """chat.postMessage on `client`, the request's fixed parts built once.

    slack_sdk's `chat_postMessage` assembles every call afresh: the URL
    (`urljoin`), the headers, the request arguments, a deprecation check, then
    a response object around the answer. For a post that is about a quarter
    of the client-side CPU, and a burst of posts is CPU-bound. This sends the
    same request (a JSON body; the client's headers, token, `team_id`, proxy
    and TLS settings) through the client's own `_request`, so its session and
    timeout apply and a subclass hook (`ObservedWebClient`'s metrics) still
    sees every request; a refusal raises the SlackApiError slack_sdk would.
    `_request` is slack_sdk's one request path (`api_call` and each cursor
    page end there), which `ObservedWebClient` relies on already.

    The client's settings are read once: pass the client that will be used
    (the Sender passes its own copy, made once).
    """

    def __init__(self, client: AsyncBaseClient) -> None:
        self._client = client
        self._url = urljoin(client.base_url, POST_MESSAGE)
        # As slack_sdk merges them: the token, then the client's headers, then JSON's type.
        headers = {"Authorization": f"Bearer {client.token}"} if client.token else {}
        headers |= client.headers
        headers["Content-Type"] = "application/json;charset=utf-8"
        self._headers = headers
        self._defaults = dict(client.default_params)  # team_id for org-wide installs

    async def __call__(self, **fields: Any) -> dict[str, Any]:
        """Post ``fields`` (channel, text, blocks, ...; None values dropped); Slack's answer."""
        body = {k: v for k, v in fields.items() if v is not None}
        for name, value in self._defaults.items():
            body.setdefault(name, value)
        req_args: dict[str, Any] = {
            "headers": self._headers,
            "json": body,
            "ssl": self._client.ssl,
            "proxy": self._client.proxy,
        }
        client = self._client
        answer = await client._request(http_verb="POST", api_url=self._url, req_args=req_args)
        data, status = answer.get("data"), answer.get("status_code")
        if status == 200 and isinstance(data, dict) and data.get("ok"):
            return data
        # The refusal exactly as slack_sdk reports it (classify reads its response).
        response = AsyncSlackResponse(
            client=client, http_verb="POST", api_url=self._url, req_args=req_args, **answer
        )
        response.validate()
        return data if isinstance(data, dict) else {}  # validate() let a bytes body through
