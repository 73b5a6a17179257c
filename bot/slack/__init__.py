"""Everything that speaks Slack: people and channels, the one sender, Web API helpers,
Block Kit, ids and limits."""
