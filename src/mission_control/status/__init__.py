"""Health and status of the running service."""
