"""Block Kit rendering: tool results in, Slack blocks out. Pure, no I/O.

Every function here stays inside Slack's limits whatever the input, because a
message Slack refuses (`invalid_blocks`) is worse than a clipped one:

- at most 50 blocks per message or view;
- section text at most 3,000 characters, never empty;
- button text at most 75 characters, button values at most 2,000;
- confirm dialogs: title 100, text 300, buttons 30.

User text is mrkdwn-escaped (`&`, `<`, `>`) so a schedule named
`<!channel>` can never ping a channel from a listing.

Buttons (action ids in `bot.slack.ids`; value = schedule name): Pause,
Resume, Run now, Delete (with a confirm dialog; none on a schedule the
operator declares, which says where it is declared instead). Agent confirmations:
Confirm (value = JSON `{"tool", "arguments"}`) and Cancel.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.slack.ids import (
    CANCEL,
    CHANNEL_ID,
    CHOOSE,
    CONFIRM,
    DELETE,
    MAX_BLOCKS,
    MAX_BUTTON_TEXT,
    MAX_CONFIRM_BUTTON,
    MAX_CONFIRM_TEXT,
    MAX_CONFIRM_TITLE,
    MAX_VALUE,
    PAUSE,
    RESUME,
    RUN,
    USER_ID,
)
from bot.slack.mrkdwn import (
    clip,
    context,
    escape,
    one_line,
    plain,
    section,
    text_sections,
    with_mentions,
)
from bot.slack.reply import Reply
from scheduler.registration import STARTUP
from tools.scheduler_tools.policy import declared_where, operator_refusal
from tools.scheduler_tools.views import took

PREVIEW_CHARS = 300  # how much of a message a listing shows
MAX_CHOICES = 5  # readings offered as buttons
NEXT_RUNS_SHOWN = 3

EXAMPLE = '/tock every weekday at 9:30am "Standup in 5 minutes" in #eng'
_STATUS_ICONS = {"active": ":large_green_circle:", "paused": ":double_vertical_bar:"}
_RUN_ICONS = {
    "succeeded": ":white_check_mark:",
    "failed": ":x:",
    "missed": ":warning:",
    "skipped": ":fast_forward:",
    "cancelled": ":no_entry_sign:",
    "pending": ":hourglass_flowing_sand:",
    "running": ":arrows_counterclockwise:",
}


# --------------------------------------------------------------------------- text


def channel_ref(channel: object) -> str:
    """A channel id becomes a Slack link, a user id that person's DM; else shown escaped."""
    if isinstance(channel, str) and CHANNEL_ID.fullmatch(channel):
        return f"<#{channel}>"
    if isinstance(channel, str) and USER_ID.fullmatch(channel):
        return f"a DM to <@{channel}>"
    return escape(channel) if channel else "_no channel_"


def when(iso: object, tz: object = None) -> str:
    """An ISO instant as "Mon Jan 5, 9:30 AM EST" in the schedule's zone."""
    try:
        at = datetime.fromisoformat(str(iso))
        if isinstance(tz, str) and tz:
            at = at.astimezone(ZoneInfo(tz))
    except (ValueError, TypeError, KeyError, OSError, OverflowError):
        return one_line(iso, 60)  # not an instant we can read: show it as given
    hour = at.hour % 12 or 12
    meridiem = "AM" if at.hour < 12 else "PM"
    zone = at.tzname() or ""
    return f"{at:%a %b} {at.day}, {hour}:{at:%M} {meridiem} {zone}".strip()


def _next_runs(schedule: dict[str, Any]) -> str:
    runs = schedule.get("next_runs")
    if not isinstance(runs, list) or not runs:
        return "no upcoming runs"
    tz = schedule.get("timezone")
    return ", ".join(when(run, tz) for run in runs[:NEXT_RUNS_SHOWN])


def _last_run(schedule: dict[str, Any]) -> str | None:
    last = schedule.get("last_run")
    if not isinstance(last, dict):
        return None
    status = str(last.get("status", "unknown"))
    at = last.get("finished_at") or last.get("scheduled_for")
    line = f"{_RUN_ICONS.get(status, '')} {one_line(status, 20)}".strip()
    if at:
        line += f" {when(at, schedule.get('timezone'))}"
    if isinstance(last.get("duration_ms"), int):
        line += f" ({took(last['duration_ms'])})"
    if last.get("error"):
        line += f": {one_line(last['error'], 200)}"
    return line


