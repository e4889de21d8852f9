"""Sessions and login: setup, login, logout, me, own sessions and personal keys."""
