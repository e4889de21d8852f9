"""Workspaces: the walls between teams; every row lives in exactly one."""
