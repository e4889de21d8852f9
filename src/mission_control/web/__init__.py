"""The server-rendered web interface: page routes, templates and static files."""
