"""Workflow templates: reusable task blueprints."""
