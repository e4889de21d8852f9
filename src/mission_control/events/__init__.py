"""Live events: the transactional outbox, the per-process bus and Server-Sent Events."""
