"""Downloads of tasks, activities and the audit log as CSV or JSON (admin, audited)."""
