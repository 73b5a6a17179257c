"""Workflows: steps run as one schedule run, traced step by step, resumed after a crash.

```python
review = Workflow(
    "draft-and-review",
    steps=[
        Loop(
            "draft_review",
            steps=[Step("draft", agent="Draft: {input}"), Step("review", fn=score)],
            until="outputs['review'].data['score'] >= 8",
            max_iterations=3,
            forward_output=True,
        ),
        Step("post", fn=post),
    ],
)
registry = WorkflowRegistry([review])
jobs.register("workflow", workflow_handler(registry, store, clock, ask=my_llm))
```

The rules, each in the module that keeps it:
- `model`: Workflow, Step, Parallel, Loop, Router, Condition; names, paths
  (`draft_review/2/draft`), retries, optional steps, early stop. Checked
  when built: a bad definition raises WorkflowError and never reaches a run.
- `values`: StepInput and StepOutput, what flows between steps.
- `conditions`: callables or safe expressions (simpleeval, never `eval`).
- `agent`: agent steps, answered by the host's `Ask` or a deterministic stand-in.
- `runner`: one workflow run = one engine run; every try of every step is
  a `run_steps` row; a retried run resumes after the steps already done.
- `registry`: WorkflowRegistry and `workflow_handler`, the `workflow` job kind.
- `errors`: WorkflowError, StepError, PermanentStepError, ConditionError.

Nothing here knows a chat platform or an LLM client.
"""

from __future__ import annotations

from scheduler.workflow.agent import Ask, echo_agent
from scheduler.workflow.conditions import ConditionLike, Predicate
from scheduler.workflow.errors import ConditionError, PermanentStepError, StepError, WorkflowError
from scheduler.workflow.model import (
    Condition,
    Loop,
    Node,
    Parallel,
    Router,
    Step,
    StepFn,
    Workflow,
)
from scheduler.workflow.registry import WorkflowRegistry, workflow_handler, workflow_input
from scheduler.workflow.runner import run_workflow
from scheduler.workflow.values import StepInput, StepOutput

__all__ = [
    "Ask",
    "Condition",
    "ConditionError",
    "ConditionLike",
    "Loop",
    "Node",
    "Parallel",
    "PermanentStepError",
    "Predicate",
    "Router",
    "Step",
    "StepError",
    "StepFn",
    "StepInput",
    "StepOutput",
    "Workflow",
    "WorkflowError",
    "WorkflowRegistry",
    "echo_agent",
    "run_workflow",
    "workflow_handler",
    "workflow_input",
]