def _status(schedule: dict[str, Any]) -> str:
    status = str(schedule.get("status", "active"))
    return f"{_STATUS_ICONS.get(status, ':white_circle:')} {one_line(status, 20)}"


# --------------------------------------------------------------------------- buttons


def button(
    text: str, action_id: str, value: str, *, style: str | None = None
) -> dict[str, Any] | None:
    """A button, or None when the value cannot round-trip through Slack."""
    if len(value) > MAX_VALUE:
        return None
    element: dict[str, Any] = {
        "type": "button",
        "action_id": action_id,
        "text": plain(text, MAX_BUTTON_TEXT),
        "value": value,
    }
    if style:
        element["style"] = style
    return element


def _delete_confirm(name: str) -> dict[str, Any]:
    shown = clip(escape(name), MAX_CONFIRM_TEXT - 60)
    return {
        "title": plain("Delete schedule?", MAX_CONFIRM_TITLE),
        "text": {"type": "mrkdwn", "text": f"Delete *{shown}*? It stops for everyone."},
        "confirm": plain("Delete", MAX_CONFIRM_BUTTON),
        "deny": plain("Cancel", MAX_CONFIRM_BUTTON),
        "style": "danger",
    }


def schedule_actions(schedule: dict[str, Any]) -> dict[str, Any] | None:
    """Pause/Resume (by status), Run now, Delete; None when the name is too long."""
    name = str(schedule.get("name", ""))
    if not name or len(name) > MAX_VALUE:
        return None  # a button must carry the whole name or nothing
    status = schedule.get("status")
    toggles = {"active": ("Pause", PAUSE), "paused": ("Resume", RESUME)}
    elements = []
    if status in toggles:
        label, action_id = toggles[status]
        elements.append(button(label, action_id, name))
    elements.append(button("Run now", RUN, name))
    if _deletable(schedule):
        delete = button("Delete", DELETE, name, style="danger")
        if delete is not None:
            delete["confirm"] = _delete_confirm(name)
        elements.append(delete)
    return {"type": "actions", "elements": [e for e in elements if e is not None]}


def _deletable(schedule: dict[str, Any]) -> bool:
    """No Delete button on what the operator declares: only the declaration removes it."""
    found = (
        str(schedule.get("name")),
        str(schedule.get("source")),
        str(schedule.get("created_by")),
    )
    return operator_refusal(*found, "delete", is_admin=True) is None


# --------------------------------------------------------------------------- schedules


def schedule_text(schedule: dict[str, Any]) -> str:
    """Mrkdwn summary: name, when, where, what, status, next runs, last result."""
    name = one_line(schedule.get("name") or "unnamed", 200)
    lines = [f"*{name}*  {_status(schedule)}"]
    description = one_line(schedule.get("description") or "", 400)
    where = channel_ref(schedule.get("channel"))
    lines.append(f"{description} in {where}" if description else f"in {where}")
    if what := _action_line(schedule):
        lines.append(what)
    if schedule.get("source") == STARTUP:
        lines.append(
            f":lock: Declared by the operator {declared_where(str(schedule.get('created_by')))}"
        )
    text = schedule.get("text")
    if text:
        lines.append(f"> {with_mentions(one_line(text, PREVIEW_CHARS))}")  # people stay links
    for note in schedule.get("notes") or []:
        lines.append(f":information_source: {one_line(note, 500)}")
    lines.append(f"Next: {_next_runs(schedule)}")
    last = _last_run(schedule)
    if last:
        lines.append(f"Last: {last}")
    return "\n".join(lines)


def _action_line(schedule: dict[str, Any]) -> str | None:
    """What a schedule does, when it is more than posting its text."""
    action = schedule.get("action")
    if action == "digest":
        hours = schedule.get("window_hours") or 24
        source = channel_ref(schedule.get("source_channel") or schedule.get("channel"))
        return f"Posts a digest of {source} (the last {one_line(hours, 5)} hours)"
    if action == "agent":
        return "Asks the assistant, and posts its answer:"
    if action == "workflow":
        return f"Runs the *{one_line(schedule.get('workflow') or '?', 60)}* workflow"
    return None


