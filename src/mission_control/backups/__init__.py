"""Online backups of the SQLite database and restores."""
