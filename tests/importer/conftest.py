"""Importer tests share the webhook tests' real loopback receiver."""

from tests.webhooks.conftest import receiver

__all__ = ["receiver"]
