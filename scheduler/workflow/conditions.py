"""Conditions: when a Loop ends, whether a Condition takes its steps, where a Router goes.

A condition is a plain Python callable, given the `StepInput` and returning a
value (its truth; for a Router, the route's name), or an expression string
such as `outputs['review'].data['score'] >= 8`, evaluated with simpleeval.
Nothing here calls `eval`.

Rules for expressions:
- Names: `input`, `previous`, `outputs`, `iteration` (the StepInput's fields)
  and `True`, `False`, `None`. Functions: `len`, `int`, `float`, `str`,
  `bool`, `abs`, `min`, `max`, `round`, `any`, `all`, `list`, `tuple`,
  `dict`, `set`.
- Literals (numbers, strings, lists, tuples, dicts, sets), arithmetic,
  comparisons, `and`/`or`/`not`, `in`, `x if c else y`, subscripts, slices.
- Attributes come from a read-only list per type: a StepOutput's `text`,
  `data` and `stop`; str methods; dict `get`, `keys`, `values`, `items`;
  list and tuple `index`, `count`. So `outputs['x'].data.clear()` and
  `previous.__class__` are refused.
- Checked when the workflow is defined: a syntax error, a statement, an
  unknown name or function (`__import__` included), a private or unknown
  attribute, a lambda, a comprehension or `:=` raise WorkflowError quoting
  the expression and saying why.
- Enforced again while running, per type, by simpleeval. Any error while
  evaluating (a missing output, a wrong type), from an expression or a
  callable, raises ConditionError quoting the condition.
- Conditions must be pure functions of their StepInput: a resumed run
  evaluates them again over the same persisted outputs and must take the
  same way. A callable must be a plain function (not async).
"""

from __future__ import annotations

import ast
import inspect
from collections.abc import Callable
from typing import Any

import simpleeval

from scheduler.workflow.errors import ConditionError, WorkflowError
from scheduler.workflow.values import StepInput, StepOutput

Predicate = Callable[[StepInput], Any]
ConditionLike = str | Predicate

NAMES = ("input", "previous", "outputs", "iteration")
_FUNCTIONS: dict[str, Callable[..., Any]] = {
    f.__name__: f for f in (len, int, float, str, bool, abs, min, max, round, any, all)
}
_ATTRIBUTES: dict[Any, set[str]] = {
    StepOutput: {"text", "data", "stop"},
    str: set(simpleeval.BASIC_ALLOWED_ATTRS[str]) - {"format", "format_map"},
    dict: {"get", "keys", "values", "items"},
    list: {"index", "count"},
    tuple: {"index", "count"},
    int: set(),
    float: {"is_integer"},
    bool: set(),
    type(None): set(),
}
_KNOWN_ATTRIBUTES = frozenset().union(*_ATTRIBUTES.values())
_REFUSED_NODES = {
    ast.Lambda: "a lambda",
    ast.NamedExpr: "`:=`",
    ast.ListComp: "a comprehension",
    ast.SetComp: "a comprehension",
    ast.DictComp: "a comprehension",
    ast.GeneratorExp: "a comprehension",
}


class _Evaluator(simpleeval.EvalWithCompoundTypes):
    """simpleeval with literals, our names and functions, per-type attributes, no comprehensions."""

    def __init__(self, names: dict[str, Any] | None = None) -> None:
        super().__init__(functions=dict(_FUNCTIONS), names=names or {}, allowed_attrs=_ATTRIBUTES)
        for node in (ast.ListComp, ast.GeneratorExp, ast.DictComp):
            self.nodes.pop(node, None)
        self.ATTR_INDEX_FALLBACK = False  # `outputs.review` is not `outputs['review']`


_NODES = frozenset(_Evaluator().nodes)
_KNOWN_FUNCTIONS = frozenset(_Evaluator().functions)
_KNOWN_NAMES = frozenset(NAMES) | {"True", "False", "None"} | _KNOWN_FUNCTIONS


class Check:
    """One condition, checked when defined; calling it evaluates it against a StepInput."""

    def __init__(self, condition: ConditionLike, where: str) -> None:
        self._tree: ast.expr | None = None
        self._fn: Predicate | None = None
        if isinstance(condition, str):
            self.source = condition.strip()
            self._tree = _parse(self.source, where)
        elif callable(condition) and not inspect.iscoroutinefunction(condition):
            self.source = getattr(condition, "__name__", repr(condition))
            self._fn = condition
        else:
            raise WorkflowError(
                f"{where}: a condition is a plain function or an expression string, "
                f"not {type(condition).__name__}"
            )

    def __call__(self, step_input: StepInput) -> Any:
        try:
            if self._fn is not None:
                return self._fn(step_input)
            names = {
                "input": step_input.input,
                "previous": step_input.previous,
                "outputs": dict(step_input.outputs),
                "iteration": step_input.iteration,
            }
            return _Evaluator(names).eval(self.source, previously_parsed=self._tree)
        except Exception as exc:
            raise ConditionError(f"`{self.source}` failed: {type(exc).__name__}: {exc}") from exc


def _parse(source: str, where: str) -> ast.expr:
    """The expression's tree; WorkflowError unless every part of it is allowed."""
    try:
        tree = ast.parse(source, mode="eval")
    except SyntaxError as exc:
        raise WorkflowError(f"{where}: `{source}` is not an expression: {exc.msg}") from None
    problems = sorted({p for node in ast.walk(tree.body) if (p := _refusal(node))})
    if problems:
        raise WorkflowError(f"{where}: `{source}`: {'; '.join(why for _, why in problems)}")
    return tree.body


def _refusal(node: ast.AST) -> tuple[int, str] | None:
    """Why `node` may not appear in an expression (most telling first), or None."""
    if isinstance(node, ast.Attribute) and node.attr.startswith("_"):
        return 0, f"`.{node.attr}` is private (attributes starting with '_' are refused)"
    if isinstance(node, ast.Name) and node.id not in _KNOWN_NAMES:
        return 1, f"unknown name {node.id!r} (use {', '.join(NAMES)})"
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id not in _KNOWN_FUNCTIONS
    ):
        return 2, f"{node.func.id!r} is not a function here (use {', '.join(sorted(_FUNCTIONS))})"
    if isinstance(node, ast.expr) and type(node) not in _NODES:
        return 3, f"{_REFUSED_NODES.get(type(node), type(node).__name__)} is not allowed"
    if isinstance(node, ast.Attribute) and node.attr not in _KNOWN_ATTRIBUTES:
        return 4, f"`.{node.attr}` is not allowed (a step output has .text, .data and .stop)"
    return None
