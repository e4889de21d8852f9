"""Outbound webhooks: signed deliveries of events from a durable queue, with SSRF guards."""
