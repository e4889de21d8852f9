"""Google sign-in: ID token login, access requests and their admin review."""
