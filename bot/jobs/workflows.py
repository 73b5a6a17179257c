"""The built-in workflows, made of Slack steps, and how agent steps are answered.

- `channel-digest`: collect the source channel's messages for the window →
  summarize them (the LLM, else the deterministic digest) → post.
- `draft-and-review`: draft → review with a score → again, with the review's
  feedback, until the score reaches `REVIEW_PASS` or `REVIEW_ROUNDS` drafts
  were made → post the last draft. Without an LLM the draft is the input
  tidied by the feedback and the review checks a few plain rules, so the
  workflow runs (and is tested) without a key.
- `heartbeat`: posts that the workflow runner is alive.

A workflow's input is its schedule's text; it posts into the schedule's
channel. The post step carries the step's idempotency key and looks for its
own earlier post when a previous try's outcome is unknown, so a resumed run
never posts twice. A workflow that ends without posting has its final text
posted by the job kind (`bot.jobs.slack_jobs`).
"""

from __future__ import annotations

import logging
import re
from datetime import timedelta
from typing import Any

import openai

from bot.jobs import digest
from bot.slack.api import classified, collect
from bot.slack.delivery import Sender
from scheduler.errors import PermanentJobError
from scheduler.workflow import Ask, Loop, Step, StepInput, StepOutput, Workflow

REVIEW_PASS = 8  # the score (of 10) a draft needs
REVIEW_ROUNDS = 3
HISTORY_PAGE = 200
HISTORY_LIMIT = 1_000  # messages read for one digest
POSTED = "posted"  # StepOutput.data key: this step posted the workflow's result
DIGEST = "channel-digest"  # the workflow a digest schedule runs
log = logging.getLogger(__name__)
_SENTENCE_END = re.compile(r"[.!?…]$")

DRAFT_PROMPT = (
    "Write a short Slack post about the following. Use Slack mrkdwn.\n\n{input}\n\n"
    "Feedback on the last draft, if any: {previous}"
)
REVIEW_PROMPT = (
    "Review this Slack post for clarity and tone. Answer only with JSON "
    '{{"score": <1-10>, "feedback": "<one sentence>"}}.\n\n{draft}'
)


class SlackSteps:
    """The steps that read and write Slack, for one bot."""

    def __init__(
        self, sender: Sender, client: Any, llm: openai.AsyncOpenAI | None, model: str
    ) -> None:
        self.sender = sender
        self.client = client
        self.llm = llm
        self.model = model

    async def collect(self, step: StepInput) -> StepOutput:
        """The source channel's messages within the digest window, as data."""
        schedule = step.context.schedule
        source = str(schedule.action.get("source_channel") or schedule.channel_id or "")
        if not source:
            raise PermanentJobError("the digest has no channel to read")
        hours = max(1, int(schedule.action.get("window_hours") or 24))
        oldest = step.context.run.scheduled_for - timedelta(hours=hours)
        call = self.client.conversations_history(
            channel=source, oldest=f"{oldest.timestamp():.6f}", limit=HISTORY_PAGE
        )
        async with classified("conversations.history", source):
            messages = await collect(call, "messages", HISTORY_LIMIT)
        people = digest.human_messages(messages)
        data = {"channel": source, "hours": hours, "messages": people}
        return StepOutput(text=f"{len(people)} messages from <#{source}>", data=data)

    async def summarize(self, step: StepInput) -> StepOutput:
        """The digest of what `collect` found: the LLM's, else the deterministic one."""
        found = step.outputs["collect"].data or {}
        messages, channel, hours = found["messages"], found["channel"], found["hours"]
        fallback = StepOutput(text=digest.digest_text(messages, channel, hours))
        if self.llm is None or not messages:
            return fallback
        try:
            summary = await self._complete(digest.DIGEST_SYSTEM_PROMPT, digest.transcript(messages))
        except openai.OpenAIError as error:
            # A digest without the LLM beats no digest: fall back, say so in the log.
            log.warning("LLM digest failed, posting the plain one: %s", type(error).__name__)
            return fallback
        if not summary:
            return fallback
        return StepOutput(text=f"*Digest of <#{channel}>, last {hours}h*\n{summary}")

    async def post(self, step: StepInput) -> StepOutput:
        """Post the previous step's text (or the draft's) into the schedule's channel."""
        channel = step.context.schedule.channel_id
        if not channel:
            raise PermanentJobError("the schedule has no channel to post in")
        text = text_to_post(step)
        result = await self.sender.post(
            channel, text, idempotency_key=step.idempotency_key, check_existing=step.outcome_unknown
        )
        link = result.permalink or f"{result.channel}/{result.ts}"
        return StepOutput(text=link, data={POSTED: True})

    async def ask(self, prompt: str, _step: StepInput) -> str:
        """How agent steps are answered when an LLM is configured."""
        return await self._complete("You are a helpful assistant in a Slack workspace.", prompt)

    async def _complete(self, system: str, prompt: str) -> str:
        if self.llm is None:
            return ""
        completion = await self.llm.chat.completions.create(
            model=self.model,
            messages=[{"role": "system", "content": system}, {"role": "user", "content": prompt}],
        )
        return (completion.choices[0].message.content or "").strip() if completion.choices else ""


