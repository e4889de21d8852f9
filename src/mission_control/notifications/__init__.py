"""Notifications to users and agents, with read and delivered tracking."""
