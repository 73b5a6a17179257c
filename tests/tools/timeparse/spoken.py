"""Phrase-table rows for schedules as people say them (issue 8).

The Nth weekday of the month, "once a ...", starts, ends and counts, windows
and several times a day, every N weeks on several days, a time inside a
sentence, raw cron's `L`/`#` forms, and the questions. Callers in five zones,
at month and year ends and around the DST changes of New York, Berlin and
Sydney. Checked as `cases` says; `only=True` rows list every run there is.
"""

from __future__ import annotations

from tests.tools.timeparse.cases import (
    BERLIN,
    BERLIN_FALL,
    KOLKATA,
    NY_FALL,
    NY_SPRING,
    SYDNEY,
    SYDNEY_FALL,
    SYDNEY_SPRING,
    UTC,
    asks,
    fires,
    ny,
    refuses,
)

NY_MONTH_END = "2026-03-31T10:00:00"  # Tue
BERLIN_YEAR_END = "2026-12-31T18:00:00"  # Thu
SYDNEY_FEB = "2026-02-28T09:00:00"  # Sat
KOLKATA_NOV = "2026-11-30T20:00:00"  # Mon
UTC_JAN = "2027-01-31T23:30:00"  # Sun

N = "nth-weekday"
NTH = [
    fires(N, "the first Monday of every month at 10", "0 10 * * 1#1", says="first Monday"),
    fires(N, "2nd and 4th Tuesday at 3pm", "0 15 * * 2#2,2#4", says="second and fourth Tuesday"),
    fires(N, "the last Friday of each month", "0 9 * * 5L", says="no time given"),
    fires(N, "last weekday of the month at 5pm", "0 17 LW * *", says="last weekday"),
    fires(N, "the third Wednesday of March, June, September and December", "0 9 * 3,6,9,12 3#3"),
    fires(
        N,
        "every year on the fourth Thursday of November",
        "0 9 * 11 4#4",
        says="Every year on the fourth Thursday of November",
    ),
    fires(N, "the first monday of every month", "0 9 * * 1#1"),  # refused before issue 8
    fires(N, "last friday of the month at 5pm", "0 17 * * 5L"),  # refused before issue 8
    fires(N, "on the first and third monday of the month at 9:30", "30 9 * * 1#1,1#3"),
    fires(N, "every first monday at 8am", "0 8 * * 1#1"),
    fires(N, "monthly on the last thursday at 4pm", "0 16 * * 4L"),
    fires(N, "the first monday and the third friday of every month at noon", "0 12 * * 1#1,5#3"),
    fires(N, "the fifth friday of every month at 5pm", "0 17 * * 5#5", says="fifth Friday"),
    fires(N, "the last business day of the month at 5pm", "0 17 LW * *"),
    fires(N, "every year on the first monday of september at 9", "0 9 * 9 1#1"),
    fires(
        N,
        "the first weekday of the month at 9am",
        ny("2026-04-01T09:00:00", "2026-05-01T09:00:00", "2026-06-01T09:00:00"),
        kind="rrule",
    ),
    fires(
        N,
        "the second to last friday of every month at 4pm",
        ny("2026-03-20T16:00:00", "2026-04-17T16:00:00", "2026-05-22T16:00:00"),
        kind="rrule",
        says="second to last Friday",
    ),
    fires(
        N,
        "2nd and 4th Tuesday at 3pm and 4:30pm",
        ny("2026-03-10T15:00:00", "2026-03-10T16:30:00", "2026-03-24T15:00:00"),
        kind="rrule",
    ),
    fires(N, "the first monday of april at 10", "2026-04-06T10:00:00-04:00", kind="once"),
    fires(N, "the first monday of next month at 9am", "2026-04-06T09:00:00-04:00", kind="once"),
    fires(N, "the last friday of this month at 4pm", "2026-03-27T16:00:00-04:00", kind="once"),
    refuses(N, "the first monday of this month", "is not ahead"),
    fires(
        N,
        "the first weekday of every month at 9",
        ny("2026-04-01T09:00:00", "2026-05-01T09:00:00"),
        now=NY_MONTH_END,
    ),
    fires(N, "the last weekday of the month at 5pm", "0 17 LW * *", now=NY_MONTH_END),
    fires(N, "the first monday of every month at 9", "0 9 * * 1#1", tz=BERLIN, now=BERLIN_YEAR_END),
    fires(
        N, "the last friday of every month at 17:00", "0 17 * * 5L", tz=BERLIN, now=BERLIN_YEAR_END
    ),
    fires(N, "2nd and 4th tuesday at 3pm", "0 15 * * 2#2,2#4", tz=SYDNEY, now=SYDNEY_FEB),
    fires(
        N,
        "the third wednesday of march, june, september and december at 10:30",
        "30 10 * 3,6,9,12 3#3",
        tz=KOLKATA,
        now=KOLKATA_NOV,
    ),
    fires(
        N,
        "every year on the fourth thursday of november at noon",
        "0 12 * 11 4#4",
        tz=UTC,
        now="2026-11-26T13:00:00",
    ),
    fires(
        N,
        "the second sunday of every month at 2:30am",  # March 8 2:30 is in the gap
        ("2026-03-08T03:00:00-04:00", "2026-04-12T02:30:00-04:00", "2026-05-10T02:30:00-04:00"),
        now="2026-03-01T12:00:00",
    ),
    fires(
        N,
        "the last sunday of every month at 02:30",  # October 25 2:30 happens twice
        ("2026-10-25T02:30:00+02:00", "2026-11-29T02:30:00+01:00"),
        tz=BERLIN,
        now="2026-10-01T12:00:00",
    ),
    asks(
        N,
        "the first monday at 10",
        "of every month, or only",
        "Every month",
        "Only Mon Apr 6",
        whens=("the first monday of every month at 10", "the first monday of April at 10"),
    ),
]

