"""Agents: the registry, self-registration, heartbeats, keys, connections and insights."""
