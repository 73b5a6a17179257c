"""Reading a request to create a schedule: when, what it posts, where, and what it does.

    every weekday at 9:30am "Standup in 5 minutes" in #eng     a message
    tomorrow at 3pm remind us to ship                          a message: "Reminder: ship"
    in 20 minutes remind me to stretch                         a DM to the person asking
    every friday at 4pm remind <@U1> to send the report        a DM to that person
    a digest of #support every weekday at 9am [in #leads]      a digest of #support
    every friday at 4pm summarize #eng into #leads             a digest, posted in #leads
    a daily digest of this channel at 6pm                      a digest of here, every day
    every morning at 8 ask: what changed in #eng yesterday?    an agent prompt
    every monday at 9 run the weekly-report workflow           a workflow

Decisions:
- Quoted text is the message and never read as a time or a channel; so is
  everything after `ask:`, which is an agent's prompt.
- A digest summarizes the channel after "digest of" / "summarize" ("this
  channel" or "here": where the request was made) and posts in the one
  channel named after in/into/to, else where the request was made. "of the
  last 3 days" sets how far back it reads (default 24 hours, at most 7 days).
  "daily"/"weekly" right before "digest" is its schedule.
- "remind me" with no place named reaches the person asking by DM, as Slack's
  own reminders do; "remind <@U1> …" reaches that person by DM; "remind #eng
  …" posts in #eng. A person mentioned elsewhere stays in the message.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime

from bot.commands.command import ME, Action, ChannelRef, SlashCommand, SlashError, Unclear
from bot.slack.blocks import EXAMPLE
from bot.slack.ids import CHANNEL_ID, CHANNEL_MENTION, USER_ID, USER_MENTION
from tools.timeparse import ParsedWhen, ParseError, Reading, parse_when

MAX_WINDOW_HOURS = 168

# Double quotes of either kind; single quotes only around words, so "don't" stays.
_QUOTED = re.compile(r'"([^"]*)"|“([^”]*)”|‘([^’]*)’|(?<![\w’\'])\'([^\']+)\'(?![\w\'])')
_STRAY_QUOTE = re.compile(r'["“”]')
_PREP = r"(?:(?i:in|to|into|on|for)\s+)?"
_CHANNEL_LINK = re.compile(_PREP + CHANNEL_MENTION.pattern)
_CHANNEL_NAME = re.compile(rf"{_PREP}(?<![\w&#<])#([\w-]{{1,80}})")
_REMIND = re.compile(
    rf"^remind(?:\s+(?P<person>{USER_MENTION.pattern})"
    r"|\s+(?:me|us|everyone|everybody|people|them|the\s+team|all))?"
    r"(?:\s+(?:to|that|about|of))?\b[\s:,-]*",
    re.IGNORECASE,
)
_REMIND_WHOM = re.compile(
    rf"\bremind\s+(?:(?P<me>me)\b|<@(?P<uid>{USER_ID.pattern})(?:\|[^>]*)?>)", re.IGNORECASE
)
_SAY = re.compile(
    r"^(?:post|say|send|announce|message|tell\s+(?:us|everyone|everybody))\b[\s:,-]*", re.I
)
_ASK = re.compile(r"(?:^|(?<=\s))ask\s*:\s*(?P<prompt>\S.*)$", re.IGNORECASE | re.DOTALL)
_ASK_WORD = re.compile(r"\bask\b[\s:,-]*", re.IGNORECASE)
_WORKFLOW = re.compile(r"\brun\s+(?:the\s+)?(?P<name>[\w-]{1,60})\s+workflow\b", re.IGNORECASE)


def _channel_word(group: str) -> str:
    """A channel as a request names it: a link, a `#name`, or "this channel"/"here"."""
    return (
        rf"(?:<#(?P<{group}_id>{CHANNEL_ID.pattern})(?:\|[^>]{{0,80}})?>"
        rf"|#(?P<{group}_name>[\w-]{{1,80}})|(?P<{group}_here>this\s+channel\b|here\b))"
    )


_DIGEST_OF = re.compile(
    r"(?:\b(?:post|send|give\s+us|make|create)\s+)?(?:\b(?:a|an|the)\s+)?"
    r"(?:\b(?P<every>daily|weekly|hourly)\s+)?\b(?:digest|summary|recap)\s+(?:of|for)\s+"
    + _channel_word("src"),
    re.IGNORECASE,
)
_SUMMARIZE = re.compile(r"\bsummari[sz]e\s+" + _channel_word("src"), re.IGNORECASE)
_WINDOW = re.compile(
    r"\b(?:of|for|over|from|in)\s+the\s+(?:last|past)\s+(?P<n>[0-9]{1,3}|a|an|one|two|three"
    r"|four|five|six|seven)?\s*(?P<unit>hours?|days?|weeks?)\b",
    re.IGNORECASE,
)
_NUMBERS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5}
_NUMBERS |= {"six": 6, "seven": 7}
_HOURS = {"hour": 1, "day": 24, "week": 168}


def looks_like_request(text: str) -> bool:
    """Whether `text` names a kind of schedule besides a message (a digest, a prompt, ...)."""
    return any(p.search(text) for p in (_DIGEST_OF, _SUMMARIZE, _ASK, _WORKFLOW, _REMIND_WHOM))


@dataclass(frozen=True)
class _Request:
    """A create request with its time still unread."""

    rest: str  # the words the time is read from
    message: str | None = None
    prompt: str | None = None
    action: Action = "message"
    channel: ChannelRef | None = None
    to_person: bool = False  # "remind me" / "remind <@U1>": the target is a DM
    source: ChannelRef | None = None
    window: int | None = None
    workflow: str | None = None


def parse_request(text: str, tz: str, now: datetime) -> SlashCommand:
    """Read a create request; raise SlashError, or Unclear when the time had two readings."""
    request = _read(text)
    try:
        return _finish(request, parse_when(request.rest, tz, now))
    except ParseError as err:
        readings = getattr(err, "options", ())
        choices = tuple(_choices(request, readings, tz, now))
        if not choices:
            raise UnreadTime(text, err) from None
        raise Unclear(err.message, choices) from None


def _choices(
    request: _Request, readings: tuple[Reading, ...], tz: str, now: datetime
) -> Iterator[tuple[str, SlashCommand]]:
    """The command each reading makes; one that does not parse on its own is left out
    (only a `SlashError` may leave the grammar)."""
    for reading in readings:
        try:
            yield (
                reading.label,
                _finish(replace(request, rest=reading.when), parse_when(reading.when, tz, now)),
            )
        except ParseError:
            continue


def _read(text: str) -> _Request:
    """Everything but the time: message, prompt, kind of schedule, channels."""
    message, rest = extract_message(text)
    request = _Request(rest, message=message)
    if ask := _ASK.search(rest):
        request = replace(request, prompt=ask["prompt"].strip(), rest=rest[: ask.start()])
    if flow := _WORKFLOW.search(request.rest):
        request = replace(
            request, action="workflow", workflow=flow["name"].lower(), rest=_cut(request.rest, flow)
        )
    elif digest := (_DIGEST_OF.search(request.rest) or _SUMMARIZE.search(request.rest)):
        every = digest.groupdict().get("every")
        rest = _cut(request.rest, digest) + (f" {every}" if every else "")
        window, rest = _window(rest)
        request = replace(
            request, action="digest", source=_source(digest), window=window, rest=rest
        )
    elif request.prompt is not None or (message is not None and _ASK_WORD.search(request.rest)):
        request = replace(request, action="agent", rest=_ASK_WORD.sub(" ", request.rest, count=1))
    channel, rest = extract_channel(request.rest)
    request = replace(request, channel=channel, rest=rest)
    if channel is None and request.action == "message" and (whom := _REMIND_WHOM.search(rest)):
        person = ME if whom["me"] else whom["uid"]
        request = replace(request, channel=ChannelRef(user=person), to_person=True)
    return request


def _finish(request: _Request, parsed: ParsedWhen) -> SlashCommand:
    body = request.prompt if request.prompt is not None else request.message
    if request.action == "message" and body is None:
        body = clean_message(parsed.remainder, to_person=request.to_person)
        if not body:
            raise SlashError(
                "What should I post? Put the message in quotes.", f'/tock {request.rest} "…"'
            )
    return SlashCommand(
        "create",
        when=_squash(request.rest),
        text=body or "",
        channel=request.channel,
        action=request.action,
        source=request.source,
        window_hours=request.window,
        workflow=request.workflow,
    )


class UnreadTime(SlashError):
    """The time part was refused; `cause` says why (the grammar adds the closest example)."""

    def __init__(self, text: str, cause: ParseError) -> None:
        super().__init__(cause.message, EXAMPLE)
        self.text = text
        self.cause = cause


def _source(match: re.Match[str]) -> ChannelRef:
    if match["src_id"]:
        return ChannelRef(id=match["src_id"])
    if match["src_name"]:
        return ChannelRef(name=match["src_name"].lower())
    return ChannelRef()  # "this channel": where the request was made


def _window(rest: str) -> tuple[int | None, str]:
    """The digest window in hours ("of the last 3 days"), and the text without it."""
    match = _WINDOW.search(rest)
    if match is None:
        return None, rest
    raw = (match["n"] or "1").lower()
    count = int(raw) if raw.isdigit() else _NUMBERS[raw]
    hours = count * _HOURS[match["unit"].lower().rstrip("s")]
    if not 1 <= hours <= MAX_WINDOW_HOURS:
        raise SlashError(
            f"A digest reads at most the last 7 days, not {_squash(match.group())}.",
            '/tock digest #support every monday at 9am "of the last 7 days"',
        )
    return hours, _cut(rest, match)


def _cut(text: str, match: re.Match[str]) -> str:
    return _squash(text[: match.start()] + " " + text[match.end() :])


def extract_message(text: str) -> tuple[str | None, str]:
    """The quoted message (None without one) and the text around it."""
    found = list(_QUOTED.finditer(text))
    if len(found) > 1:
        raise SlashError("Put the message in one pair of quotes.", EXAMPLE)
    rest = _QUOTED.sub(" ", text) if found else text
    if _STRAY_QUOTE.search(rest):
        raise SlashError("A quote is missing its closing mark.", EXAMPLE)
    if not found:
        return None, _squash(rest)
    message = next(g for g in found[0].groups() if g is not None).strip()
    if not message:
        raise SlashError("The quoted message is empty.", EXAMPLE)
    return message, _squash(rest)


def extract_channel(text: str) -> tuple[ChannelRef | None, str]:
    """The one channel named in `text` (link or `#name`) and the text without it."""
    refs = [
        ChannelRef(id=m.group(1), name=m.group(2) or None) for m in _CHANNEL_LINK.finditer(text)
    ]
    rest = _CHANNEL_LINK.sub(" ", text)
    refs += [ChannelRef(name=m.group(1).lower()) for m in _CHANNEL_NAME.finditer(rest)]
    rest = _CHANNEL_NAME.sub(" ", rest)
    if len({(r.id, r.name) for r in refs}) > 1:
        raise SlashError("A schedule posts into one channel; name just one.", EXAMPLE)
    return (refs[0] if refs else None), _squash(rest)


def clean_message(remainder: str, *, to_person: bool = False) -> str:
    """The words left after the time, as a message: "remind us to X" → "Reminder: X".

    A person named in Slack's mention form stays in the message, so the post
    mentions them ("Reminder for <@U1>: X"), unless the post is their own DM.
    """
    text = remainder.strip(" \t\n:,-–—")
    if (remind := _REMIND.match(text)) and remind.end() < len(text):
        whom = f" for {remind['person']}" if remind["person"] and not to_person else ""
        return f"Reminder{whom}: {text[remind.end() :]}"
    return _SAY.sub("", text, count=1).strip()


def _squash(text: str) -> str:
    return re.sub(r"[ \t]+", " ", text).strip()
