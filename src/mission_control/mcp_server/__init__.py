"""`mc mcp`: an MCP server (stdio) exposing the agent-facing API as tools."""
