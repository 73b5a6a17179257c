"""What a workflow is made of: `Step`s, and `Parallel`, `Loop`, `Router` and
`Condition` around them.

Rules, checked when a workflow is built (WorkflowError says which part and why):
- Names are 1–60 letters, digits, `_`, `-` or `.`, starting with a letter or
  digit, and unique among siblings: the steps of one workflow, group, loop
  body, route or branch. Route names follow the same rule.
- A `Step` has exactly one of `fn` (an async function `StepInput ->
  StepOutput`) or `agent` (a prompt template, see `agent`). It is tried
  `1 + max_retries` times inside the run, waiting `backoff_s` and doubling
  (with jitter, on the run's clock) between tries; a PermanentJobError is not
  tried again. An `optional` step that fails for good is recorded `skipped`
  and the workflow goes on without its output.
- `Parallel(name, *steps)` runs its steps concurrently, each given the
  group's `previous`. Its output's `data` maps each step's name to its
  `{"text", "data"}`, its `text` joins theirs. A failing step that is not
  optional fails the group, once its siblings have finished (so a retried run
  redoes only what failed).
- `Loop(name, steps, until, max_iterations, forward_output)` runs its steps,
  then checks `until`, at most `max_iterations` (at least 1) times. With
  `forward_output` iteration n begins from iteration n-1's output, otherwise
  every iteration begins from the loop's `previous`. Its output is the last
  iteration's.
- `Router(name, selector, routes)` runs the route named by the selector's
  value (as `str`); a value that names no route fails the step for good.
- `Condition(name, when, steps, else_steps)` runs `steps` when `when` holds,
  else `else_steps`; with nothing to run it is `skipped` and the previous
  output goes on unchanged.
- A `stop` output ends the whole workflow there, from any depth; it is the
  workflow's output.
- Paths join the names of a step's ancestors and its own, with the loop
  iteration, the route's name or `then`/`else` between: `gather/fetch_a`,
  `draft_review/2/draft`, `triage/bug/file_ticket`, `check/else/notify`. The
  longest possible path is at most 300 characters.
- Conditions (`until`, `when`, `selector`) are callables or safe
  expressions; see `conditions`.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from scheduler.store.steps import MAX_PATH
from scheduler.workflow.conditions import Check, ConditionLike
from scheduler.workflow.errors import WorkflowError
from scheduler.workflow.values import StepInput, StepOutput

StepFn = Callable[[StepInput], Awaitable[StepOutput]]
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,59}")


@dataclass(frozen=True)
class Step:
    """One unit of work: an async function, or an agent prompt."""

    name: str
    fn: StepFn | None = None
    agent: str | None = None
    max_retries: int = 0
    backoff_s: float = 1.0
    optional: bool = False
    description: str = ""

    def __post_init__(self) -> None:
        where = _check_name("step", self.name)
        if (self.fn is None) == (self.agent is None):
            raise WorkflowError(f"{where}: give either fn or agent, not both or neither")
        if self.fn is not None and not _is_async(self.fn):
            raise WorkflowError(f"{where}: fn must be an async function (async def)")
        if self.agent is not None and not (isinstance(self.agent, str) and self.agent.strip()):
            raise WorkflowError(f"{where}: agent must be a non-empty prompt")
        if not isinstance(self.max_retries, int) or self.max_retries < 0:
            raise WorkflowError(f"{where}: max_retries must be a whole number, 0 or more")
        if self.backoff_s < 0:
            raise WorkflowError(f"{where}: backoff_s must not be negative")


@dataclass(frozen=True, init=False)
class Parallel:
    """Steps run concurrently; their outputs gathered by name."""

    name: str
    steps: tuple[Node, ...]
    description: str = ""

    def __init__(self, name: str, *steps: Node, description: str = "") -> None:
        where = _check_name("parallel", name)
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "steps", _nodes(where, steps))
        object.__setattr__(self, "description", description)


@dataclass(frozen=True)
class Loop:
    """Steps repeated until a condition holds or the iterations run out."""

    name: str
    steps: Sequence[Node]
    until: ConditionLike | None = None
    max_iterations: int = 3
    forward_output: bool = False
    description: str = ""
    until_check: Check | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        where = _check_name("loop", self.name)
        object.__setattr__(self, "steps", _nodes(where, self.steps))
        if not isinstance(self.max_iterations, int) or self.max_iterations < 1:
            raise WorkflowError(f"{where}: max_iterations must be a whole number, 1 or more")
        check = None if self.until is None else Check(self.until, f"{where} until")
        object.__setattr__(self, "until_check", check)


@dataclass(frozen=True)
class Router:
    """One route of several, picked by a selector from the input or earlier outputs."""

    name: str
    selector: ConditionLike
    routes: Mapping[str, Node | Sequence[Node]]
    description: str = ""
    selector_check: Check = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        where = _check_name("router", self.name)
        if not isinstance(self.routes, Mapping) or not self.routes:
            raise WorkflowError(f"{where}: routes must map route names to steps")
        routes = {}
        for route, steps in self.routes.items():
            _check_name(f"{where} route", route)
            routes[route] = _nodes(f"{where} route {route!r}", steps)
        object.__setattr__(self, "routes", routes)
        object.__setattr__(self, "selector_check", Check(self.selector, f"{where} selector"))


@dataclass(frozen=True)
class Condition:
    """Steps run when a condition holds, other steps (or none) when it does not."""

    name: str
    when: ConditionLike
    steps: Sequence[Node]
    else_steps: Sequence[Node] = ()
    description: str = ""
    when_check: Check = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        where = _check_name("condition", self.name)
        object.__setattr__(self, "steps", _nodes(where, self.steps))
        else_steps = _nodes(f"{where} else", self.else_steps, empty=True)
        object.__setattr__(self, "else_steps", else_steps)
        object.__setattr__(self, "when_check", Check(self.when, f"{where} when"))


Node = Step | Parallel | Loop | Router | Condition


@dataclass(frozen=True)
class Workflow:
    """A named sequence of steps, run as one schedule run."""

    name: str
    steps: Sequence[Node]
    description: str = ""

    def __post_init__(self) -> None:
        where = _check_name("workflow", self.name)
        object.__setattr__(self, "steps", _nodes(where, self.steps))
        longest = max(_paths(self.steps, ""), key=len)
        if len(longest) > MAX_PATH:
            raise WorkflowError(
                f"{where}: the path {longest[:60]!r}… is longer than {MAX_PATH} characters"
            )


def _children(node: Node) -> Iterable[tuple[str, tuple[Node, ...]]]:
    """Each group of steps inside `node`, with the path segment between (`""`: none)."""
    if isinstance(node, Parallel):
        yield "", node.steps
    elif isinstance(node, Loop):
        yield str(node.max_iterations), tuple(node.steps)  # the longest iteration number
    elif isinstance(node, Router):
        yield from node.routes.items()  # type: ignore[misc]
    elif isinstance(node, Condition):
        yield "then", tuple(node.steps)
        yield "else", tuple(node.else_steps)


def _paths(nodes: Sequence[Node], prefix: str) -> Iterable[str]:
    for node in nodes:
        path = f"{prefix}/{node.name}" if prefix else node.name
        yield path
        for segment, inner in _children(node):
            yield from _paths(inner, f"{path}/{segment}" if segment else path)


def _check_name(kind: str, name: Any) -> str:
    """`kind 'name'`, for messages; WorkflowError unless `name` is a valid name."""
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise WorkflowError(
            f"{kind} name {name!r}: use 1-60 letters, digits, '_', '-' or '.', "
            "starting with a letter or digit"
        )
    return f"{kind} {name!r}"


def _nodes(where: str, nodes: Any, *, empty: bool = False) -> tuple[Node, ...]:
    """`nodes` (one step or a sequence of them) as a tuple, checked."""
    found = (nodes,) if isinstance(nodes, Node) else nodes
    if isinstance(found, str | bytes | Mapping) or not isinstance(found, Iterable):
        raise WorkflowError(f"{where}: steps must be a list of steps")
    found = tuple(found)
    if not found and not empty:
        raise WorkflowError(f"{where}: has no steps")
    seen: set[str] = set()
    for node in found:
        if not isinstance(node, Node):
            raise WorkflowError(
                f"{where}: {node!r} is not a step (Step, Parallel, Loop, Router or Condition)"
            )
        if node.name in seen:
            raise WorkflowError(f"{where}: two steps are named {node.name!r}")
        seen.add(node.name)
    return found


def _is_async(fn: Callable[..., Any]) -> bool:
    return inspect.iscoroutinefunction(fn) or inspect.iscoroutinefunction(
        getattr(fn, "__call__", None)  # noqa: B004 - an object with an async __call__
    )
