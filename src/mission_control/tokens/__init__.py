"""Token usage and what it costs."""
