"""The closed set of actions the agent, the slash command and the buttons may take.

`timeparse` reads a "when" into a trigger; `scheduler_tools` is the one way
schedules change; `refs` holds Slack's channel and user ids; `caller` says who
is asking.

Keep this file free of code: cron-descriptor installs a stray top-level
`tools` directory into site-packages, and with an editable install that
directory, not this package, answers `import tools` when Tock runs outside
the repository (the submodules still resolve). Anything defined here would
be missing there; tests/test_packaging.py checks it.
"""
