"""A local OpenAI-compatible server for tests: scripted answers over real HTTP.

Only `POST /v1/chat/completions` (non-streaming). Answers come from a queue
you fill; every request body is recorded. Use it with the real SDK:

    async with FakeOpenAI() as fake:
        client = openai.AsyncOpenAI(base_url=fake.base_url, api_key="test", max_retries=0)
        fake.script(
            tool_call("create_schedule", {"when": "every day at 9", "text": "hi"}),
            content("Done!"),
        )
        ...                                    # code under test calls the API twice
        assert fake.requests[1]["messages"][-1]["role"] == "tool"

Scripting:
- `content(text)`: an assistant message.
- `tool_call(name, arguments)`: one tool call; `arguments` is a dict (sent as
  JSON) or a raw string (to send malformed JSON on purpose).
- `tool_calls(call, call, ...)`: several tool calls in one answer.
- A callable `(request_body) -> answer` decides at request time.
- `Obey(marker, answer)`: a callable that plays a model taken over by a
  prompt injection. When `marker` appears in any message of the request (the
  user's text, or channel content pasted into a prompt) it answers with
  `answer`, typically the tool calls the injection asks for; otherwise with
  `otherwise`. `obeyed` counts the requests it obeyed, `tools_offered` the
  tool names each of them offered, so a test can tell the injection reached
  the model and what the model could have called.
- `fail_next(status, times=1)`: the next requests get an HTTP error with an
  OpenAI-shaped body (429 carries `retry-after: 0`).
- `hang_next()`: the next request waits until the returned `asyncio.Event` is
  set (for timeout tests), then gets the next scripted answer; `stop()` sets
  every such event, so a forgotten one never blocks shutdown.

Every answer reports `usage` (`FakeOpenAI(usage=(prompt, completion))`,
default one token each), as the real API does.

A request with nothing scripted gets a 500 whose message says so, and
`unscripted` counts them. The fake never sleeps.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from bot.serving import listen

Answer = dict[str, Any]  # an assistant "message" object
Scripted = Answer | Callable[[dict[str, Any]], Answer]
_call_ids = itertools.count(1)


@dataclass(frozen=True)
class _Failure:
    status: int
    message: str


@dataclass
class _Hang:
    release: asyncio.Event = field(default_factory=asyncio.Event)


def content(text: str) -> Answer:
    """An assistant message with text and no tool calls."""
    return {"role": "assistant", "content": text}


def tool_call(name: str, arguments: dict[str, Any] | str, call_id: str | None = None) -> Answer:
    """An assistant message with one tool call."""
    return tool_calls(_call(name, arguments, call_id))


def tool_calls(*calls: Answer) -> Answer:
    """An assistant message with several tool calls (each from `tool_call`)."""
    flat = [c for answer in calls for c in answer.get("tool_calls", [answer])]
    return {"role": "assistant", "content": None, "tool_calls": flat}


def _call(name: str, arguments: dict[str, Any] | str, call_id: str | None) -> Answer:
    raw = arguments if isinstance(arguments, str) else json.dumps(arguments)
    return {
        "id": call_id or f"call_{next(_call_ids)}",
        "type": "function",
        "function": {"name": name, "arguments": raw},
    }


class Obey:
    """A model that does what text inside its prompt tells it to (see the module doc)."""

    def __init__(self, marker: str, answer: Answer, otherwise: Answer | None = None) -> None:
        self.marker = marker
        self.answer = answer
        self.otherwise = otherwise or content("I can't find any instructions to follow.")
        self.obeyed = 0
        self.tools_offered: list[list[str]] = []  # per obeyed request: the tools it offered

    def __call__(self, body: dict[str, Any]) -> Answer:
        said = " ".join(str(m.get("content") or "") for m in body.get("messages", []))
        if self.marker not in said:
            return self.otherwise
        self.obeyed += 1
        offered = [str((t.get("function") or {}).get("name")) for t in body.get("tools") or []]
        self.tools_offered.append(offered)
        return self.answer


class FakeOpenAI:
    """The server; start with `await fake.start()` or `async with FakeOpenAI()`."""

    def __init__(self, model: str = "fake-model", usage: tuple[int, int] = (1, 1)) -> None:
        self.model = model
        self.usage = usage  # (prompt_tokens, completion_tokens) of every answer
        self.requests: list[dict[str, Any]] = []  # every body received, in order
        self.headers: list[dict[str, str]] = []
        self.unscripted = 0
        self._queue: deque[Scripted | _Failure | _Hang] = deque()
        self._hangs: list[_Hang] = []
        self._runner: web.AppRunner | None = None
        self._root = "http://127.0.0.1:0"  # until started

    # -- lifecycle ------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/v1/chat/completions", self._completions)
        self._runner, self._root = await listen(app)

    async def stop(self) -> None:
        for hang in self._hangs:
            hang.release.set()  # let held handlers finish so cleanup cannot block
        if self._runner:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeOpenAI:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        """What to pass as `AsyncOpenAI(base_url=...)`."""
        return f"{self._root}/v1"

    # -- scripting ------------------------------------------------------------

    def script(self, *answers: Scripted) -> None:
        """Queue answers for the next requests, in order."""
        self._queue.extend(answers)

    def fail_next(self, status: int, times: int = 1, message: str = "fake failure") -> None:
        """The next `times` requests get HTTP `status` with an OpenAI error body."""
        self._queue.extend(_Failure(status, message) for _ in range(times))

    def hang_next(self) -> asyncio.Event:
        """The next request waits until the returned event is set."""
        hang = _Hang()
        self._hangs.append(hang)
        self._queue.append(hang)
        return hang.release

    @property
    def pending(self) -> int:
        """Scripted answers not yet consumed."""
        return len(self._queue)

    # -- serving --------------------------------------------------------------

    async def _completions(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.requests.append(body)
        self.headers.append(dict(request.headers))
        item = self._queue.popleft() if self._queue else None
        if isinstance(item, _Hang):
            await item.release.wait()
            item = self._queue.popleft() if self._queue else None
        if item is None:
            self.unscripted += 1
            return _error(500, "fake_openai: no scripted response left")
        if isinstance(item, _Failure):
            return _error(item.status, item.message)
        answer = item(body) if callable(item) else item
        return web.json_response(self._completion(answer, len(self.requests)))

    def _completion(self, answer: Answer, number: int) -> dict[str, Any]:
        message = {"role": "assistant", "content": None} | answer
        finish = "tool_calls" if message.get("tool_calls") else "stop"
        return {
            "id": f"chatcmpl-fake-{number}",
            "object": "chat.completion",
            "created": 1_700_000_000 + number,
            "model": self.model,
            "choices": [{"index": 0, "message": message, "finish_reason": finish}],
            "usage": {
                "prompt_tokens": self.usage[0],
                "completion_tokens": self.usage[1],
                "total_tokens": sum(self.usage),
            },
        }


def _error(status: int, message: str) -> web.Response:
    kinds = {429: "rate_limit_error", 400: "invalid_request_error", 401: "authentication_error"}
    body = {"error": {"message": message, "type": kinds.get(status, "server_error"), "code": None}}
    headers = {"retry-after": "0"} if status == 429 else None
    return web.json_response(body, status=status, headers=headers)