def schedule_blocks(schedule: dict[str, Any]) -> list[dict[str, Any]]:
    """One schedule: its summary and its buttons."""
    blocks = [section(schedule_text(schedule))]
    actions = schedule_actions(schedule)
    if actions:
        blocks.append(actions)
    return blocks


def _schedule_rows(schedules: list[Any], budget: int) -> tuple[list[dict[str, Any]], int]:
    """Two blocks per schedule while they fit; returns blocks and how many fit."""
    blocks: list[dict[str, Any]] = []
    shown = 0
    for schedule in schedules:
        if not isinstance(schedule, dict):
            continue
        rows = schedule_blocks(schedule)
        if len(blocks) + len(rows) > budget:
            break
        blocks.extend(rows)
        shown += 1
    return blocks, shown


def list_blocks(result: dict[str, Any]) -> list[dict[str, Any]]:
    """A `list_schedules` result: a header, each schedule with buttons, a footer."""
    schedules = result.get("schedules")
    schedules = schedules if isinstance(schedules, list) else []
    if not schedules:
        return [section(f"No schedules here yet. Try `{escape(EXAMPLE)}`")]
    rows, shown = _schedule_rows(schedules, MAX_BLOCKS - 2)  # header and footer
    count = "1 schedule" if len(schedules) == 1 else f"{len(schedules)} schedules"
    blocks = [section(f"*{count}*"), *rows]
    if shown < len(schedules) or result.get("has_more"):
        blocks.append(
            context("More not shown: narrow it with `/tock list mine` or `/tock list #channel`.")
        )
    return blocks


def home_view(schedules: list[dict[str, Any]]) -> dict[str, Any]:
    """The App Home tab: the user's schedules with next run and last result."""
    header = {"type": "header", "text": plain("Your schedules", 150)}
    hint = context(f"Create one with `{escape(EXAMPLE)}` or by mentioning me.")
    if not schedules:
        return {"type": "home", "blocks": [header, section("You have no schedules yet."), hint]}
    rows, shown = _schedule_rows(schedules, MAX_BLOCKS - 3)
    blocks = [header, hint, *rows]
    if shown < len(schedules):
        blocks.append(context(f"{len(schedules) - shown} more: `/tock list mine` shows them all."))
    return {"type": "home", "blocks": blocks}


# --------------------------------------------------------------------------- runs


def run_line(run: dict[str, Any], tz: object = None) -> str:
    status = str(run.get("status", "unknown"))
    at = run.get("finished_at") or run.get("started_at") or run.get("scheduled_for")
    parts = [_RUN_ICONS.get(status, ":grey_question:"), f"*{one_line(status, 20)}*"]
    if at:
        parts.append(when(at, tz))
    if run.get("trigger") and run.get("trigger") != "schedule":
        parts.append(f"({one_line(run['trigger'], 20)})")
    if isinstance(run.get("duration_ms"), int):
        parts.append(took(run["duration_ms"]))
    line = " ".join(parts)
    steps = [s for s in run.get("steps") or [] if isinstance(s, dict)]
    if steps:
        line += f" · {len({s.get('path') for s in steps})} steps"
    if failed := next((s for s in steps if s.get("status") == "failed"), None):
        line += f"\n      failed at `{one_line(failed.get('path'), 100)}`"
    if run.get("error"):
        line += f"\n      {one_line(run['error'], 300)}"
    return line


def history_blocks(name: str, result: dict[str, Any], tz: object = None) -> list[dict[str, Any]]:
    """A `schedule_history` result, newest first as the tools return it."""
    runs = result.get("runs")
    runs = [r for r in runs if isinstance(r, dict)] if isinstance(runs, list) else []
    title = f"*History of {one_line(name, 200)}*"
    if not runs:
        return [section(f"{title}\nNo runs yet.")]
    return text_sections([title, *(run_line(run, tz) for run in runs)])


# --------------------------------------------------------------------------- replies


def text_reply(text: str) -> Reply:
    """A reply of one section; `text` is mrkdwn the bot wrote (already safe)."""
    return Reply(text=text, blocks=text_sections([text]))


def is_error(result: dict[str, Any]) -> bool:
    """A tool's refusal: `{"error", "hint"}`, plus `options` when it asks to pick a reading.

    Results never carry those keys.
    """
    return {"error", "hint"} <= set(result) <= {"error", "hint", "options"}


