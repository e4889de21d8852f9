"""Site settings through the API: declared keys only."""
