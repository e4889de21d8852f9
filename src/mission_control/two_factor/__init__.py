"""Two-factor login (TOTP) with one-time recovery codes."""
