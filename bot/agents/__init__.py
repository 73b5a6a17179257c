"""The agents that answer people: an LLM with the scheduler tools (`llm`), a deterministic
one for when there is no LLM (`offline`), what both share (`turn`), and the `/tock`
equivalent of a request (`suggest`)."""
