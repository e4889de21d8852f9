"""The OpenClaw gateway: device identity, the WebSocket protocol and a reconnecting client."""
