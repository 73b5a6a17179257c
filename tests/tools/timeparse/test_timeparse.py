"""tools.timeparse: the phrase table, the JSON shapes, and property tests."""

from __future__ import annotations

import calendar
import contextlib
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scheduler.triggers import (
    BoundedTrigger,
    CronTrigger,
    IntervalTrigger,
    OnceTrigger,
    RRuleTrigger,
    upcoming,
)
from tests.tools.timeparse.adversarial import ADVERSARIAL, repeated
from tests.tools.timeparse.phrases import BERLIN, KOLKATA, NY, PHRASES, SYDNEY, Case, check
from tests.tools.timeparse.phrases import UTC as UTC_NAME
from tools.timeparse import Ambiguous, ParseError, Reading, parse_when, parse_when_json, warm_up

ZONES = (NY, BERLIN, SYDNEY, KOLKATA, UTC_NAME)
NOW = datetime(2026, 3, 4, 10, 0, tzinfo=ZoneInfo(NY))


@pytest.fixture(scope="module", autouse=True)
def _warm() -> None:
    warm_up()  # dateparser's first call takes ~0.1 s: not inside one example


@pytest.mark.parametrize("case", PHRASES, ids=[case.id for case in PHRASES])
def test_phrase(case: Case) -> None:
    problem = check(case)
    assert problem is None, problem


def test_the_table_is_broad() -> None:
    groups = {case.group for case in PHRASES}
    assert len(PHRASES) >= 400
    assert {"recurring", "refusals", "dst", "timezones", "raw-cron", "embedded"} <= groups
    issue_8 = {"nth-weekday", "once-a", "bounds", "windows", "several-times", "weeks-rrule"}
    assert issue_8 | {"surrounding", "raw-cron-ext", "questions"} <= groups
    assert set(ZONES) <= {case.tz for case in PHRASES}
    assert sum(case.error is not None for case in PHRASES) >= 70
    assert sum(bool(case.asks) for case in PHRASES) >= 15
    for group in issue_8:
        assert len({case.tz for case in PHRASES if case.group == group}) >= 3, group


def test_cron_json_shape() -> None:
    data = parse_when("post hi in #eng every weekday at 9:30am", NY, NOW).to_json()
    assert data["kind"] == "cron"
    assert data["cron"] == "30 9 * * 1-5"
    assert data["timezone"] == NY
    assert data["description"] == "Every weekday at 9:30 AM (America/New_York)"
    assert data["next_runs"][0] == "2026-03-05T09:30:00-05:00"
    assert data["remainder"] == "post hi in #eng"


def test_once_json_shape() -> None:
    data = parse_when("tomorrow at 9 in Tokyo", NY, NOW).to_json()
    assert data["kind"] == "once"
    assert data["at"] == "2026-03-05T09:00:00+09:00"  # the caller's tomorrow
    assert data["timezone"] == "Asia/Tokyo"
    assert data["next_runs"] == ["2026-03-04T19:00:00-05:00"]  # in the caller's zone


def test_interval_json_shape() -> None:
    data = parse_when("every 3 days at 8am", NY, NOW).to_json()
    assert data["kind"] == "interval"
    assert data["interval"] == {"every": 3, "unit": "days", "anchor": "2026-03-05T08:00:00-05:00"}
    assert len(data["next_runs"]) == 5
    assert data["notes"] == []


def test_rrule_json_shape() -> None:
    data = parse_when("every other tuesday at 4pm", NY, NOW).to_json()
    assert data["kind"] == "rrule"
    assert data["rules"] == ["FREQ=WEEKLY;INTERVAL=2;BYDAY=TU;BYHOUR=16;BYMINUTE=0"]
    assert data["start"] == "2026-03-10T00:00:00-04:00"
    assert data["description"] == (
        "Every other week on Tuesday at 4:00 PM, starting Tue Mar 10 (America/New_York)"
    )


