"""The security layer: identity, roles, network controls, CSRF, headers, limits, audit."""
