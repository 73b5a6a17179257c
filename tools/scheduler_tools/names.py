"""Schedule names, channel, target and timezone arguments: slugs, derived names, ids, zones.

A given name is normalized to a slug ("Standup Reminder" ->
"standup-reminder"); a missing one is derived from the request's first
meaningful words, with -2, -3, ... tried on a collision. A channel argument is
an id or a `<#C123|name>` mention (`tools.refs`); a bare name would need Slack
to resolve. A target (where a schedule posts) is a channel or a person: a
`<@U123>` mention, a user id, or "me" (the requester); a person's posts go to
their DM with the app. A timezone argument is an IANA name in any letter case.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from tools.refs import CHANNEL_ID, CHANNEL_MENTION, USER_ID, USER_MENTION
from tools.scheduler_tools.errors import ToolError
from tools.timeparse import canonical_zone, closest_zone

MAX_NAME = 60
MAX_SUFFIX = 50  # name-2 ... name-50, then ask for a name
CHANNEL_HINT = "pass the channel as a Slack mention like <#C0123ABC|eng>, or its id C0123ABC"
TARGET_HINT = (
    "pass a channel as a Slack mention like <#C0123ABC|eng> or its id C0123ABC, "
    "or a person as <@U0123ABC> or U0123ABC"
)
IANA_HINT = "use an IANA name like America/New_York or Europe/Berlin"

_MARKUP = re.compile(r"<[^>]*>|[#@][\w-]+")
_STOPWORDS = frozenset(
    "a an the to in into on at for of and or with about please post send say tell "
    "remind me us our my your this that it message schedule create make set up".split()
)


def channel_id(raw: str) -> str:
    """A channel id from an id or a `<#C123|name>` mention; names need Slack, so refuse them."""
    text = raw.strip()
    if mention := CHANNEL_MENTION.fullmatch(text):
        return mention.group(1)
    if CHANNEL_ID.fullmatch(text):
        return text
    if text.startswith("#"):
        raise ToolError(f"I can't look up the channel name {text!r} here", CHANNEL_HINT)
    raise ToolError(f"{text!r} is not a channel", CHANNEL_HINT)


@dataclass(frozen=True)
class Target:
    """Where a schedule posts: a channel, or a person's DM with the app (`id` is theirs)."""

    kind: Literal["channel", "dm"]
    id: str


def target_ref(raw: str, requester: str) -> Target:
    """A channel or a person from a mention, an id, or "me" (the requester)."""
    text = raw.strip()
    if text.lower() == "me":
        return Target("dm", requester)
    if mention := USER_MENTION.fullmatch(text):
        return Target("dm", mention.group(1))
    if USER_ID.fullmatch(text):
        return Target("dm", text)
    if text.startswith("@"):
        raise ToolError(f"I can't look up the person named {text!r} here", TARGET_HINT)
    try:
        return Target("channel", channel_id(text))
    except ToolError as exc:
        raise ToolError(exc.error, TARGET_HINT) from exc


def is_person_id(target_id: str | None) -> bool:
    """Whether a stored target is a person (their DM), not a channel."""
    return target_id is not None and bool(USER_ID.fullmatch(target_id))


def checked_zone(raw: str) -> str:
    """The IANA zone `raw` names in any letter case, canonically spelled; refuse others."""
    if zone := canonical_zone(raw):
        return zone
    close = closest_zone(raw)
    hint = f"the closest IANA name is {close}" if close else IANA_HINT
    raise ToolError(f"unknown timezone {raw.strip()!r}", hint)


def slugify(text: str) -> str:
    """Lower-case words joined by hyphens, at most MAX_NAME characters."""
    slug = re.sub(r"[\W_]+", "-", text.lower()).strip("-")
    if len(slug) > MAX_NAME:
        cut = slug[:MAX_NAME]
        slug = cut.rsplit("-", 1)[0] if "-" in cut else cut
    return slug.strip("-")


def derive_name(request: str, words: int = 3) -> str:
    """A short name from the request's first meaningful words: "standup-reminder"."""
    kept = [w for w in re.findall(r"\w+", _MARKUP.sub(" ", request.lower())) if w not in _STOPWORDS]
    return slugify(" ".join(kept[:words]))


def checked_name(raw: str) -> str:
    name = slugify(raw)
    if not name:
        raise ToolError(f"{raw!r} can't be a name", "use letters or digits, e.g. standup-reminder")
    return name


def suffixed(base: str) -> Iterator[str]:
    yield base
    for n in range(2, MAX_SUFFIX + 1):
        yield f"{base}-{n}"