On = "once-a"
ONCE_A = [
    fires(On, "once a week on Sunday", "0 9 * * 0"),
    fires(On, "once a week on sunday at 6pm", "0 18 * * 0"),
    fires(On, "once a month on the 15th", "0 9 15 * *"),
    fires(On, "once a year on march 3 at noon", "0 12 3 3 *"),
    fires(On, "once a day at 7:30", "30 7 * * *"),
    fires(On, "once an hour", "0 * * * *"),
    fires(On, "twice a day at 9 and 5", "0 9,17 * * *"),
    fires(On, "twice daily at 8am and 8pm", "0 8,20 * * *"),
    fires(On, "twice a week on monday and thursday at 10", "0 10 * * 1,4"),
    fires(On, "twice a month on the 1st and 15th at 9am", "0 9 1,15 * *"),
    fires(On, "three times a day at 8, 12 and 6", "0 8,12,18 * * *"),
    fires(On, "once a week on friday at 4pm", "0 16 * * 5", tz=SYDNEY, now=SYDNEY_FALL),
    fires(On, "twice a day at 9 and 5", "0 9,17 * * *", tz=BERLIN, now=BERLIN_YEAR_END),
    fires(On, "once a month on the 31st at 10", "0 10 31 * *", tz=KOLKATA, now=KOLKATA_NOV),
    fires(On, "once a year on jan 1 at midnight", "0 0 1 1 *", tz=UTC, now=UTC_JAN),
    refuses(On, "once a week", "which day"),
    refuses(On, "twice a day at 9am", "spelled out", "twice a day at 9am and 5pm"),
    refuses(On, "twice a week on monday", "spelled out"),
    refuses(On, "three times a day at 9 and 5", "but 2 times"),
    refuses(On, "twice an hour", "say how often", "every 30 minutes"),
]

