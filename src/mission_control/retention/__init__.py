"""Retention: deleting rows older than each table's retention."""