def test_bounded_json_shape() -> None:
    data = parse_when("every weekday at 9am starting next monday until march 20", NY, NOW).to_json()
    assert data["kind"] == "bounded"
    assert data["trigger"] == {"kind": "cron", "cron": "0 9 * * 1-5", "timezone": NY}
    assert data["start"] == "2026-03-09T00:00:00-04:00"
    assert data["end"] == "2026-03-20T23:59:59-04:00"
    assert data["count"] is None
    assert data["description"] == (
        "Every weekday at 9:00 AM, from Mon Mar 9 until Fri Mar 20 (America/New_York)"
    )


def test_a_count_becomes_the_end_and_the_schedule_completes() -> None:
    result = parse_when("each monday at 9, 3 times", NY, NOW)
    trigger = result.trigger
    assert isinstance(trigger, BoundedTrigger)
    assert (trigger.count, trigger.end) == (3, datetime(2026, 3, 23, 9, tzinfo=ZoneInfo(NY)))
    assert len(upcoming(trigger, NOW, 10)) == 3
    assert trigger.next_after(trigger.end) is None


def test_the_or_rule_note_is_in_the_json() -> None:
    data = parse_when_json("0 10 1-7 * 1", NY, NOW)
    assert data["cron"] == "0 10 1-7 * 1"
    (note,) = data["notes"]
    assert "`0 10 * * 1#1`" in note
    assert "between day 1 and 7 of the month, or on Monday" in note
    assert "*" not in note.replace("`0 10 1-7 * 1`", "").replace("`0 10 * * 1#1`", "")


def test_a_question_json_shape() -> None:
    data = parse_when_json("post hi in #eng every day at 4", NY, NOW)
    assert set(data) == {"error", "hint", "options"}
    assert data["error"] == '"at 4": 4:00 AM or 4:00 PM?'
    assert data["options"] == [
        {"label": "4:00 AM", "when": "post hi in #eng every day at 4am"},
        {"label": "4:00 PM", "when": "post hi in #eng every day at 4pm"},
    ]


def test_ambiguous_is_a_parse_error_with_readings() -> None:
    with pytest.raises(ParseError) as info:
        parse_when("every other wednesday at 11am", NY, NOW)
    assert isinstance(info.value, Ambiguous)
    assert info.value.options[1] == Reading(
        "Starting Wed Mar 11", "every other wednesday at 11am starting March 11, 2026"
    )
    again = parse_when(info.value.options[1].when, NY, NOW)
    assert again.next_runs[0] == datetime(2026, 3, 11, 11, tzinfo=ZoneInfo(NY))


def test_error_json_shape() -> None:
    data = parse_when_json("banana", NY, NOW)
    assert set(data) == {"error", "hint"}
    assert "banana" in data["error"]


def test_parse_error_is_a_value_error_with_message_and_hint() -> None:
    with pytest.raises(ValueError) as info:
        parse_when("evry day at 9am", NY, NOW)
    assert isinstance(info.value, ParseError)
    assert info.value.message == str(info.value)
    assert info.value.hint == 'did you mean "every day at 9am"?'


def test_triggers_are_the_scheduler_classes() -> None:
    assert isinstance(parse_when("every day at 9", NY, NOW).trigger, CronTrigger)
    assert isinstance(parse_when("in 5 minutes", NY, NOW).trigger, OnceTrigger)
    assert isinstance(parse_when("every 7 minutes", NY, NOW).trigger, IntervalTrigger)
    assert isinstance(parse_when("every day at 9 and 1:30pm", NY, NOW).trigger, RRuleTrigger)
    assert isinstance(parse_when("every day at 9 until friday", NY, NOW).trigger, BoundedTrigger)


def test_minute_intervals_are_anchored_in_utc_so_steps_are_elapsed_time() -> None:
    trigger = parse_when("every 7 minutes", NY, NOW).trigger
    assert isinstance(trigger, IntervalTrigger)
    assert trigger.anchor == datetime(2026, 3, 4, 15, 1, tzinfo=UTC)
    assert trigger.anchor.utcoffset() == timedelta(0)


def test_a_naive_now_is_wall_time_in_the_caller_zone() -> None:
    aware = parse_when("in 10 minutes", BERLIN, datetime(2026, 3, 4, 10, tzinfo=ZoneInfo(BERLIN)))
    naive = parse_when("in 10 minutes", BERLIN, datetime(2026, 3, 4, 10))
    assert aware.next_runs == naive.next_runs


