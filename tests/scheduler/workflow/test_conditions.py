"""Conditions: safe expressions (checked when defined, enforced when run) and callables."""

from __future__ import annotations

from typing import Any

import pytest

from scheduler.workflow import ConditionError, StepInput, StepOutput, WorkflowError
from scheduler.workflow.conditions import Check


def given(**outputs: StepOutput) -> StepInput:
    return StepInput(
        input={"urgent": True, "tags": ["a", "b"]},
        previous=StepOutput("Looks good", {"score": 8}),
        outputs=outputs,
        context=None,  # type: ignore[arg-type]  # conditions never read the run
        path="p",
        iteration=2,
    )


REVIEW = StepOutput("ok", {"score": 9, "notes": ["tight"]})

HOLDS = [
    ("outputs['review'].data['score'] >= 8", True),
    ("previous.data['score'] == 8 and iteration < 3", True),
    ("input['urgent'] and 'b' in input['tags']", True),
    ("previous.text.lower().startswith('looks')", True),
    ("len(outputs['review'].data['notes']) == 1", True),
    ("outputs.get('draft') is None", True),
    ("previous.text in ('Looks good', 'Fine')", True),
    ("max(1, previous.data['score']) if not previous.stop else 0", 8),
    ("'yes' if previous.data.get('missing', 0) > 1 else 'no'", "no"),
]


@pytest.mark.parametrize(("source", "value"), HOLDS)
def test_expressions_read_the_inputs_and_outputs(source: str, value: Any) -> None:
    assert Check(source, "test")(given(review=REVIEW)) == value


REFUSED_WHEN_DEFINED = [
    ("previous.__class__", r"`.__class__` is private"),
    ("previous.text.__class__.__mro__", r"`.__mro__` is private"),
    ("__import__('os').system('true')", r"unknown name '__import__'"),
    ("import os", r"is not an expression"),
    ("x = 1", r"is not an expression"),
    ("open('/etc/passwd')", r"'open' is not a function here"),
    ("lambda: 1", r"a lambda is not allowed"),
    ("[o for o in outputs]", r"a comprehension is not allowed"),
    ("(n := 1)", r"`:=` is not allowed"),
    ("os.environ", r"unknown name 'os'"),
    ("previous.mro", r"`.mro` is not allowed"),
    ("previous.text.format(1)", r"`.format` is not allowed"),
    ("outputs['review'].data.clear()", r"`.clear` is not allowed"),
    ("", r"is not an expression"),
]


@pytest.mark.parametrize(("source", "message"), REFUSED_WHEN_DEFINED)
def test_unsafe_expressions_are_refused_when_defined(source: str, message: str) -> None:
    with pytest.raises(WorkflowError, match=rf"^loop 'l' until: `.*`:? .*{message}"):
        Check(source, "loop 'l' until")


def test_expressions_are_enforced_again_when_run() -> None:
    notes = "outputs['review'].data['notes'].get(0)"  # dict's .get, on a list
    with pytest.raises(
        ConditionError, match=r"failed: .*'.get' access not allowed on '<class 'list'>'"
    ):
        Check(notes, "c")(given(review=REVIEW))
    with pytest.raises(ConditionError, match=r"failed: KeyError: 'missing'"):
        Check("outputs['missing'].data", "c")(given())
    with pytest.raises(ConditionError, match=r"failed: TypeError"):
        Check("previous.data['score'] > 'x'", "c")(given())
    with pytest.raises(
        ConditionError, match=r"failed: .*'.items' access not allowed on '<class 'str'>'"
    ):
        Check("previous.text.items()", "c")(given())


def test_callables_are_given_the_step_input() -> None:
    def reviewed(step_input: StepInput) -> bool:
        return step_input.outputs["review"].data["score"] > 5

    assert Check(reviewed, "c")(given(review=REVIEW)) is True
    with pytest.raises(ConditionError, match=r"`reviewed` failed: KeyError: 'review'"):
        Check(reviewed, "c")(given())


def test_a_condition_is_a_callable_or_a_string() -> None:
    with pytest.raises(WorkflowError, match=r"c: a condition is a plain function or an expression"):
        Check(42, "c")  # type: ignore[arg-type]
