"""Pipelines of workflow templates and their runs."""
