"""User accounts and their management API."""