Bd = "bounds"
BOUNDS = [
    fires(
        Bd,
        "every weekday at 9 starting next Monday",
        ny("2026-03-09T09:00:00", "2026-03-10T09:00:00", "2026-03-11T09:00:00"),
        kind="bounded",
        says="from Mon Mar 9",
    ),
    fires(
        Bd,
        "daily at 8am until Friday",
        ny("2026-03-05T08:00:00", "2026-03-06T08:00:00"),
        only=True,
        says="until Fri Mar 6",
    ),
    fires(
        Bd,
        "every Tuesday from January 5 to March 30",  # said in March: the range running now
        ny("2026-03-10T09:00:00", "2026-03-17T09:00:00", "2026-03-24T09:00:00"),
        only=True,
    ),
    fires(
        Bd,
        "every Tuesday from January 5 to March 30",
        ("2027-01-05T09:00:00+01:00", "2027-01-12T09:00:00+01:00"),
        tz=BERLIN,
        now=BERLIN_YEAR_END,
        says="from Tue Jan 5 until Tue Mar 30",
    ),
    fires(
        Bd,
        "every day at noon for the next two weeks",
        ("2026-03-04T12:00:00-05:00", "2026-03-05T12:00:00-05:00", "2026-03-08T12:00:00-04:00")[:2],
        says="until Tue Mar 17",
    ),
    fires(
        Bd,
        "each Monday, 6 times",
        ny("2026-03-09T09:00:00", "2026-03-16T09:00:00", "2026-03-23T09:00:00"),
        says="6 times, until Mon Apr 13",
        remainder="",
    ),
    fires(  # refused before issue 8
        Bd,
        "every day at 9am for 5 days",
        ny(*(f"2026-03-{d:02d}T09:00:00" for d in range(5, 10))),
        only=True,
    ),
    fires(
        Bd,
        "every weekday at 9:30 starting march 16 until march 20",
        ny(*(f"2026-03-{d}T09:30:00" for d in range(16, 21))),
        only=True,
    ),
    fires(
        Bd,
        "every monday at 9 until the end of the month",
        ny(
            "2026-03-09T09:00:00",
            "2026-03-16T09:00:00",
            "2026-03-23T09:00:00",
            "2026-03-30T09:00:00",
        ),
        only=True,
    ),
    fires(
        Bd,
        "every 15 minutes for the next 2 hours",
        ny(
            *(
                f"2026-03-04T{h}:{m}:00"
                for h, m in [("10", "15"), ("10", "30"), ("10", "45"), ("11", "00"), ("11", "15")]
            )
        ),
        says="until Wed Mar 4 12:00 PM",
    ),
    fires(
        Bd,
        "every day at 9 between march 10 and march 20",
        ny("2026-03-10T09:00:00", "2026-03-11T09:00:00"),
        says="from Tue Mar 10 until Fri Mar 20",
    ),
    fires(
        Bd,
        "every other monday at 9 starting march 16",
        ny("2026-03-16T09:00:00", "2026-03-30T09:00:00", "2026-04-13T09:00:00"),
        kind="rrule",
    ),
    fires(
        Bd,
        "every other friday at 5pm until april 30",
        ny(
            "2026-03-06T17:00:00",
            "2026-03-20T17:00:00",
            "2026-04-03T17:00:00",
            "2026-04-17T17:00:00",
        ),
        only=True,
    ),
    fires(
        Bd,
        "post the numbers every monday at 9 until april 6, please",
        ny("2026-03-09T09:00:00", "2026-03-16T09:00:00"),
        remainder="post the numbers, please",
    ),
    fires(Bd, "every day at 9 starting today", "0 9 * * *", kind="cron"),
    fires(Bd, "every day at 9am from now on", "0 9 * * *", kind="cron"),
    fires(
        Bd,
        "every weekday at 9am until december 31",
        ("2026-12-31T09:00:00+11:00",),
        tz=SYDNEY,
        now="2026-12-30T10:00:00",
        only=True,
    ),
    fires(
        Bd,
        "every day at 10:30 for 3 times",
        ("2026-12-01T10:30:00+05:30", "2026-12-02T10:30:00+05:30", "2026-12-03T10:30:00+05:30"),
        tz=KOLKATA,
        now=KOLKATA_NOV,
        only=True,
    ),
    fires(
        Bd,
        "every sunday at 23:00 until feb 28",
        tuple(f"2027-02-{d:02d}T23:00:00+00:00" for d in (7, 14, 21, 28)),
        tz=UTC,
        now=UTC_JAN,
        only=True,
    ),
    fires(
        Bd,
        "every day at 2:30am until march 10",  # March 8 2:30 is in the gap
        ("2026-03-08T03:00:00-04:00", "2026-03-09T02:30:00-04:00", "2026-03-10T02:30:00-04:00"),
        now="2026-03-07T12:00:00",
        only=True,
    ),
    fires(
        Bd,
        "every day at 02:30 for 3 days",  # October 25 2:30 happens twice: once
        ("2026-10-25T02:30:00+02:00", "2026-10-26T02:30:00+01:00", "2026-10-27T02:30:00+01:00"),
        tz=BERLIN,
        now=BERLIN_FALL,
        only=True,
    ),
    fires(
        Bd,
        "every weekday at 9 starting next monday",
        ("2026-04-06T09:00:00+10:00", "2026-04-07T09:00:00+10:00"),
        tz=SYDNEY,
        now=SYDNEY_FALL,
    ),
    fires(Bd, "post the sale for 5 days tomorrow at 9", ny("2026-03-05T09:00:00"), kind="once"),
    refuses(Bd, "every day at 9 for the rest of the month", "never fires", now=NY_MONTH_END),
    refuses(Bd, "every day at 9 until yesterday", "in the past"),
    refuses(Bd, "every day at 9am starting 2020-01-01", "in the past"),
    refuses(Bd, "tomorrow at 9 until friday", "needs a repeating schedule"),
    refuses(Bd, "every day at 9 for the rest of the week", "Friday, Saturday or Sunday"),
    refuses(Bd, "every day at 9 until friday until monday", "two ends"),
    refuses(Bd, "every day at 9 for 2 weeks for 3 days", "two limits"),
    fires(
        Bd,
        "every day at 9am 3 times for 2 weeks",  # both: whichever ends first
        ny("2026-03-05T09:00:00", "2026-03-06T09:00:00", "2026-03-07T09:00:00"),
        only=True,
    ),
]

