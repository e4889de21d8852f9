"""Database layer: engines, tables, migrations and transactions."""
