"""Building the running pieces from one Config: CLI, wiring, runner, reload."""