def test_next_runs_are_in_the_caller_zone() -> None:
    result = parse_when("every day at 9am ET", KOLKATA, NOW)
    assert all(run.utcoffset() == timedelta(hours=5, minutes=30) for run in result.next_runs)
    assert len(result.next_runs) == 5


@pytest.mark.parametrize("text", ["monthly on the 32nd", "on the 32nd at 9", "the 0th at 9am"])
def test_a_day_of_the_month_past_the_31st_is_one_refusal(text: str) -> None:
    with pytest.raises(ParseError) as info:
        parse_when(text, NY, NOW)
    assert info.value.message.startswith("a month has no day ")
    assert info.value.hint == "days run from the 1st to the 31st"


def test_dateparser_does_not_invent_dates_from_other_words() -> None:
    result = parse_when("post the march report at 5pm", NY, NOW)
    assert result.next_runs == [datetime(2026, 3, 4, 17, tzinfo=ZoneInfo(NY))]
    assert result.remainder == "post the march report"


def test_quoted_text_is_never_read_as_a_time() -> None:
    result = parse_when('post "every monday at noon" every friday at 5pm', NY, NOW)
    assert result.to_json()["cron"] == "0 17 * * 5"
    assert result.remainder == 'post "every monday at noon"'


_KEYWORDS = (
    "every day at 9 am pm noon midnight monday mon-fri weekdays tomorrow today in 5 minutes "
    "hours the 1st of every month march 3 12/24 2026-12-24 17:45 :15 ET London time "
    "Europe/Berlin UTC+2 cron: 0 9 * * 1-5 @daily other week last except twice next evry "
    "quarter past half o'clock # @ , / - “ ” ' \" 24/7 13pm 25:00 9:75 L 31st feb 30 "
    "first second fourth 2nd of and until till starting from between through for times "
    "once weekday business 5#1,5#3 LW 5L 1-7 basis between 9 and 5 06:00 january"
).split()
_noise = st.one_of(
    st.text(max_size=4000),
    st.text(min_size=2000, max_size=4000),
    st.lists(st.sampled_from(_KEYWORDS) | st.text(max_size=6), max_size=700).map(" ".join),
    st.sampled_from(_KEYWORDS).map(lambda word: f"{word} " * 4000),  # one word, repeated
).map(lambda text: text[:4000])


def _parse_or_refuse(text: str, tz: str, now: datetime) -> None:
    with contextlib.suppress(ParseError):
        parse_when(text, tz, now)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=_noise, tz=st.sampled_from(ZONES))
def test_any_text_raises_only_parse_error(text: str, tz: str) -> None:
    _parse_or_refuse(text, tz, NOW)


@pytest.mark.parametrize("unit", ADVERSARIAL, ids=repr)
def test_repetitive_long_text_raises_only_parse_error(unit: str) -> None:
    _parse_or_refuse(repeated(unit), NY, NOW)  # its speed: benchmarks.parse, adversarial_max_ms


def test_longer_text_is_refused() -> None:
    with pytest.raises(ParseError, match="longer than 4000"):
        parse_when("every day at 9 " + "x" * 4000, NY, NOW)


_DAY_WORDS = {
    0: ("sunday", "sun", "sundays"),
    1: ("monday", "mon", "mondays"),
    2: ("tuesday", "tue", "tues"),
    3: ("wednesday", "wed", "wednesdays"),
    4: ("thursday", "thu", "thurs"),
    5: ("friday", "fri", "fridays"),
    6: ("saturday", "sat", "saturdays"),
}


def _exists(day: datetime, hour: int, minute: int, zone: ZoneInfo) -> bool:
    """Whether the wall time exists that day (not in a spring-forward gap)."""
    wall = day.replace(hour=hour, minute=minute, tzinfo=None)
    return wall.replace(tzinfo=zone).astimezone(UTC).astimezone(zone).replace(tzinfo=None) == wall