Wn = "windows"
WINDOWS = [
    fires(Wn, "every hour between 9am and 5pm on weekdays", "0 9-17 * * 1-5", says="to 5:00 PM"),
    fires(Wn, "every 30 minutes from 9 to 11:30", "*/30 9-11 * * *", says="to 11:30 AM"),
    fires(  # refused before issue 8
        Wn,
        "every 30 minutes between 9 and 5",
        ny("2026-03-04T10:30:00", "2026-03-04T11:00:00", "2026-03-04T11:30:00"),
        kind="rrule",
        says="to 5:00 PM",
    ),
    fires(Wn, "every hour from 9am until 5pm", "0 9-17 * * *"),
    fires(Wn, "hourly between 8am and 6pm", "0 8-18 * * *"),
    fires(
        Wn,
        "every 15 minutes between 9 and 10 on weekdays",
        ny(*(f"2026-03-05T{t}:00" for t in ("09:00", "09:15", "09:30", "09:45", "10:00"))),
        kind="rrule",
    ),
    fires(Wn, "every 2 hours from 8am to 6pm", "0 8-18/2 * * *"),
    fires(Wn, "every hour at :30 between 9 and 5", "30 9-16 * * *"),
    fires(Wn, "every 20 minutes 9am-5pm on weekdays", "*/20 9-16 * * 1-5", kind="rrule"),
    fires(Wn, "every hour between 10pm and 2am", "0 0-2,22,23 * * *"),
    fires(
        Wn,
        "every 30 minutes between 08:00 and 12:00 on weekdays",  # Berlin springs forward Mar 29
        ("2026-03-27T11:30:00+01:00", "2026-03-27T12:00:00+01:00", "2026-03-30T08:00:00+02:00"),
        tz=BERLIN,
        now="2026-03-27T11:00:00",
    ),
    fires(
        Wn,
        "every hour between 9am and 5pm on weekdays",
        "0 9-17 * * 1-5",
        tz=SYDNEY,
        now=SYDNEY_FALL,
    ),
    refuses(Wn, "every hour between 10pm and 2am on fridays", "past midnight"),
    refuses(Wn, "between 9 and 5 on weekdays", "needs how often"),
    refuses(Wn, "every 15 minutes during business hours", "business hours"),
    asks(
        Wn,
        "every hour between 1 and 4",
        "1:00 AM or 1:00 PM",
        "1:00 AM",
        "1:00 PM",
        whens=("every hour between 1am and 4", "every hour between 1pm and 4"),
    ),
]

