"""The scheduler and its named jobs."""
