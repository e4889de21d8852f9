"""The global API key: its status and rotation."""