St = "several-times"
SEVERAL = [
    fires(St, "at 9am and 1pm on Mondays and Thursdays", "0 9,13 * * 1,4"),
    fires(
        St,
        "every day at 9am and 1:30pm",
        ny("2026-03-04T13:30:00", "2026-03-05T09:00:00", "2026-03-05T13:30:00"),
        kind="rrule",
    ),
    fires(  # refused before issue 8
        St,
        "every weekday at 9:30am and 4pm",
        ny("2026-03-04T16:00:00", "2026-03-05T09:30:00", "2026-03-05T16:00:00"),
        kind="rrule",
    ),
    fires(St, "every day at 9 and 5", "0 9,17 * * *"),
    fires(St, "at 10 and 2 every day", "0 10,14 * * *"),
    fires(
        St,
        "every day at 8am and 12:15pm and 6",
        ny("2026-03-04T12:15:00", "2026-03-04T18:00:00", "2026-03-05T08:00:00"),
    ),
    fires(
        St,
        "on the 1st of every month at 9am and 4:30pm",
        ny("2026-04-01T09:00:00", "2026-04-01T16:30:00", "2026-05-01T09:00:00"),
        kind="rrule",
    ),
    fires(
        St,
        "every day at 9:15 and 18:45",
        ("2026-12-01T09:15:00+05:30", "2026-12-01T18:45:00+05:30", "2026-12-02T09:15:00+05:30"),
        tz=KOLKATA,
        now=KOLKATA_NOV,
    ),
    fires(
        St,
        "every day at 1:30am and 2:30am",
        ("2026-03-08T01:30:00-05:00", "2026-03-08T03:00:00-04:00", "2026-03-09T01:30:00-04:00"),
        now=NY_SPRING,
    ),
    fires(
        St,
        "every day at 1am and 1:30am",  # the repeated hour: each once
        ("2026-11-01T01:00:00-04:00", "2026-11-01T01:30:00-04:00", "2026-11-02T01:00:00-05:00"),
        now=NY_FALL,
    ),
    fires(
        St,
        "every day at 1:15am and 2:40am",
        ("2026-11-01T01:15:00-04:00", "2026-11-01T02:40:00-05:00", "2026-11-02T01:15:00-05:00"),
        now=NY_FALL,
        kind="rrule",
    ),
    fires(
        St,
        "every day at 2:30am and 3:15am",  # 2:30 is in Sydney's gap
        ("2026-10-04T03:00:00+11:00", "2026-10-04T03:15:00+11:00", "2026-10-05T02:30:00+11:00"),
        tz=SYDNEY,
        now=SYDNEY_SPRING,
    ),
    fires(
        St,
        "every day at 2:30am and 9:15am",
        ("2026-04-05T02:30:00+11:00", "2026-04-05T09:15:00+10:00", "2026-04-06T02:30:00+10:00"),
        tz=SYDNEY,
        now=SYDNEY_FALL,
    ),
]

