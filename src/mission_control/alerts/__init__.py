"""Alert rules: conditions over agents, tasks, sessions, activity and security events."""
