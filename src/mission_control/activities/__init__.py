"""The activity feed: what happened, by whom, to what."""
