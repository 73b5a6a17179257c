"""The closed set of actions the agent, the slash command and the buttons may take.

`timeparse` reads a "when" into a trigger; `scheduler_tools` is the one way
schedules change; `refs` holds Slack's channel and user ids; `caller` says who
is asking. `NEXT_RUNS` is how many upcoming fire times every answer shows
(a parsed time, a schedule, a preview).
"""

NEXT_RUNS = 5