@settings(max_examples=150, deadline=None)
@given(
    dow=st.integers(0, 6),
    spelling=st.integers(0, 2),
    hour=st.integers(0, 23),
    minute=st.integers(0, 59),
    twelve_hour=st.booleans(),
    tz=st.sampled_from(ZONES),
    now=st.datetimes(datetime(2026, 1, 1), datetime(2027, 12, 31)),
)
def test_every_day_at_time_fires_on_that_day_and_time(
    dow: int, spelling: int, hour: int, minute: int, twelve_hour: bool, tz: str, now: datetime
) -> None:
    when = (  # a leading zero is the 24-hour clock; a bare 1-6 would be asked about
        f"{hour % 12 or 12}:{minute:02d}{'am' if hour < 12 else 'pm'}"
        if twelve_hour
        else (f"{hour:02d}:{minute:02d}")
    )
    result = parse_when(f"every {_DAY_WORDS[dow][spelling]} at {when}", tz, now)
    zone = ZoneInfo(tz)
    aware_now = now.replace(tzinfo=zone)
    assert result.next_runs[0] > aware_now
    assert result.next_runs == sorted(result.next_runs)
    for run in result.next_runs:
        assert (run.weekday() + 1) % 7 == dow
        if _exists(run, hour, minute, zone):
            assert (run.hour, run.minute) == (hour, minute)


@settings(max_examples=100, deadline=None)
@given(minutes=st.integers(1, 100_000), tz=st.sampled_from(ZONES))
def test_in_n_minutes_is_elapsed_time(minutes: int, tz: str) -> None:
    result = parse_when(f"remind me in {minutes} minutes", tz, NOW)
    # Same-zone aware arithmetic is wall-clock in Python; compare in UTC.
    expected = NOW.astimezone(UTC) + timedelta(minutes=minutes)
    assert [run.astimezone(UTC) for run in result.next_runs] == [expected]
    assert result.remainder == "remind me"


_ORDINALS = {1: ("first", "1st"), 2: ("second", "2nd"), 3: ("third", "3rd"), 4: ("fourth", "4th")}
_ORDINALS[5] = ("fifth", "5th")
_ORDINALS[-1] = ("last", "last")


@settings(max_examples=150, deadline=None)
@given(
    nth=st.sampled_from(sorted(_ORDINALS)),
    numeric=st.booleans(),
    dow=st.integers(0, 6),
    spelling=st.integers(0, 2),
    hour=st.integers(0, 23),
    minute=st.integers(0, 59),
    tz=st.sampled_from(ZONES),
    now=st.datetimes(datetime(2026, 1, 1), datetime(2028, 12, 31)),
)
def test_the_nth_weekday_of_every_month_lands_in_its_week(
    nth: int, numeric: bool, dow: int, spelling: int, hour: int, minute: int, tz: str, now: datetime
) -> None:
    ordinal = _ORDINALS[nth][numeric]
    text = f"the {ordinal} {_DAY_WORDS[dow][spelling]} of every month at {hour:02d}:{minute:02d}"
    result = parse_when(text, tz, now)
    zone = ZoneInfo(tz)
    assert result.next_runs[0] > now.replace(tzinfo=zone)
    assert result.next_runs == sorted(result.next_runs)
    for run in result.next_runs:
        local = run.astimezone(zone)
        assert (local.weekday() + 1) % 7 == dow
        last = calendar.monthrange(local.year, local.month)[1]
        if nth == -1:
            assert local.day > last - 7
        else:
            assert 7 * (nth - 1) < local.day <= 7 * nth
        if _exists(local, hour, minute, zone):
            assert (local.hour, local.minute) == (hour, minute)
        else:  # in a spring-forward gap: right after it
            assert local.utcoffset() != (local - timedelta(hours=1)).utcoffset()


@pytest.mark.parametrize("text", ["at 1r", "@1r", "at 2p", "every day at 3r", "x@4 post it"])
def test_a_question_about_a_time_glued_to_a_word_offers_readings_that_settle_it(
    text: str,
) -> None:
    """Found by fuzzing: the readings once glued "am" to the next word ("at 1amr"), which
    asked the same question again, three times over."""
    with pytest.raises(Ambiguous) as info:
        parse_when(text, NY, NOW)
    assert len(info.value.options) == 2
    for option in info.value.options:
        assert "," not in option.label  # "1:00 AM", not "1:00 AM, 1:00 AM, 1:00 AM"
        parse_when(option.when, NY, NOW)  # a reading, not another question
