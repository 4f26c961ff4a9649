"""The routing engine: Job Router's state and behaviour, with no HTTP in it."""