def text_to_post(step: StepInput) -> str:
    """What a post step posts: the draft when there is one, else the previous step's text;
    PermanentJobError when that is empty."""
    text = step.outputs["draft"].text if "draft" in step.outputs else step.text
    if not text.strip():
        raise PermanentJobError("nothing to post: the workflow's text is empty")
    return text


async def plain_draft(step: StepInput) -> StepOutput:
    """The draft without an LLM: the input, with the last review's fixes applied."""
    text = " ".join(str(step.input or "").split())
    review = step.outputs.get("review")
    fixes = (review.data or {}).get("fixes", []) if review else []
    if "capitalize" in fixes:
        text = text[:1].upper() + text[1:]
    if "end" in fixes and not _SENTENCE_END.search(text):
        text += "."
    return StepOutput(text=text)


async def plain_review(step: StepInput) -> StepOutput:
    """A review without an LLM: plain rules a post should meet, scored out of 10."""
    draft = step.outputs["draft"].text
    fixes = [
        fix
        for fix, broken in (
            ("capitalize", draft[:1].islower()),
            ("end", not _SENTENCE_END.search(draft)),
        )
        if broken
    ]
    score = 0 if not draft else 10 - 2 * len(fixes)
    return StepOutput(text=f"score {score}", data={"score": score, "fixes": fixes})


async def heartbeat(step: StepInput) -> StepOutput:
    schedule = step.context.schedule.name
    return StepOutput(text=f":gear: Workflow *heartbeat* ran for *{schedule}*.")


def builtin_workflows(steps: SlackSteps) -> list[Workflow]:
    """The workflows every Tock has; the operator's setup hook may add more."""
    with_llm = steps.llm is not None
    draft = Step("draft", agent=DRAFT_PROMPT) if with_llm else Step("draft", fn=plain_draft)
    review = Step("review", agent=REVIEW_PROMPT) if with_llm else Step("review", fn=plain_review)
    return [
        Workflow(
            DIGEST,
            description="collect a channel's messages → summarize → post",
            steps=[
                Step("collect", fn=steps.collect, max_retries=2),
                Step("summarize", fn=steps.summarize, max_retries=1),
                Step("post", fn=steps.post),
            ],
        ),
        Workflow(
            "draft-and-review",
            description="draft → review with a score → repeat until it is good enough → post",
            steps=[
                Loop(
                    "draft_review",
                    steps=[draft, review],
                    until=f"(outputs['review'].data or {{}}).get('score', 0) >= {REVIEW_PASS}",
                    max_iterations=REVIEW_ROUNDS,
                    forward_output=True,
                ),
                Step("post", fn=steps.post),
            ],
        ),
        Workflow(
            "heartbeat",
            description="post that workflows run",
            steps=[Step("beat", fn=heartbeat), Step("post", fn=steps.post)],
        ),
    ]


def agent_answers(steps: SlackSteps) -> Ask | None:
    """The `ask` for agent steps: the LLM when configured, else the runner's stand-in."""
    return steps.ask if steps.llm is not None else None
