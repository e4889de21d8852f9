"""Daily standup reports: what each agent finished, is doing, waits on, and what is late."""
