"""The job kinds that post into Slack (`slack_jobs`) and the channel digest (`digest`)."""
