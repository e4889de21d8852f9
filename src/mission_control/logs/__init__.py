"""The server's structured log: writing and reading it."""
