"""Search across tasks, agents, activities and (for admins) the audit log."""
