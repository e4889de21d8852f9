"""Tasks: the work items agents pull, with comments, reviews, the queue and metrics."""