Wk = "weeks-rrule"
WEEKS = [
    fires(
        Wk,
        "every other week on Monday and Wednesday at 10",
        ny(
            "2026-03-09T10:00:00",
            "2026-03-11T10:00:00",
            "2026-03-23T10:00:00",
            "2026-03-25T10:00:00",
        ),
        kind="rrule",
    ),
    fires(
        Wk,
        "every 3 weeks on Friday",
        ny("2026-03-06T09:00:00", "2026-03-27T09:00:00", "2026-04-17T09:00:00"),
        kind="rrule",
    ),
    fires(
        Wk,
        "every other week on tuesday and thursday at 2pm",
        ny("2026-03-05T14:00:00", "2026-03-17T14:00:00", "2026-03-19T14:00:00"),
    ),
    fires(
        Wk,
        "every 2 weeks on monday, wednesday and friday at 9:30am",
        ny("2026-03-06T09:30:00", "2026-03-16T09:30:00", "2026-03-18T09:30:00"),
    ),
    fires(
        Wk,
        "biweekly on mon and thu at 9 and 4:30",
        ny("2026-03-05T09:00:00", "2026-03-05T16:30:00", "2026-03-16T09:00:00"),
    ),
    asks(
        Wk,
        "every other friday at 5pm",
        "starting today",
        "Starting today, Fri Mar 6",
        "Starting Fri Mar 13",
        now="2026-03-06T10:00:00",
    ),
    fires(
        Wk,
        "every other friday at 5pm starting March 13, 2026",
        ny("2026-03-13T17:00:00", "2026-03-27T17:00:00", "2026-04-10T17:00:00"),
        now="2026-03-06T10:00:00",
    ),
    asks(
        Wk,
        "every other week on monday and wednesday at 10",
        "starting today",
        "Starting today, Mon Mar 9",
        "Starting Mon Mar 16",
        now="2026-03-09T08:00:00",
    ),
    fires(
        Wk,
        "every other week on monday and wednesday at 10am",
        ("2026-04-06T10:00:00+10:00", "2026-04-08T10:00:00+10:00", "2026-04-20T10:00:00+10:00"),
        tz=SYDNEY,
        now=SYDNEY_FALL,
    ),
    fires(
        Wk,
        "every other sunday at 02:30",  # Berlin springs forward at 2:00 on March 29
        ("2026-03-29T03:00:00+02:00", "2026-04-12T02:30:00+02:00", "2026-04-26T02:30:00+02:00"),
        tz=BERLIN,
        now="2026-03-28T12:00:00",
    ),
]

Sr = "surrounding"
SURROUNDING = [
    fires(Sr, "daily would work best for us", "0 9 * * *", remainder="would work best for us"),
    fires(
        Sr,
        "remind the team every Tuesday to update the board, please",
        "0 9 * * 2",
        remainder="remind the team to update the board, please",
    ),
    fires(
        Sr,
        "can you post the summary on a weekly basis on fridays at 4pm",
        "0 16 * * 5",
        remainder="can you post the summary",
    ),
    fires(
        Sr,
        "we'd like the digest daily, thanks",
        "0 9 * * *",
        remainder="we'd like the digest, thanks",
    ),
    fires(Sr, "hey tock, every monday at 10 would be great for the standup", "0 10 * * 1"),
    fires(Sr, "please send the weekly report every friday at 3pm", "0 15 * * 5"),
    fires(Sr, "i think daily at 9:30 is best", "30 9 * * *"),
    fires(Sr, "remind me about the daily standup at 9", ny("2026-03-05T09:00:00"), kind="once"),
]

Cx = "raw-cron-ext"
CRON_EXT = [
    fires(Cx, "0 10 * * 1#1", "0 10 * * 1#1"),
    fires(Cx, "0 17 LW * *", "0 17 LW * *"),
    fires(Cx, "0 17 * * 5L", "0 17 * * 5L"),
    fires(Cx, "0 10 * * 5#1,5#3", "0 10 * * 5#1,5#3", says="first and third Friday"),
    fires(Cx, "cron: 0 9 L * *", "0 9 L * *"),
    fires(Cx, "cron 30 8 * * mon#2", "30 8 * * 1#2"),
    fires(Cx, "0 9 1,LW * *", "0 9 1,LW * *"),
    fires(Cx, "0 10 1-7 * 1", "0 10 1-7 * 1", note="`0 10 * * 1#1`"),
    fires(Cx, "0 9 8-14 * 1-5", "0 9 8-14 * 1-5", note="`0 9 * * 1#2,2#2,3#2,4#2,5#2`"),
    fires(Cx, "0 9 * * 1#1", "0 9 * * 1#1", tz=BERLIN, now=BERLIN_YEAR_END),
    refuses(Cx, "0 10 * * 8#1", "outside 0-7"),
    refuses(Cx, "0 10 * * 1#6", "must be 1-5"),
    refuses(Cx, "cron: 0 10 * * L", "needs a weekday"),
    refuses(Cx, "0 10 15W * *", "LW"),
    fires(Cx, "every 60 seconds", "* * * * *"),
    fires(Cx, "every 120 seconds", "*/2 * * * *"),
    refuses(Cx, "every 90 seconds", "whole number of minutes"),
]