def error_reply(err: dict[str, Any]) -> Reply:
    """`{"error", "hint"}` → a short warning with how to recover."""
    error = with_mentions(one_line(err.get("error") or "Something went wrong.", 500))
    hint = with_mentions(one_line(err.get("hint") or "", 1000))
    text = f":warning: {error}" + (f"\n{hint}" if hint else "")
    return Reply(text=f"{error} {hint}".strip(), blocks=[section(text)])


def schedule_reply(headline: str, schedule: dict[str, Any]) -> Reply:
    """`headline` (bot-written mrkdwn) above one schedule and its buttons."""
    blocks = [section(headline), *schedule_blocks(schedule)]
    return Reply(text=_plain_fallback(headline), blocks=blocks)


def confirm_blocks(prompt: str, payload: dict[str, Any]) -> list[dict[str, Any]] | None:
    """`prompt` with Confirm/Cancel; None when the payload is too big for a button."""
    confirm = button("Confirm", CONFIRM, json.dumps(payload, separators=(",", ":")), style="danger")
    if confirm is None:
        return None
    cancel = button("Cancel", CANCEL, "cancel")
    return [section(prompt), {"type": "actions", "elements": [confirm, cancel]}]


def choice_blocks(
    question: str, choices: list[tuple[str, dict[str, Any]]]
) -> list[dict[str, Any]] | None:
    """`question` with a button per reading; None when one is too big for a button."""
    buttons = [
        button(label, f"{CHOOSE}_{i}", json.dumps(payload, separators=(",", ":")))
        for i, (label, payload) in enumerate(choices[:MAX_CHOICES])
    ]
    if not buttons or any(b is None for b in buttons):
        return None
    return [section(question), {"type": "actions", "elements": buttons}]


def _plain_fallback(mrkdwn: str) -> str:
    """Notification text: the mrkdwn minus its `*` bold markers."""
    return mrkdwn.replace("*", "")


_HEADLINES = {
    "create_schedule": "Scheduled *{name}*.",
    "update_schedule": "Updated *{name}*.",
    "pause_schedule": "Paused *{name}*. `/tock resume {name}` starts it again.",
    "resume_schedule": "Resumed *{name}*.",
    "run_schedule_now": "Running *{name}* now; `/tock history {name}` shows how it went.",
    "run_workflow": "Running the workflow now, as *{name}*; `/tock history {name}` shows its "
    "steps.",
}


def tool_reply(tool: str, result: dict[str, Any]) -> Reply:
    """The reply for a SchedulerTools result (or refusal) of tool `tool`."""
    if is_error(result):
        return error_reply(result)
    name = one_line(result.get("name") or "", 100)
    if tool == "list_schedules":
        count = len(result.get("schedules") or [])
        return Reply(text=f"{count} schedule(s)", blocks=list_blocks(result))
    if tool == "schedule_history":
        blocks = history_blocks(str(result.get("name", "")), result, result.get("timezone"))
        return Reply(text=f"History of {name}", blocks=blocks)
    if tool == "delete_schedule":
        return text_reply(f"Deleted *{name}*.")
    if tool == "preview_when":
        return text_reply(_preview_text(result))
    headline = _HEADLINES.get(tool, "*{name}*").format(name=name)
    return schedule_reply(headline, result)


def next_runs_reply(schedule: dict[str, Any]) -> Reply:
    """When a schedule runs next (`/tock when NAME`, "when does standup run next?")."""
    name = one_line(schedule.get("name") or "", 100)
    runs = schedule.get("next_runs")
    runs = runs if isinstance(runs, list) else []
    if not runs:
        status = one_line(schedule.get("status") or "done", 20)
        return text_reply(f"*{name}* has no upcoming runs ({status}).")
    tz = schedule.get("timezone")
    lines = [f"*{name}* runs next:", *(f"• {when(run, tz)}" for run in runs)]
    return Reply(
        text=_plain_fallback(lines[0] + " " + when(runs[0], tz)), blocks=text_sections(lines)
    )


def _preview_text(result: dict[str, Any]) -> str:
    description = one_line(result.get("description") or "", 400)
    return f"That would run: {description}\nNext: {_next_runs(result)}"
