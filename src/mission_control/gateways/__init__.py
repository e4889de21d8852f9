"""OpenClaw gateways registered at /api/gateways: the registry, health probes, sessions, agents."""