Q = "questions"
QUESTIONS = [
    asks(Q, "at 4", "4:00 AM or 4:00 PM", "4:00 AM", "4:00 PM", whens=("at 4am", "at 4pm")),
    asks(
        Q,
        "remind me at 3 to call mom",
        "3:00 AM or 3:00 PM",
        "3:00 AM",
        "3:00 PM",
        whens=("remind me at 3am to call mom", "remind me at 3pm to call mom"),
    ),
    asks(Q, "every monday at 6:30", "6:30 AM or 6:30 PM", "6:30 AM", "6:30 PM"),
    asks(
        Q,
        "every day at half past 4",
        "4:30 AM or 4:30 PM",
        "4:30 AM",
        "4:30 PM",
        whens=("every day at 4:30am", "every day at 4:30pm"),
    ),
    asks(
        Q,
        "every day at 2 and 4",
        "2:00 AM or 2:00 PM",
        "2:00 AM",
        "2:00 PM",
        whens=("every day at 2am and 4", "every day at 2pm and 4"),
    ),
    fires(Q, "tomorrow afternoon at 4", ny("2026-03-05T16:00:00")),
    fires(Q, "today at 4", ny("2026-03-04T16:00:00")),  # 4 AM has gone: no question
    asks(
        Q,
        "every other friday at 4",  # two questions: the second splits a reading
        '"at 4": 4:00 AM or 4:00 PM',
        "4:00 AM",
        "4:00 PM, starting today, Fri Mar 6",
        "4:00 PM, starting Fri Mar 13",
        now="2026-03-06T10:00:00",
    ),
    fires(
        Q,
        "every day at 9am and half past 4",  # after 9 AM in the text: 4:30 PM
        ny("2026-03-04T16:30:00", "2026-03-05T09:00:00", "2026-03-05T16:30:00"),
        kind="rrule",
    ),
    fires(Q, "at 9 and 5 every weekday", "0 9,17 * * 1-5"),
    fires(Q, "every day at 4 in the morning", "0 4 * * *"),
    fires(Q, "every day at 04:00", "0 4 * * *"),
    fires(Q, "tonight at 6", ny("2026-03-04T18:00:00")),
    fires(Q, "every day at 7", "0 7 * * *"),
    fires(Q, "every day at 11", "0 11 * * *"),
    asks(
        Q,
        "on the 1st at 9",
        "less than a day",
        "Wed Apr 1",
        "Fri May 1",
        now=NY_MONTH_END,
        whens=("on April 1, 2026 at 9", "on May 1, 2026 at 9"),
    ),
    asks(
        Q,
        "the 1st at 10",
        "less than a day",
        "Fri Jan 1",
        "Mon Feb 1",
        tz=BERLIN,
        now=BERLIN_YEAR_END,
        whens=("January 1, 2027 at 10", "February 1, 2027 at 10"),
    ),
    asks(
        Q,
        "the 1st at noon",
        "less than a day",
        "Sun Feb 1",
        "Sun Mar 1",
        tz=SYDNEY,
        now="2026-02-01T08:00:00",
    ),
    asks(
        Q,
        "every other monday at 9:30",
        "starting today",
        "Starting today, Mon Nov 30",
        "Starting Mon Dec 7",
        tz=KOLKATA,
        now="2026-11-30T08:00:00",
    ),
]

SPOKEN = [*NTH, *ONCE_A, *BOUNDS, *WINDOWS, *SEVERAL, *WEEKS, *SURROUNDING, *CRON_EXT, *QUESTIONS]
