"""The `/tock` slash command: its grammar (`grammar`) and running it (`handler`)."""
