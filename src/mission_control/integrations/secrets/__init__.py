"""Integration secrets (provider API keys, tokens): where each comes from, stored encrypted."""
