"""Outside services Mission Control talks to: Google sign-in and 1Password."""
